//! `/__admin` for the proxy: the violations with their exchanges, the judged exchanges, totals
//! per check, and a page that shows them. Off with `--no-admin`.

use actix_web::http::StatusCode;
use actix_web::{HttpResponse, Scope, web};
use serde_json::json;

use super::{ProxyState, error_response};

const PAGE: &str = include_str!("admin.html");

pub fn scope() -> Scope {
    web::scope("/__admin")
        .route("", web::get().to(page))
        .route("/", web::get().to(page))
        .service(
            web::resource("/violations")
                .get(violations)
                .delete(clear)
                .default_service(web::to(|| not_allowed("GET, DELETE"))),
        )
        .service(
            web::resource("/requests")
                .get(requests)
                .delete(clear)
                .default_service(web::to(|| not_allowed("GET, DELETE"))),
        )
        .default_service(web::to(|| async {
            error_response(
                StatusCode::NOT_FOUND,
                "Not found: no such admin endpoint",
                "the proxy's admin API has /__admin/ (page), /violations and /requests",
            )
        }))
}

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(PAGE)
}

/// Every violation the journal holds, with `side`, `check`, `message`, pointers, `status` and
/// the exchange's journal id; and the totals per check since the start.
async fn violations(state: web::Data<ProxyState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "violations": state.violations(),
        "totals": state.totals_so_far(),
    }))
}

async fn requests(state: web::Data<ProxyState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "exchanges": state.exchanges() }))
}

async fn clear(state: web::Data<ProxyState>) -> HttpResponse {
    state.clear();
    HttpResponse::Ok().json(json!({ "success": true }))
}

async fn not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = error_response(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        &format!("use {allow}"),
    );
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(allow) {
        response
            .headers_mut()
            .insert(actix_web::http::header::ALLOW, value);
    }
    response
}

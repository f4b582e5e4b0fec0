//! The proxy's part of `/__admin` (the page, health and shutdown come from the server layer):
//! the violations with their exchanges, the judged exchanges and the totals per check, and the
//! page that shows them. Off with `--no-admin`.

use actix_web::{HttpRequest, HttpResponse, Scope, web};
use serde_json::json;

use super::ProxyState;
use crate::server::admin::{self, not_allowed};

const PAGE: &str = include_str!("admin.html");

pub fn scope() -> Scope {
    admin::scope(PAGE, "/violations and /requests", |scope| {
        scope
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
    })
}

/// Every violation the journal holds, with `side`, `check`, `message`, pointers, `status` and
/// the exchange's journal id; and the totals per check since the start.
async fn violations(state: web::Data<ProxyState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "violations": state.violations(),
        "totals": state.totals_so_far(),
    }))
}

/// The judged exchanges: the admin API's JSON, or `?format=har` for HAR 1.2.
async fn requests(req: HttpRequest, state: web::Data<ProxyState>) -> HttpResponse {
    match admin::export_format(&req) {
        Ok(admin::Export::Json) => {
            HttpResponse::Ok().json(json!({ "exchanges": state.exchanges() }))
        }
        Ok(admin::Export::Har) => admin::har_response(&crate::har::write::document(
            "mfa-contract proxy",
            &state.har(),
        )),
        // The proxy knows no users: its interactions carry no provider state.
        Ok(admin::Export::Pact) => {
            let exchanges: Vec<_> = state.har().into_iter().map(|e| (e, Vec::new())).collect();
            HttpResponse::Ok().json(crate::pact::document(
                &state.contract,
                &state.pact,
                &exchanges,
            ))
        }
        Err(given) => admin::unknown_format(&given),
    }
}

async fn clear(state: web::Data<ProxyState>) -> HttpResponse {
    state.clear();
    HttpResponse::Ok().json(json!({ "success": true }))
}

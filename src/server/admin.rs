//! The admin scaffolding every server has under `/__admin` (off with `--no-admin`): the page,
//! `GET /health` (ready, and which contract), `POST /shutdown` (stop as Ctrl-C does), a 405 with
//! `Allow` and a 404 that lists the endpoints, all in the contract's error shape. The mock and
//! the proxy add their own endpoints to it.

use std::sync::OnceLock;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, Scope, web};
use serde_json::{Map, Value, json};

use crate::contract::Contract;

/// What `/health` says and what `/shutdown` stops, registered as app data by each server.
pub struct Control {
    health: Value,
    server: OnceLock<ServerHandle>,
}

impl Control {
    pub fn new(contract: &Contract) -> Self {
        let identity = contract.identity();
        Self {
            health: json!({
                "status": "ready",
                "endpoint": identity.endpoint,
                "contract": identity.short(),
                "version": env!("CARGO_PKG_VERSION"),
            }),
            server: OnceLock::new(),
        }
    }

    /// The running server, once it runs: `/shutdown` stops it through this.
    pub fn attach(&self, handle: ServerHandle) {
        let _ = self.server.set(handle);
    }

    /// Stops the server gracefully, after the answers in flight (this one included) went out;
    /// false when there is no server to stop (an in-process test service).
    pub fn stop(&self) -> bool {
        let Some(handle) = self.server.get().cloned() else {
            return false;
        };
        actix_web::rt::spawn(async move { handle.stop(true).await });
        true
    }
}

/// `/__admin` with the page, `/health` and `/shutdown`, then the server's own endpoints from
/// `endpoints`; anything else is a 404 that names `listing`.
pub fn scope(
    page: &'static str,
    listing: &'static str,
    endpoints: impl FnOnce(Scope) -> Scope,
) -> Scope {
    let scope = web::scope("/__admin")
        .route("", web::get().to(move || serve_page(page)))
        .route("/", web::get().to(move || serve_page(page)))
        .service(
            web::resource("/health")
                .get(health)
                .default_service(web::to(|| not_allowed("GET"))),
        )
        .service(
            web::resource("/shutdown")
                .post(shutdown)
                .default_service(web::to(|| not_allowed("POST"))),
        );
    endpoints(scope).default_service(web::to(move || async move {
        error(
            StatusCode::NOT_FOUND,
            "Not found: no such admin endpoint",
            &format!("the admin API has /__admin/ (page), /health, /shutdown, {listing}"),
            Map::new(),
        )
    }))
}

async fn serve_page(page: &'static str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(page)
}

/// 200 once the server serves: what start-up scripts, Playwright's `webServer.url` and
/// container health checks wait for. Names the endpoint and the contract, so a script can tell
/// it reached the server it meant.
async fn health(control: web::Data<Control>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(&control.health)
}

/// Stops the server as Ctrl-C does (it prints its summary), for a CI step that started it in
/// the background, on any OS and through any launcher (WireMock has the same endpoint).
async fn shutdown(control: web::Data<Control>) -> HttpResponse {
    if control.stop() {
        HttpResponse::Ok().json(json!({ "success": true, "stopping": true }))
    } else {
        error(
            StatusCode::CONFLICT,
            "Conflict: this server is not running on its own",
            "an in-process server is stopped by the code that started it",
            Map::new(),
        )
    }
}

/// A 405 that says which methods are allowed, in `Allow` and in the body.
pub async fn not_allowed(allow: &'static str) -> HttpResponse {
    let mut response = error(
        StatusCode::METHOD_NOT_ALLOWED,
        "Method not allowed",
        &format!("use {allow}"),
        Map::new(),
    );
    response
        .headers_mut()
        .insert(header::ALLOW, HeaderValue::from_static(allow));
    response
}

/// An answer in the contract's error shape: `success: false`, `error`, `detail`, and `extra`.
pub fn error(
    status: StatusCode,
    error: &str,
    detail: &str,
    extra: Map<String, Value>,
) -> HttpResponse {
    let mut body = Map::new();
    body.insert("success".into(), json!(false));
    body.insert("error".into(), json!(error));
    body.insert("detail".into(), json!(detail));
    body.extend(extra);
    HttpResponse::build(status).json(Value::Object(body))
}

/// What a journal endpoint answers with: the admin API's JSON, HAR 1.2 (`?format=har`), or a
/// Pact V4 file (`?format=pact`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    Json,
    Har,
    /// A Pact V4 consumer contract.
    Pact,
}

/// The `format` query parameter of a journal endpoint; an unknown one is returned as is, for
/// [`unknown_format`].
pub fn export_format(req: &actix_web::HttpRequest) -> Result<Export, String> {
    let format = url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(name, _)| name == "format")
        .map(|(_, value)| value.into_owned());
    match format.as_deref() {
        None | Some("json") => Ok(Export::Json),
        Some("har") => Ok(Export::Har),
        Some("pact") => Ok(Export::Pact),
        Some(_) => Err(format.unwrap_or_default()),
    }
}

/// A 400 that names the formats there are.
pub fn unknown_format(given: &str) -> HttpResponse {
    error(
        StatusCode::BAD_REQUEST,
        "Bad Request: unknown format",
        &format!(
            "format={given}: the journal comes as format=json (the default), format=har or format=pact"
        ),
        Map::new(),
    )
}

/// `http://host:port` as the client reached this server, for the URLs of exported requests.
pub fn base_url(req: &actix_web::HttpRequest) -> String {
    let info = req.connection_info();
    format!("{}://{}", info.scheme(), info.host())
}

/// A HAR document, with the media type HAR viewers expect.
pub fn har_response(document: &Value) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        ))
        .insert_header((
            header::CONTENT_DISPOSITION,
            HeaderValue::from_static("inline; filename=\"mfa-contract.har\""),
        ))
        .body(document.to_string())
}

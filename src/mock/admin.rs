//! `/__admin`: what frontend test suites and a developer's second browser tab use. The journal,
//! the users' state, a reset, and scenarios armed on the server for clients that cannot send a
//! `Prefer` header. Off with `--no-admin`.

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpResponse, Scope};
use serde::Deserialize;
use serde_json::{Map, json};

use super::MockState;
use super::reply::Reply;
use super::scenario::{Fault, Scenario, Times};

const PAGE: &str = include_str!("admin.html");

pub fn scope() -> Scope {
    web::scope("/__admin")
        .route("", web::get().to(page))
        .route("/", web::get().to(page))
        .service(
            web::resource("/requests")
                .get(requests)
                .delete(clear_requests)
                .default_service(web::to(|| not_allowed("GET, DELETE"))),
        )
        .service(
            web::resource("/health")
                .get(health)
                .default_service(web::to(|| not_allowed("GET"))),
        )
        .service(
            web::resource("/shutdown")
                .post(shutdown)
                .default_service(web::to(|| not_allowed("POST"))),
        )
        .service(
            web::resource("/state")
                .get(state)
                .default_service(web::to(|| not_allowed("GET"))),
        )
        .service(
            web::resource("/reset")
                .post(reset)
                .default_service(web::to(|| not_allowed("POST"))),
        )
        .service(
            web::resource("/scenarios")
                .get(scenarios)
                .post(arm)
                .delete(disarm)
                .default_service(web::to(|| not_allowed("GET, POST, DELETE"))),
        )
        .default_service(web::to(|| async {
            respond(Reply::error(
                StatusCode::NOT_FOUND,
                "Not found: no such admin endpoint",
                "the admin API has /__admin/ (page), /health, /requests, /state, /reset, /scenarios and /shutdown",
                Map::new(),
            ))
        }))
}

async fn page() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header(("Cache-Control", "no-store"))
        .body(PAGE)
}

/// 200 once the mock serves: what start-up scripts, Playwright's `webServer.url` and container
/// health checks wait for. Names the endpoint and the contract, so a script can tell it reached
/// the mock it meant.
async fn health(state: web::Data<MockState>) -> HttpResponse {
    let identity = state.contract.identity();
    HttpResponse::Ok()
        .insert_header(("Cache-Control", "no-store"))
        .json(json!({
            "status": "ready",
            "endpoint": identity.endpoint,
            "contract": identity.short(),
            "version": env!("CARGO_PKG_VERSION"),
        }))
}

/// Stops the mock as Ctrl-C does (it prints its summary), for a CI step that started it in the
/// background, on any OS and through any launcher (WireMock has the same endpoint).
async fn shutdown(state: web::Data<MockState>) -> HttpResponse {
    if state.shut_down() {
        ok(json!({ "stopping": true }))
    } else {
        respond(Reply::error(
            StatusCode::CONFLICT,
            "Conflict: this mock is not running as a server",
            "an in-process mock is stopped by the code that started it",
            Map::new(),
        ))
    }
}

async fn requests(state: web::Data<MockState>) -> HttpResponse {
    let entries = state.journal().entries();
    HttpResponse::Ok().json(json!({ "requests": entries, "capacity": state.settings.journal_size }))
}

async fn clear_requests(state: web::Data<MockState>) -> HttpResponse {
    state.journal().clear();
    ok(json!({}))
}

async fn state(state: web::Data<MockState>) -> HttpResponse {
    let users = state.users();
    HttpResponse::Ok().json(json!({
        "strictTokens": users.strict(),
        "defaultUser": users.default_user(),
        "users": users.snapshot(),
        "methods": state.contract.methods().into_iter().map(|(m, meaning)| json!({"value": m, "meaning": meaning})).collect::<Vec<_>>(),
        "scenarioForms": state.rules.accepted(),
        "armed": state.armed.list(),
    }))
}

/// Everything back as at start: users from the file, no armed scenario, an empty journal.
async fn reset(state: web::Data<MockState>) -> HttpResponse {
    state.users().reset();
    state.armed.clear();
    state.journal().clear();
    ok(json!({}))
}

async fn scenarios(state: web::Data<MockState>) -> HttpResponse {
    HttpResponse::Ok().json(json!({ "armed": state.armed.list() }))
}

/// The body of `POST /__admin/scenarios`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ArmRequest {
    code: Option<u16>,
    example: Option<String>,
    delay: Option<u64>,
    fault: Option<Fault>,
    /// Only requests with this bearer token trigger it.
    token: Option<String>,
    /// A count, or "until_reset"; 1 when absent.
    times: Option<Times>,
}

async fn arm(state: web::Data<MockState>, body: Bytes) -> HttpResponse {
    let request: ArmRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return bad_request(
                format!("the body is not a scenario: {e}"),
                state.rules.accepted(),
            );
        }
    };
    let scenario = Scenario {
        code: request.code,
        example: request.example,
        delay: request.delay,
        fault: request.fault,
    };
    if let Err(e) = state.rules.check(&scenario) {
        return bad_request(e.detail, e.accepted);
    }
    let token = request.token.filter(|t| !t.trim().is_empty());
    let result = state
        .armed
        .arm(scenario, token, request.times.unwrap_or(Times::Count(1)))
        .map(|a| json!(a));
    match result {
        Ok(armed) => HttpResponse::Created().json(json!({ "success": true, "armed": armed })),
        Err(detail) => bad_request(detail, state.rules.accepted()),
    }
}

async fn disarm(state: web::Data<MockState>) -> HttpResponse {
    state.armed.clear();
    ok(json!({}))
}

fn ok(mut extra: serde_json::Value) -> HttpResponse {
    extra["success"] = json!(true);
    HttpResponse::Ok().json(extra)
}

fn bad_request(detail: String, accepted: Vec<String>) -> HttpResponse {
    let mut extra = Map::new();
    extra.insert("accepted".into(), json!(accepted));
    respond(Reply::error(
        StatusCode::BAD_REQUEST,
        "Bad Request: not a valid scenario",
        detail,
        extra,
    ))
}

async fn not_allowed(allow: &'static str) -> HttpResponse {
    respond(
        Reply::error(
            StatusCode::METHOD_NOT_ALLOWED,
            "Method not allowed",
            format!("use {allow}"),
            Map::new(),
        )
        .with_header(actix_web::http::header::ALLOW, allow),
    )
}

fn respond(reply: Reply) -> HttpResponse {
    reply.into_response(&Bytes::new())
}

//! The mock's part of `/__admin` (the page, health and shutdown come from the server layer):
//! what frontend test suites and a developer's second browser tab use. The journal, the users'
//! state, a reset, and scenarios armed on the server for clients that cannot send a `Prefer`
//! header. Off with `--no-admin`.

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse, Scope};
use serde::Deserialize;
use serde_json::{Map, json};

use super::MockState;
use super::armed::Times;
use super::scenario::{Fault, Scenario};
use crate::server::admin::{self, not_allowed};

const PAGE: &str = include_str!("admin.html");

pub fn scope() -> Scope {
    admin::scope(
        PAGE,
        "/requests, /state, /reset, /scenarios, /chaos and /provider-states",
        |scope| {
            scope
                .service(
                    web::resource("/provider-states")
                        .post(super::pact::change)
                        .default_service(web::to(|| not_allowed("POST"))),
                )
                .service(
                    web::resource("/requests")
                        .get(requests)
                        .delete(clear_requests)
                        .default_service(web::to(|| not_allowed("GET, DELETE"))),
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
                    web::resource("/chaos")
                        .get(chaos)
                        .post(change_chaos)
                        .default_service(web::to(|| not_allowed("GET, POST"))),
                )
                .service(
                    web::resource("/scenarios")
                        .get(scenarios)
                        .post(arm)
                        .delete(disarm)
                        .default_service(web::to(|| not_allowed("GET, POST, DELETE"))),
                )
        },
    )
}

/// The journal: the admin API's JSON, `?format=har` for HAR 1.2, `?format=pact` for Pact V4.
async fn requests(req: HttpRequest, state: web::Data<MockState>) -> HttpResponse {
    match admin::export_format(&req) {
        Ok(admin::Export::Json) => {
            let entries = state.journal().entries();
            HttpResponse::Ok()
                .json(json!({ "requests": entries, "capacity": state.settings.journal_size }))
        }
        Ok(admin::Export::Har) => {
            let exchanges = state.journal().har(&admin::base_url(&req));
            admin::har_response(&crate::har::write::document(
                "mfa-contract mock",
                &exchanges,
            ))
        }
        Ok(admin::Export::Pact) => super::pact::export(&req, &state),
        Err(given) => admin::unknown_format(&given),
    }
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
        "selectable": state.contract.selectable().into_iter().map(|(m, meaning)| json!({"value": m, "meaning": meaning})).collect::<Vec<_>>(),
        "operations": std::iter::once(json!({"operationId": state.contract.manifest().operation_id, "method": state.contract.method(), "path": state.contract.path()}))
            .chain(state.contract.operations().iter().map(|o| json!({"operationId": o.id(), "method": o.spec.method, "path": o.spec.path})))
            .collect::<Vec<_>>(),
        "scenarioForms": state.rules.accepted(),
        "armed": state.armed.list(),
        "chaos": state.chaos.snapshot(),
    }))
}

/// Everything back as at start: users from the file, no armed scenario, an empty journal, and
/// chaos's sequence from its first request again.
async fn reset(state: web::Data<MockState>) -> HttpResponse {
    state.users().reset();
    state.armed.clear();
    state.journal().clear();
    state.chaos.restart();
    ok(json!({}))
}

/// Chaos: rate, seed, weights, delay, each operation's request count, the last disturbances.
async fn chaos(state: web::Data<MockState>) -> HttpResponse {
    HttpResponse::Ok().json(state.chaos.snapshot())
}

/// Changes chaos while the mock runs: `{"rate": 0.2, "seed": 7, "weights": {"reset": 1},
/// "delayMs": 500}`, any of them (`"weights": null` goes back to the contract's).
async fn change_chaos(state: web::Data<MockState>, body: Bytes) -> HttpResponse {
    let change = serde_json::from_slice(&body)
        .map_err(|e| format!("the body is not JSON: {e}"))
        .and_then(|change| state.chaos.update(&change));
    match change {
        Ok(()) => {
            HttpResponse::Ok().json(json!({ "success": true, "chaos": state.chaos.snapshot() }))
        }
        Err(detail) => admin::error(
            StatusCode::BAD_REQUEST,
            "Bad Request: not a chaos setting",
            &detail,
            Map::new(),
        ),
    }
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
    admin::error(
        StatusCode::BAD_REQUEST,
        "Bad Request: not a valid scenario",
        &detail,
        extra,
    )
}

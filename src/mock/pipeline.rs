//! The request pipeline for everything outside `/__admin`. Each step either lets the request
//! through or stops it with a reply, in the order the README documents: route, method, auth,
//! content type, size, JSON, schema, scenario, state.

use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header;
use actix_web::web::{self, Bytes, BytesMut};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

use super::MockState;
use super::choose::{Chosen, scenario};
use super::record::{self, redact_bytes};
use super::reply::{Reply, Step, stop};
use super::state::Update;
use crate::contract::{RejectionKind, strip_position};
use crate::credentials::{Credentials, wrong_scheme};
use crate::media_type;
use crate::server::Outcome;

/// The handler behind every path but `/__admin`.
pub async fn endpoint(
    req: HttpRequest,
    mut payload: web::Payload,
    state: web::Data<MockState>,
) -> HttpResponse {
    let started = Instant::now();
    if req.path() != state.contract.path()
        && let Some(upstream) = req.app_data::<web::Data<crate::server::Upstream>>()
    {
        // In front of a real backend, every other path is the backend's.
        return upstream.pass(&req, payload, &state.logger).await;
    }
    let mut seen = Seen::default();
    let mut reply = match run(&req, &mut payload, &state, &mut seen).await {
        Ok(reply) => reply,
        Err(stop) => *stop,
    };
    if !seen.body_complete {
        reply.unread = Some(payload);
    }
    if reply.user.is_none()
        && let Some(token) = seen.token
    {
        // A refused request names a known user as an accepted one does, not by fingerprint.
        reply.user = state.users().who(token);
    }
    if let Some(token) = seen.token
        && reply.status.is_client_error()
    {
        // A rejection may quote what the client sent; the token is never quoted back.
        reply.body = redact_bytes(&reply.body, token);
    }
    // Written when the answer is complete; if the client gives up first, when it does.
    let pending = record::prepare(&req, &state, seen.token, &seen.body, &reply, started);
    let mut client_there = true;
    if let Some(delay) = reply.delay {
        client_there = hold(&req, delay).await;
    }
    let outcome = match reply.fault {
        _ if !client_there => Outcome::ClientGaveUp,
        Some(super::scenario::Fault::Timeout) => {
            // Held until the client gives up; if it never does, the bound ends it.
            if hold(&req, state.rules.max_delay).await {
                Outcome::Closed
            } else {
                Outcome::ClientGaveUp
            }
        }
        Some(super::scenario::Fault::Reset) => Outcome::Closed,
        _ => Outcome::Answered,
    };
    if let Some(pending) = pending {
        pending.finish(outcome);
    }
    reply.into_response(&state.bodies.malformed)
}

/// Waits `duration`, looking every 50 ms whether the client is still there; false when it
/// left first (then the wait ends at once).
async fn hold(req: &HttpRequest, duration: std::time::Duration) -> bool {
    const LOOK_EVERY: std::time::Duration = std::time::Duration::from_millis(50);
    let peer = req.conn_data::<crate::server::Peer>().cloned();
    let until = Instant::now() + duration;
    loop {
        let now = Instant::now();
        if now >= until {
            return true;
        }
        actix_web::rt::time::sleep((until - now).min(LOOK_EVERY)).await;
        if peer.as_ref().is_some_and(crate::server::Peer::gone) {
            return false;
        }
    }
}

/// What the pipeline learned that the journal needs; borrows from the request.
#[derive(Default)]
struct Seen<'r> {
    token: Option<&'r str>,
    body: Bytes,
    /// Whether the request body was read to its end.
    body_complete: bool,
}

async fn run<'r>(
    req: &'r HttpRequest,
    payload: &mut web::Payload,
    state: &MockState,
    seen: &mut Seen<'r>,
) -> Step<Reply> {
    route(req, state)?;
    let token = authenticate(req, state)?;
    seen.token = Some(token);
    content_type(req, state)?;
    seen.body = read_body(req, payload, state).await?;
    seen.body_complete = true;
    let method = selected_method(req, &seen.body, state)?;
    let scenario = scenario(req, state, token)?;
    Ok(answer(state, token, &method, scenario))
}

/// The method a valid body selects: from this worker's cache of bodies seen before, or parsed
/// and validated (and then remembered). A frontend sends the same few bodies again and again;
/// parsing and validating one costs more than the rest of the answer.
fn selected_method(req: &HttpRequest, bytes: &Bytes, state: &MockState) -> Step<Arc<str>> {
    let cache = req.app_data::<super::memo::ValidBodies>();
    if let Some(method) = cache.and_then(|c| c.get(bytes)) {
        return Ok(method);
    }
    let body = parse_json(bytes, state)?;
    validate(&body, state)?;
    let method: Arc<str> = state
        .contract
        .selected_method(&body)
        .expect("the request schema requires the selected value to be one of the enum's strings")
        .into();
    if let Some(cache) = cache {
        cache.remember(bytes, method.clone());
    }
    Ok(method)
}

fn route(req: &HttpRequest, state: &MockState) -> Step<()> {
    let contract = &state.contract;
    if req.path() != contract.path() {
        return stop(state.reject(
            RejectionKind::NotFound,
            format!(
                "{} {} is not served here; the endpoint is {} {}",
                req.method(),
                req.path(),
                contract.method(),
                contract.path()
            ),
        ));
    }
    if req.method().as_str() != contract.method() {
        return stop(
            state
                .reject(
                    RejectionKind::MethodNotAllowed,
                    format!(
                        "{} is not allowed on {}; use {}",
                        req.method(),
                        contract.path(),
                        contract.method()
                    ),
                )
                .with_header(header::ALLOW, contract.method()),
        );
    }
    Ok(())
}

fn authenticate<'r>(req: &'r HttpRequest, state: &MockState) -> Step<&'r str> {
    let auth = state.contract.auth();
    let unauthorized = |detail: &str, challenge: &str| {
        state
            .reject(RejectionKind::Unauthorized, detail)
            .with_header(header::WWW_AUTHENTICATE, challenge)
    };
    let scheme = auth.scheme.as_str();
    let Some(value) = req.headers().get(&state.settings.auth_header) else {
        return stop(unauthorized(
            &format!("the {} header is missing", auth.header),
            scheme,
        ));
    };
    let Ok(value) = value.to_str() else {
        return stop(unauthorized(
            &format!("the {} header is not printable ASCII", auth.header),
            scheme,
        ));
    };
    let credentials = Credentials::parse(value);
    if !credentials.has_scheme(scheme) {
        return stop(unauthorized(&wrong_scheme(value, scheme), scheme));
    }
    let Some(token) = credentials.token_for(scheme) else {
        return stop(unauthorized(
            &format!("the {scheme} token is empty"),
            scheme,
        ));
    };
    if state.settings.strict_tokens && !state.users().is_known(token) {
        return stop(unauthorized(
            "the token is not in the users file (the mock runs with --strict-tokens)",
            &format!("{scheme} error=\"invalid_token\""),
        ));
    }
    Ok(token)
}

fn content_type(req: &HttpRequest, state: &MockState) -> Step<()> {
    let expected = state.contract.request_spec().content_type.as_str();
    let given = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not ASCII)"));
    if given.is_some_and(|v| media_type::same(v, expected)) {
        return Ok(());
    }
    let detail = match given {
        None => "the Content-Type header is missing".to_owned(),
        Some(given) => format!("the Content-Type is {given:?}, not {expected}"),
    };
    stop(state.reject(RejectionKind::UnsupportedMediaType, detail))
}

async fn read_body(
    req: &HttpRequest,
    payload: &mut web::Payload,
    state: &MockState,
) -> Step<Bytes> {
    let limit = state.settings.max_body_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let mut body = BytesMut::new();
    let too_large = match declared {
        Some(declared) if declared > limit as u64 => Some(declared.to_string()),
        _ => loop {
            let Some(chunk) = payload.next().await else {
                break None;
            };
            let chunk = chunk.map_err(|e| {
                state.reject(
                    RejectionKind::MalformedJson,
                    format!("the body could not be read: {e}"),
                )
            })?;
            if body.len() + chunk.len() > limit {
                break Some(format!("more than {limit}"));
            }
            body.extend_from_slice(&chunk);
        },
    };
    match too_large {
        None => Ok(body.freeze()),
        Some(size) => stop(state.reject(
            RejectionKind::PayloadTooLarge,
            format!("the body is {size} bytes, over the limit of {limit} bytes"),
        )),
    }
}

fn parse_json(bytes: &Bytes, state: &MockState) -> Step<Value> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return stop(state.reject(RejectionKind::MalformedJson, "the body is empty"));
    }
    serde_json::from_slice(bytes).map_err(|e| {
        let mut extra = Map::new();
        extra.insert("line".into(), json!(e.line()));
        extra.insert("column".into(), json!(e.column()));
        state
            .reject_with(
                RejectionKind::MalformedJson,
                format!(
                    "line {} column {}: {}",
                    e.line(),
                    e.column(),
                    strip_position(&e)
                ),
                extra,
            )
            .into()
    })
}

fn validate(body: &Value, state: &MockState) -> Step<()> {
    let schema = state.contract.request_schema();
    if schema.is_valid(body) {
        return Ok(());
    }
    let violations = schema.violations(body);
    let summary: Vec<String> = violations.iter().map(|v| v.message.clone()).collect();
    let listed: Vec<Value> = violations
        .iter()
        .map(|v| json!({"pointer": v.instance_path, "message": v.message}))
        .collect();
    let mut extra = Map::new();
    extra.insert("violations".into(), Value::Array(listed));
    stop(state.reject_with(RejectionKind::SchemaViolation, summary.join("; "), extra))
}

fn answer(state: &MockState, token: &str, method: &str, chosen: Option<Chosen>) -> Reply {
    let Some(Chosen {
        label,
        scenario,
        chaos,
    }) = chosen
    else {
        return answer_from_state(state, token, method);
    };
    let mut reply = if let Some(name) = &scenario.example {
        state.bodies.example(name)
    } else if let Some(code) = scenario.code {
        state.bodies.default_for(code)
    } else {
        None
    }
    .unwrap_or_else(|| answer_from_state(state, token, method));
    reply.fault = scenario.fault;
    reply.delay = scenario.delay();
    reply.scenario = Some(label);
    reply.chaos = chaos;
    reply
}

fn answer_from_state(state: &MockState, token: &str, method: &str) -> Reply {
    let update = state.users().set_primary(token, method);
    let (reply, user) = match update {
        Update::Done(who) => (state.bodies.default_for(200), who),
        Update::NotEnrolled(who) => (state.bodies.default_for(500), who),
        Update::UnknownToken => {
            return state.reject(
                RejectionKind::Unauthorized,
                "the token is not in the users file",
            );
        }
    };
    let mut reply = reply.expect("the contract documents 200 and 500 with default examples");
    reply.user = Some(user);
    reply
}

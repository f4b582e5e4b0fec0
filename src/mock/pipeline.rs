//! The request pipeline for everything outside `/__admin`. Each step either lets the request
//! through or stops it with a reply, in the order the README documents: route, method, auth,
//! content type, size, JSON, schema, scenario, state.

use std::sync::Arc;
use std::time::Instant;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{Map, Value};

use super::MockState;
use super::choose::{Chosen, scenario};
use super::record::{self, redact_bytes};
use super::reply::{Reply, Step, stop};
use super::steps::{RequestFacts, authenticate, content_type, parse_json, read_body, validate};
use crate::contract::RejectionKind;
use crate::contract::rules::RequestValues;
use crate::contract::{Route, Target, sample_text};
use crate::server::Ending;

/// The handler behind every path but `/__admin`: the answer, compressed as the request asks.
pub async fn endpoint(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<MockState>,
) -> HttpResponse {
    let response = answer_request(&req, payload, &state).await;
    super::compress::as_asked(&req, state.settings.compress, response)
}

async fn answer_request(
    req: &HttpRequest,
    mut payload: web::Payload,
    state: &web::Data<MockState>,
) -> HttpResponse {
    let started = Instant::now();
    let route = if req.path() == state.contract.path() && req.method() == state.contract.method() {
        // The seed's operation without a lookup: the path a benchmark measures.
        Route::Found {
            target: Target::Seed,
            path: Map::new(),
        }
    } else {
        state.contract.route(req.method().as_str(), req.path())
    };
    if route == Route::NotFound
        && let Some(upstream) = req.app_data::<web::Data<crate::server::Upstream>>()
    {
        // In front of a real backend, every path the contract does not know is the backend's.
        return upstream.pass(req, payload, &state.logger).await;
    }
    let mut seen = RequestFacts::default();
    let mut reply = match run(req, &mut payload, state, &mut seen, route).await {
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
    let pending = record::prepare(req, state, seen.token, &seen.body, &reply, started);
    let mut client_there = true;
    if let Some(delay) = reply.delay {
        client_there = hold(req, delay).await;
    }
    let outcome = match reply.fault {
        _ if !client_there => Ending::ClientGaveUp,
        Some(super::scenario::Fault::Timeout) => {
            // Held until the client gives up; if it never does, the bound ends it.
            if hold(req, state.rules.max_delay).await {
                Ending::Closed
            } else {
                Ending::ClientGaveUp
            }
        }
        Some(super::scenario::Fault::Reset) => Ending::Closed,
        _ => Ending::Answered,
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

async fn run<'r>(
    req: &'r HttpRequest,
    payload: &mut web::Payload,
    state: &MockState,
    seen: &mut RequestFacts<'r>,
    route: Route,
) -> Step<Reply> {
    let (target, path) = routed(req, state, route)?;
    let served = state.served(target);
    let mut reply = match served {
        None => run_seed(req, payload, state, seen).await,
        Some(served) => super::operation::run(req, payload, state, seen, served, path).await,
    };
    // A refusal names the operation it refused as an answer does, in that operation's words.
    let (Ok(answer) | Err(answer)) = reply.as_mut().map_err(|r| &mut **r);
    answer.operation = Some(state.operation_id(target));
    if let Some((operation, served)) = served {
        served.restyle(answer, operation, &state.contract);
    }
    let status = answer.status.as_u16();
    let documented = match served {
        Some((operation, _)) => operation.documented_headers(status),
        None => state.contract.documented_headers(status),
    };
    for header in documented {
        answer.add_documented_header(&header.spec.name, &sample_text(header));
    }
    reply
}

/// The seed's operation: its pipeline as 0.2 had it, its state through its rules.
async fn run_seed<'r>(
    req: &'r HttpRequest,
    payload: &mut web::Payload,
    state: &MockState,
    seen: &mut RequestFacts<'r>,
) -> Step<Reply> {
    let token = authenticate(req, state)?;
    seen.token = Some(token);
    content_type(req, state, &state.contract.request_spec().content_type)?;
    seen.body = read_body(req, payload, state).await?;
    seen.body_complete = true;
    let body = valid_body(req, &seen.body, state)?;
    let scenario = scenario(
        req,
        state,
        &state.rules,
        Some(token),
        &state.contract.manifest().operation_id,
    )?;
    Ok(answer(state, token, &body, scenario))
}

/// The body, parsed and valid: from this worker's cache of bodies seen before, or parsed and
/// validated (and then remembered). A frontend sends the same few bodies again and again;
/// parsing and validating one costs more than the rest of the answer.
fn valid_body(req: &HttpRequest, bytes: &Bytes, state: &MockState) -> Step<Arc<Value>> {
    let cache = req.app_data::<super::memo::ValidBodies>();
    if let Some(body) = cache.and_then(|c| c.get(bytes)) {
        return Ok(body);
    }
    let body = parse_json(bytes, state)?;
    validate(&body, state, state.contract.request_schema())?;
    let body = Arc::new(body);
    if let Some(cache) = cache {
        cache.remember(bytes, body.clone());
    }
    Ok(body)
}

/// The operation a request reaches, or the gap policy's 404 or 405 (with `Allow`).
fn routed(
    req: &HttpRequest,
    state: &MockState,
    route: Route,
) -> Step<(Target, Map<String, Value>)> {
    match route {
        Route::Found { target, path } => Ok((target, path)),
        Route::NotFound => stop(state.reject(
            RejectionKind::NotFound,
            format!(
                "{} {} is not served here; {}",
                req.method(),
                req.path(),
                state.served_hint()
            ),
        )),
        Route::MethodNotAllowed(allowed) => {
            let allow = allowed.join(", ");
            stop(
                state
                    .reject(
                        RejectionKind::MethodNotAllowed,
                        format!(
                            "{} is not allowed on {}; use {allow}",
                            req.method(),
                            req.path()
                        ),
                    )
                    .with_header(header::ALLOW, &allow),
            )
        }
    }
}

fn answer(state: &MockState, token: &str, body: &Value, chosen: Option<Chosen>) -> Reply {
    super::choose::shaped(chosen, &state.bodies, None, || {
        answer_from_state(state, token, body)
    })
}

fn answer_from_state(state: &MockState, token: &str, body: &Value) -> Reply {
    let answers = super::account::Answers {
        rules: state.contract.rules(),
        bodies: &state.bodies,
        fallback: state.contract.success_status(),
        valid: &|status, body| state.contract.schema_for_status(status).is_valid(body),
    };
    let request = RequestValues {
        body: Some(body),
        ..RequestValues::default()
    };
    super::account::answer(state, Some(token), &answers, request)
}

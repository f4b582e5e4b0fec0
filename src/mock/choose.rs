//! What shapes an answer instead of the state alone, chosen in this order: a scenario the
//! request's `Prefer` header asks for, one armed on the server for its token, or a disturbance
//! chaos draws (unless the request says `Prefer: chaos=off`).

use actix_web::HttpRequest;
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde_json::{Map, json};

use super::MockState;
use super::reply::{Reply, Step, stop};
use super::scenario::{Rules, Scenario};

const PREFER: header::HeaderName = header::HeaderName::from_static("prefer");

/// What shapes an answer instead of the state alone: a scenario asked for, an armed one, or a
/// disturbance chaos drew.
pub(super) struct Chosen {
    /// For the journal and the log: `prefer: code=500`, `armed #2: ...`, `chaos: fault=reset`.
    pub(super) label: String,
    pub(super) scenario: Scenario,
    pub(super) chaos: Option<String>,
}

/// A scenario from the `Prefer` header, else the first armed one that applies to this token,
/// else what chaos draws for this request (unless it says `Prefer: chaos=off`).
pub(super) fn scenario(
    req: &HttpRequest,
    state: &MockState,
    rules: &Rules,
    token: Option<&str>,
    operation: &str,
) -> Step<Option<Chosen>> {
    let mut values = Vec::new();
    for value in req.headers().get_all(PREFER) {
        let Ok(text) = value.to_str() else {
            return stop(bad_prefer(
                "the Prefer header is not printable ASCII".into(),
                rules.accepted(),
            ));
        };
        values.push(text);
    }
    let preferences = match Scenario::from_prefer(values, rules) {
        Err(e) => return stop(bad_prefer(e.detail, e.accepted)),
        Ok(preferences) => preferences,
    };
    let chosen = |label: String, scenario: Scenario, chaos: Option<String>| Chosen {
        label,
        scenario,
        chaos,
    };
    if let Some(scenario) = preferences.scenario {
        return Ok(Some(chosen(format!("prefer: {scenario}"), scenario, None)));
    }
    if let Some((id, scenario)) = state.armed.take(token.unwrap_or_default()) {
        return Ok(Some(chosen(
            format!("armed #{id}: {scenario}"),
            scenario,
            None,
        )));
    }
    if preferences.chaos_off {
        return Ok(None);
    }
    Ok(state.chaos.decide(operation).map(|drawn| {
        let label = format!("chaos: {}", drawn.injected);
        chosen(label, drawn.scenario, Some(drawn.injected))
    }))
}

fn bad_prefer(detail: String, accepted: Vec<String>) -> Reply {
    let mut extra = Map::new();
    extra.insert("accepted".into(), json!(accepted));
    Reply::error(
        StatusCode::BAD_REQUEST,
        "Bad Request: unsupported Prefer header",
        detail,
        extra,
    )
}

/// The answer a chosen scenario shapes: its example or its status's default from `bodies`
/// (a disturbance chaos drew that names no example of this operation: its first documented
/// error), else what the state says; then its fault, delay and labels.
pub(super) fn shaped(
    chosen: Option<Chosen>,
    bodies: &super::bodies::Bodies,
    first_error: Option<u16>,
    from_state: impl FnOnce() -> Reply,
) -> Reply {
    let Some(Chosen {
        label,
        scenario,
        chaos,
    }) = chosen
    else {
        return from_state();
    };
    let mut reply = match (&scenario.example, scenario.code) {
        (Some(name), _) => bodies.example(name).or_else(|| {
            chaos
                .as_ref()
                .and(first_error)
                .and_then(|s| bodies.default_for(s))
        }),
        (None, Some(code)) => bodies.default_for(code),
        (None, None) => None,
    }
    .unwrap_or_else(from_state);
    reply.fault = scenario.fault;
    reply.delay = scenario.delay();
    reply.scenario = Some(label);
    reply.chaos = chaos;
    reply
}

//! The steps every operation's pipeline shares: credentials, content type, reading the body
//! within the size limit, parsing it and validating it, each stopping with the gap policy's
//! refusal. The seed's pipeline and the other operations' run them in the same order.

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web::{self, Bytes, BytesMut};
use futures_util::StreamExt;
use serde_json::{Map, Value, json};

use super::MockState;
use super::reply::{Step, stop};
use crate::contract::{RejectionKind, Schema, Violation, strip_position};
use crate::credentials::{Credentials, wrong_scheme};
use crate::media_type;

/// What the pipeline learned that the journal needs; borrows from the request.
#[derive(Default)]
pub(super) struct RequestFacts<'r> {
    pub(super) token: Option<&'r str>,
    pub(super) body: Bytes,
    /// Whether the request body was read to its end.
    pub(super) body_complete: bool,
}

pub(super) fn authenticate<'r>(req: &'r HttpRequest, state: &MockState) -> Step<&'r str> {
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
    let token = match Credentials::plain_token(value.as_bytes(), scheme) {
        Some(token) => token,
        None => token_in(value, state, scheme, &unauthorized)?,
    };
    if state.settings.strict_tokens && !state.users().is_known(token) {
        return stop(unauthorized(
            "the token is not in the users file (the mock runs with --strict-tokens)",
            &format!("{scheme} error=\"invalid_token\""),
        ));
    }
    Ok(token)
}

/// The token of a credentials value spelled otherwise than `Scheme token`, or the refusal.
fn token_in<'r>(
    value: &'r header::HeaderValue,
    state: &MockState,
    scheme: &str,
    unauthorized: &dyn Fn(&str, &str) -> super::reply::Reply,
) -> Step<&'r str> {
    let auth = state.contract.auth();
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
    match credentials.token_for(scheme) {
        Some(token) => Ok(token),
        None => stop(unauthorized(
            &format!("the {scheme} token is empty"),
            scheme,
        )),
    }
}

pub(super) fn content_type(req: &HttpRequest, state: &MockState, expected: &str) -> Step<()> {
    let given = req.headers().get(header::CONTENT_TYPE);
    // The expected type byte for byte, as most clients send it: nothing to parse.
    if given.is_some_and(|v| v.as_bytes() == expected.as_bytes()) {
        return Ok(());
    }
    let given = given.map(|v| v.to_str().unwrap_or("(not ASCII)"));
    if given.is_some_and(|v| media_type::same(v, expected)) {
        return Ok(());
    }
    let detail = match given {
        None => "the Content-Type header is missing".to_owned(),
        Some(given) => format!("the Content-Type is {given:?}, not {expected}"),
    };
    stop(state.reject(RejectionKind::UnsupportedMediaType, detail))
}

/// What `read_body` sets aside before any of the body has arrived.
const PREALLOCATED_AT_MOST: usize = 8 << 10;

pub(super) async fn read_body(
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
    // Room for the declared length up front (one allocation for a usual body), but never more
    // than a few KiB on a client's word alone: a body that does arrive grows the buffer.
    let room = declared.map_or(0, |d| {
        d.min(limit.min(PREALLOCATED_AT_MOST) as u64) as usize
    });
    let mut body = BytesMut::with_capacity(room);
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

pub(super) fn parse_json(bytes: &Bytes, state: &MockState) -> Step<Value> {
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

pub(super) fn validate(body: &Value, state: &MockState, schema: &Schema) -> Step<()> {
    if schema.is_valid(body) {
        return Ok(());
    }
    refuse_violations(
        state,
        RejectionKind::SchemaViolation,
        schema.violations(body),
    )
}

/// The gap policy's refusal of a request that breaks its schemas, every violation listed.
pub(super) fn refuse_violations<T>(
    state: &MockState,
    kind: RejectionKind,
    violations: Vec<Violation>,
) -> Step<T> {
    let summary: Vec<String> = violations.iter().map(|v| v.message.clone()).collect();
    let listed: Vec<Value> = violations
        .iter()
        .map(|v| json!({"pointer": v.instance_path, "message": v.message}))
        .collect();
    let mut extra = Map::new();
    extra.insert("violations".into(), Value::Array(listed));
    stop(state.reject_with(kind, summary.join("; "), extra))
}

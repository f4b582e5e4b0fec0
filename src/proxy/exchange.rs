//! One request through the proxy: another path is passed through as a stream; the endpoint's
//! request is read whole, judged on the client's side, sent on, and its answer judged on the
//! upstream's side, kept in the journal and sent back (a 502 that lists why under `--strict`).

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::{self, BytesMut};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;

use super::state::{JudgedExchange, ProxyState};
use super::{MAX_JUDGED_REQUEST, MAX_JUDGED_RESPONSE, VIOLATIONS_HEADER};
use crate::check::ObservedRequest;
use crate::check::observed::{self, Captured, Judged, Side, Violation, judge_observed};
use crate::credentials::Credentials;
use crate::har;
use crate::redact::fingerprint;
use crate::redact::replace_token;
use crate::remote::Exchange;
use crate::remote::{Received, Response};
use crate::server::admin::{self, error};
use crate::server::kept::{MAX_BODY_BYTES, fingerprint_or_mark, journal_headers};
use crate::server::{RequestLine, Upstream, failure_response};

/// Every request: the endpoint's path is judged, every other path passed through as a stream.
pub(super) async fn handle(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ProxyState>,
    upstream: web::Data<Upstream>,
) -> HttpResponse {
    let started = Instant::now();
    let Some(view) = view_for(&req, &state) else {
        state.totals().passed_through += 1;
        return upstream.pass(&req, payload, &state.logger).await;
    };
    judged(req, payload, &state, view, &upstream, started).await
}

/// The operation a request is for, as a contract of its own: by method and path, or (another
/// method) by path alone, so a method the path lacks is judged too. None: not the contract's.
fn view_for<'s>(req: &HttpRequest, state: &'s ProxyState) -> Option<&'s crate::contract::Contract> {
    let index = state
        .contract
        .view_index(req.method().as_str(), req.path())?;
    state.views.get(index)
}

async fn judged(
    req: HttpRequest,
    payload: web::Payload,
    state: &ProxyState,
    contract: &crate::contract::Contract,
    upstream: &Upstream,
    started: Instant,
) -> HttpResponse {
    let body = match read_body(payload).await {
        Ok(body) => body,
        Err(refusal) => return refusal,
    };
    let authorization = req
        .headers()
        .get(contract.auth().header.as_str())
        .and_then(|v| v.to_str().ok());
    let token = authorization.and_then(|v| Credentials::parse(v).credential());
    let ctx = observed::ctx(contract, token);
    // Judged as the upstream reads it (decoded), forwarded as the client sent it.
    let request_coding = req
        .headers()
        .get(header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let judged_body = request_coding
        .map(|coding| crate::coding::decode(Some(coding), body.to_vec(), MAX_JUDGED_REQUEST).body);
    let judged_body = judged_body.as_deref().unwrap_or(&body);
    let json = ObservedRequest::parse(judged_body);
    let observed = ObservedRequest {
        method: req.method().as_str(),
        content_type: req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        authorization,
        body: judged_body,
        json: &json,
        accept: req
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok()),
    };
    let answer = upstream
        .buffered(&req, body.clone(), MAX_JUDGED_RESPONSE)
        .await;
    let outcome = match &answer {
        Ok(buffered) => Received::Response(Response::new(
            buffered.status.as_u16(),
            buffered.header_pairs(),
            buffered.body.to_vec(),
            buffered.elapsed,
            super::MAX_DECODED_RESPONSE,
        )),
        Err(error) => Received::Transport(error.clone()),
    };
    let judged = judge_observed(&ctx, &observed, token.is_some(), outcome, Captured::ALL);
    // The environment (a rate limit) is passed on, never recorded, never a 502 under --strict.
    // Recordings are the seed's fixtures: only its answers are kept.
    if let (Some(recorder), Received::Response(response), false, true) = (
        &state.recorder,
        &judged.exchange.outcome,
        judged.environment,
        contract.is_seed_view(),
    ) {
        recorder.record(contract, response, token, &state.logger);
    }
    let broke_contract = judged.violations.iter().any(|v| v.side == Side::Response);
    let response = match answer {
        Err(error) => failure_response(&error, upstream.timeout()),
        Ok(_) if state.strict && broke_contract => strict_response(&judged.violations),
        Ok(buffered) => buffered.into_response(),
    };
    keep(state, &req, token, judged, response, started)
}

/// The endpoint's request body, read whole to judge it; past the bound, or unreadable, the
/// refusal to send back instead.
async fn read_body(mut payload: web::Payload) -> Result<web::Bytes, HttpResponse> {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) if body.len() + chunk.len() <= MAX_JUDGED_REQUEST => {
                body.extend_from_slice(&chunk);
            }
            Ok(_) => {
                return Err(error(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Payload Too Large: the proxy reads endpoint requests whole to judge them",
                    &format!("the body went past {MAX_JUDGED_REQUEST} bytes"),
                    serde_json::Map::new(),
                ));
            }
            Err(e) => {
                return Err(error(
                    StatusCode::BAD_REQUEST,
                    "Bad Request: the request body could not be read",
                    &e.to_string(),
                    serde_json::Map::new(),
                ));
            }
        }
    }
    Ok(body.freeze())
}

/// Marks the answer with its violation count, logs it, keeps the judged exchange in the
/// journal (the token replaced where a client put it in the path), and returns the answer.
fn keep(
    state: &ProxyState,
    req: &HttpRequest,
    token: Option<&str>,
    judged: Judged,
    mut response: HttpResponse,
    started: Instant,
) -> HttpResponse {
    let Judged {
        exchange,
        violations,
        environment,
        ..
    } = judged;
    if let Ok(count) = HeaderValue::from_str(&violations.len().to_string()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(VIOLATIONS_HEADER), count);
    }
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let path = match (req.uri().path_and_query(), token) {
        (Some(pq), Some(token)) => replace_token(pq.as_str(), token, "[token]"),
        (Some(pq), None) => pq.as_str().to_owned(),
        (None, _) => req.path().to_owned(),
    };
    state.logger.request(&RequestLine {
        method: req.method().as_str(),
        path: req.path(),
        status: Some(response.status().as_u16()),
        outcome: crate::server::Ending::Answered,
        latency_ms,
        scenario: None,
        user: None,
    });
    let received_at_ms = (SystemTime::now() - started.elapsed())
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis());
    let har = har_exchange(req, token, &exchange, &path, received_at_ms, latency_ms);
    state.keep(JudgedExchange {
        id: state.next_id(),
        received_at_ms,
        method: req.method().as_str().to_owned(),
        path,
        upstream_status: exchange.response().map(|r| r.status),
        status: response.status().as_u16(),
        latency_ms,
        class: exchange.case.class.clone(),
        violations,
        environment,
        har,
    });
    response
}

/// The exchange as a HAR entry: the request as the client sent it (credentials as
/// fingerprints), the upstream's answer as it came (what was judged), bodies cut as the
/// journal cuts them.
fn har_exchange(
    req: &HttpRequest,
    token: Option<&str>,
    exchange: &Exchange,
    path: &str,
    started_ms: u128,
    latency_ms: f64,
) -> har::write::Exchange {
    let fingerprint: Option<std::sync::Arc<str>> = token.map(|t| fingerprint(t).into());
    let kept = |body: &[u8]| {
        let text = String::from_utf8_lossy(&body[..body.len().min(MAX_BODY_BYTES)]).into_owned();
        match token {
            Some(token) => replace_token(&text, token, fingerprint_or_mark(&fingerprint)),
            None => text,
        }
    };
    let request_headers =
        String::from_utf8_lossy(&journal_headers(req.headers(), token, &fingerprint))
            .lines()
            .filter_map(|line| line.split_once(": "))
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
    let response = exchange.response();
    har::write::Exchange {
        started_ms,
        method: req.method().as_str().to_owned(),
        url: format!("{}{path}", admin::base_url(req)),
        request_headers,
        request_body: kept(&exchange.case.request.body),
        request_body_size: exchange.case.request.body.len(),
        status: response.map(|r| r.status),
        response_headers: response.map(|r| r.headers.clone()).unwrap_or_default(),
        response_body: response.map(|r| kept(&r.body)).unwrap_or_default(),
        time_ms: latency_ms,
        comment: match &exchange.outcome {
            Received::Transport(error) => Some(format!("the upstream did not answer: {error}")),
            Received::Response(_) => None,
        },
    }
}

/// `--strict`: the upstream's answer broke the contract, so the client gets a 502 that says how.
fn strict_response(violations: &[Violation]) -> HttpResponse {
    let listed: Vec<serde_json::Value> = violations
        .iter()
        .filter(|v| v.side == Side::Response)
        .map(|v| {
            json!({
                "pointer": v.instance_pointer.clone().unwrap_or_default(),
                "message": format!("{}: {}", v.check, v.message),
            })
        })
        .collect();
    HttpResponse::BadGateway()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(
            json!({
                "success": false,
                "error": "Bad Gateway: the upstream's answer breaks the contract (--strict)",
                "detail": format!("{} violations; GET /__admin/violations lists them with their exchange", listed.len()),
                "violations": listed,
            })
            .to_string(),
        )
}

//! What is kept of each request: the journal record and the log line. Runs on every request,
//! so it copies nothing it can share, and the token is replaced by its fingerprint in both.

use std::sync::Arc;
use std::time::{Instant, SystemTime};

use actix_web::HttpRequest;
use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::{self, Bytes};

use super::MockState;
use super::journal::{self, Record};
use super::reply::Reply;
use crate::redact::{fingerprint, replace_token};
use crate::server::Ending;
use crate::server::RequestLine;
use crate::server::kept::{fingerprint_or_mark, journal_headers};

pub(super) fn redact_bytes(body: &Bytes, token: &str) -> Bytes {
    if !crate::redact::holds_token(body, token) {
        return body.clone();
    }
    Bytes::from(crate::redact::redact(
        &String::from_utf8_lossy(body),
        [token],
    ))
}

/// What the journal and the log keep of one request, made while the request is at hand (the
/// token is replaced by its fingerprint here, so nothing later holds it), written when the
/// answer is complete: after a `delay`, after a held `fault=timeout`, or when the client gives
/// up (the handler is dropped with the connection, and so is this).
pub(super) struct Pending {
    state: web::Data<MockState>,
    started: Instant,
    prepared: Option<Prepared>,
}

struct Prepared {
    method: Method,
    path: String,
    headers: Option<Vec<u8>>,
    body: Bytes,
    body_len: usize,
    status: u16,
    /// What the answer said, for the journal's HAR export.
    reply_headers: Vec<(HeaderName, HeaderValue)>,
    reply_body: Bytes,
    scenario: Option<String>,
    chaos: Option<String>,
    user: Option<Arc<str>>,
    operation: Option<Arc<str>>,
    account: Option<Arc<serde_json::Value>>,
}

impl Pending {
    /// The answer went out (or the connection was closed on purpose, for `outcome` Closed).
    pub(super) fn finish(mut self, outcome: Ending) {
        if let Some(prepared) = self.prepared.take() {
            write(&self.state, prepared, outcome, self.started);
        }
    }
}

impl Drop for Pending {
    fn drop(&mut self) {
        // Not finished: the client went away while the answer was being held back.
        if let Some(prepared) = self.prepared.take() {
            write(&self.state, prepared, Ending::ClientGaveUp, self.started);
        }
    }
}

/// The record of one request, to be written when its answer is complete; `None` when neither
/// the log nor the journal wants it (a mock embedded in tests keeps neither).
pub(super) fn prepare(
    req: &HttpRequest,
    state: &web::Data<MockState>,
    token: Option<&str>,
    body: &Bytes,
    reply: &Reply,
    started: Instant,
) -> Option<Pending> {
    if state.logger.is_off() && state.settings.journal_size == 0 {
        return None;
    }
    // Short tokens are not searched for in free text (see `redact`), but still fingerprinted.
    let searchable = token.filter(|t| t.len() >= crate::redact::MIN_SEARCHABLE_TOKEN);
    let token_fingerprint: Option<Arc<str>> = match (&reply.user, token) {
        (Some(who), _) => Some(who.fingerprint.clone()),
        (None, Some(token)) => Some(fingerprint(token).into()),
        (None, None) => None,
    };
    let in_uri = |token: &str| {
        req.uri().path().contains(token) || req.uri().query().is_some_and(|q| q.contains(token))
    };
    let path_and_query = req.uri().path_and_query().map_or("/", |p| p.as_str());
    let path = match searchable {
        Some(token) if in_uri(token) => replace_token(
            path_and_query,
            token,
            fingerprint_or_mark(&token_fingerprint),
        ),
        _ => path_and_query.to_owned(),
    };
    let user = reply
        .user
        .as_ref()
        .map(|w| w.name.clone())
        .or_else(|| token_fingerprint.clone());
    let journal = state.settings.journal_size > 0;
    let body = match searchable {
        // Searched as bytes: no text is made of a body that does not hold the token.
        Some(token) if journal && crate::redact::holds_token(body, token) => {
            Bytes::from(replace_token(
                &String::from_utf8_lossy(body),
                token,
                fingerprint_or_mark(&token_fingerprint),
            ))
        }
        _ => body.clone(),
    };
    Some(Pending {
        state: state.clone(),
        started,
        prepared: Some(Prepared {
            method: req.method().clone(),
            path,
            headers: journal.then(|| journal_headers(req.headers(), token, &token_fingerprint)),
            body_len: body.len(),
            body: journal::kept_body(&body),
            status: reply.status.as_u16(),
            // Shared, not copied: made text only if someone exports the journal.
            reply_headers: reply.headers.clone(),
            reply_body: match searchable {
                Some(token) if journal => journal::kept_body(&redact_bytes(&reply.body, token)),
                _ => journal::kept_body(&reply.body),
            },
            scenario: reply.scenario.clone(),
            chaos: reply.chaos.clone(),
            user,
            operation: reply.operation.clone(),
            account: reply.account.clone(),
        }),
    })
}

/// A CORS preflight, answered by the CORS layer before the pipeline: journaled and logged too.
pub(super) fn preflight(
    req: &HttpRequest,
    state: &web::Data<MockState>,
    status: u16,
    started: Instant,
) {
    if state.logger.is_off() && state.settings.journal_size == 0 {
        return;
    }
    let prepared = Prepared {
        method: req.method().clone(),
        path: req
            .uri()
            .path_and_query()
            .map_or("/", |p| p.as_str())
            .to_owned(),
        headers: (state.settings.journal_size > 0)
            .then(|| journal_headers(req.headers(), None, &None)),
        body: Bytes::new(),
        body_len: 0,
        status,
        reply_headers: Vec::new(),
        reply_body: Bytes::new(),
        scenario: Some("cors preflight".to_owned()),
        chaos: None,
        user: None,
        operation: None,
        account: None,
    };
    write(state, prepared, Ending::Answered, started);
}

fn write(state: &MockState, prepared: Prepared, outcome: Ending, started: Instant) {
    let elapsed = started.elapsed();
    let latency_ms = elapsed.as_secs_f64() * 1000.0;
    let status = (outcome == Ending::Answered).then_some(prepared.status);
    state.logger.request(&RequestLine {
        method: prepared.method.as_str(),
        path: &prepared.path,
        status,
        outcome,
        latency_ms,
        scenario: prepared.scenario.as_deref(),
        user: prepared.user.as_deref(),
    });
    let Some(headers) = prepared.headers else {
        return;
    };
    state.journal().record(Record {
        at: SystemTime::now() - elapsed,
        method: prepared.method,
        path: prepared.path,
        headers,
        body: prepared.body,
        body_len: prepared.body_len,
        status,
        reply_headers: prepared.reply_headers,
        reply_body: prepared.reply_body,
        outcome,
        scenario: prepared.scenario,
        chaos: prepared.chaos,
        user: prepared.user,
        operation: prepared.operation,
        account: prepared.account,
        latency_ms,
    });
}

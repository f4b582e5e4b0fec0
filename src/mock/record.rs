//! What is kept of each request: the journal record and the log line. Runs on every request,
//! so it copies nothing it can share, and the token is replaced by its fingerprint in both.

use std::sync::Arc;
use std::time::SystemTime;

use actix_web::HttpRequest;
use actix_web::http::header::{self, HeaderMap};
use actix_web::web::Bytes;

use super::journal::{self, Record};
use super::reply::Reply;
use super::{MockState, RequestLine};
use crate::redact::{fingerprint, replace_token};

/// Header values that carry credentials; the journal shows their fingerprint.
const SECRET_HEADERS: [header::HeaderName; 3] = [
    header::AUTHORIZATION,
    header::PROXY_AUTHORIZATION,
    header::COOKIE,
];

pub(super) fn redact_bytes(body: &Bytes, token: &str) -> Bytes {
    if token.len() < crate::redact::MIN_SEARCHABLE_TOKEN
        || memchr::memmem::find(body, token.as_bytes()).is_none()
    {
        return body.clone();
    }
    Bytes::from(crate::redact::redact(
        &String::from_utf8_lossy(body),
        [token],
    ))
}

/// Journal record and log line; the token is replaced by its fingerprint in both. This runs
/// on every request, so it copies nothing it can share and hashes the token only when the user
/// store has not done so already.
pub(super) fn record(
    req: &HttpRequest,
    state: &MockState,
    token: Option<&str>,
    body: &Bytes,
    reply: &Reply,
    latency_ms: f64,
) {
    // A mock embedded in tests keeps neither; nothing here is worth computing for nobody.
    if state.logger.is_off() && state.settings.journal_size == 0 {
        return;
    }
    let status = match reply.fault {
        Some(super::scenario::Fault::Reset | super::scenario::Fault::Timeout) => None,
        Some(_) => Some(200),
        None => Some(reply.status.as_u16()),
    };
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
    state.logger.request(&RequestLine {
        method: req.method().as_str(),
        path: &path,
        status,
        latency_ms,
        scenario: reply.scenario.as_deref(),
        user: user.as_deref(),
    });
    if state.settings.journal_size == 0 {
        return;
    }
    let body = match searchable {
        // Searched as bytes: no text is made of a body that does not hold the token.
        Some(token) if memchr::memmem::find(body, token.as_bytes()).is_some() => {
            Bytes::from(replace_token(
                &String::from_utf8_lossy(body),
                token,
                fingerprint_or_mark(&token_fingerprint),
            ))
        }
        _ => body.clone(),
    };
    let record = Record {
        at: SystemTime::now(),
        method: req.method().clone(),
        path,
        headers: journal_headers(req.headers(), token, &token_fingerprint),
        body: journal::kept_body(&body),
        body_len: body.len(),
        status,
        scenario: reply.scenario.clone(),
        user,
        latency_ms,
    };
    state.journal().record(record);
}

fn fingerprint_or_mark(fingerprint: &Option<Arc<str>>) -> &str {
    fingerprint.as_deref().unwrap_or("[token]")
}

/// The request headers as `name: value` lines, credentials replaced by fingerprints and the
/// token by its fingerprint wherever else it appears.
fn journal_headers(
    headers: &HeaderMap,
    token: Option<&str>,
    token_fingerprint: &Option<Arc<str>>,
) -> String {
    let searchable = token.filter(|t| t.len() >= crate::redact::MIN_SEARCHABLE_TOKEN);
    let mut text = String::with_capacity(256);
    for (name, value) in headers {
        // Header values are nearly always ASCII: borrow them as they are.
        let value = value.to_str().map_or_else(
            |_| String::from_utf8_lossy(value.as_bytes()),
            std::borrow::Cow::Borrowed,
        );
        text.push_str(name.as_str());
        text.push_str(": ");
        if SECRET_HEADERS.contains(name) {
            push_secret_header(&mut text, &value, token, token_fingerprint);
        } else if let Some(token) = searchable.filter(|t| value.contains(t)) {
            text.push_str(&replace_token(
                &value,
                token,
                fingerprint_or_mark(token_fingerprint),
            ));
        } else {
            // HTTP header values cannot hold a line break, so lines stay lines.
            text.push_str(&value);
        }
        text.push('\n');
    }
    text
}

/// `Bearer abc...` -> `Bearer fp:1234abcd`: the scheme stays, the credential becomes a fingerprint.
fn push_secret_header(
    out: &mut String,
    value: &str,
    token: Option<&str>,
    token_fingerprint: &Option<Arc<str>>,
) {
    let value = value.trim();
    let push_credential = |out: &mut String, credential: &str| match (token, token_fingerprint) {
        (Some(t), Some(fp)) if t == credential => out.push_str(fp),
        _ => out.push_str(&fingerprint(credential)),
    };
    match value.split_once(' ') {
        Some((scheme, credential)) if !credential.trim().is_empty() => {
            out.push_str(scheme);
            out.push(' ');
            push_credential(out, credential.trim());
        }
        Some((scheme, _)) => {
            out.push_str(scheme);
            out.push_str(" (empty)");
        }
        None if value.is_empty() => out.push_str("(empty)"),
        None => push_credential(out, value),
    }
}

//! What a server's journal keeps of a request's headers: credentials replaced by their
//! fingerprints, and the token by its fingerprint wherever else it appears. The mock's journal
//! and the proxy's keep headers this one way.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderMap};

use crate::credentials::Credentials;
use crate::redact::{fingerprint, replace_token};

/// Bodies are kept (and shown) up to this many bytes.
pub const MAX_BODY_BYTES: usize = 4096;

/// Header values that carry credentials; the journal shows their fingerprint.
const SECRET_HEADERS: [header::HeaderName; 3] = [
    header::AUTHORIZATION,
    header::PROXY_AUTHORIZATION,
    header::COOKIE,
];

pub fn fingerprint_or_mark(fingerprint: &Option<Arc<str>>) -> &str {
    fingerprint.as_deref().unwrap_or("[token]")
}

/// The request headers as `name: value` lines, credentials replaced by fingerprints and the
/// token by its fingerprint wherever else it appears. Copied as bytes: checking each value as
/// text first cost about 4 instructions a byte on every request.
pub fn journal_headers(
    headers: &HeaderMap,
    token: Option<&str>,
    token_fingerprint: &Option<Arc<str>>,
) -> Vec<u8> {
    let searchable = token.filter(|t| t.len() >= crate::redact::MIN_SEARCHABLE_TOKEN);
    let mut out = Vec::with_capacity(512);
    for (name, value) in headers {
        let value = value.as_bytes();
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        if SECRET_HEADERS.contains(name) {
            push_secret_header(&mut out, value, token, token_fingerprint);
        } else if let Some(token) = searchable.filter(|t| {
            value.len() >= t.len() && memchr::memmem::find(value, t.as_bytes()).is_some()
        }) {
            out.extend_from_slice(
                replace_token(
                    &String::from_utf8_lossy(value),
                    token,
                    fingerprint_or_mark(token_fingerprint),
                )
                .as_bytes(),
            );
        } else {
            // HTTP header values cannot hold a line break, so lines stay lines.
            out.extend_from_slice(value);
        }
        out.push(b'\n');
    }
    out
}

/// `Bearer abc...` -> `Bearer fp:1234abcd`: the scheme stays, the credential becomes a fingerprint.
fn push_secret_header(
    out: &mut Vec<u8>,
    value: &[u8],
    token: Option<&str>,
    token_fingerprint: &Option<Arc<str>>,
) {
    let text = String::from_utf8_lossy(value);
    let push_credential = |out: &mut Vec<u8>, credential: &str| match (token, token_fingerprint) {
        (Some(t), Some(fp)) if t == credential => out.extend_from_slice(fp.as_bytes()),
        _ => out.extend_from_slice(fingerprint(credential).as_bytes()),
    };
    match Credentials::parse(&text) {
        Credentials {
            scheme: Some(scheme),
            token: "",
        } => {
            out.extend_from_slice(scheme.as_bytes());
            out.extend_from_slice(b" (empty)");
        }
        Credentials {
            scheme: Some(scheme),
            token: credential,
        } => {
            out.extend_from_slice(scheme.as_bytes());
            out.push(b' ');
            push_credential(out, credential);
        }
        Credentials { token: "", .. } => out.extend_from_slice(b"(empty)"),
        Credentials { token, .. } => push_credential(out, token),
    }
}

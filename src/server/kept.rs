//! What a server's journal keeps of a request's headers: credentials replaced by their
//! fingerprints, and the token by its fingerprint wherever else it appears. The mock's journal
//! and the proxy's keep headers this one way.

use std::sync::Arc;

use actix_web::http::header::{self, HeaderMap};

use crate::credentials::Credentials;
use crate::redact::{fingerprint, replace_token};

/// Bodies are kept (and shown) up to this many bytes.
pub const MAX_BODY_BYTES: usize = 4096;

/// Whether the header's value carries credentials; the journal shows their fingerprint.
fn is_secret(name: &header::HeaderName) -> bool {
    name == header::AUTHORIZATION || name == header::PROXY_AUTHORIZATION || name == header::COOKIE
}

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
        if is_secret(name) {
            push_secret_header(&mut out, value, token, token_fingerprint);
        } else if let Some(token) = searchable.filter(|t| crate::redact::holds_token(value, t)) {
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
    // The usual case, `Scheme token` with the token the request was answered for: no text made.
    if let (Some(token), Some(fp)) = (token, token_fingerprint)
        && let Some(scheme) = scheme_before(value, token.as_bytes())
    {
        out.extend_from_slice(scheme);
        out.push(b' ');
        out.extend_from_slice(fp.as_bytes());
        return;
    }
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

/// The scheme of `value` when it is exactly `Scheme token` (one space, no other whitespace).
fn scheme_before<'v>(value: &'v [u8], token: &[u8]) -> Option<&'v [u8]> {
    let scheme = value.strip_suffix(token)?.strip_suffix(b" ")?;
    (!token.is_empty() && !scheme.is_empty() && !scheme.iter().any(u8::is_ascii_whitespace))
        .then_some(scheme)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::HeaderValue;

    fn kept(value: &str, token: &str) -> String {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(value).expect("value"),
        );
        let fp: Option<Arc<str>> = Some(fingerprint(token).into());
        String::from_utf8(journal_headers(&headers, Some(token), &fp)).expect("text")
    }

    #[test]
    fn the_token_becomes_its_fingerprint_however_the_value_is_spaced() {
        let token = "a-distinctive-token-0001";
        let expected = format!("authorization: Bearer {}\n", fingerprint(token));
        for value in [
            format!("Bearer {token}"),
            format!("Bearer  {token}"),
            format!(" Bearer {token} "),
        ] {
            assert_eq!(kept(&value, token), expected, "{value:?}");
        }
        assert_eq!(
            kept(&format!("bearer {token}"), token),
            format!("authorization: bearer {}\n", fingerprint(token))
        );
        // Another credential than the request's token: its own fingerprint, never its text.
        let other = kept("Bearer someone-elses-token-99", token);
        assert_eq!(
            other,
            format!(
                "authorization: Bearer {}\n",
                fingerprint("someone-elses-token-99")
            )
        );
        assert!(!kept(&format!("Token{token}"), token).contains(token));
    }
}

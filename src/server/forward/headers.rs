//! Which headers pass through the proxy: hop-by-hop headers (RFC 9110 7.6.1), those the
//! `Connection` header lists, and `Host` stay behind, both ways; `Content-Length` of an answer
//! is set by actix from the body it sends.

use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};

/// Headers that describe one connection, not the message (RFC 9110 7.6.1), plus `Host`, which
/// names the upstream instead.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// The upstream's answer headers to pass back: hop-by-hop ones and `Content-Length` (actix
/// sets it from the body it sends) left behind.
pub(super) fn passed_back(
    headers: &http::HeaderMap,
) -> impl Iterator<Item = (&http::HeaderName, &http::HeaderValue)> {
    let listed = upstream_connection_listed(headers);
    headers.iter().filter(move |(name, _)| {
        !is_hop_by_hop_name(name.as_str(), &listed) && *name != http::header::CONTENT_LENGTH
    })
}

/// [`passed_back`] as actix's header types.
pub(super) fn answer_headers(
    headers: &http::HeaderMap,
) -> impl Iterator<Item = (HeaderName, HeaderValue)> {
    passed_back(headers).filter_map(|(name, value)| {
        Some((
            HeaderName::from_bytes(name.as_str().as_bytes()).ok()?,
            HeaderValue::from_bytes(value.as_bytes()).ok()?,
        ))
    })
}

/// Header names the `Connection` header lists: hop-by-hop for this message only.
pub(super) fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::CONNECTION)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect()
}

fn upstream_connection_listed(headers: &http::HeaderMap) -> Vec<String> {
    headers
        .get_all(http::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect()
}

pub(super) fn is_hop_by_hop_name(name: &str, listed: &[String]) -> bool {
    HOP_BY_HOP.contains(&name) || listed.iter().any(|l| l == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_lists_stay_behind() {
        let listed = vec!["x-session-hint".to_owned()];
        for name in ["connection", "transfer-encoding", "host", "x-session-hint"] {
            assert!(is_hop_by_hop_name(name, &listed), "{name}");
        }
        for name in ["authorization", "content-type", "cookie", "accept-encoding"] {
            assert!(!is_hop_by_hop_name(name, &listed), "{name}");
        }
    }
}

//! CORS for browser apps served from another local port, for the mock and the proxy: the
//! origins allowed (with a port wildcard), and `actix-cors` configured with them. Measured
//! against the hand-written middleware it replaced (`python3 bench/callgrind.py
//! --cors-compare`; BENCHMARKS.md, "Plumbing"): within the plumbing allowance. A refused
//! preflight, which actix-cors answers as plain text, is turned into the contract's error shape
//! by [`in_error_shape`].

use actix_web::HttpResponse;
use actix_web::body::EitherBody;
use actix_web::dev::ServiceResponse;
use actix_web::http::Method;

use super::Logger;
use actix_web::http::header::{self, HeaderMap};

/// Origins allowed when none are configured: any port on the two loopback names.
pub const DEFAULT_ORIGINS: [&str; 2] = ["http://localhost:*", "http://127.0.0.1:*"];
pub const ALLOWED_HEADERS: [&str; 3] = ["Authorization", "Content-Type", "Prefer"];
const EXPOSED_HEADERS: [&str; 3] = ["WWW-Authenticate", "Allow", "Mfa-Contract-Violations"];
const MAX_AGE_SECONDS: usize = 600;

#[derive(Debug, Clone)]
pub struct CorsPolicy {
    origins: Vec<String>,
}

impl CorsPolicy {
    /// `origins` as given with `--cors-origin`; empty means the loopback defaults. An entry may be
    /// `*` (any origin) or end in `:*` (any port).
    pub fn new(origins: &[String]) -> Self {
        let origins = if origins.is_empty() {
            DEFAULT_ORIGINS.iter().map(|o| (*o).to_owned()).collect()
        } else {
            origins.to_vec()
        };
        Self { origins }
    }

    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    pub fn allows(&self, origin: &str) -> bool {
        self.origins.iter().any(|pattern| matches(pattern, origin))
    }

    /// The middleware: allowed origins by these patterns, `methods`, the request headers the
    /// mock reads (or any, for the proxy, whose other paths are the app's own), the headers a
    /// browser script may read, and a 10-minute preflight cache. A request from another origin
    /// is served without CORS headers (the browser then withholds the answer), as before.
    pub fn middleware(&self, methods: &[&'static str], any_header: bool) -> actix_cors::Cors {
        let policy = self.clone();
        let cors = actix_cors::Cors::default()
            .allowed_origin_fn(move |origin, _| origin.to_str().is_ok_and(|o| policy.allows(o)))
            .allowed_methods(methods.iter().copied())
            .expose_headers(EXPOSED_HEADERS)
            .max_age(MAX_AGE_SECONDS)
            .block_on_origin_mismatch(false);
        if any_header {
            cors.allow_any_header()
        } else {
            cors.allowed_headers(ALLOWED_HEADERS)
        }
    }
}

/// A preflight actix-cors refused (it answers in plain text), answered in the contract's error
/// shape instead, a 403 that says how to allow the origin, and logged; any other answer as it is.
pub fn in_error_shape<B>(
    response: ServiceResponse<EitherBody<B>>,
    origins: &[String],
    logger: &Logger,
) -> ServiceResponse<EitherBody<B>> {
    let Some(detail) = refusal(&response, origins) else {
        return response;
    };
    logger.warn(&format!(
        "CORS preflight to {} refused: {detail}",
        response.request().path()
    ));
    let body = HttpResponse::Forbidden()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(
            serde_json::json!({
                "success": false,
                "error": "Forbidden: CORS origin not allowed",
                "detail": detail,
            })
            .to_string(),
        );
    response.into_response(body).map_into_right_body()
}

/// Why actix-cors refused a preflight, if it did.
fn refusal<B>(response: &ServiceResponse<B>, origins: &[String]) -> Option<String> {
    let error = response
        .response()
        .error()?
        .as_error::<actix_cors::CorsError>()?;
    let origin = response
        .request()
        .headers()
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or("");
    Some(match error {
        actix_cors::CorsError::OriginNotAllowed => format!(
            "origin {origin:?} is not allowed (allowed: {}); start with --cors-origin {origin}",
            origins.join(", ")
        ),
        other => format!("CORS preflight from {origin:?} refused: {other}"),
    })
}

/// Whether a request is a CORS preflight rather than a plain OPTIONS.
pub fn is_preflight(method: &Method, headers: &HeaderMap) -> bool {
    method == Method::OPTIONS
        && headers.contains_key(header::ORIGIN)
        && headers.contains_key(header::ACCESS_CONTROL_REQUEST_METHOD)
}

fn matches(pattern: &str, origin: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    match pattern.strip_suffix(":*") {
        Some(prefix) => origin
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_prefix(':'))
            .is_some_and(|port| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())),
        None => pattern.eq_ignore_ascii_case(origin),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_policy_allows_any_loopback_port_only() {
        let p = CorsPolicy::new(&[]);
        assert!(p.allows("http://localhost:5173"));
        assert!(p.allows("http://127.0.0.1:3000"));
        assert!(!p.allows("http://localhost"));
        assert!(!p.allows("http://localhost:5173.evil.example"));
        assert!(!p.allows("https://app.example.com"));
        assert!(!p.allows("http://localhost.evil.example:80"));
    }

    #[test]
    fn configured_origins_replace_the_defaults() {
        let p = CorsPolicy::new(&["https://app.example.com".to_owned()]);
        assert!(p.allows("https://app.example.com"));
        assert!(!p.allows("http://localhost:5173"));
        assert!(CorsPolicy::new(&["*".to_owned()]).allows("https://anything.example"));
    }
}

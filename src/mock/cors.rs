//! CORS for browser apps served from another local port. Written by hand rather than with
//! actix-cors because every answer here, a refused preflight included, must be JSON in the
//! contract's error shape, and origins are matched with a port wildcard.

use actix_web::HttpResponse;
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderMap, HeaderValue};

/// Origins allowed when none are configured: any port on the two loopback names.
pub const DEFAULT_ORIGINS: [&str; 2] = ["http://localhost:*", "http://127.0.0.1:*"];
pub const ALLOWED_HEADERS: &str = "Authorization, Content-Type, Prefer";
const EXPOSED_HEADERS: &str = "WWW-Authenticate, Allow";
const MAX_AGE_SECONDS: &str = "600";

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

    /// Headers for any response to a request from an allowed origin.
    pub fn response_headers(&self, origin: Option<&HeaderValue>, headers: &mut HeaderMap) {
        let Some(origin) = origin else { return };
        let Ok(text) = origin.to_str() else { return };
        if !self.allows(text) {
            return;
        }
        headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, origin.clone());
        headers.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static(EXPOSED_HEADERS),
        );
        headers.append(header::VARY, HeaderValue::from_static("Origin"));
    }

    /// Headers that answer an allowed preflight.
    pub fn preflight_headers(&self, methods: &str, headers: &mut HeaderMap) {
        if let Ok(methods) = HeaderValue::from_str(methods) {
            headers.insert(header::ACCESS_CONTROL_ALLOW_METHODS, methods);
        }
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static(ALLOWED_HEADERS),
        );
        headers.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static(MAX_AGE_SECONDS),
        );
    }
}

impl CorsPolicy {
    /// The answer to a preflight from an allowed origin (204 with the CORS headers), or, for
    /// another origin, what to tell the user (`server` names the command to restart).
    pub fn answer_preflight(
        &self,
        headers: &HeaderMap,
        methods: &str,
        server: &str,
    ) -> Result<HttpResponse, String> {
        let origin = headers
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .unwrap_or("");
        if !self.allows(origin) {
            return Err(format!(
                "origin {origin:?} is not allowed (allowed: {}); start the {server} with --cors-origin {origin}",
                self.origins().join(", ")
            ));
        }
        let mut response = HttpResponse::NoContent().finish();
        self.preflight_headers(methods, response.headers_mut());
        self.response_headers(headers.get(header::ORIGIN), response.headers_mut());
        Ok(response)
    }
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

//! Who may use `/__admin`, decided before CORS sees the request, for the mock and the proxy
//! alike. On loopback the admin API answers only to this machine's own pages and tools: a
//! `Host` that names no loopback address (DNS rebinding) and a request from another site
//! (`Origin`, `Sec-Fetch-Site`) are refused, and a change of state needs a request a web form
//! cannot send. Beyond loopback every admin request also needs the admin token. The refusals
//! carry no CORS headers, and an admitted request reaches CORS without its `Origin`, so no admin
//! answer carries them either.

use std::fmt;

use actix_web::HttpResponse;
use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use base64::Engine as _;
use futures_util::FutureExt as _;
use futures_util::future::LocalBoxFuture;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq as _;

use crate::credentials::Credentials;

/// Where the admin API lives; every path under it goes through the gate.
pub const ADMIN_PREFIX: &str = "/__admin";

/// The admin token: shown by nothing (its `Debug` is a placeholder), compared in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct AdminToken(String);

impl AdminToken {
    /// A token as given (`--admin-token`, `MFA_CONTRACT_ADMIN_TOKEN`); `None` when empty.
    pub fn new(token: &str) -> Option<Self> {
        let token = token.trim();
        (!token.is_empty()).then(|| Self(token.to_owned()))
    }

    /// 192 random bits from the operating system, as 32 URL-safe characters.
    pub fn generate() -> std::io::Result<Self> {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(Self(
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes),
        ))
    }

    /// The token itself, for the one line that shows a generated token at start.
    pub fn reveal(&self) -> &str {
        &self.0
    }

    fn digest(&self) -> [u8; 32] {
        Sha256::digest(self.0.as_bytes()).into()
    }
}

impl fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AdminToken(..)")
    }
}

/// Why the gate refused an admin request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The `Host` names no loopback address while the server listens on loopback.
    ForeignHost,
    /// `Origin` is not the server's own, or `Sec-Fetch-Site` says another site.
    CrossSite,
    /// The admin token is missing or wrong.
    Unauthorized,
    /// A change of state in a form a web page can send (`text/plain`, form encodings, ...).
    FormSendable,
}

/// The admin API's gate: what it checks follows from where the server listens.
#[derive(Clone)]
pub struct AdminGate {
    /// Listening on loopback: only loopback `Host`s are served.
    loopback: bool,
    /// SHA-256 of the token every admin request must carry (a digest: `Debug` shows no token).
    token: Option<[u8; 32]>,
}

impl AdminGate {
    /// For a server listening on `host`. Beyond loopback a token is required: without one
    /// every admin request is refused (the CLI always has one, generating it if none is given).
    pub fn new(host: &str, token: Option<&AdminToken>) -> Self {
        Self {
            loopback: crate::net::is_loopback_host(host),
            token: token.map(AdminToken::digest),
        }
    }

    fn needs_token(&self) -> bool {
        !self.loopback || self.token.is_some()
    }

    /// Whether an admin request may go on. Checked in this order, so an outsider learns no
    /// more than "unauthorized" about a server that needs a token.
    pub fn screen(&self, method: &Method, headers: &HeaderMap) -> Result<(), Refusal> {
        let host = text(headers, &header::HOST);
        if self.loopback && host.is_some_and(|h| !is_loopback_authority(h)) {
            return Err(Refusal::ForeignHost);
        }
        if self.needs_token() && !self.token_matches(headers) {
            return Err(Refusal::Unauthorized);
        }
        if is_cross_site(headers, host) {
            return Err(Refusal::CrossSite);
        }
        if changes_state(method) && is_form_sendable(headers) {
            return Err(Refusal::FormSendable);
        }
        Ok(())
    }

    /// `Authorization: Bearer TOKEN`, or Basic with the token as the password (what a browser
    /// sends once the user typed it into its prompt). Compared as digests, in constant time.
    fn token_matches(&self, headers: &HeaderMap) -> bool {
        let (Some(expected), Some(value)) = (&self.token, text(headers, &header::AUTHORIZATION))
        else {
            return false;
        };
        let credentials = Credentials::parse(value);
        let given = if let Some(token) = credentials.token_for("Bearer") {
            token.to_owned()
        } else if let Some(encoded) = credentials.token_for("Basic") {
            match basic_password(encoded) {
                Some(password) => password,
                None => return false,
            }
        } else {
            return false;
        };
        let given: [u8; 32] = Sha256::digest(given.as_bytes()).into();
        bool::from(given.ct_eq(expected))
    }
}

/// An answer the gate's part of the outermost middleware produced: a refusal, or an admitted
/// admin request's answer without CORS headers.
pub type Guarded<B> =
    LocalBoxFuture<'static, Result<ServiceResponse<EitherBody<B>>, actix_web::Error>>;

/// The gate's part of a server's outermost middleware, before CORS: an admin request is refused
/// here or called and its answer cleared of CORS headers (`Err` with that answer); any other
/// request comes back for the server to call as it does.
pub fn guard<S, B>(
    gate: Option<&AdminGate>,
    req: ServiceRequest,
    srv: &S,
) -> Result<ServiceRequest, Guarded<B>>
where
    S: Service<ServiceRequest, Response = ServiceResponse<EitherBody<B>>, Error = actix_web::Error>,
    S::Future: 'static,
    B: 'static,
{
    match admit(gate, req) {
        Admission::Other(req) => Ok(req),
        Admission::Admin(req) => {
            let call = srv.call(req);
            Err(async { Ok(without_cors(call.await?)) }.boxed_local())
        }
        Admission::Refused(refused) => Err(std::future::ready(Ok(refused)).boxed_local()),
    }
}

/// What the gate in front of the whole app (before CORS) makes of a request.
pub enum Admission<B> {
    /// Not an admin request (or no admin API): on as it came.
    Other(ServiceRequest),
    /// An admin request the gate admits, without its `Origin`; pass its answer through
    /// [`without_cors`].
    Admin(ServiceRequest),
    /// An admin request the gate refused, answered.
    Refused(ServiceResponse<EitherBody<B>>),
}

/// Screens `req` with `gate` if it is an admin request. `None` is a server without an admin
/// API, whose `/__admin` paths are nobody's business here.
pub fn admit<B>(gate: Option<&AdminGate>, mut req: ServiceRequest) -> Admission<B> {
    let Some(gate) = gate else {
        return Admission::Other(req);
    };
    // The path as the router matches it (`%5F` decoded), so no spelling slips past the gate.
    let path = req.match_info().as_str();
    if path != ADMIN_PREFIX && !path.starts_with("/__admin/") {
        return Admission::Other(req);
    }
    match gate.screen(req.method(), req.headers()) {
        Ok(()) => {
            req.headers_mut().remove(header::ORIGIN);
            Admission::Admin(req)
        }
        Err(refusal) => Admission::Refused(
            req.into_response(refusal_response(refusal))
                .map_into_right_body(),
        ),
    }
}

/// An admin answer without the `Access-Control-*` headers CORS adds to every answer: no web
/// page may read the admin API.
pub fn without_cors<B>(mut response: ServiceResponse<B>) -> ServiceResponse<B> {
    let cors: Vec<header::HeaderName> = response
        .headers()
        .keys()
        .filter(|name| name.as_str().starts_with("access-control-"))
        .cloned()
        .collect();
    for name in cors {
        response.headers_mut().remove(name);
    }
    response
}

impl fmt::Debug for AdminGate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AdminGate")
            .field("loopback", &self.loopback)
            .field("token", &self.token.map(|_| ".."))
            .finish()
    }
}

/// The answer to a refused admin request, in the contract's error shape. A 401 says nothing
/// more, and asks a browser to prompt for the token.
pub fn refusal_response(refusal: Refusal) -> HttpResponse {
    let (status, error, detail) = match refusal {
        Refusal::Unauthorized => {
            let mut response = HttpResponse::Unauthorized();
            response.insert_header((
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Basic realm=\"mfa-contract admin\", charset=\"UTF-8\""),
            ));
            return response.json(serde_json::json!({ "success": false, "error": "Unauthorized" }));
        }
        Refusal::ForeignHost => (
            StatusCode::FORBIDDEN,
            "Forbidden: not a loopback Host",
            "this server listens on loopback, so its admin API answers only to a loopback Host \
             (localhost, 127.0.0.0/8, [::1]); any other name may be DNS rebinding",
        ),
        Refusal::CrossSite => (
            StatusCode::FORBIDDEN,
            "Forbidden: cross-site admin request",
            "the admin API answers only to its own page and to tools without an Origin; \
             another site's page may not drive it",
        ),
        Refusal::FormSendable => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported Media Type: admin changes take JSON",
            "send Content-Type: application/json, or no body at all: a web form cannot, so \
             another site cannot make a browser change this server",
        ),
    };
    super::admin::error(status, error, detail, serde_json::Map::new())
}

fn text<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// `localhost`, an address in 127.0.0.0/8 or `[::1]`, with any port or none.
fn is_loopback_authority(authority: &str) -> bool {
    let host = match authority.rsplit_once(':') {
        // `[::1]:4010` or `name:4010`; a bare `::1` is not a Host header.
        Some((host, port))
            if !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()) && !host.is_empty() =>
        {
            host
        }
        _ => authority,
    };
    if host.contains(':') && !host.starts_with('[') {
        return false;
    }
    crate::net::is_loopback_host(host)
}

/// An `Origin` other than the server's own (`http(s)://` and the request's `Host`), `Origin:
/// null` (sandboxed or privacy-sensitive contexts), or `Sec-Fetch-Site: cross-site`.
fn is_cross_site(headers: &HeaderMap, host: Option<&str>) -> bool {
    if text(headers, &header::HeaderName::from_static("sec-fetch-site"))
        .is_some_and(|site| site.eq_ignore_ascii_case("cross-site"))
    {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let (Ok(origin), Some(host)) = (origin.to_str(), host) else {
        return true;
    };
    let own = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    !own.is_some_and(|authority| authority.eq_ignore_ascii_case(host))
}

fn changes_state(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// A body media type other than JSON: everything an HTML form, `navigator.sendBeacon` or a
/// "simple" cross-origin `fetch` can send without a preflight. No `Content-Type` at all (curl's
/// `-X POST`, a `fetch` without a body) is not something a form sends.
fn is_form_sendable(headers: &HeaderMap) -> bool {
    headers.get(header::CONTENT_TYPE).is_some_and(|value| {
        value
            .to_str()
            .map_or(true, |ct| !crate::media_type::same(ct, "application/json"))
    })
}

fn basic_password(encoded: &str) -> Option<String> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()?;
    let decoded = String::from_utf8(decoded).ok()?;
    decoded
        .split_once(':')
        .map(|(_, password)| password.to_owned())
}

#[cfg(test)]
mod tests;

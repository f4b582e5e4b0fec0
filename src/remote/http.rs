//! The one reqwest client construction for everything that talks to a target, and how a
//! transport failure is told apart (TLS, timeout, refused, broken) and described with its
//! whole cause chain. Forwarding in the proxy uses hyper-util's client with the same TLS
//! configuration and the same two helpers.

use std::time::Duration;

use crate::Error;
use crate::transport::{TransportError, TransportKind, cause_chain, names_tls};

/// The one HTTP client construction for anything that talks to a target (the checker, drift,
/// restore): rustls, no redirects followed (the token stays with the host it was meant for), no
/// retries, connection set-up bounded by `timeout`, and the one TLS configuration. Callers add
/// how long a whole exchange may take. Passing traffic through to an upstream uses hyper-util's
/// client under it instead, for its cost per exchange (figures in `forward.rs`).
pub fn http_client_builder(
    timeout: Duration,
    tls: &crate::tls::TlsOptions,
) -> Result<reqwest::ClientBuilder, Error> {
    Ok(reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        // Each request is sent once, as planned or as the client sent it: a proxy that sent a
        // POST again would apply a user's change twice; the checker retries on its own terms.
        .retry(reqwest::retry::never())
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .tls_backend_preconfigured(tls.client_config()?))
}

/// A reqwest error as a transport failure with its whole cause chain and a kind.
pub(super) fn transport(error: &reqwest::Error) -> TransportError {
    let message = cause_chain(error);
    let kind = if names_tls(&message) {
        TransportKind::Tls
    } else if error.is_timeout() {
        TransportKind::Timeout
    } else if error.is_connect() {
        TransportKind::Connect
    } else if error.is_body() || error.is_request() || error.is_decode() {
        TransportKind::Broken
    } else {
        TransportKind::Other
    };
    TransportError { kind, message }
}

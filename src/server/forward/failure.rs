//! What the proxy answers when the upstream fails (502, or 504 when it stayed silent), in the
//! contract's error shape, and the upstream client's errors as transport failures.

use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::StatusCode;
use actix_web::http::header;
use serde_json::json;

use crate::transport::{TransportError, TransportKind, cause_chain, names_tls};

/// A failure of the upstream client as a transport failure, with its whole cause chain.
pub(super) fn transport(error: &hyper_util::client::legacy::Error) -> TransportError {
    let message = cause_chain(error);
    let kind = if names_tls(&message) {
        TransportKind::Tls
    } else if error.is_connect() {
        TransportKind::Connect
    } else {
        TransportKind::Broken
    };
    TransportError { kind, message }
}

pub(super) fn broken(error: &hyper::Error) -> TransportError {
    TransportError {
        kind: TransportKind::Broken,
        message: cause_chain(error),
    }
}

pub(super) fn silent(timeout: Duration) -> TransportError {
    TransportError {
        kind: TransportKind::Timeout,
        message: format!(
            "no answer from the upstream within {} s",
            timeout.as_secs_f64()
        ),
    }
}

/// 504 when the upstream stayed silent, 502 otherwise, in the contract's error shape.
pub fn failure_response(error: &TransportError, timeout: Duration) -> HttpResponse {
    let (status, what) = match error.kind {
        TransportKind::Timeout => (
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "Gateway Timeout: the upstream sent no answer within {} s",
                timeout.as_secs_f64()
            ),
        ),
        TransportKind::Connect => (
            StatusCode::BAD_GATEWAY,
            "Bad Gateway: the upstream refused or could not be reached".to_owned(),
        ),
        TransportKind::Tls => (
            StatusCode::BAD_GATEWAY,
            "Bad Gateway: the TLS handshake with the upstream failed".to_owned(),
        ),
        TransportKind::TooLarge => (
            StatusCode::BAD_GATEWAY,
            "Bad Gateway: the upstream's answer is too large to judge".to_owned(),
        ),
        TransportKind::Broken | TransportKind::Other => (
            StatusCode::BAD_GATEWAY,
            "Bad Gateway: the upstream closed the connection without a complete answer".to_owned(),
        ),
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(json!({"success": false, "error": what, "detail": error.to_string()}).to_string())
}

//! What the pipeline answers, before it becomes an HTTP response: a status, a JSON body and
//! headers, plus what a scenario adds (a delay, a fault) and what the journal wants to know.

use std::time::Duration;

use actix_web::body::BoxBody;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::Bytes;
use actix_web::{HttpResponse, HttpResponseBuilder};
use futures_util::stream;
use serde_json::{Map, Value, json};

use super::scenario::Fault;
use crate::contract::{RejectionKind, RejectionPolicy};

/// A step's outcome: go on with a value, or stop with this reply (boxed: stopping is rare).
pub(super) type Step<T> = Result<T, Box<Reply>>;

pub(super) fn stop<T>(reply: Reply) -> Step<T> {
    Err(Box::new(reply))
}

pub struct Reply {
    pub status: StatusCode,
    pub body: Bytes,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub fault: Option<Fault>,
    pub delay: Option<Duration>,
    /// How a scenario shaped this reply, for the journal and the log.
    pub scenario: Option<String>,
    /// What chaos injected, when it did (`fault=reset`, `example=failed`, `delay=900`).
    pub chaos: Option<String>,
    /// The user it concerned, by name and token fingerprint (never by token).
    pub user: Option<super::state::Caller>,
    /// The operation the request reached, by id.
    pub operation: Option<std::sync::Arc<str>>,
    /// The caller's account as it was before this request, for a Pact provider state.
    pub account: Option<std::sync::Arc<serde_json::Value>>,
    /// The gap policy's kind, for a refusal: an operation with its own policy restyles it.
    pub rejected: Option<RejectionKind>,
    /// The request body, when it was not read to its end (a rejection came first). Held until
    /// the answer is written, so that actix closes the connection instead of draining whatever
    /// the client goes on sending.
    pub unread: Option<actix_web::web::Payload>,
}

impl Reply {
    pub fn json(status: StatusCode, body: Bytes) -> Self {
        Self {
            status,
            body,
            headers: Vec::new(),
            fault: None,
            delay: None,
            scenario: None,
            chaos: None,
            user: None,
            operation: None,
            account: None,
            rejected: None,
            unread: None,
        }
    }

    /// A rejection in the contract's error shape: the policy's `error`, our precise `detail`,
    /// and any further detail fields.
    pub fn rejection(
        (kind, policy): (RejectionKind, &RejectionPolicy),
        detail: impl Into<String>,
        extra: Map<String, Value>,
    ) -> Self {
        let mut reply = Self::error(status_code(policy.status), &policy.error, detail, extra);
        reply.rejected = Some(kind);
        reply
    }

    /// An error-shaped body for answers outside the gap policy (a bad `Prefer`, a refused
    /// preflight, a bad admin request).
    pub fn error(
        status: StatusCode,
        error: &str,
        detail: impl Into<String>,
        extra: Map<String, Value>,
    ) -> Self {
        let mut body = Map::new();
        body.insert("success".into(), json!(false));
        body.insert("error".into(), json!(error));
        body.insert("detail".into(), json!(detail.into()));
        body.extend(extra);
        let bytes = serde_json::to_vec(&body).expect("a JSON map always serializes");
        Self::json(status, Bytes::from(bytes))
    }

    /// This refusal as `policy` words it: its status, and its body's `error`.
    pub fn restyled(&mut self, policy: &RejectionPolicy) {
        self.status = status_code(policy.status);
        if let Ok(Value::Object(mut body)) = serde_json::from_slice::<Value>(&self.body) {
            body.insert("error".into(), json!(policy.error));
            let bytes = serde_json::to_vec(&body).expect("a JSON map always serializes");
            self.body = Bytes::from(bytes);
        }
    }

    /// A documented response header with `value`, unless the answer has that header already
    /// or the value cannot be a header's.
    pub fn add_documented_header(&mut self, name: &str, value: &str) {
        let (Ok(name), Ok(value)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_str(value),
        ) else {
            return;
        };
        if !self.headers.iter().any(|(n, _)| *n == name) {
            self.headers.push((name, value));
        }
    }

    pub fn with_header(mut self, name: HeaderName, value: &str) -> Self {
        if let Ok(value) = HeaderValue::from_str(value) {
            self.headers.push((name, value));
        }
        self
    }

    /// The response to send; a reset or a held timeout ends as a broken connection instead.
    pub fn into_response(self, malformed_body: &Bytes) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        // Empty only where the status is documented without a body (or `fault=empty`, which
        // keeps the type to break the client on purpose).
        if !self.body.is_empty() || self.fault.is_some() {
            builder.insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ));
        }
        for (name, value) in self.headers {
            builder.append_header((name, value));
        }
        if let Some(unread) = self.unread {
            return builder.body(HeldBody {
                bytes: Some(self.body),
                _unread: unread,
            });
        }
        match self.fault {
            None => builder.body(self.body),
            Some(Fault::Empty) => ok(builder).body(Bytes::new()),
            Some(Fault::Malformed) => ok(builder).body(malformed_body.clone()),
            Some(Fault::Reset | Fault::Timeout) => broken(builder),
        }
    }
}

pub fn status_code(status: u16) -> StatusCode {
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

fn ok(mut builder: HttpResponseBuilder) -> HttpResponseBuilder {
    builder.status(StatusCode::OK);
    builder
}

/// A body that fails before its first byte: actix then drops the connection without writing
/// the response head, which the client sees as a reset / empty reply.
fn broken(mut builder: HttpResponseBuilder) -> HttpResponse<BoxBody> {
    let failing = stream::once(async {
        Err::<Bytes, _>(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "fault=reset: connection closed on purpose",
        ))
    });
    builder.streaming(failing)
}

/// A fixed body that keeps the unread request payload alive while it is written: actix sees a
/// request body nobody finished and closes the connection after the answer.
struct HeldBody {
    bytes: Option<Bytes>,
    _unread: actix_web::web::Payload,
}

impl actix_web::body::MessageBody for HeldBody {
    type Error = std::convert::Infallible;

    fn size(&self) -> actix_web::body::BodySize {
        actix_web::body::BodySize::Sized(self.bytes.as_ref().map_or(0, |b| b.len() as u64))
    }

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<Bytes, Self::Error>>> {
        std::task::Poll::Ready(self.bytes.take().map(Ok))
    }
}

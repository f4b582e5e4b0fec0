//! What a request to a target came to: a response (its body parsed once, for every check that
//! reads it) or a transport failure with its kind and cause, and the case it answered.

use std::time::Duration;

use serde_json::Value;

use crate::cases::{Auth, Case, Expect};
use crate::media_type;
use crate::transport::TransportError;

/// A response body, parsed once for every check that reads it.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    Json(Value),
    Empty,
    /// Not JSON, with the parser's reason.
    NotJson(String),
}

#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    /// Header names in lower case, values as text (lossy), in the order received.
    pub headers: Vec<(String, String)>,
    /// The Content-Type's media type without parameters, lower case.
    pub media_type: Option<String>,
    /// The body as its reader sees it: decoded from its `Content-Encoding` (see
    /// `coding.rs`), or as sent where it could not be.
    pub body: Vec<u8>,
    pub parsed: Body,
    pub elapsed: Duration,
    /// The codings undone and what a client could not read in them; `None` for a body read
    /// as sent with nothing wrong.
    pub coding: Option<Box<crate::coding::CodingOutcome>>,
}

impl Response {
    /// A response as received on the wire; the body is decoded (at most `max_decoded` bytes)
    /// and parsed here, once.
    pub fn new(
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        elapsed: Duration,
        max_decoded: usize,
    ) -> Self {
        let decoded = crate::coding::decode(content_encoding(&headers), body, max_decoded);
        Self::decoded(status, headers, decoded, elapsed)
    }

    /// A response from a capture (HAR), whose body a browser may have stored decoded.
    pub fn captured(
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        elapsed: Duration,
        max_decoded: usize,
    ) -> Self {
        let decoded = crate::coding::decode_captured(content_encoding(&headers), body, max_decoded);
        Self::decoded(status, headers, decoded, elapsed)
    }

    fn decoded(
        status: u16,
        headers: Vec<(String, String)>,
        decoded: crate::coding::Decoded,
        elapsed: Duration,
    ) -> Self {
        let media_type = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| media_type::essence(v).to_ascii_lowercase());
        let (body, coding) = decoded.split();
        let parsed = if body.is_empty() {
            Body::Empty
        } else {
            match serde_json::from_slice(&body) {
                Ok(value) => Body::Json(value),
                Err(e) => Body::NotJson(e.to_string()),
            }
        };
        Self {
            status,
            headers,
            media_type,
            body,
            parsed,
            elapsed,
            coding,
        }
    }

    /// What a client could not read in the body's coding, if anything.
    pub fn coding_problem(&self) -> Option<&crate::coding::Problem> {
        self.coding.as_ref()?.problem.as_ref()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }

    pub fn json(&self) -> Option<&Value> {
        match &self.parsed {
            Body::Json(value) => Some(value),
            _ => None,
        }
    }

    /// A rate limit: 429, or 503 with `Retry-After`.
    pub fn is_rate_limit(&self) -> bool {
        self.status == 429 || self.status == 503 && self.header("retry-after").is_some()
    }

    /// How long `Retry-After` asks to wait (seconds or an HTTP date).
    pub fn retry_after(&self) -> Option<Duration> {
        let value = self.header("retry-after")?.trim();
        if let Ok(seconds) = value.parse::<u64>() {
            return Some(Duration::from_secs(seconds));
        }
        let at = httpdate::parse_http_date(value).ok()?;
        Some(
            at.duration_since(std::time::SystemTime::now())
                .unwrap_or(Duration::ZERO),
        )
    }
}

fn content_encoding(headers: &[(String, String)]) -> Option<&str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("content-encoding"))
        .map(|(_, v)| v.as_str())
}

/// What came back for a request: an answer, or why there was none.
#[derive(Debug, Clone)]
pub enum Received {
    Response(Response),
    Transport(TransportError),
}

/// A case and what came of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub case: Case,
    pub outcome: Received,
}

impl Exchange {
    pub fn response(&self) -> Option<&Response> {
        match &self.outcome {
            Received::Response(r) => Some(r),
            Received::Transport(_) => None,
        }
    }

    /// Whether this answer refused the token of a request that should have been accepted.
    pub fn token_refused(&self) -> bool {
        self.case.expect == Expect::Accept && self.token_may_be_stale()
    }

    /// Whether a request carrying a real token got 401 or 403: perhaps the token expired, so a
    /// fresh one is worth a try (a target that refuses for another reason refuses again).
    pub fn token_may_be_stale(&self) -> bool {
        matches!(self.case.request.auth, Auth::Token | Auth::SecondToken)
            && self
                .response()
                .is_some_and(|r| matches!(r.status, 401 | 403))
    }
}

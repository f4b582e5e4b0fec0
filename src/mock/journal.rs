//! The journal of received requests, for frontend test suites and the admin page. Bounded:
//! the oldest records go first. Recording is cheap (clones of reference-counted parts, the
//! token already replaced by its fingerprint); the text is made only when someone reads it.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use actix_web::http::Method;
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::web::Bytes;
use serde::Serialize;

pub use crate::server::Ending;
use crate::text::cut;

pub use crate::server::kept::MAX_BODY_BYTES;
/// Each header value is shown up to this many bytes.
pub const MAX_HEADER_BYTES: usize = 1024;

/// What is kept of one request. Nothing in it holds the token, and nothing in it shares memory
/// with the connection's read buffer (a header value sliced from it would keep the whole
/// buffer, body included, alive for as long as the record lives).
pub struct Record {
    pub at: SystemTime,
    pub method: Method,
    pub path: String,
    /// `name: value` lines as received (made text only when someone reads the journal),
    /// credentials already replaced by fingerprints.
    pub headers: Vec<u8>,
    /// At most `MAX_BODY_BYTES` of the body, copied out so a large body is not kept alive.
    pub body: Bytes,
    /// The whole body's length.
    pub body_len: usize,
    /// `None` when no answer went out (see `outcome`).
    pub status: Option<u16>,
    /// The answer's headers and at most `MAX_BODY_BYTES` of its body, for the HAR export.
    /// Besides `Content-Type: application/json`, which every answer has.
    pub reply_headers: Vec<(HeaderName, HeaderValue)>,
    pub reply_body: Bytes,
    pub outcome: Ending,
    pub scenario: Option<String>,
    /// What chaos injected, when it disturbed this request.
    pub chaos: Option<String>,
    pub user: Option<Arc<str>>,
    /// The operation the request reached, by id; `None` for a path or method the contract
    /// does not have.
    pub operation: Option<Arc<str>>,
    /// The caller's account before the request, when the state answered it.
    pub account: Option<Arc<serde_json::Value>>,
    /// Until the answer was complete: a scenario's `delay` included.
    pub latency_ms: f64,
}

/// A record as the admin API shows it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    pub id: u64,
    /// Milliseconds since the Unix epoch.
    pub received_at_ms: u128,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<Arc<str>>,
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced), cut to `MAX_BODY_BYTES`.
    pub body: String,
    pub body_truncated: bool,
    pub status: Option<u16>,
    pub outcome: Ending,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario: Option<String>,
    /// What chaos injected (`fault=reset`, `example=failed`, `delay=900`), when it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub chaos: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<Arc<str>>,
    /// For a refusal: why, as the answer's `detail` (else its `error`) says it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub latency_ms: f64,
}

impl Record {
    /// This record as a HAR exchange, the request's URL on `base` (`http://host:port`).
    fn har(&self, base: &str) -> crate::har::write::Exchange {
        let headers = self.render(0).headers;
        let comment = match (&self.scenario, self.outcome) {
            // The label says `chaos: ...`: a disturbance, not what the app asked for.
            (Some(scenario), _) if self.chaos.is_some() => Some(scenario.clone()),
            (Some(scenario), _) => Some(format!("scenario: {scenario}")),
            (None, Ending::Answered) => None,
            (None, outcome) => Some(format!("{outcome:?}")),
        };
        crate::har::write::Exchange {
            started_ms: self
                .at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis()),
            method: self.method.to_string(),
            url: format!("{base}{}", self.path),
            request_headers: headers,
            request_body: String::from_utf8_lossy(&self.body).into_owned(),
            request_body_size: self.body_len,
            status: self.status,
            response_headers: self.reply_headers_text(),
            response_body: String::from_utf8_lossy(&self.reply_body).into_owned(),
            time_ms: self.latency_ms,
            comment,
        }
    }

    /// The answer's headers as text: JSON's content type (when there is a body), then what the
    /// pipeline added.
    fn reply_headers_text(&self) -> Vec<(String, String)> {
        let json = (!self.reply_body.is_empty())
            .then(|| ("content-type".to_owned(), "application/json".to_owned()));
        json.into_iter()
            .chain(self.reply_headers.iter().map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            }))
            .collect()
    }

    /// A refusal's reason from its body, read when the journal is (never on the request path).
    fn reason(&self) -> Option<String> {
        if self.status.is_none_or(|s| s < 400) {
            return None;
        }
        let body: serde_json::Value = serde_json::from_slice(&self.reply_body).ok()?;
        ["detail", "error"]
            .iter()
            .find_map(|key| body.get(*key).and_then(serde_json::Value::as_str))
            .map(str::to_owned)
    }

    fn render(&self, id: u64) -> Entry {
        let mut headers: Vec<(String, String)> = String::from_utf8_lossy(&self.headers)
            .lines()
            .filter_map(|line| line.split_once(": "))
            .map(|(name, value)| (name.to_owned(), cut(value, MAX_HEADER_BYTES).0.to_owned()))
            .collect();
        headers.sort();
        let text = String::from_utf8_lossy(&self.body);
        let (body, cut_here) = cut(&text, MAX_BODY_BYTES);
        let body = body.to_owned();
        let body_truncated = cut_here || self.body_len > self.body.len();
        Entry {
            id,
            received_at_ms: self
                .at
                .duration_since(UNIX_EPOCH)
                .map_or(0, |d| d.as_millis()),
            operation: self.operation.clone(),
            method: self.method.to_string(),
            path: self.path.clone(),
            headers,
            body,
            body_truncated,
            status: self.status,
            outcome: self.outcome,
            scenario: self.scenario.clone(),
            chaos: self.chaos.clone(),
            user: self.user.clone(),
            reason: self.reason(),
            latency_ms: self.latency_ms,
        }
    }
}

/// Who a record's request concerned and what shaped its answer, for the Pact export.
pub struct PactContext {
    pub user: Option<Arc<str>>,
    /// The account the answer was made in.
    pub account: Option<Arc<serde_json::Value>>,
    pub scenario: Option<String>,
    /// Chaos disturbed the answer: not what a consumer expects, so not in a pact.
    pub chaos: bool,
}

pub struct Journal {
    capacity: usize,
    next_id: u64,
    records: VecDeque<(u64, Record)>,
    since_start: Tally,
}

/// How requests ended since the mock started, for the summary when it stops. Kept beside the
/// records, under the lock the journal already takes, and not cleared with them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Answers by status.
    pub answered: std::collections::BTreeMap<u16, u64>,
    /// Closed on purpose by a `fault` scenario.
    pub closed: u64,
    /// The client left before its answer.
    pub client_gave_up: u64,
}

impl Tally {
    pub fn requests(&self) -> u64 {
        self.answered.values().sum::<u64>() + self.closed + self.client_gave_up
    }
}

impl Journal {
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            next_id: 0,
            records: VecDeque::with_capacity(capacity.min(1024)),
            since_start: Tally::default(),
        }
    }

    /// Stores a record (its id is assigned here), dropping the oldest when full.
    pub fn record(&mut self, record: Record) {
        if self.capacity == 0 {
            return;
        }
        match (record.outcome, record.status) {
            (Ending::Answered, Some(status)) => {
                *self.since_start.answered.entry(status).or_default() += 1;
            }
            (Ending::ClientGaveUp, _) => self.since_start.client_gave_up += 1,
            _ => self.since_start.closed += 1,
        }
        self.next_id += 1;
        if self.records.len() == self.capacity {
            self.records.pop_front();
        }
        self.records.push_back((self.next_id, record));
    }

    /// Oldest first.
    pub fn entries(&self) -> Vec<Entry> {
        self.records.iter().map(|(id, r)| r.render(*id)).collect()
    }

    /// The records as HAR exchanges, their URLs on `base` (`http://host:port`).
    pub fn har(&self, base: &str) -> Vec<crate::har::write::Exchange> {
        self.records.iter().map(|(_, r)| r.har(base)).collect()
    }

    /// The records as HAR exchanges, each with the user it concerned (by name) and the
    /// scenario that shaped its answer.
    pub fn har_with_users(&self, base: &str) -> Vec<(crate::har::write::Exchange, PactContext)> {
        self.records
            .iter()
            .map(|(_, r)| {
                let who = PactContext {
                    user: r.user.clone(),
                    account: r.account.clone(),
                    scenario: r.scenario.clone(),
                    chaos: r.chaos.is_some(),
                };
                (r.har(base), who)
            })
            .collect()
    }

    pub fn clear(&mut self) {
        self.records.clear();
    }

    /// Whether requests are kept (and counted) at all: `--journal-size 0` turns both off.
    pub fn is_on(&self) -> bool {
        self.capacity > 0
    }

    pub fn since_start(&self) -> &Tally {
        &self.since_start
    }
}

/// What a record keeps of a body: all of a small one (shared, not copied), the head of a
/// large one (copied, so the rest can be freed).
pub fn kept_body(body: &Bytes) -> Bytes {
    if body.len() <= MAX_BODY_BYTES {
        body.clone()
    } else {
        Bytes::copy_from_slice(&body[..MAX_BODY_BYTES])
    }
}

impl super::MockState {
    /// One line for when the mock stops: how many requests, and how each ended.
    pub fn summary(&self) -> String {
        let journal = self.journal();
        if !journal.is_on() {
            return "mfa-contract mock: stopped (requests were not counted: --journal-size 0)"
                .to_owned();
        }
        let tally = journal.since_start();
        let mut line = format!(
            "mfa-contract mock: stopped after {} requests",
            tally.requests()
        );
        let mut parts: Vec<String> = tally
            .answered
            .iter()
            .map(|(status, n)| format!("{status} x{n}"))
            .collect();
        if tally.closed > 0 {
            parts.push(format!(
                "{} closed on purpose (fault scenarios)",
                tally.closed
            ));
        }
        if tally.client_gave_up > 0 {
            parts.push(format!(
                "{} left by the client before the answer",
                tally.client_gave_up
            ));
        }
        if self.chaos.disturbed() > 0 {
            parts.push(format!(
                "{} disturbed by chaos (seed {})",
                self.chaos.disturbed(),
                self.chaos.seed()
            ));
        }
        if !parts.is_empty() {
            line.push_str(": ");
            line.push_str(&parts.join(", "));
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(path: &str) -> Record {
        Record {
            at: SystemTime::now(),
            method: Method::POST,
            path: path.to_owned(),
            headers: b"content-type: application/json\n".to_vec(),
            body: Bytes::from_static(b"{}"),
            body_len: 2,
            status: Some(200),
            reply_headers: Vec::new(),
            reply_body: Bytes::new(),
            outcome: Ending::Answered,
            scenario: None,
            chaos: None,
            user: None,
            operation: None,
            account: None,
            latency_ms: 0.0,
        }
    }

    #[test]
    fn keeps_the_newest_records_up_to_capacity() {
        let mut j = Journal::new(3);
        for i in 0..5 {
            j.record(record(&format!("/{i}")));
        }
        let paths: Vec<_> = j.entries().into_iter().map(|e| (e.id, e.path)).collect();
        assert_eq!(
            paths,
            vec![(3, "/2".into()), (4, "/3".into()), (5, "/4".into())]
        );
    }

    #[test]
    fn the_tally_counts_every_request_and_survives_a_clear() {
        let mut j = Journal::new(2);
        for status in [200, 200, 400] {
            j.record(Record {
                status: Some(status),
                ..record("/mfa/primary")
            });
        }
        j.record(Record {
            status: None,
            outcome: Ending::Closed,
            ..record("/mfa/primary")
        });
        j.record(Record {
            status: None,
            outcome: Ending::ClientGaveUp,
            ..record("/mfa/primary")
        });
        j.clear();
        let tally = j.since_start();
        assert_eq!(tally.answered.get(&200), Some(&2));
        assert_eq!(tally.answered.get(&400), Some(&1));
        assert_eq!((tally.closed, tally.client_gave_up), (1, 1));
        assert_eq!(tally.requests(), 5);
    }
}

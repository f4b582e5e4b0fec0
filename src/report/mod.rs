//! Check results as data, and the one place they become text: a human summary, JSON, JUnit
//! XML, and a curl command that reproduces each failure. Reports hold no secret: requests are
//! recorded with the token as a variable reference, and responses have it replaced.

mod curl;
mod human;
mod junit;

use serde::Serialize;

pub use curl::curl_command;
pub use human::{coverage_line, human};
pub use junit::junit;

use crate::cases::Coverage;
use crate::contract::Violation;

/// The JSON report (`--format json`); README documents its fields.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The endpoint URL that was checked.
    pub target: String,
    /// Where the contract came from.
    pub contract: String,
    /// Reproduce the same cases with `--seed`.
    pub seed: u64,
    pub duration_ms: u64,
    /// Requests sent, shrinking and sequences included.
    pub requests: usize,
    pub cases_per_second: f64,
    pub coverage: Coverage,
    pub checks: Vec<CheckSummary>,
    /// Statuses the documentation does not list but the gap policy allows, with where seen.
    pub gaps: Vec<GapSummary>,
    pub failures: Vec<FailureReport>,
    /// Planned cases not sent, and why (deadline or request budget).
    pub not_run: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_primary: Option<RestoreReport>,
    /// Things the reader should know that are not failures.
    pub notes: Vec<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.failures.is_empty()
            && self.not_run == 0
            && self.restore_primary.as_ref().is_none_or(|r| r.ok)
    }

    pub fn failed_checks(&self) -> usize {
        self.checks.iter().filter(|c| c.failed > 0).count()
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckSummary {
    pub name: String,
    pub description: String,
    pub passed: usize,
    pub failed: usize,
    /// Exchanges the check does not apply to.
    pub skipped: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GapSummary {
    pub status: u16,
    /// The gap policy entry that allows it.
    pub rejection: String,
    pub count: usize,
    pub classes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureReport {
    pub check: String,
    pub class: String,
    /// How many exchanges of this class failed this check.
    pub occurrences: usize,
    pub message: String,
    pub violations: Vec<Violation>,
    pub request: RequestReport,
    pub response: Option<ResponseReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shrunk: Option<ShrinkReport>,
    /// A curl command that sends the (minimal) failing request again.
    pub reproduce: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestReport {
    pub method: String,
    pub url: String,
    /// As sent, with the token as a variable reference and `--header` values hidden.
    pub headers: Vec<(String, String)>,
    /// The body as text (invalid UTF-8 replaced), cut to a readable length.
    pub body: String,
    pub body_bytes: usize,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ResponseReport {
    /// `None` when no response arrived; `transportError` says why.
    pub status: Option<u16>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content_type: Option<String>,
    pub body_excerpt: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transport_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShrinkReport {
    /// Requests sent while shrinking.
    pub steps: usize,
    /// The body as first generated, before shrinking.
    pub original_body: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreReport {
    pub method: String,
    pub status: Option<u16>,
    pub ok: bool,
    pub detail: String,
}

impl std::fmt::Display for RestoreReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.ok { "restored" } else { "NOT restored" };
        write!(
            f,
            "primary method {state}: {} ({})",
            self.method, self.detail
        )
    }
}

/// Longest body text a report shows.
pub const EXCERPT_BYTES: usize = 600;

/// `bytes` as text, cut to `max` bytes on a character boundary with a note of the full size.
pub fn excerpt(bytes: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() <= max {
        return text.into_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes in all)", &text[..end], bytes.len())
}

//! Check results as data, and the one place they become text: a human summary, JSON, JUnit
//! XML, and a curl command that reproduces each failure. Reports hold no secret: requests are
//! recorded with the token as a variable reference, and responses have it replaced.

mod coverage;
mod ctrf;
mod curl;
mod diff;
mod failure;
mod github;
mod har;
mod human;
mod junit;
mod markdown;
mod output;

use serde::Serialize;

pub use coverage::{coverage_brief, coverage_markdown, coverage_suite, coverage_text};
pub use ctrf::ctrf;
pub use curl::curl_command;
pub use diff::DiffReport;
pub use failure::failure_report;
pub use github::{Annotation, check_annotations, diff_annotations, drift_annotations};
pub use har::{har_annotations, har_human, har_junit, har_markdown};
pub use human::{coverage_line, human};
pub use junit::junit;
pub use markdown::markdown;
pub use output::Rendered;

pub use crate::restore::RestoreReport;

use crate::contract::Violation;
use crate::coverage::Coverage;
use crate::remote::Environment;
pub use crate::verdict::ShrinkReport;
use crate::verdict::{GapKind, LatencyRow};

/// The JSON report (`--format json`); README documents its fields.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    /// The endpoint URL that was checked.
    pub target: String,
    /// Where the contract came from.
    pub contract: String,
    /// Which contract it was: title, version, endpoint, digest of its files.
    pub contract_identity: String,
    /// Reproduce the same cases with `--seed`.
    pub seed: u64,
    pub duration_ms: u64,
    /// Requests sent, shrinking and sequences included.
    pub requests: usize,
    pub cases_per_second: f64,
    pub coverage: Coverage,
    pub checks: Vec<CheckSummary>,
    /// What the documentation leaves open, seen in answers: not violations.
    pub gaps: Vec<GapSummary>,
    /// Rate limits waited out and tokens refreshed: the environment, not the contract.
    pub environment: Environment,
    pub failures: Vec<FailureReport>,
    /// Flaky failures (passed on a recheck) do not make the run fail.
    pub allow_flaky: bool,
    /// Planned cases not sent, and why (deadline or request budget).
    pub not_run: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped_by: Option<String>,
    /// Follow-ups (shrinking, rechecks) that the deadline or the budget did not let finish.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub cut_short: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restore_primary: Option<RestoreReport>,
    /// Things the reader should know that are not failures.
    pub notes: Vec<String>,
    /// Each operation checked, for a contract of several (empty for one).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<OperationReport>,
    /// Every status answered, with how often: what an operation serves.
    #[serde(skip)]
    pub statuses: std::collections::BTreeMap<u16, usize>,
    /// The statuses valid requests were answered with.
    #[serde(skip)]
    pub valid_statuses: std::collections::BTreeSet<u16>,
}

/// One operation's part of a run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct OperationReport {
    pub operation: String,
    /// `GET /mfa/status`.
    pub endpoint: String,
    pub requests: usize,
    pub failures: usize,
    /// Statuses answered, with how often.
    pub statuses: std::collections::BTreeMap<u16, usize>,
    /// Why it was not checked, when it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub not_checked: Option<String>,
}

impl Report {
    pub fn is_clean(&self) -> bool {
        self.failures.iter().all(|f| f.flaky && self.allow_flaky)
            && self.not_run == 0
            && self.restore_primary.as_ref().is_none_or(|r| r.ok)
            && self.coverage.meets_minimum()
    }

    pub fn failed_checks(&self) -> usize {
        self.checks.iter().filter(|c| c.failed > 0).count()
    }
}

/// `Result: ...`, the last line of the human and markdown reports.
pub fn result_line(report: &Report) -> String {
    let total = report.checks.len();
    let flaky = report.failures.iter().filter(|f| f.flaky).count();
    let flaky_note = match flaky {
        0 => String::new(),
        n if report.allow_flaky => format!(", {n} flaky allowed by --allow-flaky"),
        n => format!(", {n} of them flaky"),
    };
    if let Some(line) = coverage::minimum_line(&report.coverage)
        && report.failures.is_empty()
    {
        return format!("Result: {line} (exit 1)");
    }
    if report.failures.is_empty() && report.is_clean() {
        format!("Result: clean, {total} checks, no failure (exit 0)")
    } else if report.is_clean() {
        format!("Result: clean, {total} checks{flaky_note} (exit 0)")
    } else {
        format!(
            "Result: {} failure{} in {} of {total} checks{flaky_note} (exit 1)",
            report.failures.len(),
            if report.failures.len() == 1 { "" } else { "s" },
            report.failed_checks()
        )
    }
}

/// What the environment did, one line per kind of event; empty when nothing happened.
pub fn environment_lines(environment: &Environment) -> Vec<String> {
    let mut lines = Vec::new();
    if environment.rate_limited > 0 {
        lines.push(format!(
            "rate limited {} times, waited out ({} ms in all) and sent again",
            environment.rate_limited, environment.waited_ms
        ));
    }
    if environment.token_refreshes > 0 || environment.token_retries > 0 {
        lines.push(format!(
            "token refused: the token command ran {} more times, {} requests were sent again with a fresh token",
            environment.token_refreshes, environment.token_retries
        ));
    }
    lines
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
    /// The gap policy entry for the case's class.
    pub rejection: String,
    /// An allowed status, another status where only the policy speaks, or lenient acceptance.
    pub kind: GapKind,
    pub count: usize,
    pub classes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FailureReport {
    /// The operation, for a contract of several.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
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
    /// Times the case was sent again before the failure was reported (`--recheck`).
    pub rechecks: usize,
    /// Rechecks that passed.
    pub rechecks_passed: usize,
    /// Passed on a recheck: flaky rather than deterministic.
    pub flaky: bool,
    /// A curl command that sends the (minimal) failing request again.
    pub reproduce: String,
    /// For a check of timing: how fast each case class was answered.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub latency: Vec<LatencyRow>,
    /// Where in the contract the first violation's keyword is written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_location: Option<SchemaLocation>,
}

/// A line of a schema file: `schemas/response-200.schema.json` line 9.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SchemaLocation {
    /// Relative to the contract's root.
    pub file: String,
    pub line: usize,
    /// The file on disk, for a contract read from a directory; none when embedded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
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

impl FailureReport {
    /// The class, named with its operation when the contract has several: `resetMfa: negative.empty_body`.
    pub fn label(&self) -> String {
        match &self.operation {
            Some(operation) => format!("{operation}: {}", self.class),
            None => self.class.clone(),
        }
    }

    /// `deterministic` (failed every time) or `flaky` (passed on a recheck).
    pub fn stability(&self) -> &'static str {
        if self.flaky { "flaky" } else { "deterministic" }
    }
}

/// Longest body text a report shows.
pub const EXCERPT_BYTES: usize = 600;

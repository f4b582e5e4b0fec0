//! What judging an exchange can conclude, as data: pass, skip, a documentation gap, or a
//! failure with its message and schema violations. The checks produce these and the reports
//! render them; neither imports the other for it.

use serde::Serialize;

use crate::cases::Sequence;
use crate::contract::{RejectionKind, Violation};
use crate::remote::Exchange;

#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    Pass,
    /// The check does not apply to this exchange.
    Skip,
    /// Not a violation: something the documentation leaves open.
    Gap(Gap),
    Fail(Failure),
}

/// Something the documentation leaves open, seen in an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Gap {
    pub status: u16,
    pub kind: RejectionKind,
    pub how: GapKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    /// Refused with a status the gap policy allows and the documentation does not list.
    AllowedStatus,
    /// Refused with a status the gap policy does not list, where only the policy speaks.
    OtherStatus,
    /// Accepted although our policy refuses it; the documentation does not forbid it.
    Lenient,
    /// Refused with a body (or a content type) the documentation does not describe, where the
    /// contract's error shape is the mock's own.
    UndocumentedBody,
}

impl GapKind {
    pub fn as_str(self) -> &'static str {
        match self {
            GapKind::AllowedStatus => "allowed status",
            GapKind::OtherStatus => "status outside the gap policy",
            GapKind::Lenient => "lenient: accepted",
            GapKind::UndocumentedBody => "undocumented body",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub message: String,
    /// Schema violations, with instance and schema pointers.
    pub violations: Vec<Violation>,
}

/// One failing (check, class): its first exchange (or the minimal one shrinking found), how
/// often the class failed, and what the rechecks said. The tally collects these and the reports
/// render them as they are.
#[derive(Debug, Clone)]
pub struct Finding {
    /// The check's name, as registered.
    pub check: &'static str,
    pub exchange: Exchange,
    /// The whole sequence, when a sequence check failed.
    pub sequence: Option<Sequence>,
    pub failure: Failure,
    pub occurrences: usize,
    pub shrunk: Option<ShrinkReport>,
    /// Rechecks sent, and how many of them passed.
    pub rechecks: usize,
    pub rechecks_passed: usize,
    /// For a check of timing: the latencies of every answer it judged, by case class.
    pub latency: Vec<LatencyRow>,
}

/// How fast one case class was answered, for a check of timing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LatencyRow {
    /// A case class, or `(other classes)` for every class that stayed under the limit.
    pub class: String,
    pub count: usize,
    /// Answers slower than the limit.
    pub over_limit: usize,
    pub median_ms: u64,
    pub p95_ms: u64,
    pub max_ms: u64,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShrinkReport {
    /// Requests sent while shrinking.
    pub steps: usize,
    /// The body as first generated, before shrinking.
    pub original_body: String,
}

//! Verdicts folded into what the report shows: counts per check, documentation gaps, and one
//! failure group per (check, class), or per check for a check of timing (with the latency of
//! every answer it judged, by class).

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use super::{CHECKS, Check, Ctx, Gap, Run, Verdict, by_name};
use crate::cases::Sequence;
use crate::coverage::Tracker;
use crate::remote::Exchange;
use crate::report::{CheckSummary, GapSummary};
use crate::verdict::{Finding, LatencyRow};

/// How one check fared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Counts {
    pub passed: usize,
    pub failed: usize,
    /// Exchanges the check does not apply to.
    pub skipped: usize,
}

/// Verdicts as they come in, folded into counts, gaps and failure groups.
pub(crate) struct Tally {
    checks: Vec<&'static Check>,
    counts: BTreeMap<&'static str, Counts>,
    gaps: BTreeMap<Gap, (usize, BTreeSet<String>)>,
    /// Per class: what a check of timing measured, and how many were over the limit.
    latency: BTreeMap<String, (Vec<Duration>, usize)>,
    pub(crate) groups: Vec<Finding>,
    /// What the judged exchanges reached.
    pub(crate) reach: Tracker,
}

impl Tally {
    pub(crate) fn new(checks: &[&'static Check], reach: Tracker) -> Self {
        Self {
            reach,
            checks: checks.to_vec(),
            counts: checks.iter().map(|c| (c.name, Counts::default())).collect(),
            gaps: BTreeMap::new(),
            latency: BTreeMap::new(),
            groups: Vec::new(),
        }
    }

    pub(crate) fn judge(&mut self, ctx: &Ctx<'_>, exchange: &Exchange) {
        self.reach.record(ctx.contract, exchange);
        for check in self.checks.clone() {
            if check.judges_answers() {
                let verdict = check.judge(ctx, exchange);
                if let (Run::Timing(_), Some(response)) = (check.run, exchange.response()) {
                    let seen = self.latency.entry(exchange.case.class.clone()).or_default();
                    seen.0.push(response.elapsed);
                    seen.1 += usize::from(matches!(verdict, Verdict::Fail(_)));
                }
                self.record(check, exchange, None, verdict);
            }
        }
    }

    pub(crate) fn judge_sequence(
        &mut self,
        ctx: &Ctx<'_>,
        sequence: &Sequence,
        exchanges: &[Exchange],
    ) {
        for check in self.checks.clone() {
            if let Run::Sequence(kind, run) = check.run
                && kind == sequence.kind
            {
                let verdict = run(ctx, sequence, exchanges);
                let last = exchanges.last().expect("a sequence has steps");
                self.record(check, last, Some(sequence), verdict);
            }
        }
    }

    fn record(
        &mut self,
        check: &'static Check,
        exchange: &Exchange,
        sequence: Option<&Sequence>,
        verdict: Verdict,
    ) {
        let counts = self.counts.entry(check.name).or_default();
        match verdict {
            Verdict::Pass => counts.passed += 1,
            Verdict::Skip => counts.skipped += 1,
            Verdict::Gap(gap) => {
                counts.passed += 1;
                let seen = self.gaps.entry(gap).or_default();
                seen.0 += 1;
                seen.1.insert(exchange.case.class.clone());
            }
            Verdict::Fail(failure) => {
                counts.failed += 1;
                let timing = matches!(check.run, Run::Timing(_));
                let same = |g: &&mut Finding| {
                    g.check == check.name
                        && (timing || g.exchange.case.class == exchange.case.class)
                };
                match self.groups.iter_mut().find(same) {
                    Some(group) => {
                        group.occurrences += 1;
                        // A check of timing shows its slowest answer.
                        if timing && elapsed(exchange) > elapsed(&group.exchange) {
                            group.exchange = exchange.clone();
                            group.failure = failure;
                        }
                    }
                    None => self.groups.push(Finding {
                        check: check.name,
                        exchange: exchange.clone(),
                        sequence: sequence.cloned(),
                        failure,
                        occurrences: 1,
                        shrunk: None,
                        rechecks: 0,
                        rechecks_passed: 0,
                        latency: Vec::new(),
                    }),
                }
            }
        }
    }

    /// Gives each finding of a check of timing the latency distribution it stands for: a row
    /// per class with an answer over the limit, slowest first, and one for all the others.
    pub(crate) fn attach_latency(&mut self) {
        let mut rows = Vec::new();
        let mut others = Vec::new();
        for (class, (times, over)) in &self.latency {
            match over {
                0 => others.extend(times),
                _ => rows.push(latency_row(class, times, *over)),
            }
        }
        rows.sort_by(|a, b| b.max_ms.cmp(&a.max_ms).then(a.class.cmp(&b.class)));
        if !others.is_empty() {
            rows.push(latency_row("(other classes)", &others, 0));
        }
        for group in &mut self.groups {
            if by_name(group.check).is_some_and(|c| matches!(c.run, Run::Timing(_))) {
                group.latency = rows.clone();
            }
        }
    }

    pub(crate) fn counts(&self, check: &str) -> Counts {
        self.counts.get(check).copied().unwrap_or_default()
    }

    pub(crate) fn summaries(&self) -> Vec<CheckSummary> {
        self.checks
            .iter()
            .map(|c| {
                let counts = self.counts(c.name);
                CheckSummary {
                    name: c.name.to_owned(),
                    description: c.description.to_owned(),
                    passed: counts.passed,
                    failed: counts.failed,
                    skipped: counts.skipped,
                }
            })
            .collect()
    }

    pub(crate) fn gaps(&self) -> Vec<GapSummary> {
        self.gaps
            .iter()
            .map(|(gap, (count, classes))| GapSummary {
                status: gap.status,
                rejection: gap.kind.to_string(),
                kind: gap.how,
                count: *count,
                classes: classes.iter().cloned().collect(),
            })
            .collect()
    }

    /// The failure groups in report order: by check as registered, then by class.
    pub(crate) fn sorted_groups(&self) -> Vec<&Finding> {
        let order = |name: &str| {
            CHECKS
                .iter()
                .position(|c| c.name == name)
                .unwrap_or(usize::MAX)
        };
        let mut groups: Vec<&Finding> = self.groups.iter().collect();
        groups.sort_by(|a, b| {
            (order(a.check), &a.exchange.case.class).cmp(&(order(b.check), &b.exchange.case.class))
        });
        groups
    }
}

fn elapsed(exchange: &Exchange) -> Duration {
    exchange.response().map_or(Duration::ZERO, |r| r.elapsed)
}

/// Count, median, 95th percentile (nearest rank) and maximum of one class's latencies.
fn latency_row(class: &str, times: &[Duration], over_limit: usize) -> LatencyRow {
    let mut ms: Vec<u64> = times.iter().map(|t| t.as_millis() as u64).collect();
    ms.sort_unstable();
    let rank = |p: usize| ms[(ms.len() * p).div_ceil(100).clamp(1, ms.len()) - 1];
    LatencyRow {
        class: class.to_owned(),
        count: ms.len(),
        over_limit,
        median_ms: rank(50),
        p95_ms: rank(95),
        max_ms: rank(100),
    }
}

/// Every status answered, with how often, and those valid requests got: what an operation
/// serves.
pub(super) fn answered(
    exchanges: &[crate::remote::Exchange],
) -> (
    std::collections::BTreeMap<u16, usize>,
    std::collections::BTreeSet<u16>,
) {
    let mut statuses = std::collections::BTreeMap::new();
    let mut valid = std::collections::BTreeSet::new();
    for exchange in exchanges {
        if let Some(response) = exchange.response() {
            *statuses.entry(response.status).or_insert(0) += 1;
            if exchange.case.expect == crate::cases::Expect::Accept {
                valid.insert(response.status);
            }
        }
    }
    (statuses, valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_rows_take_nearest_ranks() {
        let times: Vec<Duration> = (1..=20).map(Duration::from_millis).collect();
        let row = latency_row("c", &times, 3);
        assert_eq!(
            (row.count, row.median_ms, row.p95_ms, row.max_ms),
            (20, 10, 19, 20)
        );
        let one = latency_row("c", &[Duration::from_millis(7)], 1);
        assert_eq!((one.median_ms, one.p95_ms, one.max_ms), (7, 7, 7));
    }
}

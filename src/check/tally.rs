//! Verdicts folded into what the report shows: counts per check, documentation gaps, and one
//! failure group per (check, class).

use std::collections::{BTreeMap, BTreeSet};

use super::{CHECKS, Check, Ctx, Gap, Run, Verdict};
use crate::cases::Sequence;
use crate::remote::Exchange;
use crate::report::{CheckSummary, GapSummary};
use crate::verdict::Finding;

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
    pub(crate) groups: Vec<Finding>,
}

impl Tally {
    pub(crate) fn new(checks: &[&'static Check]) -> Self {
        Self {
            checks: checks.to_vec(),
            counts: checks.iter().map(|c| (c.name, Counts::default())).collect(),
            gaps: BTreeMap::new(),
            groups: Vec::new(),
        }
    }

    pub(crate) fn judge(&mut self, ctx: &Ctx<'_>, exchange: &Exchange) {
        for check in self.checks.clone() {
            if matches!(check.run, Run::Transport(_) | Run::Single(_)) {
                let verdict = check.judge(ctx, exchange);
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
                match self
                    .groups
                    .iter_mut()
                    .find(|g| g.check == check.name && g.exchange.case.class == exchange.case.class)
                {
                    Some(group) => group.occurrences += 1,
                    None => self.groups.push(Finding {
                        check: check.name,
                        exchange: exchange.clone(),
                        sequence: sequence.cloned(),
                        failure,
                        occurrences: 1,
                        shrunk: None,
                        rechecks: 0,
                        rechecks_passed: 0,
                    }),
                }
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

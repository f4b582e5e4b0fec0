//! What follows a failure: shrinking (each failing sampled case walks its proptest value tree
//! towards a minimal request, sent to the live target, with the check that caught it as the
//! test) and rechecks (each failure sent again: one that passes once is flaky, not
//! deterministic). Failures are independent of each other, so up to `--concurrency` of them
//! are followed up side by side; the steps of one are sequential. Nothing here outlives the
//! deadline: a request still in flight when it passes is abandoned and counted as cut short.

use std::cell::Cell;
use std::collections::BTreeSet;

use futures_util::StreamExt;
use tokio::time::Instant;

use super::send::send_sequence;
use super::tally::Tally;
use super::{Ctx, Run, Silent, Verdict, by_name};
use crate::cases::{Plan, Shrinker};
use crate::remote::{Budget, Client};
use crate::report::EXCERPT_BYTES;
use crate::text::excerpt;
use crate::verdict::{Finding, ShrinkReport};

/// Requests one failure may spend on shrinking.
const MAX_SHRINK_STEPS: usize = 128;

/// What one follow-up phase shares: where to send, the limits, and how many findings it could
/// not finish.
pub(crate) struct FollowUp<'a> {
    pub client: &'a Client,
    pub budget: &'a Budget,
    pub deadline: Instant,
    pub concurrency: usize,
    cut_short: Cell<usize>,
}

impl<'a> FollowUp<'a> {
    pub(crate) fn new(
        client: &'a Client,
        budget: &'a Budget,
        deadline: Instant,
        concurrency: std::num::NonZeroUsize,
    ) -> Self {
        Self {
            client,
            budget,
            deadline,
            concurrency: concurrency.get(),
            cut_short: Cell::new(0),
        }
    }

    /// What the deadline or the budget left unfinished, for the report.
    pub(crate) fn cut_short_note(&self, phase: &str) -> Option<String> {
        let findings = self.cut_short.get();
        (findings > 0).then(|| {
            format!("{phase} of {findings} failures (the deadline or the request budget; reported as far as they got)")
        })
    }

    fn cut(&self) {
        self.cut_short.set(self.cut_short.get() + 1);
    }

    /// Room for `steps` more requests before the deadline and within the budget.
    fn room(&self, steps: usize) -> bool {
        Instant::now() < self.deadline && self.budget.grant(steps) == steps
    }
}

/// Shrinks each failing sampled case that can be shrunk, side by side.
pub(crate) async fn shrink(
    tally: &mut Tally,
    ctx: &Ctx<'_>,
    plan: &mut Plan<'_>,
    up: &FollowUp<'_>,
) {
    // A check that failed on every exchange it judged fails whatever the input: there is
    // nothing to minimise, and against a hanging target each try would cost a timeout. A
    // check of timing does not depend on the input at all.
    let never_passed: BTreeSet<&str> = tally
        .groups
        .iter()
        .map(|g| g.check)
        .filter(|name| tally.counts(name).passed == 0)
        .collect();
    let shrinkable = |g: &Finding| {
        !never_passed.contains(g.check)
            && by_name(g.check).is_some_and(|c| !matches!(c.run, Run::Timing(_)))
    };
    let indices: BTreeSet<usize> = tally
        .groups
        .iter()
        .filter(|g| shrinkable(g))
        .filter_map(|g| g.exchange.case.generated)
        .collect();
    let mut shrinkers = plan.shrinkers(&indices);
    // One shrink per sampled case: the first finding of it.
    let jobs: Vec<_> = tally
        .groups
        .iter_mut()
        .filter(|g| shrinkable(g))
        .filter_map(|g| {
            let shrinker = shrinkers.remove(&g.exchange.case.generated?)?;
            Some((g, shrinker))
        })
        .collect();
    futures_util::stream::iter(jobs)
        .for_each_concurrent(up.concurrency, |(group, shrinker)| {
            shrink_one(group, shrinker, ctx, up)
        })
        .await;
}

async fn shrink_one(
    group: &mut Finding,
    mut shrinker: Shrinker<'_, '_>,
    ctx: &Ctx<'_>,
    up: &FollowUp<'_>,
) {
    let original = group.exchange.case.request.body.clone();
    let check = by_name(group.check).expect("a finding names a registered check");
    let mut steps = 0;
    let mut failed = true;
    while steps < MAX_SHRINK_STEPS {
        let Some(candidate) = shrinker.next(failed) else {
            break;
        };
        if !up.room(1) {
            up.cut();
            break;
        }
        steps += 1;
        let Ok(exchange) = tokio::time::timeout_at(up.deadline, up.client.send(candidate)).await
        else {
            up.cut();
            break;
        };
        match check.judge(ctx, &exchange) {
            Verdict::Fail(failure) => {
                group.exchange = exchange;
                group.failure = failure;
                failed = true;
            }
            _ => failed = false,
        }
    }
    if group.exchange.case.request.body != original {
        group.shrunk = Some(ShrinkReport {
            steps,
            original_body: excerpt(&original, EXCERPT_BYTES),
        });
    }
}

/// Sends each failing case (or sequence) again, `--recheck` times, with the check that caught
/// it as the test: a failure that passes once is flaky, not deterministic.
pub(crate) async fn recheck(tally: &mut Tally, times: usize, ctx: &Ctx<'_>, up: &FollowUp<'_>) {
    futures_util::stream::iter(tally.groups.iter_mut())
        .for_each_concurrent(up.concurrency, |group| recheck_one(group, times, ctx, up))
        .await;
}

async fn recheck_one(group: &mut Finding, times: usize, ctx: &Ctx<'_>, up: &FollowUp<'_>) {
    let check = by_name(group.check).expect("a finding names a registered check");
    let steps = group.sequence.as_ref().map_or(1, |s| s.steps.len());
    for _ in 0..times {
        if !up.room(steps) {
            up.cut();
            return;
        }
        let verdict = match (&group.sequence, check.run) {
            (Some(sequence), Run::Sequence(_, run)) => {
                let sent = send_sequence(up.client, sequence, &Silent);
                match tokio::time::timeout_at(up.deadline, sent).await {
                    Ok(exchanges) => run(ctx, sequence, &exchanges),
                    Err(_) => return up.cut(),
                }
            }
            _ => {
                let sent = up.client.send(group.exchange.case.clone());
                match tokio::time::timeout_at(up.deadline, sent).await {
                    Ok(exchange) => check.judge(ctx, &exchange),
                    Err(_) => return up.cut(),
                }
            }
        };
        group.rechecks += 1;
        if !matches!(verdict, Verdict::Fail(_)) {
            group.rechecks_passed += 1;
        }
    }
}

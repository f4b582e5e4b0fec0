//! What follows a failure: shrinking (each failing sampled case walks its proptest value tree
//! towards a minimal request, sent to the live target, with the check that caught it as the
//! test) and rechecks (each failure sent again: one that passes once is flaky, not
//! deterministic).

use std::collections::BTreeSet;

use tokio::time::Instant;

use super::send::send_sequence;
use super::tally::Tally;
use super::{CheckConfig, Ctx, Run, Silent, Verdict, by_name};
use crate::cases::Plan;
use crate::contract::Contract;
use crate::remote::{Budget, Client};
use crate::report::EXCERPT_BYTES;
use crate::text::excerpt;
use crate::verdict::ShrinkReport;

/// Requests one failure may spend on shrinking.
const MAX_SHRINK_STEPS: usize = 128;

pub(crate) async fn shrink(
    tally: &mut Tally,
    ctx: &Ctx<'_>,
    client: &Client,
    plan: &mut Plan<'_>,
    budget: &Budget,
    deadline: Instant,
) {
    let mut shrunk_cases = BTreeSet::new();
    let never_passed: BTreeSet<&str> = tally
        .groups
        .iter()
        .map(|g| g.check)
        .filter(|name| tally.counts(name).passed == 0)
        .collect();
    for group in &mut tally.groups {
        let Some(index) = group.exchange.case.generated else {
            continue;
        };
        // A check that failed on every exchange it judged fails whatever the input: there is
        // nothing to minimise, and against a hanging target each try would cost a timeout.
        if never_passed.contains(group.check) || !shrunk_cases.insert(index) {
            continue;
        }
        let original = group.exchange.case.request.body.clone();
        let Some(mut shrinker) = plan.shrinker(&group.exchange.case) else {
            continue;
        };
        let check = by_name(group.check).expect("a finding names a registered check");
        let mut steps = 0;
        let mut failed = true;
        while steps < MAX_SHRINK_STEPS && Instant::now() < deadline && budget.take() {
            let Some(candidate) = shrinker.next(failed) else {
                break;
            };
            steps += 1;
            let exchange = client.send(candidate).await;
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
}

/// Sends each failing case (or sequence) again, `--recheck` times, with the check that caught
/// it as the test: a failure that passes once is flaky, not deterministic.
pub(crate) async fn recheck(
    tally: &mut Tally,
    contract: &Contract,
    config: &CheckConfig,
    client: &Client,
    budget: &Budget,
    deadline: Instant,
) {
    for group in &mut tally.groups {
        let check = by_name(group.check).expect("a finding names a registered check");
        for _ in 0..config.recheck {
            let steps = group.sequence.as_ref().map_or(1, |s| s.steps.len());
            if Instant::now() >= deadline || budget.grant(steps) < steps {
                break;
            }
            let verdict = match (&group.sequence, check.run) {
                (Some(sequence), Run::Sequence(_, run)) => {
                    let exchanges = send_sequence(client, sequence, &Silent).await;
                    run(
                        &super::run::ctx(contract, config, client),
                        sequence,
                        &exchanges,
                    )
                }
                _ => {
                    let exchange = client.send(group.exchange.case.clone()).await;
                    check.judge(&super::run::ctx(contract, config, client), &exchange)
                }
            };
            group.rechecks += 1;
            if !matches!(verdict, Verdict::Fail(_)) {
                group.rechecks_passed += 1;
            }
        }
    }
}

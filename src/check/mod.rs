//! `mfa-contract check`: plan cases from the contract, send them to any target, judge every
//! response with the registered checks, shrink sampled failures to minimal ones, send each
//! failure again to tell deterministic from flaky, and report. What belongs to the
//! environment (no answer at all, a refused token, a rate limit that never lifts) ends the run
//! with exit 3 instead of a list of violations. This module never imports the mock: the mock
//! is only ever one target among others.

mod checks;
mod config;
mod shrink;
mod tally;

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_util::StreamExt;
use tokio::time::Instant;

pub use checks::{
    CHECKS, Check, Ctx, Failure, Gap, GapKind, ObservedRequest, Run, Verdict, by_name,
};
pub use config::{CheckConfig, defaults};
use tally::Tally;

use crate::Error;
use crate::cases::{self, Case, Expect, Plan};
use crate::contract::Contract;
use crate::remote::{self, Budget, Client, Exchange, Outcome, Pace, Secret, TransportKind};
use crate::report::{Report, failure_report};

/// Told about progress, for a progress bar or plain lines.
pub trait Progress: Sync {
    fn start(&self, _total: usize) {}
    fn tick(&self, _exchange: &Exchange) {}
    fn finish(&self) {}
}

/// No progress output.
pub struct Silent;
impl Progress for Silent {}

/// The plan as it would be sent, for `--dry-run`.
pub fn plan<'c>(contract: &'c Contract, config: &CheckConfig) -> Plan<'c> {
    cases::plan(contract, &config.gen_options(contract))
}

/// Why the concurrent phase stopped early.
enum Halt {
    /// A valid request with the token was refused: confirm before blaming the token.
    TokenSuspect,
    /// Transport failures in a row; the last one's cause.
    TransportFailures(String),
    RateLimit,
}

/// Runs every selected check against the target. Contract violations are data in the report;
/// problems of the harness or the environment (bad configuration, an unreachable or unusable
/// target) are errors.
pub async fn run(
    contract: &Contract,
    config: &CheckConfig,
    progress: &dyn Progress,
) -> Result<Report, Error> {
    let started = Instant::now();
    let deadline = started + config.deadline;
    let checks = config.selected_checks()?;
    let url = config.target.endpoint_url(contract)?;
    if config.concurrency == 0 {
        return Err(Error::Usage("--concurrency must be at least 1".into()));
    }
    let client = Client::new(contract, &config.target)?;
    let mut plan = plan(contract, config);
    let mut cases = std::mem::take(&mut plan.cases);
    let sequences = std::mem::take(&mut plan.sequences);
    let budget = Budget::new(config.max_requests);
    let pace = Pace::new(config.target.rate);
    let unusable = |reason: String| Error::Unusable {
        url: url.clone(),
        reason: client.redact(&reason),
    };
    progress.start(cases.len() + sequences.iter().map(|s| s.steps.len()).sum::<usize>());

    // One valid request alone first: if it gets no answer, nothing else will.
    let probe = cases
        .iter()
        .position(|c| c.expect == Expect::Accept)
        .unwrap_or(0);
    let probe = cases.remove(probe);
    budget.take();
    let first = client.send(probe.clone()).await;
    progress.tick(&first);
    if let Outcome::Transport(error) = &first.outcome {
        let reason = match error.kind {
            TransportKind::Connect => {
                progress.finish();
                return Err(Error::Unreachable {
                    url: url.clone(),
                    cause: client.redact(&error.message),
                });
            }
            TransportKind::Timeout => Some(format!(
                "accepts connections but sends no HTTP answer within {} s (--timeout)",
                config.target.timeout.as_secs_f64()
            )),
            TransportKind::Tls => Some(format!("the TLS handshake failed: {}", error.message)),
            _ => None,
        };
        if let Some(reason) = reason {
            progress.finish();
            return Err(unusable(reason));
        }
    }
    if let Some(error) = client.take_failed_refresh() {
        progress.finish();
        return Err(error);
    }
    if first.token_refused() {
        progress.finish();
        return Err(unusable(token_reason(&client)));
    }
    if client.environment_so_far().rate_limit_not_lifted {
        progress.finish();
        return Err(unusable(rate_limit_reason(&client)));
    }

    let allowed = budget.grant(cases.len());
    let over_budget = cases.len() - allowed;
    cases.truncate(allowed);
    let mut remaining: VecDeque<Case> = cases.into();
    let mut sent: Vec<Exchange> = Vec::new();
    let mut token_confirmed = false;
    let mut cut_off = 0;
    while !remaining.is_empty() && Instant::now() < deadline {
        let (batch, halt, cut) = send_concurrently(
            &client,
            &pace,
            &mut remaining,
            config,
            deadline,
            progress,
            !token_confirmed,
        )
        .await;
        sent.extend(batch);
        cut_off += cut;
        if let Some(error) = client.take_failed_refresh() {
            progress.finish();
            return Err(error);
        }
        match halt {
            None => break,
            Some(Halt::RateLimit) => {
                progress.finish();
                return Err(unusable(rate_limit_reason(&client)));
            }
            Some(Halt::TransportFailures(cause)) => {
                progress.finish();
                return Err(unusable(format!(
                    "{} requests in a row got no complete answer (--max-consecutive-failures); \
                     the last: {cause}; {} planned cases were not sent",
                    config.max_consecutive_failures,
                    remaining.len() + over_budget
                )));
            }
            Some(Halt::TokenSuspect) => {
                // Is it the token, or did the target refuse that one request? Ask again with
                // the first valid request.
                budget.take();
                let again = client.send(probe.clone()).await;
                if again.token_refused() {
                    progress.finish();
                    return Err(unusable(token_reason(&client)));
                }
                token_confirmed = true;
                sent.push(again);
            }
        }
    }
    let late = remaining.len() + cut_off;
    let mut not_run = over_budget + late;
    let mut stopped_by = match (late > 0, over_budget > 0) {
        (true, _) => Some(format!(
            "the deadline of {} s was reached (--deadline)",
            config.deadline.as_secs()
        )),
        (false, true) => Some("the request budget was spent (--max-requests)".to_owned()),
        (false, false) => None,
    };

    let mut tally = Tally::new(&checks);
    {
        let ctx = ctx(contract, config, &client);
        tally.judge(&ctx, &first);
        for exchange in &sent {
            tally.judge(&ctx, exchange);
        }
        shrink::shrink(&mut tally, &ctx, &client, &mut plan, &budget, deadline).await;
    }

    for sequence in &sequences {
        if Instant::now() >= deadline || budget.grant(sequence.steps.len()) < sequence.steps.len() {
            not_run += sequence.steps.len();
            stopped_by.get_or_insert_with(|| "the deadline or the request budget".to_owned());
            continue;
        }
        let exchanges = send_sequence(&client, sequence, progress).await;
        let ctx = ctx(contract, config, &client);
        for exchange in &exchanges {
            tally.judge(&ctx, exchange);
        }
        tally.judge_sequence(&ctx, sequence, &exchanges);
    }

    recheck(&mut tally, contract, config, &client, &budget, deadline).await;
    if client.environment_so_far().rate_limit_not_lifted {
        progress.finish();
        return Err(unusable(rate_limit_reason(&client)));
    }

    let restore_primary = match &config.restore_primary {
        Some(method) => Some(crate::restore::restore(contract, &client, &budget, method).await?),
        None => None,
    };
    progress.finish();

    let elapsed = started.elapsed();
    let requests = budget.used();
    let mut notes = Vec::new();
    if !config.target.second_token.is_set() && checks.iter().any(|c| c.name == "account_isolation")
    {
        notes.push(
            "account_isolation needs a second account: give --second-token, --second-token-env or --second-token-command"
                .to_owned(),
        );
    }
    if plan.coverage.discarded > 0 {
        notes.push(format!(
            "{} sampled bodies were not sent: the request schema classed them otherwise than intended",
            plan.coverage.discarded
        ));
    }
    let secrets = client.secrets();
    let secrets: Vec<&str> = secrets.iter().map(Secret::expose).collect();
    let failures = tally
        .sorted_groups()
        .into_iter()
        .map(|finding| failure_report(finding, &url, contract, &config.target, &secrets))
        .collect();
    Ok(Report {
        target: url.clone(),
        contract: contract.origin().to_string(),
        contract_identity: contract.identity().short(),
        seed: config.seed,
        duration_ms: elapsed.as_millis() as u64,
        requests,
        cases_per_second: requests as f64 / elapsed.as_secs_f64().max(1e-6),
        coverage: plan.coverage.clone(),
        checks: tally.summaries(),
        gaps: tally.gaps(),
        environment: client.environment_so_far(),
        failures,
        allow_flaky: config.allow_flaky,
        not_run,
        stopped_by,
        restore_primary,
        notes,
    })
}

/// The checks' context, with every token used so far as a secret.
fn ctx<'a>(contract: &'a Contract, config: &CheckConfig, client: &Client) -> Ctx<'a> {
    Ctx {
        contract,
        secrets: client
            .secrets()
            .iter()
            .map(|s| s.expose().to_owned())
            .collect(),
        max_response_time: config.max_response_time,
        strict_gaps: config.strict_gaps,
    }
}

/// Sends cases from the front of `remaining`, `--concurrency` at a time, until none is left,
/// the deadline passes, or something halts the phase. Cases not started stay in `remaining`.
async fn send_concurrently(
    client: &Client,
    pace: &Pace,
    remaining: &mut VecDeque<Case>,
    config: &CheckConfig,
    deadline: Instant,
    progress: &dyn Progress,
    halt_on_refused_token: bool,
) -> (Vec<Exchange>, Option<Halt>, usize) {
    let halt: Mutex<Option<Halt>> = Mutex::new(None);
    let halted = AtomicBool::new(false);
    let in_a_row = AtomicUsize::new(0);
    let cases: Vec<Case> = remaining.drain(..).collect();
    let started = AtomicUsize::new(0);
    let stop = |why: Halt| {
        halted.store(true, Ordering::Release);
        halt.lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(why);
    };
    let mut pending = cases.into_iter();
    let sent: Vec<Exchange> = futures_util::stream::iter(
        std::iter::from_fn(|| {
            if halted.load(Ordering::Acquire) {
                return None;
            }
            let case = pending.next()?;
            started.fetch_add(1, Ordering::Relaxed);
            Some(case)
        })
        .map(|case| {
            let stop = &stop;
            let in_a_row = &in_a_row;
            async move {
                pace.wait().await;
                let exchange = client.send(case).await;
                progress.tick(&exchange);
                match &exchange.outcome {
                    Outcome::Transport(error) => {
                        if in_a_row.fetch_add(1, Ordering::AcqRel) + 1
                            >= config.max_consecutive_failures.max(1)
                        {
                            stop(Halt::TransportFailures(error.to_string()));
                        }
                    }
                    Outcome::Response(response) => {
                        in_a_row.store(0, Ordering::Release);
                        if response.is_rate_limit() {
                            stop(Halt::RateLimit);
                        }
                    }
                }
                if halt_on_refused_token && exchange.token_refused() {
                    stop(Halt::TokenSuspect);
                }
                exchange
            }
        }),
    )
    .buffer_unordered(config.concurrency)
    .take_until(tokio::time::sleep_until(deadline))
    .collect()
    .await;
    remaining.extend(pending);
    // Started, but cut off by the deadline before an answer: not run either.
    let cut_off = started.load(Ordering::Relaxed) - sent.len();
    let halt = halt.into_inner().unwrap_or_else(|p| p.into_inner());
    (sent, halt, cut_off)
}

async fn send_sequence(
    client: &Client,
    sequence: &cases::Sequence,
    progress: &dyn Progress,
) -> Vec<Exchange> {
    let mut exchanges = Vec::new();
    for step in &sequence.steps {
        let exchange = client.send(step.clone()).await;
        progress.tick(&exchange);
        exchanges.push(exchange);
    }
    exchanges
}

/// Sends each failing case (or sequence) again, `--recheck` times, with the check that caught
/// it as the test: a failure that passes once is flaky, not deterministic.
async fn recheck(
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
                    run(&ctx(contract, config, client), sequence, &exchanges)
                }
                _ => {
                    let exchange = client.send(group.exchange.case.clone()).await;
                    check.judge(&ctx(contract, config, client), &exchange)
                }
            };
            group.rechecks += 1;
            if !matches!(verdict, Verdict::Fail(_)) {
                group.rechecks_passed += 1;
            }
        }
    }
}

fn token_reason(client: &Client) -> String {
    let accepted = client.accepted();
    let fix = if client.can_refresh_token() {
        "the token command's fresh token was refused too; check what --token-command prints"
    } else {
        "give a fresh token, or --token-command CMD that prints one, so the run can refresh it"
    };
    if accepted == 0 {
        format!("the token was refused (401 or 403) from the first request: {fix}")
    } else {
        format!("the token was refused (401 or 403) after {accepted} accepted requests: {fix}")
    }
}

fn rate_limit_reason(client: &Client) -> String {
    let environment = client.environment_so_far();
    format!(
        "the rate limit never lifted: a case was still limited after {} waits ({} ms waited in all; --max-retry-wait, --rate)",
        remote::RATE_LIMIT_RETRIES,
        environment.waited_ms
    )
}

//! `mfa-contract check`: plan cases from the contract, send them to any target, judge every
//! response with the registered checks, shrink sampled failures to minimal ones, and report.
//! This module never imports the mock: the mock is only ever one target among others.

mod checks;
mod client;
mod config;
mod limits;
mod tally;

use futures_util::StreamExt;
use tokio::time::Instant;

pub use checks::{CHECKS, Check, Ctx, Failure, Run, Verdict, by_name};
pub use client::{Exchange, Outcome, Response, TransportError, TransportKind};
pub use config::{CheckConfig, DEFAULT_MAX_RESPONSE_TIME, Secret};
pub(crate) use limits::{Budget, Pace};
use tally::Tally;
pub(crate) use tally::redact;

use crate::Error;
use crate::cases::{self, Auth, Case, Expect, Plan};
use crate::contract::Contract;
use crate::report::{Report, RestoreReport};
pub(crate) use client::Client;

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

/// Runs every selected check against the target. Contract violations are data in the report;
/// only problems of the harness itself (bad configuration, an unreachable target) are errors.
pub async fn run(
    contract: &Contract,
    config: &CheckConfig,
    progress: &dyn Progress,
) -> Result<Report, Error> {
    let started = Instant::now();
    let deadline = started + config.deadline;
    let checks = config.selected_checks()?;
    let url = config.endpoint_url(contract)?;
    if config.concurrency == 0 {
        return Err(Error::Usage("--concurrency must be at least 1".into()));
    }
    let client = Client::new(contract, config)?;
    let ctx = Ctx {
        contract,
        secrets: config.secrets(),
        max_response_time: config.max_response_time,
    };
    let mut plan = plan(contract, config);
    let mut cases = std::mem::take(&mut plan.cases);
    let sequences = std::mem::take(&mut plan.sequences);
    let budget = Budget::new(config.max_requests);
    let pace = Pace::new(config.rate);
    progress.start(cases.len() + sequences.iter().map(|s| s.steps.len()).sum::<usize>());

    // One valid request alone first: if it cannot connect, nothing else can.
    let probe = cases
        .iter()
        .position(|c| c.expect == Expect::Accept)
        .unwrap_or(0);
    let probe = cases.remove(probe);
    budget.take();
    let first = client.send(probe).await;
    progress.tick(&first);
    if let Outcome::Transport(error) = &first.outcome
        && error.kind == TransportKind::Connect
    {
        progress.finish();
        return Err(Error::Unreachable {
            url,
            cause: redact(&error.message, &ctx.secrets),
        });
    }

    let allowed = budget.grant(cases.len());
    let over_budget = cases.len() - allowed;
    cases.truncate(allowed);
    let planned = cases.len();
    let sent: Vec<Exchange> = futures_util::stream::iter(cases.into_iter().map(|case| {
        let client = &client;
        let pace = &pace;
        async move {
            pace.wait().await;
            let exchange = client.send(case).await;
            progress.tick(&exchange);
            exchange
        }
    }))
    .buffer_unordered(config.concurrency)
    .take_until(tokio::time::sleep_until(deadline))
    .collect()
    .await;
    let mut not_run = over_budget + planned - sent.len();
    let mut stopped_by = match (planned > sent.len(), over_budget > 0) {
        (true, _) => Some(format!(
            "the deadline of {} s was reached (--deadline)",
            config.deadline.as_secs()
        )),
        (false, true) => Some("the request budget was spent (--max-requests)".to_owned()),
        (false, false) => None,
    };

    let mut tally = Tally::new(&checks);
    tally.judge(&ctx, &first);
    for exchange in &sent {
        tally.judge(&ctx, exchange);
    }
    tally
        .shrink(&ctx, &client, &mut plan, &budget, deadline)
        .await;

    for sequence in &sequences {
        if Instant::now() >= deadline || budget.grant(sequence.steps.len()) < sequence.steps.len() {
            not_run += sequence.steps.len();
            stopped_by.get_or_insert_with(|| "the deadline or the request budget".to_owned());
            continue;
        }
        let mut exchanges = Vec::new();
        for step in &sequence.steps {
            let exchange = client.send(step.clone()).await;
            progress.tick(&exchange);
            tally.judge(&ctx, &exchange);
            exchanges.push(exchange);
        }
        tally.judge_sequence(&ctx, sequence, &exchanges);
    }

    let restore_primary = match &config.restore_primary {
        Some(method) => Some(restore(contract, &client, &budget, method, &ctx.secrets).await?),
        None => None,
    };
    progress.finish();

    let elapsed = started.elapsed();
    let requests = budget.used();
    let mut notes = Vec::new();
    if config.second_token.is_none() && checks.iter().any(|c| c.name == "account_isolation") {
        notes.push(
            "account_isolation needs a second account: give --second-token or --second-token-env"
                .to_owned(),
        );
    }
    if plan.coverage.discarded > 0 {
        notes.push(format!(
            "{} sampled bodies were not sent: the request schema classed them otherwise than intended",
            plan.coverage.discarded
        ));
    }
    Ok(Report {
        target: url.clone(),
        contract: contract.origin().to_string(),
        seed: config.seed,
        duration_ms: elapsed.as_millis() as u64,
        requests,
        cases_per_second: requests as f64 / elapsed.as_secs_f64().max(1e-6),
        coverage: plan.coverage.clone(),
        checks: tally.summaries(),
        gaps: tally.gaps(),
        failures: tally.failures(&url, contract, config),
        not_run,
        stopped_by,
        restore_primary,
        notes,
    })
}

pub(crate) async fn restore(
    contract: &Contract,
    client: &Client,
    budget: &Budget,
    method: &str,
    secrets: &[&str],
) -> Result<RestoreReport, Error> {
    let Some(body) = cases::body_selecting(contract, method) else {
        let methods: Vec<String> = contract.methods().into_iter().map(|(m, _)| m).collect();
        return Err(Error::Usage(format!(
            "--restore-primary {method}: not one of {}",
            methods.join(", ")
        )));
    };
    budget.take();
    let case = Case {
        class: "restore_primary".into(),
        family: cases::Family::Positive,
        expect: Expect::Accept,
        request: cases::Request {
            method: contract.method().to_owned(),
            auth: Auth::Token,
            content_type: Some(contract.request_spec().content_type.clone()),
            body,
        },
        generated: None,
    };
    let exchange = client.send(case).await;
    Ok(match &exchange.outcome {
        Outcome::Response(r) => RestoreReport {
            method: method.to_owned(),
            status: Some(r.status),
            ok: (200..300).contains(&r.status),
            detail: format!("answered {}", r.status),
        },
        Outcome::Transport(e) => RestoreReport {
            method: method.to_owned(),
            status: None,
            ok: false,
            detail: redact(&e.message, secrets),
        },
    })
}

//! One checker run, phase by phase: a probe (one valid request alone: if it gets no answer,
//! nothing else will), the planned cases sent concurrently, every answer judged and sampled
//! failures shrunk, the sequences, rechecks, `--restore-primary`, and the report. What belongs
//! to the environment (no answer at all, a refused token, a rate limit that never lifts) ends
//! the run with an error (exit 3) instead of a list of violations.

use std::collections::VecDeque;

use tokio::time::Instant;

use super::liveness;
use super::send::{Halt, send_concurrently, send_sequence};
use super::shrink::FollowUp;
use super::tally::Tally;
use super::{Check, CheckConfig, Ctx, Progress, shrink};
use crate::Error;
use crate::cases::{Case, Expect, Plan, Sequence};
use crate::contract::Contract;
use crate::coverage::Tracker;
use crate::remote::{Budget, Client, Exchange, Pace, Received, Secret};
use crate::report::{Report, failure_report};
use crate::restore::RestoreReport;

/// Runs every selected check against the target. Contract violations are data in the report;
/// problems of the harness or the environment (bad configuration, an unreachable or unusable
/// target) are errors.
pub async fn run(
    contract: &Contract,
    config: &CheckConfig,
    progress: &dyn Progress,
) -> Result<Report, Error> {
    let session = Session::new(contract, config, progress)?;
    let mut plan = super::plan(contract, config);
    let result = session.run(&mut plan).await;
    progress.finish();
    result
}

/// What every phase reads.
struct Session<'a> {
    contract: &'a Contract,
    config: &'a CheckConfig,
    progress: &'a dyn Progress,
    checks: Vec<&'static Check>,
    client: Client,
    url: String,
    budget: Budget,
    pace: Pace,
    started: Instant,
    deadline: Instant,
}

/// What the sending phase did.
struct Sent {
    exchanges: Vec<Exchange>,
    /// Planned cases not sent (deadline or budget).
    not_run: usize,
    stopped_by: Option<String>,
    /// Follow-ups the deadline or the budget did not let finish.
    cut_short: Vec<String>,
}

impl<'a> Session<'a> {
    fn new(
        contract: &'a Contract,
        config: &'a CheckConfig,
        progress: &'a dyn Progress,
    ) -> Result<Self, Error> {
        let started = Instant::now();
        let checks = config.checks.checks().to_vec();
        let url = config.target.endpoint_url(contract);
        Ok(Self {
            client: Client::new(contract, &config.target)?,
            budget: Budget::new(config.max_requests),
            pace: Pace::new(config.target.rate),
            deadline: started + config.deadline,
            contract,
            config,
            progress,
            checks,
            url,
            started,
        })
    }

    async fn run(&self, plan: &mut Plan<'_>) -> Result<Report, Error> {
        let mut cases = std::mem::take(&mut plan.cases);
        let sequences = std::mem::take(&mut plan.sequences);
        let steps: usize = sequences.iter().map(|s| s.steps.len()).sum();
        let planned = cases.iter().chain(sequences.iter().flat_map(|s| &s.steps));
        let reach = Tracker::new(self.contract, planned, self.config.unplanned_items());
        self.progress.start(cases.len() + steps);
        let first = self.probe(&mut cases).await?;
        let mut sent = self.send(cases, &first).await?;
        sent.exchanges.splice(0..0, first);
        let mut tally = Tally::new(&self.checks, reach);
        let ctx = self.ctx();
        for exchange in &sent.exchanges {
            tally.judge(&ctx, exchange);
        }
        let concurrency = self.config.concurrency;
        let shrinking = FollowUp::new(&self.client, &self.budget, self.deadline, concurrency);
        shrink::shrink(&mut tally, &ctx, plan, &shrinking).await;
        self.sequences(&mut tally, &sequences, &mut sent).await;
        let rechecks = FollowUp::new(&self.client, &self.budget, self.deadline, concurrency);
        shrink::recheck(&mut tally, self.config.recheck, &self.ctx(), &rechecks).await;
        tally.attach_latency();
        sent.cut_short.extend(shrinking.cut_short_note("shrinking"));
        sent.cut_short.extend(rechecks.cut_short_note("rechecks"));
        if self.client.environment_so_far().rate_limit_not_lifted {
            return Err(self.unusable(self.client.rate_limit_reason()));
        }
        let restore = match &self.config.restore_primary {
            Some(method) => Some(
                crate::restore::restore(self.contract, &self.client, &self.budget, method).await?,
            ),
            None => None,
        };
        Ok(self.report(&tally, plan, sent, restore))
    }

    /// The first valid request, alone. No answer to it ends the run (the environment), unless
    /// the failure could depend on the input and a request shaped otherwise is answered: then
    /// it is that input's failure, judged like any other.
    async fn probe(&self, cases: &mut Vec<Case>) -> Result<Vec<Exchange>, Error> {
        let index = cases.iter().position(|c| c.expect == Expect::Accept);
        let probe = cases.remove(index.unwrap_or(0));
        let mut exchanges = vec![self.send_alone(probe.clone()).await];
        if let Received::Transport(error) = &exchanges[0].outcome
            && let Some(environment) =
                self.client
                    .first_request_failed(&self.url, error, self.config.target.timeout)
        {
            let witness = liveness::input_may_matter(error.kind)
                .then(|| liveness::take_witness(cases, &probe))
                .flatten();
            let Some(witness) = witness else {
                return Err(environment);
            };
            let second = self.send_alone(witness).await;
            if matches!(second.outcome, Received::Transport(_)) {
                return Err(environment);
            }
            exchanges.push(second);
        }
        self.failed_refresh()?;
        if exchanges.iter().any(|e| self.client.token_refused(e)) {
            return Err(self.unusable(self.client.refused_reason()));
        }
        if self.client.environment_so_far().rate_limit_not_lifted {
            return Err(self.unusable(self.client.rate_limit_reason()));
        }
        Ok(exchanges)
    }

    async fn send_alone(&self, case: Case) -> Exchange {
        self.budget.take();
        let exchange = self.client.send(case).await;
        self.progress.tick(&exchange);
        exchange
    }

    /// The planned cases, concurrently, until none is left, the deadline or the budget;
    /// a halt that only the environment explains is an error.
    async fn send(&self, mut cases: Vec<Case>, earlier: &[Exchange]) -> Result<Sent, Error> {
        let probe = &earlier[0].case;
        let allowed = self.budget.grant(cases.len());
        let over_budget = cases.len() - allowed;
        cases.truncate(allowed);
        let mut remaining: VecDeque<Case> = cases.into();
        let mut exchanges = Vec::new();
        let mut token_confirmed = false;
        let mut cut_off = 0;
        while !remaining.is_empty() && Instant::now() < self.deadline {
            let (batch, halt, cut) = send_concurrently(
                &self.client,
                &self.pace,
                &mut remaining,
                self.config,
                self.deadline,
                self.progress,
                !token_confirmed,
            )
            .await;
            exchanges.extend(batch);
            cut_off += cut;
            self.failed_refresh()?;
            match halt {
                None => break,
                Some(Halt::RateLimit) => return Err(self.unusable(self.client.rate_limit_reason())),
                Some(Halt::TransportFailures(cause)) => {
                    let answered = liveness::last_answered(earlier.iter().chain(&exchanges));
                    let answered_before = answered.is_some();
                    if let Some(case) = answered {
                        let again = self.send_alone(case).await;
                        let alive = again.response().is_some();
                        exchanges.push(again);
                        if alive {
                            continue;
                        }
                    }
                    return Err(self.unusable(liveness::stopped_answering(
                        self.config.max_consecutive_failures,
                        answered_before,
                        &cause,
                        remaining.len() + over_budget,
                    )));
                }
                Some(Halt::TokenSuspect) => {
                    exchanges.push(self.confirm_token(probe).await?);
                    token_confirmed = true;
                }
            }
        }
        let late = remaining.len() + cut_off;
        let stopped_by = match (late > 0, over_budget > 0) {
            (true, _) => Some(format!(
                "the deadline of {} s was reached (--deadline)",
                self.config.deadline.as_secs()
            )),
            (false, true) => Some("the request budget was spent (--max-requests)".to_owned()),
            (false, false) => None,
        };
        Ok(Sent {
            exchanges,
            not_run: over_budget + late,
            stopped_by,
            cut_short: Vec::new(),
        })
    }

    /// A valid request was refused: is it the token, or did the target refuse that one
    /// request? Ask again with the first valid request.
    async fn confirm_token(&self, probe: &Case) -> Result<Exchange, Error> {
        let again = self.send_alone(probe.clone()).await;
        if self.client.token_refused(&again) {
            return Err(self.unusable(self.client.refused_reason()));
        }
        Ok(again)
    }

    /// Each sequence in order, judged as a whole; those the deadline or the budget leave out
    /// (or cut off mid-way) are counted as not run.
    async fn sequences(&self, tally: &mut Tally, sequences: &[Sequence], sent: &mut Sent) {
        for sequence in sequences {
            let steps = sequence.steps.len();
            let exchanges =
                match Instant::now() < self.deadline && self.budget.grant(steps) == steps {
                    true => {
                        let sending = send_sequence(&self.client, sequence, self.progress);
                        tokio::time::timeout_at(self.deadline, sending).await.ok()
                    }
                    false => None,
                };
            let Some(exchanges) = exchanges else {
                sent.not_run += steps;
                sent.stopped_by
                    .get_or_insert_with(|| "the deadline or the request budget".to_owned());
                continue;
            };
            let ctx = self.ctx();
            for exchange in &exchanges {
                tally.judge(&ctx, exchange);
            }
            tally.judge_sequence(&ctx, sequence, &exchanges);
        }
    }

    fn report(
        &self,
        tally: &Tally,
        plan: &Plan<'_>,
        sent: Sent,
        restore_primary: Option<RestoreReport>,
    ) -> Report {
        let elapsed = self.started.elapsed();
        let requests = self.budget.used();
        let secrets = self.client.secrets();
        let secrets: Vec<&str> = secrets.iter().map(Secret::expose).collect();
        let (statuses, valid_statuses) = super::tally::answered(&sent.exchanges);
        let failures = tally
            .sorted_groups()
            .into_iter()
            .map(|finding| {
                failure_report(
                    finding,
                    &self.url,
                    self.contract,
                    &self.config.target,
                    &secrets,
                )
            })
            .collect();
        Report {
            target: self.url.clone(),
            contract: self.contract.origin().to_string(),
            contract_identity: self.contract.identity().short(),
            seed: self.config.seed,
            duration_ms: elapsed.as_millis() as u64,
            requests,
            cases_per_second: requests as f64 / elapsed.as_secs_f64().max(1e-6),
            coverage: tally.reach.clone().finish(
                self.contract,
                plan.coverage.clone(),
                self.config.min_coverage,
            ),
            checks: tally.summaries(),
            gaps: tally.gaps(),
            environment: self.client.environment_so_far(),
            failures,
            allow_flaky: self.config.allow_flaky,
            not_run: sent.not_run,
            stopped_by: sent.stopped_by,
            cut_short: sent.cut_short,
            restore_primary,
            notes: self.notes(plan),
            operations: Vec::new(),
            statuses,
            valid_statuses,
        }
    }

    /// Things the reader should know that are not failures.
    fn notes(&self, plan: &Plan<'_>) -> Vec<String> {
        let mut notes = Vec::new();
        let isolation = self.checks.iter().any(|c| c.name == "account_isolation");
        if isolation && !self.config.target.second_token.is_set() {
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
        notes
    }

    fn ctx(&self) -> Ctx<'a> {
        ctx(self.contract, self.config, &self.client)
    }

    /// A `--token-command` that failed while refreshing: a configuration error.
    fn failed_refresh(&self) -> Result<(), Error> {
        match self.client.take_failed_refresh() {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    fn unusable(&self, reason: String) -> Error {
        Error::Unusable {
            url: self.url.clone(),
            reason: self.client.redact(&reason),
        }
    }
}

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

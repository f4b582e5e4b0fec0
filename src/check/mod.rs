//! `mfa-contract check`: plan cases from the contract, send them to any target, judge every
//! response with the registered checks, shrink sampled failures to minimal ones, and report.
//! This module never imports the mock: the mock is only ever one target among others.

mod checks;
mod client;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

use futures_util::StreamExt;
use tokio::time::Instant;

pub use checks::{CHECKS, Check, Ctx, Failure, Run, Verdict, by_name};
pub use client::{Exchange, Outcome, Response, TransportError, TransportKind};

use crate::Error;
use crate::cases::{self, Auth, Case, Expect, GenOptions, Plan, Sequence};
use crate::contract::{Contract, RejectionKind};
use crate::redact::replace_token;
use crate::report::{
    CheckSummary, EXCERPT_BYTES, FailureReport, GapSummary, Report, RequestReport, ResponseReport,
    RestoreReport, ShrinkReport, curl_command, excerpt,
};
pub(crate) use client::Client;

/// A secret from the command line or the environment. Its `Debug` hides it, so it cannot
/// reach a log by accident; only the HTTP client reads it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Everything a check run needs, validated by the CLI before the first request.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// Base URL of the target; the contract's path is appended.
    pub target: String,
    pub token: Option<Secret>,
    /// How the token is named in reproductions (`$NAME`).
    pub token_var: String,
    pub second_token: Option<Secret>,
    pub second_token_var: String,
    /// Extra request headers; their values are hidden in reports.
    pub headers: Vec<(String, String)>,
    /// Sampled cases (half valid variations, half invalid strings).
    pub cases: usize,
    pub seed: u64,
    pub concurrency: usize,
    /// Requests per second, at most.
    pub rate: Option<f64>,
    pub timeout: Duration,
    /// The whole run, shrinking included.
    pub deadline: Duration,
    pub max_requests: Option<usize>,
    pub max_response_time: Duration,
    pub max_response_bytes: usize,
    pub restore_primary: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
    /// Check names to run; empty means all.
    pub checks: Vec<String>,
    pub skip_checks: Vec<String>,
    pub expect_token_validation: bool,
}

pub const DEFAULT_MAX_RESPONSE_TIME: Duration = Duration::from_millis(2000);
/// Requests one failure may spend on shrinking.
const MAX_SHRINK_STEPS: usize = 128;

impl CheckConfig {
    /// A configuration with the documented defaults, for `target`.
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            token: None,
            token_var: "MFA_CONTRACT_TOKEN".into(),
            second_token: None,
            second_token_var: "MFA_CONTRACT_SECOND_TOKEN".into(),
            headers: Vec::new(),
            cases: 100,
            seed: 0,
            concurrency: 8,
            rate: None,
            timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(300),
            max_requests: None,
            max_response_time: DEFAULT_MAX_RESPONSE_TIME,
            max_response_bytes: 1 << 20,
            restore_primary: None,
            ca_cert: None,
            insecure: false,
            checks: Vec::new(),
            skip_checks: Vec::new(),
            expect_token_validation: false,
        }
    }

    /// The checks to run, from `checks` and `skip_checks`; an unknown name is a usage error.
    pub fn selected_checks(&self) -> Result<Vec<&'static Check>, Error> {
        for name in self.checks.iter().chain(&self.skip_checks) {
            if by_name(name).is_none() {
                let known: Vec<&str> = CHECKS.iter().map(|c| c.name).collect();
                return Err(Error::Usage(format!(
                    "unknown check {name:?}; the checks are: {}",
                    known.join(", ")
                )));
            }
        }
        Ok(CHECKS
            .iter()
            .filter(|c| self.checks.is_empty() || self.checks.iter().any(|n| n == c.name))
            .filter(|c| !self.skip_checks.iter().any(|n| n == c.name))
            .collect())
    }

    /// The endpoint URL: the target with the contract's path, unless it already ends with it.
    pub fn endpoint_url(&self, contract: &Contract) -> Result<String, Error> {
        let target = self.target.trim_end_matches('/');
        let scheme_ok = target.starts_with("http://") || target.starts_with("https://");
        let has_host = target
            .split("://")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty());
        if !scheme_ok || !has_host {
            return Err(Error::Usage(format!(
                "--target {target:?}: expected an http:// or https:// URL"
            )));
        }
        if target.ends_with(contract.path()) {
            Ok(target.to_owned())
        } else {
            Ok(format!("{target}{}", contract.path()))
        }
    }

    pub fn gen_options(&self, contract: &Contract) -> GenOptions {
        GenOptions {
            seed: self.seed,
            generated: self.cases,
            random_token: self.expect_token_validation,
            second_token: self.second_token.is_some(),
            max_body_bytes: contract.request_spec().max_body_bytes,
        }
    }

    /// The secrets no response and no report may contain.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        self.token
            .iter()
            .chain(&self.second_token)
            .map(Secret::expose)
            .collect()
    }
}

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

/// `--max-requests`: a hard cap on requests, shared by every phase.
pub(crate) struct Budget {
    limit: Option<usize>,
    used: Mutex<usize>,
}

impl Budget {
    pub(crate) fn new(limit: Option<usize>) -> Self {
        Self {
            limit,
            used: Mutex::new(0),
        }
    }

    /// Grants up to `wanted` requests and counts them as used.
    fn grant(&self, wanted: usize) -> usize {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let granted = self
            .limit
            .map_or(wanted, |limit| wanted.min(limit.saturating_sub(*used)));
        *used += granted;
        granted
    }

    fn take(&self) -> bool {
        self.grant(1) == 1
    }

    fn used(&self) -> usize {
        *self.used.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// `--rate`: requests start at least `1/rate` seconds apart.
pub(crate) struct Pace {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl Pace {
    pub(crate) fn new(rate: Option<f64>) -> Self {
        Self {
            interval: rate
                .filter(|r| *r > 0.0)
                .map(|r| Duration::from_secs_f64(1.0 / r)),
            next: Mutex::new(Instant::now()),
        }
    }

    pub(crate) async fn wait(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let at = (*next).max(Instant::now());
            *next = at + interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

/// One failing (check, class), with its first exchange and how often it failed.
struct Group {
    check: &'static Check,
    exchange: Exchange,
    failure: Failure,
    occurrences: usize,
    shrunk: Option<ShrinkReport>,
}

/// Verdicts as they come in, folded into counts, gaps and failure groups.
struct Tally {
    checks: Vec<&'static Check>,
    counts: BTreeMap<&'static str, (usize, usize, usize)>,
    gaps: BTreeMap<(u16, RejectionKind), (usize, BTreeSet<String>)>,
    groups: Vec<Group>,
}

impl Tally {
    fn new(checks: &[&'static Check]) -> Self {
        Self {
            checks: checks.to_vec(),
            counts: checks.iter().map(|c| (c.name, (0, 0, 0))).collect(),
            gaps: BTreeMap::new(),
            groups: Vec::new(),
        }
    }

    fn judge(&mut self, ctx: &Ctx<'_>, exchange: &Exchange) {
        for check in self.checks.clone() {
            if let Run::Single(run) = check.run {
                let verdict = run(ctx, exchange);
                self.record(check, exchange, verdict);
            }
        }
    }

    fn judge_sequence(&mut self, ctx: &Ctx<'_>, sequence: &Sequence, exchanges: &[Exchange]) {
        for check in self.checks.clone() {
            if let Run::Sequence(kind, run) = check.run
                && kind == sequence.kind
            {
                let verdict = run(ctx, sequence, exchanges);
                let last = exchanges.last().expect("a sequence has steps");
                self.record(check, last, verdict);
            }
        }
    }

    fn record(&mut self, check: &'static Check, exchange: &Exchange, verdict: Verdict) {
        let counts = self.counts.entry(check.name).or_default();
        match verdict {
            Verdict::Pass => counts.0 += 1,
            Verdict::Skip => counts.2 += 1,
            Verdict::Gap(status, kind) => {
                counts.0 += 1;
                let gap = self.gaps.entry((status, kind)).or_default();
                gap.0 += 1;
                gap.1.insert(exchange.case.class.clone());
            }
            Verdict::Fail(failure) => {
                counts.1 += 1;
                match self.groups.iter_mut().find(|g| {
                    g.check.name == check.name && g.exchange.case.class == exchange.case.class
                }) {
                    Some(group) => group.occurrences += 1,
                    None => self.groups.push(Group {
                        check,
                        exchange: exchange.clone(),
                        failure,
                        occurrences: 1,
                        shrunk: None,
                    }),
                }
            }
        }
    }

    /// Shrinks each failing sampled case once, with the check that caught it as the test.
    async fn shrink(
        &mut self,
        ctx: &Ctx<'_>,
        client: &Client,
        plan: &mut Plan<'_>,
        budget: &Budget,
        deadline: Instant,
    ) {
        let mut shrunk_cases = BTreeSet::new();
        for group in &mut self.groups {
            let Some(index) = group.exchange.case.generated else {
                continue;
            };
            let Run::Single(run) = group.check.run else {
                continue;
            };
            // A check that failed on every exchange it judged fails whatever the input: there is
            // nothing to minimise, and against a hanging target each try would cost a timeout.
            if self
                .counts
                .get(group.check.name)
                .is_some_and(|(passed, _, _)| *passed == 0)
            {
                continue;
            }
            if !shrunk_cases.insert(index) {
                continue;
            }
            let original = group.exchange.case.request.body.clone();
            let Some(mut shrinker) = plan.shrinker(&group.exchange.case) else {
                continue;
            };
            let mut steps = 0;
            let mut failed = true;
            while steps < MAX_SHRINK_STEPS && Instant::now() < deadline && budget.take() {
                let Some(candidate) = shrinker.next(failed) else {
                    break;
                };
                steps += 1;
                let exchange = client.send(candidate).await;
                match run(ctx, &exchange) {
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

    fn summaries(&self) -> Vec<CheckSummary> {
        self.checks
            .iter()
            .map(|c| {
                let (passed, failed, skipped) = self.counts[c.name];
                CheckSummary {
                    name: c.name.to_owned(),
                    description: c.description.to_owned(),
                    passed,
                    failed,
                    skipped,
                }
            })
            .collect()
    }

    fn gaps(&self) -> Vec<GapSummary> {
        self.gaps
            .iter()
            .map(|((status, kind), (count, classes))| GapSummary {
                status: *status,
                rejection: kind.to_string(),
                count: *count,
                classes: classes.iter().cloned().collect(),
            })
            .collect()
    }

    fn failures(&self, url: &str, contract: &Contract, config: &CheckConfig) -> Vec<FailureReport> {
        let order = |name: &str| {
            CHECKS
                .iter()
                .position(|c| c.name == name)
                .unwrap_or(usize::MAX)
        };
        let mut groups: Vec<&Group> = self.groups.iter().collect();
        groups.sort_by(|a, b| {
            (order(a.check.name), &a.exchange.case.class)
                .cmp(&(order(b.check.name), &b.exchange.case.class))
        });
        let secrets = config.secrets();
        groups
            .into_iter()
            .map(|group| {
                let request = request_report(url, &group.exchange.case, contract, config);
                let reproduce = curl_command(
                    &request,
                    &group.exchange.case.request.body,
                    &config.token_var,
                );
                let response = match &group.exchange.outcome {
                    Outcome::Response(r) => ResponseReport {
                        status: Some(r.status),
                        content_type: r.content_type().map(str::to_owned),
                        body_excerpt: redact(&excerpt(&r.body, EXCERPT_BYTES), &secrets),
                        transport_error: None,
                    },
                    Outcome::Transport(e) => ResponseReport {
                        status: None,
                        content_type: None,
                        body_excerpt: String::new(),
                        transport_error: Some(redact(&e.to_string(), &secrets)),
                    },
                };
                FailureReport {
                    check: group.check.name.to_owned(),
                    class: group.exchange.case.class.clone(),
                    occurrences: group.occurrences,
                    message: redact(&group.failure.message, &secrets),
                    violations: group.failure.violations.clone(),
                    request,
                    response: Some(response),
                    shrunk: group.shrunk.clone(),
                    reproduce,
                }
            })
            .collect()
    }
}

/// The request as reports show it: the token as `$VAR`, `--header` values hidden.
fn request_report(
    url: &str,
    case: &Case,
    contract: &Contract,
    config: &CheckConfig,
) -> RequestReport {
    let auth = contract.auth();
    let mut headers = Vec::new();
    let credential = match &case.request.auth {
        Auth::Token => Some(format!("{} ${}", auth.scheme, config.token_var)),
        Auth::SecondToken => Some(format!("{} ${}", auth.scheme, config.second_token_var)),
        Auth::Missing => None,
        Auth::Raw(value) => Some(value.clone()),
    };
    if let Some(credential) = credential {
        headers.push((auth.header.clone(), credential));
    }
    if let Some(content_type) = &case.request.content_type {
        headers.push(("Content-Type".to_owned(), content_type.clone()));
    }
    for (name, _) in &config.headers {
        headers.push((name.clone(), "<value of --header>".to_owned()));
    }
    RequestReport {
        method: case.request.method.clone(),
        url: url.to_owned(),
        headers,
        body: excerpt(&case.request.body, EXCERPT_BYTES),
        body_bytes: case.request.body.len(),
    }
}

pub(crate) fn redact(text: &str, secrets: &[&str]) -> String {
    secrets.iter().fold(text.to_owned(), |text, secret| {
        replace_token(&text, secret, "[token]")
    })
}

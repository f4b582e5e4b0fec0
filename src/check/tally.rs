//! Verdicts folded into what the report shows: counts per check, documentation gaps, and one
//! failure group per (check, class), shrunk where the case was sampled.

use std::collections::{BTreeMap, BTreeSet};

use tokio::time::Instant;

use super::client::Exchange;
use super::{Budget, CHECKS, Check, CheckConfig, Client, Ctx, Failure, Outcome, Run, Verdict};
use crate::cases::{Auth, Case, Plan, Sequence};
use crate::contract::{Contract, RejectionKind};
use crate::redact::replace_token;
use crate::report::{
    CheckSummary, EXCERPT_BYTES, FailureReport, GapSummary, RequestReport, ResponseReport,
    ShrinkReport, curl_command, excerpt,
};

/// Requests one failure may spend on shrinking.
const MAX_SHRINK_STEPS: usize = 128;

/// One failing (check, class), with its first exchange and how often it failed.
struct Group {
    check: &'static Check,
    exchange: Exchange,
    failure: Failure,
    occurrences: usize,
    shrunk: Option<ShrinkReport>,
}

/// Verdicts as they come in, folded into counts, gaps and failure groups.
pub(crate) struct Tally {
    checks: Vec<&'static Check>,
    counts: BTreeMap<&'static str, (usize, usize, usize)>,
    gaps: BTreeMap<(u16, RejectionKind), (usize, BTreeSet<String>)>,
    groups: Vec<Group>,
}

impl Tally {
    pub(crate) fn new(checks: &[&'static Check]) -> Self {
        Self {
            checks: checks.to_vec(),
            counts: checks.iter().map(|c| (c.name, (0, 0, 0))).collect(),
            gaps: BTreeMap::new(),
            groups: Vec::new(),
        }
    }

    pub(crate) fn judge(&mut self, ctx: &Ctx<'_>, exchange: &Exchange) {
        for check in self.checks.clone() {
            if let Run::Single(run) = check.run {
                let verdict = run(ctx, exchange);
                self.record(check, exchange, verdict);
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
    pub(crate) async fn shrink(
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

    pub(crate) fn summaries(&self) -> Vec<CheckSummary> {
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

    pub(crate) fn gaps(&self) -> Vec<GapSummary> {
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

    pub(crate) fn failures(
        &self,
        url: &str,
        contract: &Contract,
        config: &CheckConfig,
    ) -> Vec<FailureReport> {
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

//! A contract of several operations, checked one operation after another: each as a contract
//! of its own (its view), with the same planner, registry and follow-ups as the seed's, then
//! one report grouped by operation. An operation the target answers 404 to every time is one
//! finding, "documented, not served", not dozens.

use std::collections::BTreeMap;
use std::time::Instant;

use super::{CheckConfig, Progress};
use crate::Error;
use crate::contract::{Contract, Credentials};
use crate::report::{OperationReport, Report};

/// Why an operation was left out: the run's `--deadline` came first.
const DEADLINE_PASSED: &str = "the deadline (--deadline) passed before it";

/// `check` over every operation `--operation` selects (all by default).
pub async fn run(
    contract: &Contract,
    config: &CheckConfig,
    progress: &dyn Progress,
) -> Result<Report, Error> {
    if contract.operations().is_empty() {
        // Its view: a path with its parameters' sample values, as every view sends.
        return super::run::run(&contract.view_of_seed(), config, progress).await;
    }
    let base = config.target.url.base(contract);
    let started = Instant::now();
    let views = views_to_check(contract, config)?;
    let mut parts = Vec::new();
    for view in &views {
        if let Some(why) = no_credential(view, config) {
            parts.push(Part::not_checked(view, &why));
            continue;
        }
        let remaining = config.deadline.saturating_sub(started.elapsed());
        if remaining.is_zero() {
            parts.push(Part::not_checked(view, DEADLINE_PASSED));
            continue;
        }
        let mut config = config.clone();
        config.target.url.clone_from(&base);
        config.deadline = remaining;
        config.restore_primary = None;
        if !view.is_seed_view() {
            config.min_coverage = None;
        }
        progress.operation(&format!("{} {}", view.method(), view.path()));
        let report = super::run::run(view, &config, progress).await?;
        parts.push(Part::checked(view, report));
    }
    let mut report = one_or_merged(base.to_string(), parts);
    if let Some(method) = &config.restore_primary {
        report.restore_primary = Some(restore(contract, config, base, method, &mut report).await?);
    }
    Ok(report)
}

/// Why `view` cannot be checked for want of a credential, when it cannot: its scheme has
/// none of its own and there is no token to stand in.
fn no_credential(view: &Contract, config: &CheckConfig) -> Option<String> {
    if view.credentials() == Credentials::None || config.target.credential_for(view).is_some() {
        return None;
    }
    let scheme = view.security_scheme().map_or("bearer", |s| s.scheme_name());
    Some(format!(
        "no credential for its security scheme {scheme}: give --credential {scheme}=VALUE, or a token"
    ))
}

/// One operation's report as a contract of one would have it, or every part merged.
fn one_or_merged(base: String, mut parts: Vec<Part>) -> Report {
    if let [
        Part {
            report: Some(_), ..
        },
    ] = parts.as_slice()
    {
        let mut report = parts.pop().and_then(|p| p.report).expect("just matched");
        for failure in &mut report.failures {
            failure.operation = None;
        }
        return report;
    }
    merge(base, parts)
}

/// `--restore-primary`, once every operation has had its say (another may have changed it).
async fn restore(
    contract: &Contract,
    config: &CheckConfig,
    base: crate::remote::TargetUrl,
    method: &str,
    report: &mut Report,
) -> Result<crate::report::RestoreReport, Error> {
    let seed = contract.view_of_seed();
    let mut target = config.target.clone();
    target.url = base;
    let client = crate::remote::Client::new(&seed, &target)?;
    let budget = crate::remote::Budget::new(None);
    let restored = crate::restore::restore(&seed, &client, &budget, method).await?;
    report.requests += budget.used();
    Ok(restored)
}

/// The views `--operation` selects, in the contract's order (the whole contract, for one of a
/// single operation), each presenting the credential the run holds for it.
pub fn views_to_check(contract: &Contract, config: &CheckConfig) -> Result<Vec<Contract>, Error> {
    let views = contract
        .select_views(&config.operations)
        .map_err(Error::Usage)?;
    Ok(views
        .into_iter()
        .map(|view| view.preferring(&|scheme| config.target.holds(scheme)))
        .collect())
}

/// One operation's run, or why there was none.
struct Part {
    summary: OperationReport,
    report: Option<Report>,
}

impl Part {
    fn checked(view: &Contract, mut report: Report) -> Self {
        let id = view.manifest().operation_id.clone();
        let endpoint = format!("{} {}", view.method(), view.path());
        not_served(view, &endpoint, &mut report);
        for failure in &mut report.failures {
            failure.operation = Some(id.clone());
        }
        Self {
            summary: OperationReport {
                operation: id,
                endpoint,
                requests: report.requests,
                failures: report.failures.len(),
                statuses: report.statuses.clone(),
                not_checked: None,
            },
            report: Some(report),
        }
    }

    fn not_checked(view: &Contract, why: &str) -> Self {
        Self {
            summary: OperationReport {
                operation: view.manifest().operation_id.clone(),
                endpoint: format!("{} {}", view.method(), view.path()),
                requests: 0,
                failures: 0,
                statuses: BTreeMap::new(),
                not_checked: Some(why.to_owned()),
            },
            report: None,
        }
    }
}

/// Every valid request answered 404, which the operation does not document: one failure that
/// says so, in place of one per check and class. Where it documents 404 the answers are not
/// wrong, but may mean the same: a note says so.
fn not_served(view: &Contract, endpoint: &str, report: &mut Report) {
    let only_404 = report.valid_statuses.iter().eq([404].iter());
    if only_404 && view.is_documented(404) {
        report.notes.push(format!(
            "every valid request to {endpoint} was answered 404, which it documents: if the target does not serve it, that is why nothing else was reached"
        ));
        return;
    }
    if !only_404 || report.failures.is_empty() {
        return;
    }
    let occurrences = report.failures.iter().map(|f| f.occurrences).sum();
    let mut failure = report.failures.swap_remove(0);
    failure.check = "status_code_conformance".to_owned();
    failure.class = "operation".to_owned();
    failure.occurrences = occurrences;
    failure.violations = Vec::new();
    failure.message = format!(
        "documented, not served: the target answered all {} requests to {endpoint} with 404",
        report.requests
    );
    report.failures = vec![failure];
}

/// One report of every part: sums, the seed's coverage, failures and gaps named by operation.
fn merge(base: String, parts: Vec<Part>) -> Report {
    let operations: Vec<OperationReport> = parts.iter().map(|p| p.summary.clone()).collect();
    let mut reports = parts.into_iter().filter_map(|p| {
        let mut report = p.report?;
        for gap in &mut report.gaps {
            prefix(&mut gap.classes, &p.summary.operation);
        }
        Some(report)
    });
    let mut merged = reports.next().expect("at least one operation is checked");
    for report in reports {
        add(&mut merged, report);
    }
    merged.target = base;
    merged.cases_per_second = merged.requests as f64 / (merged.duration_ms.max(1) as f64 / 1000.0);
    merged.notes.push(format!(
        "{} operations: coverage above counts the first; \"operations\" lists each one's statuses",
        operations.len()
    ));
    let late = operations
        .iter()
        .filter(|o| o.not_checked.as_deref() == Some(DEADLINE_PASSED))
        .count();
    if late > 0 {
        // Operations left unchecked leave the run incomplete, as unsent cases do.
        merged.not_run += late;
        merged
            .stopped_by
            .get_or_insert_with(|| format!("deadline: {late} operations not checked"));
    }
    for skipped in operations.iter().filter(|o| o.not_checked.is_some()) {
        merged.notes.push(format!(
            "{} not checked: {}",
            skipped.endpoint,
            skipped.not_checked.as_deref().unwrap_or_default()
        ));
    }
    merged.operations = operations;
    merged
}

fn add(merged: &mut Report, report: Report) {
    merged.duration_ms += report.duration_ms;
    merged.requests += report.requests;
    merged.not_run += report.not_run;
    merged.stopped_by = merged.stopped_by.take().or(report.stopped_by);
    merged.cut_short.extend(report.cut_short);
    merged.failures.extend(report.failures);
    for check in report.checks {
        match merged.checks.iter_mut().find(|c| c.name == check.name) {
            Some(known) => {
                known.passed += check.passed;
                known.failed += check.failed;
                known.skipped += check.skipped;
            }
            None => merged.checks.push(check),
        }
    }
    for gap in report.gaps {
        let same = merged
            .gaps
            .iter_mut()
            .find(|g| (g.status, &g.rejection, g.kind) == (gap.status, &gap.rejection, gap.kind));
        match same {
            Some(known) => {
                known.count += gap.count;
                known.classes.extend(gap.classes);
            }
            None => merged.gaps.push(gap),
        }
    }
    for note in report.notes {
        if !merged.notes.contains(&note) {
            merged.notes.push(note);
        }
    }
    let environment = &mut merged.environment;
    environment.rate_limited += report.environment.rate_limited;
    environment.waited_ms += report.environment.waited_ms;
    environment.token_refreshes += report.environment.token_refreshes;
    environment.token_retries += report.environment.token_retries;
    for (status, count) in report.statuses {
        *merged.statuses.entry(status).or_insert(0) += count;
    }
}

fn prefix(classes: &mut [String], operation: &str) {
    for class in classes {
        *class = format!("{operation}: {class}");
    }
}

//! The report as a person reads it on a terminal or in a CI log.

use std::fmt::Write as _;

use super::Report;
use crate::cases::PlanCoverage;

/// How many classes a gap line names before it says "+N more".
const CLASSES_SHOWN: usize = 3;
/// Failures of one check shown in full; the rest get one line each (JSON has them all).
const DETAILED_PER_CHECK: usize = 3;

/// How much of the valid space a plan covers: the enumerated part and the sampled part.
pub fn coverage_line(c: &PlanCoverage) -> String {
    format!(
        "positive space: {}/{} enum values covered ({}); sampled {} valid and {} invalid bodies",
        c.enum_values_covered,
        c.enum_values_total,
        c.enum_property,
        c.generated_positive,
        c.generated_negative
    )
}

pub fn human(report: &Report) -> String {
    let mut out = String::new();
    for section in [
        header,
        operations,
        checks,
        gaps,
        environment,
        coverage,
        failures,
        ending,
    ] {
        section(&mut out, report);
    }
    out
}

/// Target, contract, coverage, requests, notes.
fn header(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "mfa-contract check: {} ({})",
        report.target, report.contract
    );
    let _ = writeln!(out, "contract: {}", report.contract_identity);
    let _ = writeln!(
        out,
        "{} (seed {})",
        coverage_line(&report.coverage.plan),
        report.seed
    );
    let _ = writeln!(
        out,
        "sent {} requests in {:.2} s ({:.0} cases/s)",
        report.requests,
        report.duration_ms as f64 / 1000.0,
        report.cases_per_second
    );
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
}

/// One line per operation of a contract of several: requests, failures, statuses answered.
fn operations(out: &mut String, report: &Report) {
    if report.operations.is_empty() {
        return;
    }
    let _ = writeln!(out, "\nOperations");
    let width = report
        .operations
        .iter()
        .map(|o| o.endpoint.len())
        .max()
        .unwrap_or(0);
    for operation in &report.operations {
        let mark = match (&operation.not_checked, operation.failures) {
            (Some(_), _) => "-",
            (None, 0) => "ok",
            (None, _) => "FAIL",
        };
        let statuses: Vec<String> = operation
            .statuses
            .iter()
            .map(|(status, count)| format!("{status}×{count}"))
            .collect();
        let detail = operation.not_checked.clone().unwrap_or_else(|| {
            format!(
                "{} requests, {} failures; {}",
                operation.requests,
                operation.failures,
                statuses.join(" ")
            )
        });
        let _ = writeln!(
            out,
            "  {mark:<4} {:<width$}  {:<38} {detail}",
            operation.endpoint, operation.operation
        );
    }
}

/// One line per check: ok, FAIL or not applicable, with counts.
fn checks(out: &mut String, report: &Report) {
    let _ = writeln!(out, "\nChecks");
    let width = report
        .checks
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0);
    for check in &report.checks {
        let mark = if check.failed > 0 {
            "FAIL"
        } else if check.passed == 0 {
            "-"
        } else {
            "ok"
        };
        let counts = match (check.passed, check.failed) {
            (0, 0) => "not applicable to any case".to_owned(),
            (p, 0) => format!("{p} passed"),
            (p, f) => format!("{p} passed, {f} failed"),
        };
        let _ = writeln!(out, "  {mark:<4}  {:<width$}  {counts}", check.name);
    }
}

/// What the documentation leaves open, seen in answers.
fn gaps(out: &mut String, report: &Report) {
    if !report.gaps.is_empty() {
        let _ = writeln!(
            out,
            "\nDocumentation gaps (what the documentation leaves open; not violations)"
        );
        for gap in &report.gaps {
            let mut classes: Vec<&str> = gap
                .classes
                .iter()
                .take(CLASSES_SHOWN)
                .map(String::as_str)
                .collect();
            let more = gap.classes.len().saturating_sub(CLASSES_SHOWN);
            let more = if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            };
            classes.sort_unstable();
            let _ = writeln!(
                out,
                "  {} {:<22} {:<29} {:>4} cases  {}{more}",
                gap.status,
                gap.rejection,
                gap.kind.as_str(),
                gap.count,
                classes.join(", ")
            );
        }
    }
}

fn coverage(out: &mut String, report: &Report) {
    out.push_str(&super::coverage_text(&report.coverage));
}

/// Rate limits waited out, tokens refreshed.
fn environment(out: &mut String, report: &Report) {
    let environment = super::environment_lines(&report.environment);
    if !environment.is_empty() {
        let _ = writeln!(out, "\nEnvironment (not the contract)");
        for line in environment {
            let _ = writeln!(out, "  {line}");
        }
    }
}

/// Each failure in full, up to a few per check; one line each for the rest.
fn failures(out: &mut String, report: &Report) {
    if !report.failures.is_empty() {
        let _ = writeln!(out, "\nFailures ({})", report.failures.len());
        let mut shown_for_check: Option<(&str, usize)> = None;
        for (i, failure) in report.failures.iter().enumerate() {
            let shown = match shown_for_check {
                Some((check, n)) if check == failure.check => n,
                _ => 0,
            };
            shown_for_check = Some((&failure.check, shown + 1));
            if shown >= DETAILED_PER_CHECK {
                let _ = writeln!(
                    out,
                    "{}) {} · {} ({}): {}",
                    i + 1,
                    failure.check,
                    failure.label(),
                    occurrences(failure.occurrences),
                    failure.message
                );
                continue;
            }
            write_failure(out, i + 1, failure);
        }
        if report.failures.len() > DETAILED_PER_CHECK {
            let _ = writeln!(
                out,
                "(at most {DETAILED_PER_CHECK} failures per check in full; --format json has every one)"
            );
        }
    }
}

/// The restore step, cases not sent, and the result.
fn ending(out: &mut String, report: &Report) {
    if let Some(restore) = &report.restore_primary {
        let _ = writeln!(out, "\n{restore}");
    }
    if report.not_run > 0 {
        let why = report.stopped_by.as_deref().unwrap_or("stopped");
        let _ = writeln!(out, "\n{} planned cases not sent: {why}", report.not_run);
    }
    for what in &report.cut_short {
        let _ = writeln!(out, "\ncut short: {what}");
    }

    let _ = writeln!(out, "\n{}", super::result_line(report));
}

/// `, deterministic` or `, flaky` once rechecks ran.
fn stability(failure: &super::FailureReport) -> String {
    if failure.rechecks == 0 {
        String::new()
    } else {
        format!(", {}", failure.stability())
    }
}

fn occurrences(n: usize) -> String {
    if n == 1 {
        "1 occurrence".to_owned()
    } else {
        format!("{n} occurrences")
    }
}

fn write_failure(out: &mut String, number: usize, failure: &super::FailureReport) {
    let _ = writeln!(
        out,
        "\n{number}) {} · {} ({}{})",
        failure.check,
        failure.label(),
        occurrences(failure.occurrences),
        stability(failure)
    );
    let _ = writeln!(out, "   {}", failure.message);
    for v in &failure.violations {
        let at = if v.instance_path.is_empty() {
            "(root)"
        } else {
            &v.instance_path
        };
        let _ = writeln!(
            out,
            "     - at {at}: {} (schema {})",
            v.message, v.schema_path
        );
    }
    let r = &failure.request;
    let _ = writeln!(out, "   request:  {} {}", r.method, r.url);
    for (name, value) in &r.headers {
        let _ = writeln!(out, "             {name}: {value}");
    }
    if r.body_bytes > 0 {
        let _ = writeln!(out, "             {}", indent(&r.body));
    }
    if let Some(response) = &failure.response {
        match (response.status, &response.transport_error) {
            (_, Some(error)) => {
                let _ = writeln!(out, "   response: none: {error}");
            }
            (Some(status), None) => {
                let _ = writeln!(
                    out,
                    "   response: {status} {}",
                    response
                        .content_type
                        .as_deref()
                        .unwrap_or("(no content type)")
                );
                if !response.body_excerpt.is_empty() {
                    let _ = writeln!(out, "             {}", indent(&response.body_excerpt));
                }
            }
            (None, None) => {}
        }
    }
    write_latency(out, &failure.latency);
    if let Some(shrunk) = &failure.shrunk {
        let _ = writeln!(
            out,
            "   shrunk in {} requests from: {}",
            shrunk.steps, shrunk.original_body
        );
    }
    let _ = writeln!(out, "   Reproduce with:\n     {}", failure.reproduce);
}

/// A check of timing's distribution, one row per class.
fn write_latency(out: &mut String, rows: &[super::LatencyRow]) {
    if rows.is_empty() {
        return;
    }
    let width = rows.iter().map(|r| r.class.len()).max().unwrap_or(0);
    let _ = writeln!(
        out,
        "   latency (ms)  {:width$}  count  over  median     p95     max",
        "class"
    );
    for r in rows {
        let _ = writeln!(
            out,
            "                 {:width$}  {:>5}  {:>4}  {:>6}  {:>6}  {:>6}",
            r.class, r.count, r.over_limit, r.median_ms, r.p95_ms, r.max_ms
        );
    }
}

/// Continuation lines of a multi-line body, lined up under its first line.
fn indent(text: &str) -> String {
    text.trim_end().replace('\n', "\n             ")
}

//! CTRF, the Common Test Report Format (spec 0.0.0, as the `ctrf` reference package validates
//! it): one test per check that passed, one per check and case class that failed, with the
//! message, the violations and the curl reproduction (the token a variable) as the trace;
//! rechecks as `retries` and `flaky`; coverage items as tests of their own suite; the
//! environment's events and what was not sent in `extra`.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::{CheckSummary, FailureReport, Report};
use crate::coverage::Item;

const SPEC_VERSION: &str = "0.0.0";
const TOOL: &str = "mfa-contract";

/// The CTRF document; `now` is when the run ended.
pub fn ctrf(report: &Report, now: SystemTime) -> Value {
    let stop = now
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64);
    let start = stop.saturating_sub(report.duration_ms);
    let mut tests: Vec<Value> = Vec::new();
    for check in &report.checks {
        let failures: Vec<&FailureReport> = report
            .failures
            .iter()
            .filter(|f| f.check == check.name)
            .collect();
        if failures.is_empty() {
            tests.push(passed_check(check));
        }
        for failure in failures {
            tests.push(failed_check(check, failure, report.allow_flaky));
        }
    }
    let below = !report.coverage.meets_minimum();
    tests.extend(
        report
            .coverage
            .items
            .iter()
            .map(|i| coverage_test(i, below)),
    );
    let count = |status: &str| tests.iter().filter(|t| t["status"] == status).count();
    let summary = json!({
        "tests": tests.len(),
        "passed": count("passed"),
        "failed": count("failed"),
        "skipped": count("skipped"),
        "pending": 0,
        "other": 0,
        "flaky": tests.iter().filter(|t| t["flaky"] == true).count(),
        "suites": report.checks.len() + 1,
        "start": start,
        "stop": stop,
        "duration": report.duration_ms,
    });
    json!({
        "reportFormat": "CTRF",
        "specVersion": SPEC_VERSION,
        "generatedBy": format!("{TOOL} {}", env!("CARGO_PKG_VERSION")),
        "results": {
            "tool": {
                "name": TOOL,
                "version": env!("CARGO_PKG_VERSION"),
                "extra": { "contract": report.contract_identity },
            },
            "summary": summary,
            "tests": tests,
            "environment": {
                "reportName": "mfa-contract check",
                "extra": {
                    "target": report.target,
                    "seed": report.seed,
                    "events": super::environment_lines(&report.environment),
                },
            },
            "extra": {
                "coverage": {
                    "reached": report.coverage.reached,
                    "total": report.coverage.total,
                    "percent": report.coverage.percent,
                    "minPercent": report.coverage.min_percent,
                },
                "notRun": report.not_run,
                "stoppedBy": report.stopped_by,
                "cutShort": report.cut_short,
            },
        },
    })
}

fn passed_check(check: &CheckSummary) -> Value {
    let status = if check.passed == 0 && check.failed == 0 {
        "skipped"
    } else {
        "passed"
    };
    let mut test = json!({
        "name": check.name,
        "status": status,
        "duration": 0,
        "suite": [TOOL, check.name],
        "extra": { "passed": check.passed, "skipped": check.skipped },
    });
    if status == "skipped" {
        test["message"] = json!("not applicable to any case");
    }
    test
}

/// A failure; one the run allows (`--allow-flaky`) is a passed, flaky test.
fn failed_check(check: &CheckSummary, failure: &FailureReport, allow_flaky: bool) -> Value {
    let status = if failure.flaky && allow_flaky {
        "passed"
    } else {
        "failed"
    };
    let mut trace = String::new();
    for v in &failure.violations {
        trace.push_str(&format!(
            "at {}: {} (schema {})\n",
            v.instance_path, v.message, v.schema_path
        ));
    }
    trace.push_str(&format!("Reproduce with:\n{}", failure.reproduce));
    let mut test = json!({
        "name": format!("{} · {}", check.name, failure.label()),
        "status": status,
        "duration": 0,
        "suite": [TOOL, check.name],
        "message": failure.message,
        "trace": trace,
        "retries": failure.rechecks,
        "flaky": failure.flaky,
        "extra": {
            "class": failure.class,
            "occurrences": failure.occurrences,
            "stability": failure.stability(),
            "reproduce": failure.reproduce,
        },
    });
    if let Some(location) = &failure.schema_location {
        test["filePath"] = json!(
            location
                .path
                .clone()
                .unwrap_or_else(|| location.file.clone())
        );
        test["line"] = json!(location.line);
    }
    test
}

/// An item reached passes; one not reached is skipped, or failed under `--min-coverage`.
fn coverage_test(item: &Item, below_minimum: bool) -> Value {
    let status = match (item.reached, below_minimum) {
        (true, _) => "passed",
        (false, false) => "skipped",
        (false, true) => "failed",
    };
    let mut test = json!({
        "name": format!("coverage · {}", item.name),
        "status": status,
        "duration": 0,
        "suite": [TOOL, "coverage"],
        "extra": { "area": item.area, "answers": item.answers },
    });
    if let Some(how) = &item.how_to_reach {
        test["message"] = json!(format!("not reached; to reach it: {how}"));
    }
    test
}

//! The report for where CI people read: `$GITHUB_STEP_SUMMARY` or a pull-request comment. The
//! result first, a table of checks, gaps, environment events, then each failure with its curl
//! reproduction in a fenced block. Short: details past the first few failures are in JSON.

use std::fmt::Write as _;

use super::{FailureReport, Report, environment_lines, result_line};

/// Failures shown with their reproduction: the first of each check, at most this many; the
/// rest are listed one line each.
const DETAILED: usize = 10;

pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    for section in [header, checks, gaps_and_environment, coverage, failures] {
        section(&mut out, report);
    }
    out
}

/// The result first, then target, contract, seed and requests.
fn header(out: &mut String, report: &Report) {
    let mark = if report.is_clean() { "✅" } else { "❌" };
    let _ = writeln!(out, "## {mark} mfa-contract check\n");
    let _ = writeln!(out, "**{}**\n", result_line(report));
    let _ = writeln!(
        out,
        "Target `{}`, {}: {}, seed {}: {} requests in {:.1} s.\n",
        report.target,
        report.contract,
        report.contract_identity,
        report.seed,
        report.requests,
        report.duration_ms as f64 / 1000.0
    );
}

fn coverage(out: &mut String, report: &Report) {
    out.push_str(&super::coverage_markdown(&report.coverage));
}

fn checks(out: &mut String, report: &Report) {
    let _ = writeln!(out, "| check | passed | failed |");
    let _ = writeln!(out, "|---|---:|---:|");
    for check in &report.checks {
        let name = if check.failed > 0 {
            format!("❌ `{}`", check.name)
        } else {
            format!("`{}`", check.name)
        };
        let _ = writeln!(out, "| {name} | {} | {} |", check.passed, check.failed);
    }
}

/// What the documentation leaves open, the environment, and cases not sent.
fn gaps_and_environment(out: &mut String, report: &Report) {
    if !report.gaps.is_empty() {
        let _ = writeln!(
            out,
            "\n### Documentation gaps (not violations)\n\n| status | request class | how | cases |\n|---|---|---|---:|"
        );
        for gap in &report.gaps {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                gap.status,
                gap.rejection,
                gap.kind.as_str(),
                gap.count
            );
        }
    }
    let environment = environment_lines(&report.environment);
    if !environment.is_empty() {
        let _ = writeln!(out, "\n### Environment (not the contract)\n");
        for line in environment {
            let _ = writeln!(out, "- {line}");
        }
    }
    if report.not_run > 0 {
        let _ = writeln!(
            out,
            "\n{} planned cases not sent: {}.",
            report.not_run,
            report.stopped_by.as_deref().unwrap_or("stopped")
        );
    }
    for what in &report.cut_short {
        let _ = writeln!(out, "\nCut short: {what}.");
    }
}

/// The first failure of each check with its reproduction, the rest one line each.
fn failures(out: &mut String, report: &Report) {
    if !report.failures.is_empty() {
        let _ = writeln!(out, "\n### Failures\n");
        let mut detailed = 0;
        for (i, failure) in report.failures.iter().enumerate() {
            let first_of_check = i == 0 || report.failures[i - 1].check != failure.check;
            if first_of_check && detailed < DETAILED {
                detailed += 1;
                write_failure(out, i + 1, failure);
            } else {
                let _ = writeln!(
                    out,
                    "{}. `{}` · `{}`: {}",
                    i + 1,
                    failure.check,
                    failure.label(),
                    one_line(&failure.message)
                );
            }
        }
        if report.failures.len() > detailed {
            let _ = writeln!(
                out,
                "\n(the first failure of each check in full; `--format json` has every one)"
            );
        }
    }
}

fn write_failure(out: &mut String, number: usize, failure: &FailureReport) {
    let stability = if failure.rechecks > 0 {
        format!(", {}", failure.stability())
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "{number}. **`{}`** · `{}` ({}×{stability}): {}",
        failure.check,
        failure.label(),
        failure.occurrences,
        one_line(&failure.message)
    );
    for v in failure.violations.iter().take(3) {
        let at = if v.instance_path.is_empty() {
            "(root)"
        } else {
            &v.instance_path
        };
        let _ = writeln!(out, "   - at `{at}`: {}", one_line(&v.message));
    }
    if !failure.latency.is_empty() {
        let _ = writeln!(
            out,
            "\n   | class | count | over the limit | median ms | p95 ms | max ms |\n   |---|---:|---:|---:|---:|---:|"
        );
        for r in &failure.latency {
            let _ = writeln!(
                out,
                "   | `{}` | {} | {} | {} | {} | {} |",
                r.class, r.count, r.over_limit, r.median_ms, r.p95_ms, r.max_ms
            );
        }
    }
    let _ = writeln!(out, "\n   ```sh\n   {}\n   ```\n", failure.reproduce);
}

/// Table and list cells hold one line; pipes would split a table cell.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ").replace('|', "\\|")
}

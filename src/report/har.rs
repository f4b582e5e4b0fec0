//! A HAR judgement as text, markdown and JUnit (JSON is the report serialized). Each finding
//! names its entry: position, start time and page. No token: the messages were redacted when
//! judged, and nothing here shows a header or a URL's query.

use std::fmt::Write as _;

use quick_junit::{NonSuccessKind, TestCase, TestCaseStatus, TestSuite};

use crate::har::{HarFinding, HarReport};

fn entry_name(f: &HarFinding) -> String {
    let page = f
        .entry
        .page
        .as_deref()
        .map(|p| format!(", page {p}"))
        .unwrap_or_default();
    format!(
        "entry {} ({}{page})",
        f.entry.index, f.entry.started_date_time
    )
}

fn pointer(f: &HarFinding) -> String {
    f.violation
        .instance_pointer
        .as_deref()
        .map(|p| format!(" at {}", if p.is_empty() { "(root)" } else { p }))
        .unwrap_or_default()
}

/// `entry 4 (...): POST observed.valid -> 200: the server answered CHECK: MESSAGE at /pointer`.
fn finding_text(f: &HarFinding) -> String {
    format!(
        "{}: {} {} -> {}: {} {}: {}{}",
        entry_name(f),
        f.method,
        f.class,
        f.status,
        side(f),
        f.violation.check,
        f.violation.message,
        pointer(f)
    )
}

fn side(f: &HarFinding) -> &'static str {
    match f.violation.side {
        crate::check::observed::Side::Request => "the client sent",
        crate::check::observed::Side::Response => "the server answered",
    }
}

/// `N entries: J judged, ...`.
fn counts(report: &HarReport) -> String {
    format!(
        "{} entries: {} judged for the endpoint, {} for other paths (counted, not judged), {} preflights, {} environment (blocked, aborted, rate limited), {} bodies not captured",
        report.entries,
        report.judged,
        report.other_paths,
        report.preflights,
        report.environment_count,
        report.not_captured_count
    )
}

fn result_line(report: &HarReport) -> String {
    match report.finding_count {
        0 => "Result: clean, no violation (exit 0)".to_owned(),
        n => format!("Result: {n} violations (exit 1)"),
    }
}

pub fn har_human(report: &HarReport) -> String {
    let mut out = format!(
        "mfa-contract check --har {}\ncontract: {}\n{}\n",
        report.file,
        report.contract_identity,
        counts(report)
    );
    for skipped in &report.environment {
        let _ = writeln!(
            out,
            "  environment: entry {} ({}): {}",
            skipped.entry.index, skipped.entry.started_date_time, skipped.why
        );
    }
    for skipped in &report.not_captured {
        let _ = writeln!(
            out,
            "  entry {} ({}): {}",
            skipped.entry.index, skipped.entry.started_date_time, skipped.why
        );
    }
    if !report.findings.is_empty() {
        let _ = writeln!(out, "\nViolations ({})", report.finding_count);
    }
    for f in &report.findings {
        let _ = writeln!(out, "  {}", finding_text(f));
    }
    if report.finding_count > report.findings.len() {
        let _ = writeln!(
            out,
            "  (+{} more; the first {} are listed)",
            report.finding_count - report.findings.len(),
            report.findings.len()
        );
    }
    let _ = writeln!(out, "\n{}", result_line(report));
    out
}

pub fn har_markdown(report: &HarReport) -> String {
    let mark = if report.is_clean() { "✅" } else { "❌" };
    let mut out = format!(
        "## {mark} mfa-contract check --har\n\n**{}**\n\n`{}`, {}: {}.\n",
        result_line(report),
        report.file,
        report.contract_identity,
        counts(report)
    );
    if !report.findings.is_empty() {
        out.push_str("\n| entry | request | status | side | check | violation |\n|---|---|---:|---|---|---|\n");
        for f in &report.findings {
            let _ = writeln!(
                out,
                "| {} | {} `{}` | {} | {} | `{}` | {}{} |",
                entry_name(f),
                f.method,
                f.class,
                f.status,
                side(f),
                f.violation.check,
                f.violation.message.replace('|', "\\|"),
                pointer(f)
            );
        }
    }
    out
}

/// One suite per check that judged anything: a failure per finding, or one passed case.
pub fn har_junit(report: &HarReport) -> String {
    let mut junit = quick_junit::Report::new("mfa-contract check --har");
    for (check, failed) in &report.checks {
        let mut suite = TestSuite::new(*check);
        let classname = format!("mfa-contract.har.{check}");
        let findings: Vec<&HarFinding> = report
            .findings
            .iter()
            .filter(|f| f.violation.check == *check)
            .collect();
        if *failed == 0 {
            let mut case = TestCase::new(*check, TestCaseStatus::success());
            case.set_classname(classname.as_str());
            suite.add_test_case(case);
        }
        for f in findings {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status
                .set_message(format!("{}{}", f.violation.message, pointer(f)))
                .set_type(*check);
            let mut case = TestCase::new(entry_name(f), status);
            case.set_classname(classname.as_str());
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- the JUnit report could not be written: {e} -->\n"))
}

/// One `::error` per finding kept, for GitHub runners.
pub fn har_annotations(report: &HarReport) -> Vec<super::Annotation> {
    report
        .findings
        .iter()
        .map(|f| super::Annotation {
            title: format!("mfa-contract check --har: {}", f.violation.check),
            message: finding_text(f),
            file: None,
        })
        .collect()
}

//! JUnit XML for CI systems, written by `quick-junit` (nextest's writer): one test suite per
//! check, one test case per case class, a `<failure>` with the message, the schema violations
//! and the curl reproduction where the check failed. Rechecks that failed again are
//! `<rerunFailure>`s; a flaky failure that `--allow-flaky` lets pass is a passed test case with
//! `<flakyFailure>`s, as JUnit readers (Jenkins, GitLab, surefire) expect. Which contract ran
//! and the environment's events are properties of the first suite.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, TestCase, TestCaseStatus, TestRerun, TestSuite};

use super::{CheckSummary, FailureReport, Report};

pub fn junit(report: &Report) -> String {
    let mut by_check: BTreeMap<&str, Vec<&FailureReport>> = BTreeMap::new();
    for failure in &report.failures {
        by_check
            .entry(failure.check.as_str())
            .or_default()
            .push(failure);
    }
    let mut junit = quick_junit::Report::new("mfa-contract check");
    junit.set_time(Duration::from_millis(report.duration_ms));
    for (i, check) in report.checks.iter().enumerate() {
        let failures = by_check.remove(check.name.as_str()).unwrap_or_default();
        let mut suite = suite(check, &failures, report.allow_flaky);
        if i == 0 {
            suite.add_properties(properties(report));
        }
        junit.add_test_suite(suite);
    }
    junit.add_test_suite(super::coverage_suite(&report.coverage));
    junit
        .to_string()
        .unwrap_or_else(|e| format!("<!-- the JUnit report could not be written: {e} -->\n"))
}

fn properties(report: &Report) -> Vec<Property> {
    let mut properties = vec![Property::new("contract", report.contract_identity.as_str())];
    for line in super::environment_lines(&report.environment) {
        properties.push(Property::new("environment", line));
    }
    properties
}

/// One check: a passed (or skipped) case when nothing failed, else one case per failing class.
fn suite(check: &CheckSummary, failures: &[&FailureReport], allow_flaky: bool) -> TestSuite {
    let mut suite = TestSuite::new(check.name.as_str());
    let classname = format!("mfa-contract.{}", check.name);
    if failures.is_empty() {
        let status = if check.passed == 0 {
            let mut skipped = TestCaseStatus::skipped();
            skipped.set_message("not applicable to any case");
            skipped
        } else {
            TestCaseStatus::success()
        };
        let mut case = TestCase::new(check.name.as_str(), status);
        case.set_classname(classname.as_str());
        suite.add_test_case(case);
    }
    for failure in failures {
        let mut case = TestCase::new(failure.label(), status(check, failure, allow_flaky));
        case.set_classname(classname.as_str());
        suite.add_test_case(case);
    }
    suite
}

/// A failure with its details; the rechecks that failed again as reruns. A flaky failure the
/// run allows is a pass with its failed runs shown as flaky.
fn status(check: &CheckSummary, failure: &FailureReport, allow_flaky: bool) -> TestCaseStatus {
    let ty = format!("{} ({})", check.name, failure.stability());
    let failed_again = failure.rechecks.saturating_sub(failure.rechecks_passed);
    let rerun = |kind| {
        let mut rerun = TestRerun::new(kind);
        rerun.set_message(failure.message.as_str());
        rerun.set_type(ty.as_str());
        rerun
    };
    if failure.flaky && allow_flaky {
        let mut status = TestCaseStatus::success();
        status.add_reruns((0..=failed_again).map(|_| rerun(NonSuccessKind::Failure)));
        return status;
    }
    let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
    status
        .set_message(failure.message.as_str())
        .set_type(ty.as_str())
        .set_description(details(failure));
    status.add_reruns((0..failed_again).map(|_| rerun(NonSuccessKind::Failure)));
    status
}

fn details(failure: &FailureReport) -> String {
    let mut details = format!("{} [{}]\n", failure.message, failure.stability());
    for v in &failure.violations {
        let _ = writeln!(
            details,
            "at {}: {} (schema {})",
            v.instance_path, v.message, v.schema_path
        );
    }
    let _ = write!(details, "Reproduce with:\n{}", failure.reproduce);
    details
}

use std::time::Duration;

use mfa_contract::Contract;
use mfa_contract::check::{self, CheckConfig, Silent};
use mfa_contract::mock::{MockConfig, MockServer};
use mfa_contract::remote::Secret;
use mfa_contract::report::{self, Report};
use mfa_contract::server::ServerOptions;
use serde_json::Value;

use crate::support::reference::{Fault, Variant, handler};
use crate::support::{DISTINCTIVE_TOKEN, TestServer, assert_no_token};

pub(crate) fn contract() -> Contract {
    Contract::embedded().expect("contract loads")
}

pub(crate) fn config(target: &str) -> CheckConfig {
    let mut config = CheckConfig::new(target.parse().expect("a target URL"));
    config.target.token.token = Some(Secret::new(DISTINCTIVE_TOKEN.to_owned()));
    config.seed = 42;
    config.cases = 40;
    config.target.timeout = Duration::from_secs(3);
    config.deadline = Duration::from_secs(90);
    config
}

/// A run of the seed's operation: the reference backends serve it alone.
pub(crate) async fn run(config: &CheckConfig) -> Report {
    check::run(&crate::support::seed_contract(), config, &Silent)
        .await
        .expect("the run completes")
}

/// The whole report in every format, for token searches.
fn all_output(report: &Report) -> String {
    format!(
        "{}\n{}\n{}",
        report::human(report),
        serde_json::to_string(report).expect("json"),
        report::junit(report)
    )
}

#[tokio::test]
async fn the_proptest_suite_passes_against_the_target() {
    // MFA_CONTRACT_TARGET (and MFA_CONTRACT_TOKEN) point the same suite at any URL.
    let (target, _mock) = match std::env::var("MFA_CONTRACT_TARGET") {
        Ok(url) => (url, None),
        Err(_) => {
            let contract = std::sync::Arc::new(contract());
            let mock = MockServer::start(
                contract,
                MockConfig {
                    server: ServerOptions {
                        port: 0,
                        ..ServerOptions::default()
                    },
                    ..MockConfig::default()
                },
            )
            .expect("mock starts");
            (mock.url(), Some(mock))
        }
    };
    let mut config = config(&target);
    if let Ok(token) = std::env::var("MFA_CONTRACT_TOKEN") {
        config.target.token.token = Some(Secret::new(token));
    }
    config.cases = 200;
    config.target.second_token.token = Some(Secret::new("second-account-token-5f1e".into()));
    let report = run(&config).await;
    assert!(report.is_clean(), "{}", report::human(&report));
    assert_eq!(report.coverage.plan.enum_values_covered, 3);
    assert_eq!(report.coverage.plan.enum_values_total, 3);
    assert!(
        report.coverage.plan.generated_positive >= 90,
        "{:?}",
        report.coverage
    );
    for summary in &report.checks {
        assert!(summary.passed > 0, "{} ran on nothing", summary.name);
    }
    // Every request sent was judged, the sequences' steps included.
    let received = report
        .checks
        .iter()
        .find(|c| c.name == "response_received")
        .expect("ran");
    assert_eq!(
        received.passed,
        report.requests,
        "{}",
        report::human(&report)
    );
}

#[tokio::test]
async fn no_false_alarm_on_variations_the_contract_allows() {
    for variant in [
        Variant::Plain,
        Variant::UnprocessableEntity,
        Variant::SuccessOnly,
        Variant::ExtraFields,
        Variant::Charset,
        Variant::Forbidden,
    ] {
        let server = TestServer::start(handler(variant, Fault::None));
        let report = run(&config(&server.url)).await;
        assert!(report.is_clean(), "{variant:?}: {}", report::human(&report));
        if variant == Variant::UnprocessableEntity {
            assert!(
                report
                    .gaps
                    .iter()
                    .any(|g| g.status == 422 && g.rejection == "schema_violation"),
                "{:?}",
                report.gaps
            );
        }
    }
}

/// Runs against a server with one fault and returns the report, which must name `check`.
pub(crate) async fn caught(
    fault: Fault,
    check: &str,
    tweak: impl FnOnce(&mut CheckConfig),
) -> Report {
    let server = TestServer::start(handler(Variant::Plain, fault));
    let mut config = config(&server.url);
    tweak(&mut config);
    let report = run(&config).await;
    assert!(!report.is_clean(), "{fault:?} went unnoticed");
    assert!(
        report.failures.iter().any(|f| f.check == check),
        "{fault:?} not caught by {check}:\n{}",
        report::human(&report)
    );
    assert_no_token(
        &format!("{fault:?} report"),
        &all_output(&report),
        DISTINCTIVE_TOKEN,
    );
    for failure in &report.failures {
        assert!(
            failure.reproduce.starts_with("curl "),
            "{}",
            failure.reproduce
        );
    }
    report
}

pub(crate) fn failure<'r>(
    report: &'r Report,
    check: &str,
    class: &str,
) -> &'r report::FailureReport {
    report
        .failures
        .iter()
        .find(|f| f.check == check && f.class == class)
        .unwrap_or_else(|| panic!("no {check} failure for {class}:\n{}", report::human(report)))
}

pub(crate) fn body_of(failure: &report::FailureReport) -> Value {
    serde_json::from_str(&failure.request.body).expect("the failing body is JSON")
}

#[tokio::test]
async fn wrong_field_types_and_non_object_bodies_break_response_schema_conformance() {
    let report = caught(
        Fault::WrongFieldTypes,
        "response_schema_conformance",
        |_| {},
    )
    .await;
    let f = failure(
        &report,
        "response_schema_conformance",
        "positive.enum.GOOGLE_AUTH",
    );
    let pointers: Vec<&str> = f
        .violations
        .iter()
        .map(|v| v.instance_path.as_str())
        .collect();
    assert_eq!(pointers, vec!["/success", "/message"], "{f:?}");
    assert_eq!(f.violations[0].schema_path, "/properties/success/type");
    caught(Fault::NonObjectBody, "response_schema_conformance", |_| {}).await;
}

#[tokio::test]
async fn a_wrong_content_type_breaks_content_type_conformance() {
    let report = caught(Fault::WrongContentType, "content_type_conformance", |_| {}).await;
    assert!(
        failure(
            &report,
            "content_type_conformance",
            "positive.enum.GOOGLE_AUTH"
        )
        .message
        .contains("text/plain")
    );
}

#[tokio::test]
async fn accepting_invalid_payloads_breaks_negative_data_rejection_and_the_curl_reproduces_it() {
    let server = TestServer::start(handler(Variant::Plain, Fault::AcceptsInvalid));
    let report = run(&config(&server.url)).await;
    let f = failure(
        &report,
        "negative_data_rejection",
        "negative.not_in_enum.mfaType.case_variant",
    );
    assert_eq!(body_of(f), serde_json::json!({"mfaType": "google_auth"}));
    let random = failure(
        &report,
        "negative_data_rejection",
        "negative.not_in_enum.random",
    );
    assert!(random.shrunk.is_some(), "sampled failures are shrunk");
    assert_eq!(
        body_of(random)["mfaType"],
        "",
        "the minimal string outside the enum is the empty one"
    );
    // Every reproduction, run by bash with the token in the environment, gets the same status.
    for f in &report.failures {
        let output = std::process::Command::new("bash")
            .args([
                "-c",
                &format!("{} --silent --noproxy '*' --max-time 10", f.reproduce),
            ])
            .env("MFA_CONTRACT_TOKEN", DISTINCTIVE_TOKEN)
            .output()
            .expect("run bash");
        let text = String::from_utf8_lossy(&output.stdout);
        let status = f.response.as_ref().and_then(|r| r.status).expect("status");
        assert!(
            text.starts_with(&format!("HTTP/1.1 {status}")),
            "{}: {}\n{text}",
            f.class,
            f.reproduce
        );
    }
}

#[tokio::test]
async fn rejecting_valid_payloads_breaks_positive_data_acceptance_with_a_minimal_reproduction() {
    let report = caught(
        Fault::RejectsExtraProperties,
        "positive_data_acceptance",
        |_| {},
    )
    .await;
    let f = failure(&report, "positive_data_acceptance", "positive.generated");
    let shrunk = f.shrunk.as_ref().expect("shrunk");
    assert!(shrunk.steps > 0);
    let body = body_of(f);
    let object = body.as_object().expect("object");
    assert_eq!(
        object.len(),
        2,
        "one extra property is the minimum that fails: {body}"
    );
    let extra = object
        .iter()
        .find(|(k, _)| *k != "mfaType")
        .expect("extra")
        .1;
    assert!(
        matches!(extra, Value::Null)
            || extra == &serde_json::json!(false)
            || extra == &serde_json::json!(0)
            || extra == &serde_json::json!(""),
        "{body}"
    );
    assert!(
        failure(
            &report,
            "positive_data_acceptance",
            "positive.fixture.extra_properties_allowed"
        )
        .shrunk
        .is_none()
    );
}

#[tokio::test]
async fn ignoring_auth_breaks_ignored_auth() {
    let report = caught(Fault::IgnoresAuth, "ignored_auth", |c| {
        c.expect_token_validation = true
    })
    .await;
    assert!(
        failure(&report, "ignored_auth", "auth.missing")
            .message
            .contains("no credentials")
    );
}

#[tokio::test]
async fn echoing_the_token_breaks_no_token_echo_and_the_report_still_hides_it() {
    let report = caught(Fault::EchoesToken, "no_token_echo", |_| {}).await;
    let f = failure(&report, "no_token_echo", "positive.enum.GOOGLE_AUTH");
    let excerpt = &f.response.as_ref().expect("response").body_excerpt;
    assert!(excerpt.contains("[token]"), "{excerpt}");
}

#[tokio::test]
async fn crashing_on_some_input_breaks_not_a_server_error_with_a_minimal_reproduction() {
    let report = caught(Fault::CrashesOnNonAscii, "not_a_server_error", |_| {}).await;
    failure(
        &report,
        "not_a_server_error",
        "negative.not_in_enum.mfaType.unicode_lookalike",
    );
    let f = failure(
        &report,
        "not_a_server_error",
        "negative.not_in_enum.random_unicode",
    );
    let value = body_of(f)["mfaType"].as_str().expect("string").to_owned();
    assert_eq!(
        value.chars().count(),
        1,
        "shrunk to one character: {value:?}"
    );
}

#[tokio::test]
async fn hanging_breaks_response_received_within_the_timeout() {
    let started = std::time::Instant::now();
    let report = caught(Fault::HangsOnExtraProperties, "response_received", |c| {
        // The hang is 5 s; half a second is slack for a busy machine's honest answers.
        c.target.timeout = Duration::from_millis(500);
        c.cases = 10;
    })
    .await;
    let f = failure(&report, "response_received", "positive.generated");
    assert!(
        f.response
            .as_ref()
            .and_then(|r| r.transport_error.as_deref())
            .is_some_and(|e| e.contains("Timeout") || e.contains("timed out")),
        "{f:?}"
    );
    assert_eq!(
        body_of(f).as_object().map(|o| o.len()),
        Some(2),
        "shrunk to one extra property"
    );
    // Shrinking pays the timeout per step: the bound only catches a run that never ends.
    assert!(started.elapsed() < Duration::from_secs(180));
}

#[tokio::test]
async fn a_repeat_answered_otherwise_breaks_idempotent_repeat() {
    let report = caught(Fault::TogglesOnRepeat, "idempotent_repeat", |_| {}).await;
    let f = failure(&report, "idempotent_repeat", "metamorphic.idempotence");
    assert!(
        f.message.contains("409") && f.message.contains("200"),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn one_primary_for_every_account_breaks_account_isolation() {
    let report = caught(Fault::SharedPrimary, "account_isolation", |c| {
        c.target.second_token.token = Some(Secret::new("second-account-token-5f1e".into()));
    })
    .await;
    let f = failure(&report, "account_isolation", "metamorphic.isolation");
    assert!(f.message.contains("changed from 409"), "{}", f.message);
}

#[tokio::test]
async fn slow_answers_break_max_response_time() {
    let report = caught(
        Fault::Slow(Duration::from_millis(250)),
        "max_response_time",
        |c| {
            c.max_response_time = Duration::from_millis(100);
            c.cases = 4;
        },
    )
    .await;
    assert!(
        report
            .failures
            .iter()
            .filter(|f| f.check == "max_response_time")
            .all(|f| f.message.contains("over the limit of 100 ms")),
        "{}",
        report::human(&report)
    );
}

#[tokio::test]
async fn other_methods_and_a_wrong_success_flag_are_caught() {
    caught(Fault::AcceptsAnyMethod, "unsupported_method", |_| {}).await;
    caught(Fault::WrongSuccessFlag, "success_flag_consistency", |_| {}).await;
}

#[tokio::test]
async fn the_junit_file_is_valid_xml_with_one_suite_per_check_and_one_for_coverage() {
    let server = TestServer::start(handler(Variant::Plain, Fault::AcceptsInvalid));
    let report = run(&config(&server.url)).await;
    let xml = report::junit(&report);
    let doc = roxmltree::Document::parse(&xml).expect("valid XML");
    let suites: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testsuite"))
        .collect();
    let judging_targets = check::CHECKS.iter().filter(|c| !c.judges_clients());
    assert_eq!(suites.len(), judging_targets.count() + 1);
    let coverage = suites.last().expect("suites");
    assert_eq!(coverage.attribute("name"), Some("coverage"));
    assert_eq!(
        coverage.attribute("tests").map(str::to_owned),
        Some(report.coverage.total.to_string())
    );
    // Not reached, without --min-coverage: skipped, not failed.
    assert_eq!(coverage.attribute("failures"), Some("0"));
    assert_eq!(
        coverage.attribute("skipped").map(str::to_owned),
        Some((report.coverage.total - report.coverage.reached).to_string())
    );
    let failing = suites
        .iter()
        .find(|s| s.attribute("name") == Some("negative_data_rejection"))
        .expect("suite");
    let failures: usize = failing
        .attribute("failures")
        .expect("failures")
        .parse()
        .expect("number");
    assert_eq!(
        failures,
        failing
            .children()
            .filter(|c| c.has_tag_name("testcase"))
            .count()
    );
    assert!(failures > 0);
    assert_eq!(
        doc.root_element().attribute("failures").map(str::to_owned),
        Some(report.failures.len().to_string())
    );
}

#[tokio::test]
async fn the_json_report_has_the_documented_shape() {
    let server = TestServer::start(handler(Variant::Plain, Fault::AcceptsInvalid));
    let report = run(&config(&server.url)).await;
    let json: Value = serde_json::to_value(&report).expect("json");
    for key in [
        "target",
        "contract",
        "seed",
        "durationMs",
        "requests",
        "casesPerSecond",
        "coverage",
        "checks",
        "gaps",
        "failures",
        "notRun",
        "notes",
    ] {
        assert!(json.get(key).is_some(), "missing {key}");
    }
    let f = &json["failures"][0];
    for key in [
        "check",
        "class",
        "occurrences",
        "message",
        "violations",
        "request",
        "response",
        "reproduce",
    ] {
        assert!(f.get(key).is_some(), "failure lacks {key}: {f}");
    }
    for key in ["method", "url", "headers", "body", "bodyBytes"] {
        assert!(f["request"].get(key).is_some(), "request lacks {key}");
    }
    assert_eq!(json["coverage"]["enumValuesCovered"], 3);
}

#[tokio::test]
async fn the_request_budget_and_check_selection_are_honoured() {
    let server = TestServer::start(handler(Variant::Plain, Fault::None));
    let mut budgeted = config(&server.url);
    budgeted.max_requests = Some(25);
    let report = run(&budgeted).await;
    assert_eq!(server.request_count(), 25);
    assert!(
        report.not_run > 0 && !report.is_clean(),
        "cases left unsent make the run incomplete"
    );

    let mut selected = config(&server.url);
    let names = ["ignored_auth".to_owned(), "no_token_echo".to_owned()];
    selected.checks = check::CheckSelection::from_flags(&names, &[]).expect("known checks");
    let report = run(&selected).await;
    let names: Vec<&str> = report.checks.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["ignored_auth", "no_token_echo"]);

    let mut skipped = config(&server.url);
    skipped.checks = check::CheckSelection::from_flags(&[], &["max_response_time".to_owned()])
        .expect("a known check");
    let report = run(&skipped).await;
    assert!(report.checks.iter().all(|c| c.name != "max_response_time"));

    // A name that is no check is refused when the selection is made, before any run.
    let error = check::CheckSelection::from_flags(&["no_such_check".to_owned()], &[])
        .expect_err("unknown check");
    assert_eq!(error.exit_code(), 2);
    assert!(error.to_string().contains("no_such_check"), "{error}");
}

#[tokio::test]
async fn restore_primary_is_reported() {
    let contract = std::sync::Arc::new(contract());
    let mock = MockServer::start(
        contract,
        MockConfig {
            server: ServerOptions {
                port: 0,
                ..ServerOptions::default()
            },
            ..MockConfig::default()
        },
    )
    .expect("mock");
    let mut config = config(&mock.url());
    config.restore_primary = Some("MAGIC_LINK".into());
    let report = run(&config).await;
    let restore = report.restore_primary.expect("reported");
    assert!(restore.ok && restore.status == Some(200), "{restore:?}");
}

#[tokio::test]
async fn an_unreachable_target_is_an_error_with_exit_3() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    // The listener is closed again: nothing listens on the port.
    let error = check::run(
        &contract(),
        &config(&format!("http://127.0.0.1:{port}")),
        &Silent,
    )
    .await
    .expect_err("unreachable");
    assert_eq!(error.exit_code(), 3, "{error}");
}

#[test]
fn the_cli_checks_the_built_in_mock_by_default_and_exits_0() {
    let output = crate::support::mfa_contract(&["check", "--cases", "20"]);
    let stdout = crate::support::stdout(&output);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}{}",
        crate::support::stderr(&output)
    );
    assert!(
        stdout.contains("positive space: 3/3 enum values covered"),
        "{stdout}"
    );
    assert!(stdout.contains("Result: clean"), "{stdout}");
}

#[test]
fn the_cli_hides_the_token_in_every_output_and_exits_1_on_violations() {
    let server = TestServer::start(handler(Variant::Plain, Fault::EchoesToken));
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("junit.xml");
    for format in ["human", "json"] {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_mfa-contract"))
            .args([
                "check",
                "--target",
                &server.url,
                "--cases",
                "20",
                "--format",
                format,
                "--junit",
                junit.to_str().expect("utf-8"),
            ])
            .env("MFA_CONTRACT_TOKEN", DISTINCTIVE_TOKEN)
            .output()
            .expect("run");
        assert_eq!(output.status.code(), Some(1), "{format}");
        let everything = format!(
            "{}{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
            std::fs::read_to_string(&junit).expect("junit written")
        );
        assert!(everything.contains("no_token_echo"), "{everything}");
        assert!(everything.contains("$MFA_CONTRACT_TOKEN"), "{everything}");
        assert_no_token(
            &format!("check --format {format}"),
            &everything,
            DISTINCTIVE_TOKEN,
        );
    }
}

#[test]
fn the_cli_exit_codes_for_usage_errors_and_unreachable_targets() {
    let refused = crate::support::mfa_contract(&["check", "--target", "http://127.0.0.1:1"]);
    assert_eq!(
        refused.status.code(),
        Some(3),
        "{}",
        crate::support::stderr(&refused)
    );
    assert!(crate::support::stderr(&refused).contains("unreachable"));

    let no_token = std::process::Command::new(env!("CARGO_BIN_EXE_mfa-contract"))
        .args(["check", "--target", "https://staging.example.invalid"])
        .env_remove("MFA_CONTRACT_TOKEN")
        .output()
        .expect("run");
    assert_eq!(no_token.status.code(), Some(2));
    assert!(crate::support::stderr(&no_token).contains("MFA_CONTRACT_TOKEN"));

    let unknown = crate::support::mfa_contract(&["check", "--checks", "made_up"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(crate::support::stderr(&unknown).contains("unknown check \"made_up\""));

    let bad_url = crate::support::mfa_contract(&["check", "--target", "ftp://x"]);
    assert_eq!(bad_url.status.code(), Some(2));
}

#[test]
fn a_dry_run_prints_the_plan_and_sends_nothing() {
    let server = TestServer::start(handler(Variant::Plain, Fault::None));
    let output = crate::support::mfa_contract(&[
        "check",
        "--target",
        &server.url,
        "--dry-run",
        "--seed",
        "1",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let stdout = crate::support::stdout(&output);
    assert!(stdout.contains("negative.oversize"), "{stdout}");
    assert!(stdout.contains("nothing sent"), "{stdout}");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn list_checks_names_every_check() {
    let output = crate::support::mfa_contract(&["check", "--list-checks"]);
    let stdout = crate::support::stdout(&output);
    for check in check::CHECKS {
        assert!(stdout.contains(check.name), "{stdout}");
    }
}

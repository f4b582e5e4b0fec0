//! What a run covered (issue 19, item 4): every item marked reached or not, in every report
//! format, with how to reach what was not; `--min-coverage` fails the run naming the missing
//! items; drift shows the same section for its probes.

use mfa_contract::internals::coverage::{Area, Coverage, Item};
use mfa_contract::remote::Secret;
use mfa_contract::report;

use crate::check::{config, run};
use crate::support::reference::{Fault, Variant, handler};
use crate::support::{Process, TestServer, mfa_contract, stderr, stdout};

fn item<'a>(coverage: &'a Coverage, area: Area, name: &str) -> &'a Item {
    coverage
        .items
        .iter()
        .find(|i| i.area == area && i.name == name)
        .unwrap_or_else(|| panic!("no {area:?} item {name}: {coverage:#?}"))
}

#[tokio::test]
async fn each_item_is_marked_with_its_answers_and_what_is_missing_says_how_to_reach_it() {
    let server = TestServer::start(handler(Variant::Plain, Fault::None));
    let report = run(&config(&server.url)).await;
    let coverage = &report.coverage;
    // The reference backend never answers the documented 500.
    let ok = item(coverage, Area::Status, "200");
    assert!(ok.reached && ok.answers["200"] > 0, "{ok:?}");
    let failed = item(coverage, Area::Status, "500");
    assert!(!failed.reached && failed.answers.is_empty(), "{failed:?}");
    let how = failed.how_to_reach.as_deref().unwrap_or_default();
    assert!(
        how.contains("not enrolled") && how.contains("--token"),
        "{how}"
    );
    for value in ["GOOGLE_AUTH", "MAGIC_LINK", "PASSKEY"] {
        let accepted = item(coverage, Area::EnumValue, value);
        assert!(
            accepted.reached && accepted.answers["200"] > 0,
            "{accepted:?}"
        );
    }
    // Negative classes, by family, with how each was answered.
    let oversize = item(coverage, Area::NegativeClass, "negative.oversize");
    assert!(
        oversize.reached && oversize.answers.contains_key("413"),
        "{oversize:?}"
    );
    let missing_auth = item(coverage, Area::Auth, "auth.missing");
    assert!(missing_auth.reached && missing_auth.answers.contains_key("401"));
    for method in ["POST", "GET", "PUT", "PATCH", "DELETE"] {
        assert!(item(coverage, Area::Method, method).reached, "{method}");
    }
    // Not planned by this configuration: each names the flag that plans it.
    let unknown = item(coverage, Area::Auth, "auth.unknown_token");
    assert!(!unknown.reached, "{unknown:?}");
    assert!(
        unknown
            .how_to_reach
            .as_deref()
            .unwrap_or_default()
            .contains("--expect-token-validation")
    );
    let second = item(coverage, Area::Auth, "auth.second_account");
    assert!(
        second
            .how_to_reach
            .as_deref()
            .unwrap_or_default()
            .contains("--second-token")
    );
    // The percentage is what the items say.
    let reached = coverage.items.iter().filter(|i| i.reached).count();
    assert_eq!(
        (coverage.reached, coverage.total),
        (reached, coverage.items.len())
    );
    assert_eq!(coverage.total - coverage.reached, 3, "{coverage:#?}");
    assert!(
        report.is_clean(),
        "no --min-coverage: missing items do not fail the run"
    );

    // With the flags the hints name, those items are reached.
    let mut more = config(&server.url);
    more.expect_token_validation = true;
    more.target.second_token.token = Some(Secret::new("second-account-token-5f1e".into()));
    let report = run(&more).await;
    assert!(item(&report.coverage, Area::Auth, "auth.second_account").reached);
    // Sent now, but this backend takes any token: sent is not reached, and it says why.
    let unknown = item(&report.coverage, Area::Auth, "auth.unknown_token");
    assert_eq!(unknown.answers.get("200"), Some(&1), "{unknown:?}");
    assert!(!unknown.reached);
    assert_eq!(
        unknown.how_to_reach.as_deref(),
        Some("sent, never refused (4xx) (answered 200 ×1)")
    );
}

#[tokio::test]
async fn the_section_is_in_the_human_json_markdown_and_junit_reports() {
    let server = TestServer::start(handler(Variant::Plain, Fault::None));
    let mut config = config(&server.url);
    config.min_coverage = Some(99.0);
    let report = run(&config).await;
    assert!(!report.is_clean(), "below --min-coverage");

    let human = report::human(&report);
    assert!(human.contains("\nCoverage: "), "{human}");
    assert!(human.contains("    no  500"), "{human}");
    assert!(
        human.contains("to reach it: A valid request naming a method"),
        "{human}"
    );
    assert!(
        human.contains("Result: coverage") && human.contains("below --min-coverage 99%"),
        "{human}"
    );

    let json = serde_json::to_value(&report).expect("json");
    let items = json["coverage"]["items"].as_array().expect("items");
    assert!(items.iter().any(|i| i["area"] == "status"
        && i["name"] == "500"
        && i["reached"] == false
        && i["howToReach"].is_string()));
    assert_eq!(json["coverage"]["minPercent"], 99.0);
    // What the plan sampled is still there, beside the items.
    assert_eq!(json["coverage"]["enumValuesTotal"], 3);

    let markdown = report::markdown(&report);
    assert!(markdown.contains("### ❌ Coverage: "), "{markdown}");
    assert!(markdown.contains("- `500` (status): "), "{markdown}");

    let junit = report::junit(&report);
    assert!(junit.contains(r#"<testsuite name="coverage""#), "{junit}");
    assert!(
        junit.contains(r#"classname="mfa-contract.coverage.status""#),
        "{junit}"
    );
    // Below the minimum, what is missing fails.
    assert!(
        junit.contains(r#"type="coverage (--min-coverage)""#),
        "{junit}"
    );
    let below = report::Report {
        coverage: Coverage {
            min_percent: None,
            ..report.coverage.clone()
        },
        ..report.clone()
    };
    let junit = report::junit(&below);
    assert!(!junit.contains("--min-coverage"), "{junit}");
    assert!(
        junit.contains("<skipped message=\"not reached (never answered); to reach it:"),
        "{junit}"
    );
}

#[test]
fn min_coverage_fails_the_run_naming_what_is_missing_and_the_mock_reaches_the_500() {
    let mock = Process::mock(&[]);
    let check = |extra: &[&str]| {
        let mut args = vec![
            "check", "--target", &mock.url, "--seed", "3", "--cases", "10",
        ];
        args.extend_from_slice(extra);
        mfa_contract(&args)
    };
    let below = check(&["--min-coverage", "95"]);
    assert_eq!(below.status.code(), Some(1), "{}", stderr(&below));
    let out = stdout(&below);
    assert!(
        out.contains("is below --min-coverage 95%: 500, auth.second_account, auth.unknown_token not reached (exit 1)"),
        "{out}"
    );
    let enough = check(&["--min-coverage", "80"]);
    assert_eq!(enough.status.code(), Some(0), "{}", stdout(&enough));
    let wrong = check(&["--min-coverage", "120"]);
    assert_eq!(wrong.status.code(), Some(2));
    assert!(
        stderr(&wrong).contains("--min-coverage 120"),
        "{}",
        stderr(&wrong)
    );

    // The hint is real: the mock's account without a passkey gets the documented 500.
    let reached = check(&["--token", "demo-no-passkey", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_slice(&reached.stdout).expect("json");
    let items = json["coverage"]["items"].as_array().expect("items");
    let find = |area: &str, name: &str| {
        items
            .iter()
            .find(|i| i["area"] == area && i["name"] == name)
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(find("status", "500")["reached"], true, "{json}");
    let passkey = find("enum_value", "PASSKEY");
    assert_eq!(passkey["reached"], false, "{passkey}");
    assert!(passkey["answers"]["500"].as_u64() > Some(0), "{passkey}");
}

#[test]
fn drift_shows_the_coverage_of_its_probes() {
    let mock = Process::mock(&[]);
    let output = mfa_contract(&["drift", "--target", &mock.url]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    let section = out
        .split("\nCoverage: ")
        .nth(1)
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        section.starts_with("35 of 36 reached (97.2%)\n  statuses 1/2, enum values 3/3, negative classes 9/9, auth variants 3/3, methods 5/5, allowed variations 14/14\n  not reached: 500 (never answered): A valid request naming a method"),
        "{out}"
    );
    // Drift never sends a made-up token or a second account's: those are not its items.
    assert!(!section.contains("auth.unknown_token"), "{out}");
}

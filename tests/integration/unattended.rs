//! The checker trusted unattended in CI (issue 11): backends written for these tests that are
//! correct but lenient, rate-limited, short of token lifetime or flaky. Leniency is a gap, the
//! environment is counted and never judged, a refused token ends the run with exit 3, and a
//! failure that passes on a recheck is labelled flaky.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use actix_web::HttpResponse;
use mfa_contract::check::{self, CheckConfig, GapKind, Silent};
use mfa_contract::remote::Secret;
use mfa_contract::report::{self, Report};

use crate::support::reference::{Fault, Variant, handler};
use crate::support::{Answer, DISTINCTIVE_TOKEN, TestServer, assert_no_token};

fn config(url: &str) -> CheckConfig {
    let mut config = CheckConfig::new(url.parse().expect("a target URL"));
    config.target.token.token = Some(Secret::new(DISTINCTIVE_TOKEN.to_owned()));
    config.seed = 11;
    config.cases = 20;
    config.target.timeout = Duration::from_secs(3);
    config.deadline = Duration::from_secs(60);
    config
}

async fn run(config: &CheckConfig) -> Result<Report, mfa_contract::Error> {
    // The reference backends serve the seed's operation alone.
    check::run(&crate::support::seed_contract(), config, &Silent).await
}

fn all_output(report: &Report) -> String {
    format!(
        "{}\n{}\n{}\n{}",
        report::human(report),
        serde_json::to_string(report).expect("json"),
        report::junit(report),
        report::markdown(report)
    )
}

#[tokio::test]
async fn a_lenient_backend_is_clean_with_the_gap_listed_and_fails_with_strict_gaps() {
    let server = TestServer::start(handler(Variant::Lenient, Fault::None));
    let report = run(&config(&server.url)).await.expect("a report");
    assert!(report.is_clean(), "{}", report::human(&report));
    let lenient: Vec<_> = report
        .gaps
        .iter()
        .filter(|g| g.kind == GapKind::Lenient)
        .collect();
    assert!(
        lenient
            .iter()
            .any(|g| g.rejection == "unsupported_media_type"
                && g.classes
                    .contains(&"negative.wrong_content_type.missing".to_owned())),
        "{:?}",
        report.gaps
    );
    assert!(
        lenient.iter().any(|g| g.rejection == "payload_too_large"),
        "{:?}",
        report.gaps
    );
    assert!(report::human(&report).contains("lenient: accepted"));

    let mut strict = config(&server.url);
    strict.strict_gaps = true;
    let report = run(&strict).await.expect("a report");
    assert!(!report.is_clean());
    let failure = report
        .failures
        .iter()
        .find(|f| f.class == "negative.wrong_content_type.missing")
        .unwrap_or_else(|| panic!("{}", report::human(&report)));
    assert_eq!(failure.check, "negative_data_rejection");
}

#[tokio::test]
async fn a_rejection_status_outside_the_policy_is_a_gap_only_where_the_policy_alone_speaks() {
    // 418 for a missing Content-Type: the documentation says nothing about Content-Type.
    let inner = handler(Variant::Plain, Fault::None);
    let server = TestServer::start(move |req, body| {
        let answer = inner(req, body);
        match answer {
            Answer::Now(r) if r.status().as_u16() == 415 => {
                HttpResponse::build(actix_web::http::StatusCode::IM_A_TEAPOT)
                    .content_type("application/json")
                    .body(r#"{"success":false,"error":"teapot"}"#)
                    .into()
            }
            other => other,
        }
    });
    let report = run(&config(&server.url)).await.expect("a report");
    assert!(report.is_clean(), "{}", report::human(&report));
    assert!(
        report
            .gaps
            .iter()
            .any(|g| g.status == 418 && g.kind == GapKind::OtherStatus),
        "{:?}",
        report.gaps
    );
    let mut strict = config(&server.url);
    strict.strict_gaps = true;
    let report = run(&strict).await.expect("a report");
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.check == "status_code_conformance" && f.message.contains("418")),
        "{}",
        report::human(&report)
    );
}

#[tokio::test]
async fn a_rate_limited_backend_is_clean_with_the_waits_counted_as_environment() {
    let inner = handler(Variant::Plain, Fault::None);
    // Every third distinct request is limited the first time it is seen: deterministic, and
    // each waited-out case gets through on its retry.
    let seen: Mutex<std::collections::HashSet<String>> = Mutex::new(Default::default());
    let server = TestServer::start(move |req, body| {
        let signature = format!(
            "{} {:?} {:?} {}",
            req.method(),
            req.headers().get("content-type"),
            req.headers().get("authorization"),
            String::from_utf8_lossy(body)
        );
        let first_sight = {
            let mut seen = seen.lock().expect("lock");
            seen.insert(signature).then(|| seen.len())
        };
        if first_sight.is_some_and(|n| n % 3 == 0) {
            return HttpResponse::TooManyRequests()
                .insert_header(("Retry-After", "1"))
                .content_type("application/json")
                .body(r#"{"success":false,"error":"slow down"}"#)
                .into();
        }
        inner(req, body)
    });
    let mut config = config(&server.url);
    config.target.max_retry_wait = Duration::from_millis(200);
    let report = run(&config).await.expect("a report");
    assert!(report.is_clean(), "{}", report::human(&report));
    assert!(
        report.environment.rate_limited >= 5,
        "{:?}",
        report.environment
    );
    // Retry-After said 1 s; --max-retry-wait caps each wait at 200 ms.
    assert!(
        report.environment.waited_ms <= 200 * report.environment.rate_limited as u64,
        "{:?}",
        report.environment
    );
    assert!(report::human(&report).contains("Environment (not the contract)"));
    assert!(report::markdown(&report).contains("rate limited"));
    assert!(report::junit(&report).contains("<property name=\"environment\" value=\"rate limited"));
    let json = serde_json::to_value(&report).expect("json");
    assert!(
        json["environment"]["rateLimited"]
            .as_u64()
            .is_some_and(|n| n >= 5),
        "{json}"
    );
}

#[tokio::test]
async fn a_rate_limit_that_never_lifts_ends_the_run_with_exit_3() {
    let server = TestServer::start(|_, _| {
        HttpResponse::TooManyRequests()
            .insert_header(("Retry-After", "0"))
            .finish()
            .into()
    });
    let error = run(&config(&server.url)).await.expect_err("stops");
    assert_eq!(error.exit_code(), mfa_contract::exit::UNREACHABLE);
    assert!(
        error.to_string().contains("rate limit never lifted"),
        "{error}"
    );
}

/// Tokens `rotating-N` that work for `uses` requests each; anything else is the reference
/// backend's business.
fn expiring_tokens(uses: usize) -> TestServer {
    let inner = handler(Variant::Plain, Fault::None);
    let used: Mutex<HashMap<String, usize>> = Mutex::new(HashMap::new());
    TestServer::start(move |req, body| {
        let token = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .filter(|t| t.starts_with("rotating-"))
            .map(str::to_owned);
        if let Some(token) = token {
            let mut used = used.lock().expect("lock");
            let count = used.entry(token).or_default();
            *count += 1;
            if *count > uses {
                return HttpResponse::Unauthorized()
                    .content_type("application/json")
                    .body(r#"{"success":false,"error":"token expired"}"#)
                    .into();
            }
        }
        inner(req, body)
    })
}

#[tokio::test]
async fn expiring_tokens_are_refreshed_by_the_token_command_and_never_shown() {
    // More uses than requests in flight, as a token that lasts minutes has: a fresh token is
    // not spent before the retries that fetched it go out.
    let server = expiring_tokens(30);
    let dir = tempfile::tempdir().expect("dir");
    let counter = dir.path().join("n");
    let mut config = config(&server.url);
    config.target.token.token = None;
    config.target.token.command = Some(format!(
        "n=$(cat {0} 2>/dev/null || echo 0); n=$((n+1)); echo $n > {0}; echo rotating-$n",
        counter.display()
    ));
    let report = run(&config).await.expect("a report");
    assert!(report.is_clean(), "{}", report::human(&report));
    assert!(
        report.environment.token_refreshes >= 2,
        "{:?}",
        report.environment
    );
    assert!(
        report::human(&report).contains("token refused: the token command ran"),
        "{}",
        report::human(&report)
    );
    assert_no_token("report", &all_output(&report), "rotating-");
}

#[tokio::test]
async fn an_expiring_static_token_ends_the_run_with_exit_3_and_says_how_to_fix_it() {
    let server = expiring_tokens(15);
    let mut config = config(&server.url);
    config.target.token.token = Some(Secret::new("rotating-0".into()));
    let error = run(&config).await.expect_err("stops");
    let text = error.to_string();
    assert_eq!(error.exit_code(), mfa_contract::exit::UNREACHABLE, "{text}");
    assert!(
        text.contains("the token was refused (401 or 403) after")
            && text.contains("accepted requests"),
        "{text}"
    );
    assert!(text.contains("--token-command"), "{text}");
    assert!(!text.contains("rotating-0"), "{text}");
}

#[tokio::test]
async fn a_token_refused_from_the_start_ends_the_run_with_exit_3() {
    let server = expiring_tokens(0);
    let mut config = config(&server.url);
    config.target.token.token = Some(Secret::new("rotating-0".into()));
    let error = run(&config).await.expect_err("stops");
    assert_eq!(error.exit_code(), mfa_contract::exit::UNREACHABLE);
    assert!(
        error.to_string().contains("from the first request"),
        "{error}"
    );
}

#[tokio::test]
async fn a_valid_body_refused_with_401_while_the_token_works_is_a_violation_not_exit_3() {
    // Only bodies with extra properties get 401: the token is fine, the backend is wrong.
    let inner = handler(Variant::Plain, Fault::None);
    let server = TestServer::start(move |req, body| {
        let extra = serde_json::from_slice::<serde_json::Value>(body)
            .ok()
            .and_then(|v| v.as_object().map(|o| o.len() > 1))
            .unwrap_or(false);
        if extra {
            return HttpResponse::Unauthorized()
                .content_type("application/json")
                .body(r#"{"success":false,"error":"no"}"#)
                .into();
        }
        inner(req, body)
    });
    let report = run(&config(&server.url)).await.expect("a report");
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.check == "positive_data_acceptance" && f.message.contains("401")),
        "{}",
        report::human(&report)
    );
}

#[tokio::test]
async fn a_failure_that_passes_on_a_recheck_is_labelled_flaky() {
    let inner = handler(Variant::Plain, Fault::None);
    let seen = Arc::new(AtomicUsize::new(0));
    let server = TestServer::start(move |req, body| {
        // One answer in the whole run breaks the schema; the same request later does not.
        if seen.fetch_add(1, Ordering::SeqCst) == 6 {
            return HttpResponse::Ok()
                .content_type("application/json")
                .body(r#"{"success":"yes"}"#)
                .into();
        }
        inner(req, body)
    });
    let report = run(&config(&server.url)).await.expect("a report");
    // The odd answer breaks one or two checks (the schema, and maybe an invalid request
    // accepted), all of them flaky.
    assert!(!report.failures.is_empty(), "{}", report::human(&report));
    for failure in &report.failures {
        assert!(failure.flaky && failure.rechecks == 1, "{failure:?}");
    }
    assert!(!report.is_clean(), "flaky failures still fail by default");
    assert!(report::human(&report).contains(", flaky)"));
    let junit = report::junit(&report);
    assert!(junit.contains("(flaky)"), "{junit}");
    assert!(
        junit.contains("<failure "),
        "a flaky failure fails by default: {junit}"
    );
    assert!(report::markdown(&report).contains(", flaky)"));
    // With --allow-flaky, JUnit readers see a passed test with its failed run as flaky.
    let allowed = report::Report {
        allow_flaky: true,
        ..report.clone()
    };
    let junit = report::junit(&allowed);
    assert!(junit.contains("<flakyFailure "), "{junit}");
    assert!(!junit.contains("<failure "), "{junit}");

    let mut deterministic = config(&server.url);
    deterministic.allow_flaky = true;
    let server = TestServer::start(handler(Variant::Plain, Fault::WrongFieldTypes));
    deterministic.target.url = server.url.parse().expect("a target URL");
    let report = run(&deterministic).await.expect("a report");
    assert!(
        report.failures.iter().all(|f| !f.flaky && f.rechecks == 1),
        "{}",
        report::human(&report)
    );
    assert!(
        !report.is_clean(),
        "--allow-flaky does not excuse deterministic failures"
    );
}

#[tokio::test]
async fn the_markdown_report_reads_like_a_ci_summary() {
    let server = TestServer::start(handler(
        Variant::UnprocessableEntity,
        Fault::WrongSuccessFlag,
    ));
    let mut config = config(&server.url);
    config.cases = 4;
    config.concurrency = std::num::NonZeroUsize::MIN;
    let mut report = run(&config).await.expect("a report");
    report.duration_ms = 1234;
    let text = report::markdown(&report).replace(&server.url, "http://127.0.0.1:PORT");
    assert_no_token("markdown", &text, DISTINCTIVE_TOKEN);
    insta::assert_snapshot!("markdown_report", text);
}

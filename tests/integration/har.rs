//! Captured traffic (issue 20): `check --har` judges a browser-style export entry by entry with
//! the proxy's checks, and says what a capture cannot tell instead of judging it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::support::npm::node_tool;
use crate::support::reference::{Fault, Variant, handler};
use crate::support::{
    DISTINCTIVE_TOKEN, Process, TestServer, assert_no_token, http_client, mfa_contract, stderr,
    stdout,
};

/// A DevTools-style export (HTTP/2 pseudo-headers, a page, Chromium's private fields): a page
/// load, a preflight, a correct exchange, a broken request, a broken response, an omitted
/// body, an aborted request and a base64 body.
fn browser_export() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/har/browser-export.har")
}

fn har(args: &[&str]) -> std::process::Output {
    let file = browser_export();
    let mut all = vec!["check", "--har", file.to_str().expect("utf-8")];
    all.extend_from_slice(args);
    mfa_contract(&all)
}

#[test]
fn a_browser_export_gets_the_right_verdict_for_each_entry() {
    let output = har(&["--format", "json"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["entries"], 8);
    assert_eq!(
        report["otherPaths"], 1,
        "the page load is counted, not judged"
    );
    assert_eq!(report["preflights"], 1);
    // The correct exchange (2), both broken ones (3, 4), the omitted body (5), base64 (7).
    assert_eq!(report["judged"], 5);
    let environment = report["environment"].as_array().expect("environment");
    assert_eq!(environment.len(), 1);
    assert_eq!(environment[0]["entry"]["index"], 6);
    assert!(
        environment[0]["why"]
            .as_str()
            .is_some_and(|w| w.contains("net::ERR_ABORTED")),
        "{environment:?}"
    );
    let omitted = report["notCaptured"].as_array().expect("omitted");
    assert_eq!(omitted.len(), 1);
    assert_eq!(omitted[0]["entry"]["index"], 5);
    assert_eq!(
        omitted[0]["why"],
        "not captured: the response body: its checks were not run"
    );
    let findings = report["findings"].as_array().expect("findings");
    let found: Vec<(u64, &str, &str, &str)> = findings
        .iter()
        .map(|f| {
            (
                f["entry"]["index"].as_u64().unwrap_or(99),
                f["side"].as_str().unwrap_or(""),
                f["check"].as_str().unwrap_or(""),
                f["instancePointer"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (3, "request", "request_schema_conformance", "/mfaType"),
            (4, "response", "response_schema_conformance", "/success"),
        ],
        "{findings:#?}"
    );
    // Each finding names its entry: position, start, page.
    assert_eq!(
        findings[0]["entry"]["startedDateTime"],
        "2026-12-01T10:15:13.123Z"
    );
    assert_eq!(findings[0]["entry"]["page"], "Security settings – Example");
    assert_eq!(report["checks"]["request_schema_conformance"], 1);
    assert_eq!(report["checks"]["no_token_echo"], 0);
}

#[test]
fn every_format_names_the_entries_and_never_the_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let junit = dir.path().join("har.xml");
    let human = har(&["--junit", junit.to_str().expect("utf-8")]);
    assert_eq!(human.status.code(), Some(1));
    let text = stdout(&human);
    assert!(
        text.contains("8 entries: 5 judged for the endpoint, 1 for other paths"),
        "{text}"
    );
    assert!(
        text.contains("entry 5 (2026-12-01T10:15:15.123Z): not captured: the response body"),
        "{text}"
    );
    assert!(
        text.contains("entry 4 (2026-12-01T10:15:14.123Z, page Security settings – Example): POST observed.valid -> 200: the server answered response_schema_conformance"),
        "{text}"
    );
    assert!(text.contains("Result: 2 violations (exit 1)"), "{text}");
    let markdown = stdout(&har(&["--format", "markdown"]));
    assert!(
        markdown.starts_with("## ❌ mfa-contract check --har"),
        "{markdown}"
    );
    let xml = std::fs::read_to_string(&junit).expect("junit");
    let doc = roxmltree::Document::parse(&xml).expect("valid XML");
    let failures: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .collect();
    assert_eq!(failures.len(), 2, "{xml}");
    let json = stdout(&har(&["--format", "json"]));
    for (name, output) in [
        ("human", text.as_str()),
        ("markdown", &markdown),
        ("json", &json),
        ("junit", &xml),
    ] {
        assert_no_token(name, output, DISTINCTIVE_TOKEN);
    }
    // The fixture does hold the token: the test would catch a leak.
    let capture = std::fs::read_to_string(browser_export()).expect("fixture");
    assert!(capture.contains(DISTINCTIVE_TOKEN));
}

#[test]
fn a_file_that_is_not_a_har_is_exit_2_naming_where() {
    let dir = tempfile::tempdir().expect("temp dir");
    let broken = dir.path().join("broken.har");
    std::fs::write(&broken, "{\"log\": {\"entries\": [\n  {\"request\": }\n]}}").expect("write");
    let output = mfa_contract(&["check", "--har", broken.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("broken.har: not a HAR file") && err.contains("line 2"),
        "{err}"
    );
    std::fs::write(&broken, "{\"entries\": []}").expect("write");
    let output = mfa_contract(&["check", "--har", broken.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("no \"log\" object"),
        "{}",
        stderr(&output)
    );
    let output = mfa_contract(&["check", "--har", "/nonexistent/x.har"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("cannot read --har /nonexistent/x.har"));
    let both = mfa_contract(&[
        "check",
        "--har",
        broken.to_str().expect("utf-8"),
        "--target",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(both.status.code(), Some(2));
    assert!(
        stderr(&both).contains("give one of them"),
        "{}",
        stderr(&both)
    );
}

/// The body of a GET that must be answered.
async fn get_text(client: &reqwest::Client, url: &str) -> String {
    let answer = client.get(url).send().await.expect("answered");
    answer.text().await.expect("a body")
}

/// Validates `file` with har-validator (HAR 1.2's JSON Schema), where it is installed.
fn assert_valid_har(test: &str, file: &Path) {
    let Some(validator) = node_tool(test, "har-validator") else {
        return;
    };
    let script = "require(process.argv[1]).har(JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8'))) \
        .then(() => console.log('valid HAR')) \
        .catch((e) => { console.log(JSON.stringify(e.errors || e.message)); process.exit(1); });";
    let output = std::process::Command::new("node")
        .args(["-e", script])
        .arg(&validator)
        .arg(file)
        .output()
        .expect("run node");
    assert!(
        output.status.success(),
        "har-validator: {}{}",
        stdout(&output),
        stderr(&output)
    );
}

#[tokio::test]
async fn the_mocks_journal_as_har_is_valid_and_loads_back_with_the_same_verdicts() {
    let mock = Process::mock(&[]);
    let client = http_client(std::time::Duration::from_secs(10));
    let endpoint = format!("{}/mfa/primary", mock.url);
    let bearer = format!("Bearer {DISTINCTIVE_TOKEN}");
    for (auth, content_type, body) in [
        (
            Some(bearer.as_str()),
            "application/json",
            r#"{"mfaType":"PASSKEY"}"#,
        ),
        (
            Some(bearer.as_str()),
            "application/json",
            r#"{"mfaType":"SMS"}"#,
        ),
        (None, "application/json", r#"{"mfaType":"PASSKEY"}"#),
        (
            Some(bearer.as_str()),
            "text/plain",
            r#"{"mfaType":"PASSKEY"}"#,
        ),
    ] {
        let mut request = client
            .post(&endpoint)
            .header("Content-Type", content_type)
            .body(body);
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        request.send().await.expect("answered");
    }
    let har = get_text(
        &client,
        &format!("{}/__admin/requests?format=har", mock.url),
    )
    .await;
    assert_no_token("the HAR export", &har, DISTINCTIVE_TOKEN);
    let document: Value = serde_json::from_str(&har).expect("JSON");
    let entries = document["log"]["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 4);
    assert_eq!(entries[0]["response"]["status"], 200);
    assert!(
        entries[0]["time"].as_f64().is_some_and(|t| t > 0.0),
        "real timings"
    );
    assert!(
        entries[0]["response"]["content"]["text"]
            .as_str()
            .is_some_and(|t| t.contains("Primary MFA method updated"))
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("mock.har");
    std::fs::write(&file, &har).expect("write");
    assert_valid_har("the_mocks_journal_as_har_is_valid", &file);

    // What the mock refused, check --har finds on the client's side; the mock's answers pass.
    let output = mfa_contract(&[
        "check",
        "--har",
        file.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["judged"], 4);
    let found: Vec<(u64, &str, &str)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["entry"]["index"].as_u64().unwrap_or(99),
                f["side"].as_str().unwrap_or(""),
                f["check"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        found,
        [
            (1, "request", "request_schema_conformance"),
            (2, "request", "request_auth_scheme"),
            (3, "request", "request_content_type"),
        ],
        "{report:#}"
    );
    let unknown = reqwest::get(format!("{}/__admin/requests?format=xml", mock.url))
        .await
        .expect("answered");
    assert_eq!(unknown.status().as_u16(), 400);
}

#[test]
fn the_browser_style_fixture_is_a_valid_har() {
    assert_valid_har(
        "the_browser_style_fixture_is_a_valid_har",
        &browser_export(),
    );
}

#[tokio::test]
async fn the_proxys_exchanges_as_har_judge_the_same_offline_as_they_did_live() {
    let upstream = TestServer::start(handler(Variant::Plain, Fault::WrongFieldTypes));
    let dir = tempfile::tempdir().expect("temp dir");
    let recorded = dir.path().join("recorded.har");
    let proxy = Process::proxy(&[
        "--upstream",
        &upstream.url,
        "--record-har",
        recorded.to_str().expect("utf-8"),
    ]);
    let client = http_client(std::time::Duration::from_secs(10));
    for body in [r#"{"mfaType":"PASSKEY"}"#, r#"{"mfaType":"SMS"}"#] {
        client
            .post(format!("{}/mfa/primary", proxy.url))
            .header("Authorization", format!("Bearer {DISTINCTIVE_TOKEN}"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .expect("answered");
    }
    let live: Value = serde_json::from_str(
        &get_text(&client, &format!("{}/__admin/violations", proxy.url)).await,
    )
    .expect("JSON");
    let mut live: Vec<(String, String)> = live["violations"]
        .as_array()
        .expect("violations")
        .iter()
        .map(|v| (v["side"].to_string(), v["check"].to_string()))
        .collect();
    live.sort();
    assert!(!live.is_empty());
    let exported = get_text(
        &client,
        &format!("{}/__admin/requests?format=har", proxy.url),
    )
    .await;
    // The same journal as a pact: the proxy knows no users, so no provider states.
    let pact: Value = serde_json::from_str(
        &get_text(
            &client,
            &format!("{}/__admin/requests?format=pact", proxy.url),
        )
        .await,
    )
    .expect("JSON");
    let interactions = pact["interactions"].as_array().expect("interactions");
    assert_eq!(interactions.len(), 2, "{pact:#}");
    assert!(
        interactions
            .iter()
            .all(|i| i.get("providerStates").is_none())
    );
    assert_eq!(interactions[0]["description"], "a valid PASSKEY request");
    let page = get_text(&client, &format!("{}/__admin/", proxy.url)).await;
    assert!(
        page.contains("href=\"/__admin/requests?format=har\""),
        "the page links the HAR"
    );
    let from_admin = dir.path().join("admin.har");
    std::fs::write(&from_admin, &exported).expect("write");
    // The recording is a whole document while the proxy still runs.
    for file in [&recorded, &from_admin] {
        let text = std::fs::read_to_string(file).expect("read");
        assert_no_token("the proxy's HAR", &text, DISTINCTIVE_TOKEN);
        let document: Value = serde_json::from_str(&text).expect("a whole JSON document");
        assert_eq!(document["log"]["entries"].as_array().map(Vec::len), Some(2));
        assert_valid_har("the_proxys_exchanges_as_har", file);
        let output = mfa_contract(&[
            "check",
            "--har",
            file.to_str().expect("utf-8"),
            "--format",
            "json",
        ]);
        assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
        let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
        let mut offline: Vec<(String, String)> = report["findings"]
            .as_array()
            .expect("findings")
            .iter()
            .map(|f| (f["side"].to_string(), f["check"].to_string()))
            .collect();
        offline.sort();
        assert_eq!(offline, live, "{}", file.display());
    }
}

#[test]
fn odd_entries_are_said_never_a_panic() {
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("odd.har");
    let post = |extra: Value| {
        let mut entry = serde_json::json!({
            "startedDateTime": "2026-12-01T10:00:00Z",
            "request": {"method": "POST", "url": "https://api.example.test/mfa/primary", "headers": []},
        });
        if let (Some(entry), Value::Object(extra)) = (entry.as_object_mut(), extra) {
            entry.extend(extra);
        }
        entry
    };
    let har = serde_json::json!({"log": {"entries": [
        post(serde_json::json!({"time": 1e300, "response": {"status": 200, "headers": [], "content": {"text": "{}"}}})),
        post(serde_json::json!({"response": {"status": 999}})),
        post(serde_json::json!({})),
        {"request": {"method": "POST", "url": "not a url"}},
        post(serde_json::json!({"response": {"status": 200, "content": {"text": "%%%", "encoding": "base64"}}})),
    ]}});
    std::fs::write(&file, har.to_string()).expect("write");
    let output = mfa_contract(&[
        "check",
        "--har",
        file.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    let err = stderr(&output);
    assert!(!err.contains("panicked"), "{err}");
    assert!(matches!(output.status.code(), Some(0 | 1)), "{err}");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["entries"], 5);
    assert_eq!(report["otherPaths"], 1, "the URL that is not one");
    assert_eq!(
        report["environmentCount"], 2,
        "status 999 and no response: {report:#}"
    );
    // The undecodable body is not captured; the other is judged (no token: a request-side finding).
    assert_eq!(report["judged"], 2, "{report:#}");
    assert_eq!(report["notCapturedCount"], 1, "{report:#}");
}

#[test]
fn a_capture_has_no_ctrf_form_and_says_so_instead_of_ignoring_the_flag() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ctrf = dir.path().join("report.ctrf.json");
    let output = mfa_contract(&[
        "check",
        "--har",
        browser_export().to_str().expect("utf-8"),
        "--ctrf",
        ctrf.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--ctrf"), "{}", stderr(&output));
    assert!(!ctrf.exists() && stdout(&output).is_empty());
}

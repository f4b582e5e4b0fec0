//! Flashback's MFA area on the mock: the calls a settings page makes, in its order, each
//! answer judged against the operation's documented schema, state carried across endpoints by
//! the contract's rules and kept apart per account.

use std::time::Duration;

use mfa_contract::Contract;
use serde_json::{Value, json};

use crate::support::{Process, http_client};

/// A client of the mock that calls operations as Flashback's client does, for one token.
struct Page<'a> {
    client: reqwest::Client,
    url: &'a str,
    token: &'a str,
    contract: Contract,
}

impl Page<'_> {
    /// Calls `method path` (with a JSON body when given); asserts the answer matches the
    /// operation's schema for its status and returns status and body.
    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(
                method.parse().expect("method"),
                format!("{}{path}", self.url),
            )
            .header("Authorization", format!("Bearer {}", self.token));
        if let Some(body) = body {
            request = request.json(&body);
        }
        let answer = request.send().await.expect("answered");
        let status = answer.status().as_u16();
        let body: Value = answer.json().await.expect("JSON");
        let crate_route = self.contract.route(method, path);
        let schema = match crate_route {
            mfa_contract::contract::Route::Found {
                target: mfa_contract::contract::Target::Other(i),
                ..
            } => self
                .contract
                .operation_schema(&self.contract.operations()[i], status),
            _ => self.contract.schema_for_status(status),
        };
        assert!(
            schema.is_valid(&body),
            "{method} {path} -> {status} breaks {}: {body}",
            schema.file
        );
        (status, body)
    }

    async fn status(&self) -> Value {
        let (status, body) = self.call("GET", "/mfa/status", None).await;
        assert_eq!(status, 200, "{body}");
        body["data"].clone()
    }

    async fn primary(&self, method: &str) -> u16 {
        self.call("POST", "/mfa/primary", Some(json!({ "mfaType": method })))
            .await
            .0
    }
}

fn page<'a>(mock: &'a Process, token: &'a str) -> Page<'a> {
    Page {
        client: http_client(Duration::from_secs(10)),
        url: &mock.url,
        token,
        contract: Contract::embedded().expect("contract"),
    }
}

/// The mock's journal as `GET /__admin/requests` gives it, with `query` (`?format=har`...).
async fn journal(mock: &Process, query: &str) -> Value {
    http_client(Duration::from_secs(10))
        .get(format!("{}/__admin/requests{query}", mock.url))
        .send()
        .await
        .expect("the journal")
        .json()
        .await
        .expect("JSON")
}

#[tokio::test]
async fn a_settings_page_flow_carries_state_across_endpoints_and_accounts() {
    let mock = Process::mock(&[]);
    let me = page(&mock, "demo-no-passkey");
    let other = page(&mock, "demo-totp-only");
    let others_before = other.status().await;

    // 1. What the page shows first, and a primary the account cannot have yet.
    let status = me.status().await;
    assert_eq!(
        status["enabledMethods"],
        json!(["GOOGLE_AUTH", "MAGIC_LINK"])
    );
    let (code, methods) = me.call("GET", "/mfa/methods", None).await;
    assert_eq!(code, 200);
    let passkey = methods["data"]
        .as_array()
        .expect("methods")
        .iter()
        .find(|m| m["type"] == "PASSKEY")
        .expect("passkey listed");
    assert_eq!(
        (&passkey["isConfigured"], &passkey["isEnabled"]),
        (&json!(false), &json!(false))
    );
    assert_eq!(me.primary("PASSKEY").await, 500, "the documented 500");

    // 2. Set up a passkey and verify it with its credential.
    let (code, _) = me
        .call("POST", "/mfa/setup", Some(json!({"mfaType": "PASSKEY"})))
        .await;
    assert_eq!(code, 200);
    let (code, body) = me
        .call(
            "POST",
            "/mfa/verify-setup",
            Some(json!({"mfaType": "PASSKEY", "credential": {"id": "credential-id"}})),
        )
        .await;
    assert_eq!(
        (code, body["message"].as_str()),
        (200, Some("MFA setup verified and enabled"))
    );

    // 3. Status shows it.
    let status = me.status().await;
    assert_eq!(
        status["enabledMethods"],
        json!(["GOOGLE_AUTH", "MAGIC_LINK", "PASSKEY"])
    );

    // 4. Now it can be the primary, and status says so.
    assert_eq!(me.primary("PASSKEY").await, 200);
    assert_eq!(me.status().await["primaryMethod"], "PASSKEY");

    // 5. Turn another method off: it can no longer be the primary.
    let (code, _) = me
        .call(
            "POST",
            "/mfa/disable",
            Some(json!({"mfaType": "GOOGLE_AUTH"})),
        )
        .await;
    assert_eq!(code, 200);
    assert_eq!(
        me.status().await["enabledMethods"],
        json!(["MAGIC_LINK", "PASSKEY"])
    );
    assert_eq!(me.primary("GOOGLE_AUTH").await, 500, "the documented 500");

    // 6. Another account saw none of it.
    assert_eq!(other.status().await, others_before);
}

#[tokio::test]
async fn verification_needs_a_started_setup_and_the_documented_code() {
    let mock = Process::mock(&[]);
    let me = page(&mock, "demo-totp-only");
    let verify = |body: Value| me.call("POST", "/mfa/verify-setup", Some(body));
    let (code, body) = verify(json!({"mfaType": "MAGIC_LINK", "code": "123456"})).await;
    assert_eq!(
        (code, &body["error"]),
        (400, &json!("MFA setup verification failed")),
        "no set-up started"
    );
    me.call("POST", "/mfa/setup", Some(json!({"mfaType": "MAGIC_LINK"})))
        .await;
    assert_eq!(
        verify(json!({"mfaType": "MAGIC_LINK", "code": "000000"}))
            .await
            .0,
        400,
        "a wrong code"
    );
    assert_eq!(
        verify(json!({"mfaType": "MAGIC_LINK", "code": "123456"}))
            .await
            .0,
        200
    );
    assert_eq!(me.primary("MAGIC_LINK").await, 200);
    // A reset of the mock restores every account.
    let client = http_client(Duration::from_secs(10));
    let reset = client
        .post(format!("{}/__admin/reset", mock.url))
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status().as_u16(), 200);
    assert_eq!(me.status().await["enabledMethods"], json!(["GOOGLE_AUTH"]));
}

#[tokio::test]
async fn every_other_operation_answers_documented_examples_and_refuses_as_the_gap_policy_says() {
    let mock = Process::mock(&[]);
    let me = page(&mock, "a-token-of-my-own");
    let (code, body) = me.call("POST", "/mfa/passkey/auth-options", None).await;
    assert_eq!(
        (code, &body["data"]["userVerification"]),
        (200, &json!("required"))
    );
    assert_eq!(me.call("POST", "/mfa/magic-link/send", None).await.0, 200);
    assert_eq!(
        me.call(
            "POST",
            "/mfa/organization/enforce",
            Some(json!({"enforced": true}))
        )
        .await
        .0,
        200
    );
    assert_eq!(me.status().await["isEnforced"], true);
    let (code, body) = me
        .call("POST", "/mfa/disable", Some(json!({"mfaType": "PASSKEY"})))
        .await;
    assert_eq!(
        (code, &body["error"]),
        (
            403,
            &json!("Cannot disable MFA when enforced by organization")
        )
    );
    let (code, _) = me
        .call(
            "POST",
            "/mfa/reset",
            Some(json!({"resetUserId": "someone"})),
        )
        .await;
    assert_eq!(
        code, 404,
        "an owner resetting a member the mock does not know"
    );
    assert_eq!(
        me.call("POST", "/mfa/reset", None).await.0,
        200,
        "the body is optional"
    );
    assert_eq!(me.status().await["enabledMethods"], json!([]));
    // The activation token is the credential: no Authorization header is needed.
    let client = http_client(Duration::from_secs(10));
    let activate = |token: &str| {
        client
            .post(format!("{}/mfa/magic-link/activate", mock.url))
            .json(&json!({ "token": token }))
            .send()
    };
    assert_eq!(
        activate("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9...")
            .await
            .expect("sent")
            .status()
            .as_u16(),
        200
    );
    assert_eq!(
        activate("expired").await.expect("sent").status().as_u16(),
        400
    );
    // Refusals: a wrong method on a known path lists the methods it has; an unknown path 404s;
    // a body that breaks the schema is named by pointer.
    let put = client
        .put(format!("{}/mfa/status", mock.url))
        .bearer_auth("t")
        .send()
        .await
        .expect("sent");
    assert_eq!(put.status().as_u16(), 405);
    assert_eq!(put.headers()["allow"], "GET");
    let (code, body) = me
        .call("POST", "/mfa/setup", Some(json!({"mfaType": "SMS"})))
        .await;
    assert_eq!(
        (code, &body["violations"][0]["pointer"]),
        (400, &json!("/mfaType"))
    );
    let missing = client
        .get(format!("{}/mfa/status", mock.url))
        .send()
        .await
        .expect("sent");
    assert_eq!(missing.status().as_u16(), 401);
    let (code, body) = me.call("GET", "/mfa/status", None).await;
    assert_eq!(code, 200, "{body}");
    let prefer = client
        .get(format!("{}/mfa/methods", mock.url))
        .bearer_auth("t")
        .header("Prefer", "code=500")
        .send()
        .await
        .expect("sent");
    assert_eq!(
        prefer.status().as_u16(),
        500,
        "scenarios work per operation"
    );
    let journal = journal(&mock, "").await;
    let operations: Vec<&str> = journal["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .filter_map(|r| r["operation"].as_str())
        .collect();
    assert!(
        operations.contains(&"getPasskeyAuthOptions") && operations.contains(&"activateMagicLink"),
        "{operations:?}"
    );
}

/// `check --format json` against `url`, as a CI job runs it; the report and the exit code.
fn check_json(url: &str, extra: &[&str]) -> (Value, Option<i32>) {
    let mut args = vec![
        "check", "--target", url, "--seed", "5", "--cases", "10", "--format", "json",
    ];
    args.extend_from_slice(extra);
    let output = crate::support::mfa_contract(&args);
    let report = serde_json::from_str(&crate::support::stdout(&output))
        .unwrap_or_else(|e| panic!("{e}: {}", crate::support::stderr(&output)));
    (report, output.status.code())
}

fn failed_operations(report: &Value) -> Vec<String> {
    let mut failed: Vec<String> = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .map(|f| f["operation"].as_str().unwrap_or("(none)").to_owned())
        .collect();
    failed.dedup();
    failed
}

#[test]
fn check_finds_nothing_in_the_mock_of_the_whole_area_and_reports_each_operation() {
    let mock = Process::mock(&[]);
    let (report, code) = check_json(&mock.url, &["--token", "demo-no-passkey"]);
    assert_eq!(code, Some(0), "{:#}", report["failures"]);
    let operations = report["operations"].as_array().expect("operations");
    let contract = Contract::embedded().expect("contract");
    assert_eq!(operations.len(), contract.operations().len() + 1);
    for operation in operations {
        assert!(operation["requests"].as_u64() > Some(0), "{operation}");
        assert_eq!(operation["failures"], 0, "{operation}");
    }
    // One operation alone, by id or by method and path.
    for selector in ["getMfaStatus", "GET /mfa/status"] {
        let (one, code) = check_json(&mock.url, &["--operation", selector]);
        assert_eq!(code, Some(0));
        assert!(
            one["target"]
                .as_str()
                .is_some_and(|t| t.ends_with("/mfa/status")),
            "{}",
            one["target"]
        );
    }
    let unknown =
        crate::support::mfa_contract(&["check", "--target", &mock.url, "--operation", "nope"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(crate::support::stderr(&unknown).contains("--operation nope"));
}

#[test]
fn a_backend_that_breaks_one_operation_is_named_and_one_it_does_not_serve_is_one_finding() {
    // A mock of an edited copy: GET /mfa/status answers isEnabled as text, and POST
    // /mfa/disable is not served at all.
    let copy = crate::support::ContractCopy::new();
    let mut schema = copy.read_json("schemas/mfa-status.schema.json");
    schema["properties"]["data"]["properties"]["isEnabled"] = json!({"type": "string"});
    copy.write_json("schemas/mfa-status.schema.json", &schema);
    let rel = "fixtures/operations/getMfaStatus/200/status.json";
    let mut example = copy.read_json(rel);
    example["data"]["isEnabled"] = json!("yes");
    copy.write_json(rel, &example);
    let mut manifest = copy.read_json("schemas/contract.json");
    manifest["operations"]
        .as_array_mut()
        .expect("operations")
        .retain(|o| o["operationId"] != "disableMfaMethod");
    copy.write_json("schemas/contract.json", &manifest);
    let broken = Process::mock(&["--contract-dir", copy.path().to_str().expect("utf-8")]);
    let (report, code) = check_json(&broken.url, &[]);
    assert_eq!(code, Some(1));
    assert_eq!(
        failed_operations(&report),
        vec!["getMfaStatus", "disableMfaMethod"]
    );
    let status_failure = &report["failures"][0];
    assert_eq!(status_failure["check"], "response_schema_conformance");
    assert!(
        status_failure["violations"]
            .to_string()
            .contains("/data/isEnabled"),
        "{status_failure}"
    );
    let not_served: Vec<&Value> = report["failures"]
        .as_array()
        .expect("failures")
        .iter()
        .filter(|f| f["operation"] == "disableMfaMethod")
        .collect();
    assert_eq!(
        not_served.len(),
        1,
        "one finding, not one per case: {not_served:#?}"
    );
    assert!(
        not_served[0]["message"].as_str().is_some_and(
            |m| m.starts_with("documented, not served") && m.contains("POST /mfa/disable")
        ),
        "{}",
        not_served[0]
    );
}

#[tokio::test]
async fn the_journal_of_a_settings_page_as_har_is_judged_per_operation() {
    let mock = Process::mock(&[]);
    let me = page(&mock, "demo-no-passkey");
    me.status().await;
    me.call("GET", "/mfa/methods", None).await;
    me.primary("PASSKEY").await;
    me.call("POST", "/mfa/setup", Some(json!({"mfaType": "PASSKEY"})))
        .await;
    let har = journal(&mock, "?format=har").await;
    let dir = tempfile::tempdir().expect("temp dir");
    let clean = dir.path().join("clean.har");
    std::fs::write(&clean, har.to_string()).expect("write");
    let judge = |file: &std::path::Path| {
        let output = crate::support::mfa_contract(&[
            "check",
            "--har",
            file.to_str().expect("utf-8"),
            "--format",
            "json",
        ]);
        let report: Value =
            serde_json::from_str(&crate::support::stdout(&output)).expect("JSON report");
        (report, output.status.code())
    };
    let (report, code) = judge(&clean);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(
        (report["judged"].as_u64(), report["otherPaths"].as_u64()),
        (Some(4), Some(0)),
        "{report:#}"
    );
    // The status answer, made to break its schema: found, in that entry.
    let mut broken = har.clone();
    let entry = broken["log"]["entries"]
        .as_array_mut()
        .expect("entries")
        .iter_mut()
        .find(|e| {
            e["request"]["url"]
                .as_str()
                .is_some_and(|u| u.ends_with("/mfa/status"))
        })
        .expect("the status entry");
    let text = entry["response"]["content"]["text"]
        .as_str()
        .expect("text")
        .replace("\"isEnabled\":true", "\"isEnabled\":\"yes\"");
    entry["response"]["content"]["text"] = json!(text);
    let tampered = dir.path().join("broken.har");
    std::fs::write(&tampered, broken.to_string()).expect("write");
    let (report, code) = judge(&tampered);
    assert_eq!(code, Some(1), "{report:#}");
    assert!(
        report["findings"].to_string().contains("/data/isEnabled"),
        "{report:#}"
    );
}

#[tokio::test]
async fn a_pact_of_a_settings_page_carries_every_operation_and_its_accounts_state() {
    let mock = Process::mock(&[]);
    let me = page(&mock, "demo-no-passkey");
    me.status().await;
    me.call("POST", "/mfa/setup", Some(json!({"mfaType": "PASSKEY"})))
        .await;
    me.call(
        "POST",
        "/mfa/verify-setup",
        Some(json!({"mfaType": "PASSKEY", "credential": {"id": "c"}})),
    )
    .await;
    me.primary("PASSKEY").await;
    let pact = journal(&mock, "?format=pact").await;
    let interactions = pact["interactions"].as_array().expect("interactions");
    let paths: Vec<&str> = interactions
        .iter()
        .filter_map(|i| i["request"]["path"].as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "/mfa/status",
            "/mfa/setup",
            "/mfa/verify-setup",
            "/mfa/primary"
        ],
        "{pact:#}"
    );
    assert_eq!(
        interactions[0]["description"],
        "GET /mfa/status: a valid request"
    );
    // Each valid request carries the account it was made with, whole.
    let state = &interactions[0]["providerStates"][0];
    assert!(
        state["params"]["account"]["enabledMethods"].is_array(),
        "{state}"
    );
    assert_eq!(pact["metadata"]["mfa-contract"]["leftOut"], json!([]));
    // Replayed against a fresh mock, each interaction set up with the account it was made
    // with (verify-setup needs the set-up that setup started), every one passes.
    let Some(cli) = crate::pact::pact_cli("a_pact_of_a_settings_page") else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("settings.pact.json");
    std::fs::write(&file, pact.to_string()).expect("write");
    let fresh = Process::mock(&[]);
    let (passed, log) = crate::pact::verify(&cli, &file, &fresh.url, true);
    assert!(passed, "{log}");
}

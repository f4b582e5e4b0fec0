//! The journal as a Pact V4 consumer contract (issue 20, part 3): exported from a mock session,
//! then replayed by the real Pact verifier (`pact verifier`, from PyPI's pact-python-cli)
//! against a fresh mock, whose `POST /__admin/provider-states` sets up each named state.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

use crate::support::reference::{Fault, Variant, handler};
use crate::support::{
    DISTINCTIVE_TOKEN, Process, TestServer, assert_no_token, http_client, skipped,
};

/// The `pact` CLI: `MFA_CONTRACT_PACT` or the PATH. Missing, the test says SKIPPED, except where
/// `MFA_CONTRACT_REQUIRE_PACT=1` or on CI (`support::required`), where it fails.
pub(crate) fn pact_cli(test: &str) -> Option<PathBuf> {
    let candidate = std::env::var_os("MFA_CONTRACT_PACT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("pact"));
    let found = Command::new(&candidate)
        .args(["verifier", "--help"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            !crate::support::required("MFA_CONTRACT_REQUIRE_PACT"),
            "the pact CLI is missing, and MFA_CONTRACT_REQUIRE_PACT=1 or CI says it must run"
        );
        skipped(
            test,
            "the pact CLI (pip install pact-python-cli) is not installed",
        );
    }
    found.then_some(candidate)
}

/// What a frontend's end-to-end run sends: valid requests from two users (one without a
/// passkey), broken ones, a scenario header, another method.
async fn session(mock: &Process) {
    let client = http_client(std::time::Duration::from_secs(10));
    let endpoint = format!("{}/mfa/primary", mock.url);
    let token = format!("Bearer {DISTINCTIVE_TOKEN}");
    // method, Authorization, Content-Type, body, Prefer
    type Send<'a> = (&'a str, Option<&'a str>, &'a str, &'a str, Option<&'a str>);
    let sends: [Send<'_>; 9] = [
        (
            "POST",
            Some(&token),
            "application/json",
            r#"{"mfaType":"PASSKEY"}"#,
            None,
        ),
        (
            "POST",
            Some(&token),
            "application/json",
            r#"{"mfaType":"PASSKEY"}"#,
            None,
        ),
        (
            "POST",
            Some(&token),
            "application/json",
            r#"{"mfaType":"SMS"}"#,
            None,
        ),
        (
            "POST",
            Some(&token),
            "application/json",
            "{\"mfaType\":",
            None,
        ),
        (
            "POST",
            Some("Bearer demo-totp-only"),
            "application/json",
            r#"{"mfaType":"PASSKEY"}"#,
            None,
        ),
        (
            "POST",
            Some("Bearer demo-totp-only"),
            "application/json",
            r#"{"mfaType":"GOOGLE_AUTH"}"#,
            None,
        ),
        (
            "POST",
            None,
            "application/json",
            r#"{"mfaType":"PASSKEY"}"#,
            None,
        ),
        (
            "POST",
            Some(&token),
            "application/json",
            r#"{"mfaType":"MAGIC_LINK"}"#,
            Some("code=500"),
        ),
        ("DELETE", Some(&token), "application/json", "", None),
    ];
    for (method, auth, content_type, body, prefer) in sends {
        let mut request = client
            .request(method.parse().expect("method"), &endpoint)
            .header("Content-Type", content_type)
            .body(body.to_owned());
        if let Some(auth) = auth {
            request = request.header("Authorization", auth);
        }
        if let Some(prefer) = prefer {
            request = request.header("Prefer", prefer);
        }
        request.send().await.expect("answered");
    }
    // A scenario armed on the server for this token, for a client that cannot send Prefer.
    let armed = client
        .post(format!("{}/__admin/scenarios", mock.url))
        .json(&serde_json::json!({"code": 500, "token": DISTINCTIVE_TOKEN, "times": 1}))
        .send()
        .await
        .expect("armed");
    assert_eq!(armed.status().as_u16(), 201);
    let answer = client
        .post(&endpoint)
        .header("Authorization", &token)
        .header("Content-Type", "application/json")
        .body(r#"{"mfaType":"GOOGLE_AUTH"}"#)
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 500);
}

fn interaction<'a>(pact: &'a Value, description: &str) -> &'a Value {
    pact["interactions"]
        .as_array()
        .and_then(|all| all.iter().find(|i| i["description"] == description))
        .unwrap_or_else(|| panic!("no interaction {description:?} in {pact:#}"))
}

/// The verifier's verdict on `file` against the provider at `url`, with its output.
pub(crate) fn verify(pact_cli: &Path, file: &Path, url: &str, with_states: bool) -> (bool, String) {
    let port = url.rsplit(':').next().expect("a port");
    let mut command = Command::new(pact_cli);
    command.args(["verifier", "--file"]).arg(file).args([
        "--hostname",
        "127.0.0.1",
        "--port",
        port,
    ]);
    if with_states {
        command
            .arg("--state-change-url")
            .arg(format!("{url}/__admin/provider-states"));
    }
    let output = command.output().expect("run pact verifier");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

#[tokio::test]
async fn a_pact_exported_from_a_mock_session_passes_the_pact_verifier_against_a_fresh_mock() {
    let recorded = Process::mock(&["--pact-consumer", "settings-page"]);
    session(&recorded).await;
    let text = reqwest::get(format!("{}/__admin/requests?format=pact", recorded.url))
        .await
        .expect("exported")
        .text()
        .await
        .expect("text");
    assert_no_token("the pact", &text, DISTINCTIVE_TOKEN);
    let pact: Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(pact["metadata"]["pactSpecification"]["version"], "4.0");
    assert_eq!(pact["consumer"]["name"], "settings-page");
    assert_eq!(pact["provider"]["name"], "flashback-backend");
    // One interaction per distinct request and status: the repeated PASSKEY request is one.
    let descriptions: Vec<&str> = pact["interactions"]
        .as_array()
        .expect("interactions")
        .iter()
        .filter_map(|i| i["description"].as_str())
        .collect();
    assert_eq!(descriptions.len(), 9, "{descriptions:#?}");
    let valid = interaction(&pact, "a valid PASSKEY request");
    assert_eq!(
        valid["providerStates"][0]["name"],
        "the user has GOOGLE_AUTH, MAGIC_LINK and PASSKEY enrolled"
    );
    // Matching rules from the schemas: the enum as a regex, the answer's fields by type.
    assert_eq!(
        valid["request"]["matchingRules"]["body"]["$.mfaType"]["matchers"][0]["regex"],
        "^(GOOGLE_AUTH|MAGIC_LINK|PASSKEY)$"
    );
    assert_eq!(
        valid["response"]["matchingRules"]["body"]["$.success"]["matchers"][0]["match"],
        "type"
    );
    let refused = interaction(&pact, "a valid PASSKEY request answered 500");
    assert_eq!(
        refused["providerStates"][0]["name"],
        "the user has only GOOGLE_AUTH enrolled"
    );
    assert_eq!(refused["response"]["status"], 500);
    let no_token = interaction(&pact, "a request without a token");
    assert!(no_token.get("providerStates").is_none(), "{no_token:#}");
    // The mock's diagnostics are not part of the contract, so not of the pact.
    let invalid = interaction(
        &pact,
        "an invalid request: `mfaType` must be one of GOOGLE_AUTH, MAGIC_LINK, PASSKEY, got \"SMS\"",
    );
    assert!(
        invalid["response"]["body"]["content"]
            .get("detail")
            .is_none(),
        "{invalid:#}"
    );
    let armed = interaction(&pact, "a valid GOOGLE_AUTH request answered 500");
    assert_eq!(
        armed["providerStates"][1]["name"],
        "the mock is armed to answer with code=500"
    );
    interaction(&pact, "a request whose body is not JSON");
    interaction(&pact, "a DELETE request");
    interaction(
        &pact,
        "a valid MAGIC_LINK request answered 500 (Prefer: code=500)",
    );

    let Some(pact_cli) = pact_cli("a_pact_exported_from_a_mock_session_passes_the_pact_verifier")
    else {
        return;
    };
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("settings-page.json");
    std::fs::write(&file, &text).expect("write");
    let fresh = Process::mock(&[]);
    let (passed, log) = verify(&pact_cli, &file, &fresh.url, true);
    assert!(passed, "the verifier failed:\n{log}");
    assert!(
        log.contains("Given the user has only GOOGLE_AUTH enrolled"),
        "{log}"
    );
    // The states are real: without them, the answer that depends on one is not reproduced.
    let fresh = Process::mock(&[]);
    let (passed, log) = verify(&pact_cli, &file, &fresh.url, false);
    assert!(!passed, "{log}");
    let failed = failed_interactions(&log);
    assert_eq!(
        failed,
        [
            "a valid PASSKEY request answered 500",
            "a valid GOOGLE_AUTH request answered 500"
        ],
        "only the interactions that need a state fail:\n{log}"
    );
    // A backend that answers with a wrong field type fails the interactions it answers.
    let broken = TestServer::start({
        let reference = handler(Variant::Plain, Fault::WrongFieldTypes);
        move |req, body| {
            if req.path() == "/__admin/provider-states" {
                return actix_web::HttpResponse::Ok().json(json!({})).into();
            }
            reference(req, body)
        }
    });
    let (passed, log) = verify(&pact_cli, &file, &broken.url, true);
    assert!(!passed, "{log}");
    let failed = failed_interactions(&log);
    assert!(
        failed.contains(&"a valid PASSKEY request".to_owned()),
        "{failed:?}\n{log}"
    );
    assert!(log.contains("$.success"), "the wrong type is named:\n{log}");
}

/// The interactions the verifier's "Failures:" section names (without their provider states).
fn failed_interactions(log: &str) -> Vec<String> {
    let Some((_, failures)) = log.split_once("Failures:") else {
        return Vec::new();
    };
    failures
        .lines()
        .filter(|l| {
            l.split_once(") Verifying a pact between ")
                .is_some_and(|(n, _)| n.trim().parse::<u32>().is_ok())
        })
        .filter_map(|l| l.rsplit_once(" - ").map(|(_, name)| name.trim().to_owned()))
        .collect()
}

#[tokio::test]
async fn a_provider_state_without_its_params_is_refused_naming_them() {
    let mock = Process::mock(&[]);
    let client = http_client(std::time::Duration::from_secs(10));
    let answer = client
        .post(format!("{}/__admin/provider-states", mock.url))
        .json(&serde_json::json!({"state": "the user has only GOOGLE_AUTH enrolled", "action": "setup"}))
        .send()
        .await
        .expect("answered");
    assert_eq!(answer.status().as_u16(), 400);
    let body: Value = answer.json().await.expect("JSON");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("params.token and params.account")),
        "{body}"
    );
    let set = |account: Value| {
        client
            .post(format!("{}/__admin/provider-states", mock.url))
            .json(
                &serde_json::json!({"state": "s", "params": {"token": "t-1", "account": account}}),
            )
            .send()
    };
    let refused = set(crate::support::account(&["SMS"], None))
        .await
        .expect("answered");
    assert_eq!(refused.status().as_u16(), 400, "SMS is not a method");
    let body: Value = refused.json().await.expect("JSON");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d.contains("params.account/enabledMethods/0")),
        "{body}"
    );
    let torn = set(crate::support::account(&["GOOGLE_AUTH"], Some("PASSKEY")))
        .await
        .expect("answered");
    let body: Value = torn.json().await.expect("JSON");
    assert!(
        body["detail"]
            .as_str()
            .is_some_and(|d| d
                .contains("/primaryMethod: the primary method must be one of the enabled methods")),
        "an account breaking an invariant is refused: {body}"
    );
    let accepted = set(crate::support::account(&["PASSKEY"], Some("PASSKEY")))
        .await
        .expect("answered");
    assert_eq!(accepted.status().as_u16(), 200);
}

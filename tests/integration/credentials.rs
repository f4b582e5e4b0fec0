//! One credential per security scheme: `--credential SCHEME=VALUE` gives a scheme its own,
//! which the checker sends where the scheme says (a header, or the query string), and every
//! other scheme takes the token. The mock runs with `--strict-tokens` and knows one value per
//! scheme, so a request with the wrong credential, or with it in the wrong place, is refused.

use serde_json::{Value, json};

use crate::support::{Process, assert_no_token, mfa_contract, report_of, stderr, stdout};

const KEYS: &str = r##"{
  "openapi": "3.1.0",
  "info": {"title": "Keys", "version": "1.0.0"},
  "security": [{"bearer": []}],
  "paths": {
    "/notes": {
      "post": {
        "operationId": "addNote",
        "requestBody": {"required": true, "content": {"application/json": {
          "schema": {"type": "object", "required": ["text"], "properties": {"text": {"type": "string"}}},
          "example": {"text": "hello"}}}},
        "responses": {"201": {"description": "Added", "content": {"application/json": {
          "schema": {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}},
          "example": {"id": "n1"}}}}}
      }
    },
    "/reports": {
      "get": {
        "operationId": "listReports",
        "security": [{"partner": []}, {"queryKey": []}],
        "responses": {"200": {"description": "The reports", "content": {"application/json": {
          "schema": {"type": "array", "items": {"type": "string"}}, "example": ["r1"]}}}}
      }
    },
    "/exports": {
      "get": {
        "operationId": "listExports",
        "security": [{"queryKey": []}],
        "responses": {"200": {"description": "The exports", "content": {"application/json": {
          "schema": {"type": "array", "items": {"type": "string"}}, "example": ["e1"]}}}}
      }
    }
  },
  "components": {"securitySchemes": {
    "bearer": {"type": "http", "scheme": "bearer"},
    "partner": {"type": "apiKey", "in": "header", "name": "X-Partner-Key"},
    "queryKey": {"type": "apiKey", "in": "query", "name": "api_key"}
  }}
}"##;

const BEARER: &str = "bearer-Zq81-distinctive";
const PARTNER: &str = "partner-Zq81-distinctive";
const QUERY: &str = "query-Zq81-distinctive";

/// The document imported into `dir`, its users the three credentials; a strict mock of it.
fn strict_mock(dir: &std::path::Path) -> Process {
    let contract = dir.join("keys");
    let document = dir.join("keys.json");
    std::fs::write(&document, KEYS).expect("write");
    let imported = mfa_contract(&[
        "contract",
        "import",
        document.to_str().expect("utf-8"),
        contract.to_str().expect("utf-8"),
    ]);
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    let users: Vec<Value> = [BEARER, PARTNER, QUERY]
        .iter()
        .map(|token| json!({"token": token, "name": token, "purpose": "a credential", "account": {}}))
        .collect();
    std::fs::write(
        contract.join("fixtures/users.json"),
        json!({"defaultUser": {}, "users": users}).to_string(),
    )
    .expect("write");
    Process::mock(&[
        "--contract",
        contract.to_str().expect("utf-8"),
        "--strict-tokens",
    ])
}

fn check(mock: &Process, contract: &str, credentials: &[&str]) -> std::process::Output {
    let mut args = vec![
        "--contract",
        contract,
        "check",
        "--target",
        &mock.url,
        "--token",
        BEARER,
        "--seed",
        "3",
        "--cases",
        "8",
        "--format",
        "json",
    ];
    for credential in credentials {
        args.extend(["--credential", credential]);
    }
    mfa_contract(&args)
}

#[test]
fn each_scheme_sends_its_own_credential_where_the_scheme_puts_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mock = strict_mock(dir.path());
    let contract = dir.path().join("keys");
    let contract = contract.to_str().expect("utf-8");
    let partner = format!("partner={PARTNER}");
    let query = format!("api_key={QUERY}");
    let output = check(&mock, contract, &[&partner, &query]);
    let report = report_of(&output);
    assert_eq!(output.status.code(), Some(0), "{:#}", report["failures"]);
    for operation in report["operations"].as_array().expect("operations") {
        assert!(operation["notChecked"].is_null(), "{operation:#}");
        assert!(operation["requests"].as_u64() > Some(0), "{operation:#}");
        // The strict mock refuses a missing or unknown credential with 401: it answered
        // something else, so the credential was the scheme's own, in its place.
        assert!(
            operation["statuses"]["200"]
                .as_u64()
                .or(operation["statuses"]["201"].as_u64())
                > Some(0),
            "{operation:#}"
        );
    }
    for secret in [BEARER, PARTNER, QUERY] {
        assert_no_token("the report", &stdout(&output), secret);
        assert_no_token("stderr", &stderr(&output), secret);
    }
}

#[test]
fn a_scheme_without_a_credential_is_reported_and_a_refused_one_is_the_environment() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mock = strict_mock(dir.path());
    let contract = dir.path().join("keys");
    let contract = contract.to_str().expect("utf-8");
    // Only the partner's key, no token: the other two schemes are not guessed.
    let partner = format!("partner={PARTNER}");
    let output = mfa_contract(&[
        "--contract",
        contract,
        "check",
        "--target",
        &mock.url,
        "--credential",
        &partner,
        "--cases",
        "4",
        "--format",
        "json",
    ]);
    let report = report_of(&output);
    let not_checked: Vec<(&str, &str)> = report["operations"]
        .as_array()
        .expect("operations")
        .iter()
        .filter_map(|o| Some((o["operation"].as_str()?, o["notChecked"].as_str()?)))
        .collect();
    assert_eq!(not_checked.len(), 2, "{not_checked:?}");
    assert!(
        not_checked
            .iter()
            .any(|(id, why)| *id == "addNote" && why.contains("--credential bearer=")),
        "{not_checked:?}"
    );
    assert!(
        not_checked
            .iter()
            .any(|(id, why)| *id == "listExports" && why.contains("queryKey")),
        "{not_checked:?}"
    );
    // A key the target refuses stops the run as the environment's fault, naming the scheme.
    let refused = check(&mock, contract, &["api_key=unknown-Qx77-distinctive"]);
    assert_eq!(refused.status.code(), Some(3), "{}", stdout(&refused));
    let message = stderr(&refused);
    assert!(message.contains("security scheme queryKey"), "{message}");
    assert_no_token("stderr", &message, "unknown-Qx77-distinctive");
    // A scheme no operation has, and a scheme without a value, are usage errors.
    let unknown = check(&mock, contract, &["oauth=x"]);
    assert_eq!(unknown.status.code(), Some(2));
    let message = stderr(&unknown);
    assert!(
        message.contains("--credential oauth") && message.contains("queryKey"),
        "{message}"
    );
    let empty = check(&mock, contract, &["partner="]);
    assert_eq!(empty.status.code(), Some(2), "{}", stderr(&empty));
    assert!(stderr(&empty).contains("MFA_CONTRACT_CREDENTIAL_PARTNER"));
}

use serde_json::json;

use crate::support::{ContractCopy, mfa_contract, stderr, stdout};

#[test]
fn contract_validate_reports_the_built_in_contract_and_exits_0() {
    let output = mfa_contract(&["contract", "validate"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("contract OK: embedded contract"), "{text}");
    assert!(text.contains("POST /mfa/primary"), "{text}");
}

#[test]
fn contract_validate_on_a_broken_copy_names_the_file_and_exits_2() {
    let copy = ContractCopy::new();
    copy.write_json(
        "fixtures/responses/500/failed.json",
        &json!({"error": false}),
    );
    let dir = copy.path().to_str().expect("utf-8 path");
    let output = mfa_contract(&["contract", "validate", dir]);
    assert_eq!(output.status.code(), Some(2));
    let err = stderr(&output);
    assert!(
        err.contains("fixtures/responses/500/failed.json: does not match response-500.schema.json"),
        "{err}"
    );
    assert!(err.contains("at /error"), "{err}");
}

#[test]
fn a_global_contract_dir_that_does_not_exist_exits_2() {
    let output = mfa_contract(&["--contract-dir", "/nonexistent/contract", "openapi"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("/nonexistent/contract: not a contract directory"));
}

#[test]
fn an_unknown_flag_is_a_usage_error_with_exit_2() {
    let output = mfa_contract(&["mock", "--no-such-flag"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--no-such-flag"));
}

#[test]
fn openapi_prints_the_export_and_writes_it_to_a_file() {
    let output = mfa_contract(&["openapi"]);
    assert_eq!(output.status.code(), Some(0));
    let printed: serde_json::Value =
        serde_json::from_slice(&output.stdout).expect("JSON on stdout");
    assert_eq!(printed["openapi"], "3.1.0");

    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("openapi.json");
    let output = mfa_contract(&["openapi", "--output", file.to_str().expect("utf-8")]);
    assert_eq!(output.status.code(), Some(0));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).expect("written")).expect("JSON");
    assert_eq!(written, printed);
}

#[test]
fn contract_export_writes_a_copy_that_loads_and_never_overwrites() {
    let dir = tempfile::tempdir().expect("temp dir");
    let target = dir.path().join("my-contract");
    let target_str = target.to_str().expect("utf-8");
    let output = mfa_contract(&["contract", "export", target_str]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = mfa_contract(&["contract", "validate", target_str]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));

    let again = mfa_contract(&["contract", "export", target_str]);
    assert_eq!(again.status.code(), Some(2));
    assert!(stderr(&again).contains("not empty"));
}

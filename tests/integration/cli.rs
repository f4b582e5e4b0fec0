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
    assert!(
        stderr(&output).contains("/nonexistent/contract: no contract there"),
        "{}",
        stderr(&output)
    );
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

#[test]
fn output_to_a_pipe_nobody_reads_ends_quietly_with_exit_0() {
    // The read end is closed before the command starts, so its very first write fails with a
    // broken pipe, whatever the size of its output (a pipe buffer would hide a small one).
    for args in [
        &["openapi"][..],
        &["contract", "summary"],
        &["check", "--dry-run"],
        &["check", "--list-checks"],
        &["--version"],
    ] {
        let (reader, writer) = std::io::pipe().expect("pipe");
        drop(reader);
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_mfa-contract"))
            .args(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .expect("run");
        let err = String::from_utf8_lossy(&output.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(!err.contains("cannot write"), "{args:?}: {err}");
        assert_eq!(output.status.code(), Some(0), "{args:?}: {err}");
    }
}

#[test]
fn a_target_that_accepts_connections_but_never_answers_exits_3_within_twice_the_timeout() {
    // Never accepted: the kernel completes the handshake, nobody ever answers.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", silent.local_addr().expect("addr"));
    let started = std::time::Instant::now();
    let output = mfa_contract(&["check", "--target", &url, "--token", "t", "--timeout", "1"]);
    let took = started.elapsed();
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("accepts connections but sends no HTTP answer"),
        "{}",
        stderr(&output)
    );
    // The message says it stopped at the first request; the bound only catches a hang, and is
    // generous for a busy machine.
    assert!(took < std::time::Duration::from_secs(20), "{took:?}");
}

#[test]
fn a_failing_token_command_exits_2_with_its_status_and_never_its_output() {
    let output = mfa_contract(&[
        "check",
        "--target",
        "http://127.0.0.1:9",
        "--token-env",
        "MFA_CONTRACT_UNSET_VARIABLE",
        "--token-command",
        "echo printed-secret-4711; echo oops >&2; exit 5",
    ]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    assert!(
        err.contains("--token-command") && err.contains("exit status: 5"),
        "{err}"
    );
    assert!(
        err.contains("oops"),
        "the command's stderr passes through: {err}"
    );
    assert!(
        !err.contains("printed-secret-4711") && !stdout(&output).contains("printed-secret-4711")
    );
}

#[test]
fn a_check_of_what_clients_send_is_refused_by_the_checker_and_named_for_the_proxy() {
    let output = mfa_contract(&["check", "--checks", "request_auth_scheme", "--dry-run"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("mfa-contract proxy"),
        "{}",
        stderr(&output)
    );
}

/// Flags are settled where they are read: a bad one is exit 2 naming it, before any mock is
/// started or request sent (the run itself cannot fail on its configuration).
#[test]
fn a_target_that_is_no_http_url_or_a_concurrency_of_zero_is_refused_at_the_flag() {
    for (args, flag, reason) in [
        (
            &["check", "--target", "ftp://x"][..],
            "--target <URL>",
            "expected an http:// or https:// URL",
        ),
        (
            &["drift", "--target", "localhost:4010"],
            "--target <URL>",
            "expected an http:// or https:// URL",
        ),
        (
            &["drift", "--against", "http://"],
            "--against <URL>",
            "expected an http:// or https:// URL",
        ),
        (
            &["check", "--concurrency", "0"],
            "--concurrency <N>",
            "zero",
        ),
    ] {
        let output = mfa_contract(args);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {err}");
        assert!(
            err.contains(flag) && err.contains(reason),
            "{args:?}: {err}"
        );
        assert!(stdout(&output).is_empty(), "{args:?}: nothing runs");
    }
}

#[test]
fn version_names_the_binary_and_the_embedded_contract() {
    let identity = mfa_contract::Contract::embedded()
        .expect("contract")
        .identity()
        .clone();
    let long = stdout(&mfa_contract(&["--version"]));
    let mut lines = long.lines();
    assert_eq!(
        lines.next(),
        Some(format!("mfa-contract {}", env!("CARGO_PKG_VERSION")).as_str())
    );
    let contract = lines.next().expect("a contract line");
    assert!(
        contract.starts_with(
            "contract: Set Primary MFA Method 1.0.0 (POST /mfa/primary and 13 more operations), sha256:"
        ),
        "{contract}"
    );
    assert!(contract.contains(&identity.digest), "{contract}");
    assert!(
        contract.ends_with(&format!(
            "over {} files of schemas/ and fixtures/",
            identity.files
        )),
        "{contract}"
    );
    let short = stdout(&mfa_contract(&["-V"]));
    assert_eq!(
        short.trim(),
        format!(
            "mfa-contract {} (contract 1.0.0 {})",
            env!("CARGO_PKG_VERSION"),
            identity.digest
        )
    );
}

#[test]
fn an_edited_contract_has_another_identity_and_the_report_names_it() {
    let copy = ContractCopy::new();
    let embedded = mfa_contract::Contract::embedded().expect("contract");
    let mut manifest = copy.read_json("schemas/contract.json");
    manifest["version"] = json!("1.1.0");
    copy.write_json("schemas/contract.json", &manifest);
    let edited = mfa_contract::Contract::from_dir(copy.path()).expect("edited copy loads");
    assert_eq!(edited.identity().version, "1.1.0");
    assert_ne!(edited.identity().digest, embedded.identity().digest);
    let dir = copy.path().to_str().expect("utf-8");
    let output = mfa_contract(&[
        "--contract-dir",
        dir,
        "check",
        "--cases",
        "5",
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["contractIdentity"], edited.identity().short());
}

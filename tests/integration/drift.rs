use std::path::PathBuf;
use std::sync::Arc;

use mfa_contract::Contract;
use mfa_contract::drift::{self, FindingKind};
use mfa_contract::mock::{MockConfig, MockServer};
use mfa_contract::remote::{Secret, TargetConfig};
use mfa_contract::server::ServerOptions;
use serde_json::json;

use crate::support::reference::{Fault, Variant, handler};
use crate::support::{ContractCopy, DISTINCTIVE_TOKEN, Process, TestServer, stderr, stdout};

/// The recorded behaviour of the embedded mock: written by the insta test below, read by the
/// CLI tests (always through a temporary copy, so no test leaves a `.new` file in the repo).
fn committed_snapshot() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/integration/snapshots/integration__drift__mock_behaviour.snap")
}

fn snapshot_copy(dir: &tempfile::TempDir) -> PathBuf {
    let copy = dir.path().join("mock.snap");
    std::fs::copy(committed_snapshot(), &copy).expect("copy the committed snapshot");
    copy
}

/// `POST /__admin/reset` on a mock: every account back to its users file.
fn reset(url: &str) {
    use std::io::{Read as _, Write as _};
    let address = url.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).expect("connect");
    stream
        .set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .expect("timeout");
    write!(
        stream,
        "POST /__admin/reset HTTP/1.1\r\nHost: {address}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut answer = String::new();
    let _ = stream.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "reset {url}: {answer}");
}

fn drift_cli(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_mfa-contract"))
        .arg("drift")
        .args(args)
        .env("MFA_CONTRACT_TOKEN", DISTINCTIVE_TOKEN)
        .output()
        .expect("run drift")
}

#[tokio::test]
async fn drift_of_the_embedded_mock_matches_the_committed_snapshot() {
    let contract = Arc::new(Contract::embedded().expect("contract"));
    let mock = MockServer::start(
        contract.clone(),
        MockConfig {
            server: ServerOptions {
                port: 0,
                ..ServerOptions::default()
            },
            ..MockConfig::default()
        },
    )
    .expect("mock");
    let mut config = TargetConfig::new(mock.url().parse().expect("a target URL"));
    config.token.token = Some(Secret::new(DISTINCTIVE_TOKEN.into()));
    let observed = drift::observe(&contract, &config, None)
        .await
        .expect("observed");
    let table = drift::table(&contract, &observed);
    insta::assert_snapshot!("mock_behaviour", table);
}

#[test]
fn the_cli_finds_no_drift_in_the_embedded_mock() {
    let mock = Process::mock(&[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot = snapshot_copy(&dir);
    let output = drift_cli(&[
        "--target",
        &mock.url,
        "--snapshot",
        snapshot.to_str().expect("utf-8"),
    ]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}{}",
        stdout(&output),
        stderr(&output)
    );
    assert!(stdout(&output).contains("no drift"), "{}", stdout(&output));
    assert!(!drift::pending_path(&snapshot).exists());
}

#[test]
fn a_changed_fixture_is_drift_naming_exactly_that_class_and_field() {
    let copy = ContractCopy::new();
    copy.write_json(
        "fixtures/responses/200/updated.json",
        &json!({"success": true, "message": "Primary MFA method updated", "traceId": "abc"}),
    );
    let mock = Process::mock(&["--contract-dir", copy.path().to_str().expect("utf-8")]);
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot = snapshot_copy(&dir);
    // An undocumented field is cosmetic: listed, not failed by default (issue 12).
    let output = drift_cli(&[
        "--target",
        &mock.url,
        "--snapshot",
        snapshot.to_str().expect("utf-8"),
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    assert!(
        text.contains("23 classes: only the observed sends /traceId (undocumented)"),
        "{text}"
    );
    assert!(text.contains("Contract-relevant: none"), "{text}");
    // The first run changed the accounts (disable, reset...): the second starts where the
    // snapshot's run started, as a stateful target must be for drift to mean anything.
    reset(&mock.url);
    let output = drift_cli(&[
        "--target",
        &mock.url,
        "--snapshot",
        snapshot.to_str().expect("utf-8"),
        "--all",
        "--fail-on",
        "cosmetic",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert!(text.contains("positive.enum.GOOGLE_AUTH"), "{text}");
    assert!(text.contains("only the observed sends /traceId"), "{text}");
    assert!(
        !text.contains("negative."),
        "only the 200 classes changed: {text}"
    );
    let pending = drift::pending_path(&snapshot);
    assert!(
        pending.exists(),
        "the new behaviour waits in {}",
        pending.display()
    );
    // The undocumented field also comes with a patch for the 200 schema.
    assert!(
        text.contains("200 field `traceId` is not documented"),
        "{text}"
    );
    assert!(
        text.contains("suggested patch for schemas/response-200.schema.json"),
        "{text}"
    );
}

#[test]
fn a_changed_status_is_drift_naming_the_classes_and_the_status() {
    let copy = ContractCopy::new();
    let mut manifest = copy.read_json("schemas/contract.json");
    manifest["gapPolicy"]["rejections"]["payload_too_large"]["status"] = json!(400);
    manifest["gapPolicy"]["rejections"]["payload_too_large"]["accept"] = json!([400, 413]);
    copy.write_json("schemas/contract.json", &manifest);
    let mock = Process::mock(&["--contract-dir", copy.path().to_str().expect("utf-8")]);
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot = snapshot_copy(&dir);
    let output = drift_cli(&[
        "--target",
        &mock.url,
        "--snapshot",
        snapshot.to_str().expect("utf-8"),
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    // The oversize class of every operation that takes a body.
    let with_body = Contract::embedded()
        .expect("contract")
        .views()
        .filter(Contract::takes_body)
        .count();
    assert!(
        text.starts_with(&format!("drift in {with_body} of ")),
        "{text}"
    );
    assert!(
        text.contains("negative.oversize") && text.contains("status 413 -> 400"),
        "{text}"
    );
}

#[test]
fn accept_records_a_snapshot_that_then_compares_clean() {
    let mock = Process::mock(&[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let snapshot = dir.path().join("recorded/behaviour.snap");
    let path = snapshot.to_str().expect("utf-8");

    let missing = drift_cli(&["--target", &mock.url, "--snapshot", path]);
    assert_eq!(missing.status.code(), Some(1), "no snapshot yet is drift");
    assert!(drift::pending_path(&snapshot).exists());

    let accepted = drift_cli(&["--target", &mock.url, "--snapshot", path, "--accept"]);
    assert_eq!(accepted.status.code(), Some(0), "{}", stderr(&accepted));
    assert!(
        !drift::pending_path(&snapshot).exists(),
        "accepting clears the pending file"
    );
    let again = drift_cli(&["--target", &mock.url, "--snapshot", path]);
    assert_eq!(again.status.code(), Some(0), "{}", stdout(&again));
    let text = std::fs::read_to_string(&snapshot).expect("written");
    assert!(
        text.starts_with("---\nsource: mfa-contract drift\n"),
        "insta's format: {text}"
    );
}

#[test]
fn snapshot_files_hold_no_token_port_or_timing() {
    let first = Process::mock(&[]);
    let second = Process::mock(&[]);
    let dir = tempfile::tempdir().expect("temp dir");
    let mut files = Vec::new();
    for (mock, name) in [(&first, "a.snap"), (&second, "b.snap")] {
        let path = dir.path().join(name);
        let output = drift_cli(&[
            "--target",
            &mock.url,
            "--snapshot",
            path.to_str().expect("utf-8"),
            "--accept",
        ]);
        assert_eq!(output.status.code(), Some(0));
        let text = std::fs::read_to_string(&path).expect("written");
        let port = mock.url.rsplit(':').next().expect("port");
        assert!(!text.contains(DISTINCTIVE_TOKEN), "token in {name}");
        assert!(!text.contains(&format!(":{port}")), "port in {name}");
        assert!(!text.contains("ms"), "timing in {name}");
        files.push(text);
    }
    assert_eq!(
        files[0], files[1],
        "two runs against two mocks on two ports record the same bytes"
    );
}

#[test]
fn against_names_the_classes_where_two_mocks_differ() {
    let copy = ContractCopy::new();
    let mut manifest = copy.read_json("schemas/contract.json");
    manifest["gapPolicy"]["rejections"]["unauthorized"]["error"] = json!("Unauthorized");
    copy.write_json("schemas/contract.json", &manifest);
    let plain = Process::mock(&[]);
    let edited = Process::mock(&["--contract-dir", copy.path().to_str().expect("utf-8")]);
    // Our policy's wording is not the documentation's: cosmetic.
    let output = drift_cli(&["--target", &plain.url, "--against", &edited.url]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{text}{}", stderr(&output));
    // Three auth classes in every operation that takes credentials.
    let with_auth = 3 * Contract::embedded()
        .expect("contract")
        .views()
        .filter(|v| v.credentials() == mfa_contract::contract::Credentials::Manifest)
        .count();
    assert!(text.starts_with(&format!("{with_auth} of ")), "{text}");
    assert!(
        text.contains(&format!(
            "{with_auth} classes: /error differs in wording (not documented text)"
        )),
        "{text}"
    );
    let output = drift_cli(&[
        "--target",
        &plain.url,
        "--against",
        &edited.url,
        "--all",
        "--fail-on",
        "cosmetic",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    for class in ["auth.empty_token", "auth.missing", "auth.other_scheme"] {
        assert!(
            text.contains(&format!("  {class}\n")),
            "{class} not named: {text}"
        );
    }

    let same = drift_cli(&["--target", &plain.url, "--against", &plain.url]);
    assert_eq!(same.status.code(), Some(0), "{}", stdout(&same));
}

#[test]
fn a_changed_documented_message_is_contract_relevant() {
    let copy = ContractCopy::new();
    copy.write_json(
        "fixtures/responses/200/updated.json",
        &json!({"success": true, "message": "Updated!"}),
    );
    let plain = Process::mock(&[]);
    let edited = Process::mock(&["--contract-dir", copy.path().to_str().expect("utf-8")]);
    let output = drift_cli(&["--target", &plain.url, "--against", &edited.url]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    assert!(
        text.contains(
            "Contract-relevant (1):\n  /message: \"Primary MFA method updated\" -> \"<string>\""
        ),
        "{text}"
    );
}

#[test]
fn the_mock_against_a_correct_lenient_backend_shows_the_content_type_difference_first() {
    // A correct backend written elsewhere: it reads JSON whatever the Content-Type says.
    let backend = TestServer::start(handler(Variant::Lenient, Fault::None));
    // The backend serves the seed's operation alone.
    let output = drift_cli(&[
        "--against",
        &backend.url,
        "--operation",
        "setPrimaryMfaMethod",
    ]);
    let text = stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}{}", stderr(&output));
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines.len() <= 60, "{} lines:\n{text}", lines.len());
    let first_screen = lines[..lines.len().min(24)].join("\n");
    assert!(
        first_screen.contains("status 415 -> 200")
            && first_screen.contains("negative.wrong_content_type.missing"),
        "{text}"
    );
}

#[tokio::test]
async fn undocumented_fields_come_with_a_patch_and_allowed_variations_are_not_findings() {
    let contract = Contract::embedded().expect("contract");
    let server = TestServer::start(handler(Variant::ExtraFields, Fault::None));
    let mut config = TargetConfig::new(server.url.parse().expect("a target URL"));
    config.token.token = Some(Secret::new(DISTINCTIVE_TOKEN.into()));
    let observed = drift::observe(&contract, &config, None)
        .await
        .expect("observed");
    let findings = drift::findings(&contract, &observed.rows);
    let extra = findings
        .iter()
        .find(|f| f.kind == FindingKind::UndocumentedField && f.status == 200)
        .unwrap_or_else(|| panic!("{findings:?}"));
    assert_eq!(extra.field.as_deref(), Some("requestId"));
    assert_eq!(
        extra.file.as_deref(),
        Some("schemas/response-200.schema.json")
    );
    assert_eq!(
        extra.patch.as_ref().expect("patch")["properties"]["requestId"]["type"],
        "string"
    );
    assert!(
        !findings
            .iter()
            .any(|f| f.kind == FindingKind::UndocumentedStatus),
        "{findings:?}"
    );

    let unprocessable = TestServer::start(handler(Variant::UnprocessableEntity, Fault::None));
    let mut config = TargetConfig::new(unprocessable.url.parse().expect("a target URL"));
    config.token.token = Some(Secret::new(DISTINCTIVE_TOKEN.into()));
    let observed = drift::observe(&contract, &config, None)
        .await
        .expect("observed");
    let findings = drift::findings(&contract, &observed.rows);
    assert!(
        !findings
            .iter()
            .any(|f| f.kind == FindingKind::UndocumentedStatus),
        "422 is allowed: {findings:?}"
    );
}

#[test]
fn an_unreachable_target_exits_3() {
    let output = drift_cli(&["--target", "http://127.0.0.1:1"]);
    assert_eq!(output.status.code(), Some(3), "{}", stderr(&output));
}

#[test]
fn the_contract_summary_matches_its_snapshot() {
    let contract = Contract::embedded().expect("contract");
    let summary = mfa_contract::contract::summary(&contract);
    assert!(
        !summary.contains("demo-totp-only"),
        "no token in the summary, even a demo one"
    );
    insta::assert_snapshot!("contract_summary", summary);
}

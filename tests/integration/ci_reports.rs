//! CI-native reports (issue 19, item 5): a CTRF file the reference implementation validates,
//! and under `GITHUB_ACTIONS=true` an `::error` annotation per failure (at the schema's line
//! where one applies) and the markdown summary in `$GITHUB_STEP_SUMMARY`, for check, drift and
//! contract diff.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::npm::node_tool;
use crate::support::reference::{Fault, Variant, handler};
use crate::support::{
    ContractCopy, DISTINCTIVE_TOKEN, TestServer, assert_no_token, stderr, stdout,
};

/// The binary with a runner's environment (or none), a token in the environment, in `dir`.
fn run_in(dir: &Path, github: bool, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_mfa-contract"));
    command
        .args(args)
        .current_dir(dir)
        .env("MFA_CONTRACT_TOKEN", DISTINCTIVE_TOKEN)
        .env("GITHUB_STEP_SUMMARY", dir.join("step_summary"))
        .env_remove("GITHUB_ACTIONS");
    if github {
        command.env("GITHUB_ACTIONS", "true");
    }
    command.output().expect("run mfa-contract")
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn annotations(output: &Output) -> Vec<String> {
    stderr(output)
        .lines()
        .filter(|l| l.starts_with("::error "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_failing_check_on_github_annotates_each_failure_at_its_schema_line_and_writes_the_summary() {
    let server = TestServer::start(handler(Variant::Plain, Fault::WrongFieldTypes));
    let copy = ContractCopy::new();
    let dir = tempfile::tempdir().expect("temp dir");
    let contract_dir = copy.path().to_str().expect("utf-8");
    let args = [
        "check",
        "--operation",
        "setPrimaryMfaMethod",
        "--contract-dir",
        contract_dir,
        "--target",
        &server.url,
        "--cases",
        "10",
        "--seed",
        "5",
    ];
    let output = run_in(dir.path(), true, &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let lines = annotations(&output);
    let schema = copy.file("schemas/response-200.schema.json");
    let prefix = format!("::error file={},line=", schema.display());
    let at_schema = lines
        .iter()
        .find(|l| l.starts_with(&prefix) && l.contains("response_schema_conformance"))
        .unwrap_or_else(|| panic!("no annotation at {}: {lines:#?}", schema.display()));
    // The line is the keyword the body broke: a `type` of a property of the 200 schema.
    let line: usize = at_schema[prefix.len()..]
        .split(',')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a line number");
    let text = read(&schema);
    let written = text.lines().nth(line - 1).expect("the line exists");
    assert!(written.contains("\"type\""), "line {line}: {written}");
    // Escaped as the runner reads it: one line, the title's colon encoded.
    assert!(
        at_schema.contains("title=mfa-contract check%3A response_schema_conformance"),
        "{at_schema}"
    );
    assert!(
        at_schema.contains("%0AReproduce with:%0Acurl "),
        "{at_schema}"
    );
    assert_no_token("annotations", &stderr(&output), DISTINCTIVE_TOKEN);
    // stdout is still the human report alone.
    assert!(!stdout(&output).contains("::error"), "{}", stdout(&output));
    let summary = read(&dir.path().join("step_summary"));
    assert!(summary.starts_with("## ❌ mfa-contract check"), "{summary}");
    assert_no_token("summary", &summary, DISTINCTIVE_TOKEN);

    // Not on GitHub: no annotation, no summary.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let output = run_in(elsewhere.path(), false, &args);
    assert_eq!(output.status.code(), Some(1));
    assert!(annotations(&output).is_empty(), "{}", stderr(&output));
    assert!(!elsewhere.path().join("step_summary").exists());
    // --summary-file names another file: that one gets it, the job's summary does not.
    let output = run_in(
        elsewhere.path(),
        true,
        &[&args[..], &["--summary-file", "mine.md"]].concat(),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(read(&elsewhere.path().join("mine.md")).contains("mfa-contract check"));
    assert!(!elsewhere.path().join("step_summary").exists());
}

#[test]
fn drift_and_contract_diff_annotate_what_fails_them_on_github() {
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run_in(dir.path(), true, &["drift", "--snapshot", "missing.snap"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        annotations(&output),
        ["::error title=mfa-contract drift::no snapshot at missing.snap"]
    );
    assert!(
        read(&dir.path().join("step_summary")).starts_with("## ❌ mfa-contract drift (exit 1)")
    );

    // A field the 200 must now always send breaks the backend; the annotation is at its line.
    let old = ContractCopy::new();
    let new = ContractCopy::new();
    let response = "schemas/response-200.schema.json";
    let mut schema = new.read_json(response);
    schema["required"] = serde_json::json!(["success"]);
    new.write_json(response, &schema);
    let (old_dir, new_dir) = (path(&old), path(&new));
    let output = run_in(dir.path(), true, &["contract", "diff", &old_dir, &new_dir]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let lines = annotations(&output);
    let prefix = format!("::error file={}/{response},line=", new_dir);
    let at_required = lines
        .iter()
        .find(|l| l.starts_with(&prefix))
        .unwrap_or_else(|| panic!("{lines:#?}"));
    let line: usize = at_required[prefix.len()..]
        .split(',')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a line number");
    let written = read(&new.file(response));
    assert!(
        written
            .lines()
            .nth(line - 1)
            .is_some_and(|l| l.contains("\"required\"")),
        "line {line} of:\n{written}"
    );
    assert!(
        at_required.contains("title=mfa-contract contract diff%3A breaking"),
        "{at_required}"
    );
    let summary = read(&dir.path().join("step_summary"));
    assert!(summary.contains("## Contract diff: "), "{summary}");
}

fn path(copy: &ContractCopy) -> String {
    copy.path().to_str().expect("utf-8").to_owned()
}

#[test]
fn the_ctrf_report_validates_with_the_reference_implementation_and_holds_the_run() {
    let server = TestServer::start(handler(Variant::Plain, Fault::WrongSuccessFlag));
    let dir = tempfile::tempdir().expect("temp dir");
    let output = run_in(
        dir.path(),
        false,
        &[
            "check",
            "--operation",
            "setPrimaryMfaMethod",
            "--target",
            &server.url,
            "--cases",
            "10",
            "--seed",
            "7",
            "--ctrf",
            "report.ctrf.json",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let file = dir.path().join("report.ctrf.json");
    let text = read(&file);
    assert_no_token("CTRF", &text, DISTINCTIVE_TOKEN);
    let ctrf: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    let tests = ctrf["results"]["tests"].as_array().expect("tests");
    let failed: Vec<_> = tests.iter().filter(|t| t["status"] == "failed").collect();
    assert!(!failed.is_empty(), "{text}");
    assert!(failed.iter().all(|t| {
        t["name"]
            .as_str()
            .is_some_and(|n| n.starts_with("success_flag_consistency · "))
    }));
    let trace = failed[0]["trace"].as_str().expect("trace");
    assert!(trace.contains("Reproduce with:\ncurl ") && trace.contains("$MFA_CONTRACT_TOKEN"));
    assert_eq!(failed[0]["retries"], 1, "one recheck");
    assert_eq!(failed[0]["flaky"], false);
    assert!(
        tests
            .iter()
            .any(|t| t["name"] == "coverage · 500" && t["status"] == "skipped")
    );
    assert_eq!(
        ctrf["results"]["summary"]["failed"].as_u64(),
        Some(failed.len() as u64)
    );
    assert_eq!(
        ctrf["results"]["summary"]["tests"].as_u64(),
        Some(tests.len() as u64)
    );

    let Some(package) = node_tool(
        "the_ctrf_report_validates_with_the_reference_implementation",
        "ctrf",
    ) else {
        return;
    };
    let script = "const { validate } = require(process.argv[1]); \
        const report = JSON.parse(require('fs').readFileSync(process.argv[2], 'utf8')); \
        const result = validate(report); \
        console.log(JSON.stringify(result)); process.exit(result.valid ? 0 : 1);";
    let validated = Command::new("node")
        .arg("-e")
        .arg(script)
        .arg(&package)
        .arg(&file)
        .output()
        .expect("run node");
    assert!(
        validated.status.success(),
        "ctrf says: {}{}",
        stdout(&validated),
        stderr(&validated)
    );
    assert!(
        stdout(&validated).contains("\"valid\":true"),
        "{}",
        stdout(&validated)
    );
}

#[test]
fn ctrf_failures_name_the_schema_file_and_line_and_carry_what_docs_check_md_lists() {
    let server = TestServer::start(handler(Variant::Plain, Fault::WrongFieldTypes));
    let dir = tempfile::tempdir().expect("temp dir");
    let args = [
        "check",
        "--operation",
        "setPrimaryMfaMethod",
        "--target",
        &server.url,
        "--cases",
        "6",
        "--seed",
        "7",
        "--ctrf",
        "r.json",
    ];
    let output = run_in(dir.path(), false, &args);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let ctrf: serde_json::Value =
        serde_json::from_str(&read(&dir.path().join("r.json"))).expect("JSON");
    let tests = ctrf["results"]["tests"].as_array().expect("tests");
    let schema = tests
        .iter()
        .find(|t| {
            t["status"] == "failed"
                && t["name"]
                    .as_str()
                    .is_some_and(|n| n.starts_with("response_schema_conformance · positive."))
        })
        .unwrap_or_else(|| panic!("a schema failure: {ctrf}"));
    assert!(
        schema["filePath"]
            .as_str()
            .is_some_and(|f| f.ends_with("response-200.schema.json")),
        "{schema}"
    );
    assert!(schema["line"].as_u64().is_some_and(|l| l > 1), "{schema}");
    for key in ["class", "occurrences", "stability", "reproduce"] {
        assert!(schema["extra"].get(key).is_some(), "extra.{key}: {schema}");
    }
    for key in ["target", "seed", "events"] {
        assert!(
            ctrf["results"]["environment"]["extra"].get(key).is_some(),
            "{key}"
        );
    }
    for key in ["coverage", "notRun", "stoppedBy", "cutShort"] {
        assert!(ctrf["results"]["extra"].get(key).is_some(), "{key}");
    }
}

#[test]
fn check_har_on_github_annotates_each_finding_and_writes_the_summary() {
    let har =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/integration/har/browser-export.har");
    let dir = tempfile::tempdir().expect("temp dir");
    let args = ["check", "--har", har.to_str().expect("utf-8")];
    let on_github = run_in(dir.path(), true, &args);
    assert_eq!(on_github.status.code(), Some(1), "{}", stderr(&on_github));
    let annotated = annotations(&on_github);
    assert!(!annotated.is_empty(), "{}", stderr(&on_github));
    assert!(
        annotated
            .iter()
            .all(|a| a.contains("title=mfa-contract check")),
        "{annotated:#?}"
    );
    assert!(read(&dir.path().join("step_summary")).contains("mfa-contract check"));
    // Elsewhere, no annotation.
    let dir = tempfile::tempdir().expect("temp dir");
    let elsewhere = run_in(dir.path(), false, &args);
    assert_eq!(elsewhere.status.code(), Some(1));
    assert!(annotations(&elsewhere).is_empty(), "{}", stderr(&elsewhere));
}

//! The token appears in no output of any command, in any mode: every command runs with one
//! distinctive token (in the environment, on the command line, in a users file, in requests)
//! and every line printed and every file written is searched for it.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::support::reference::{Fault, Variant, handler};
use crate::support::{
    DISTINCTIVE_TOKEN, Process, TestServer, assert_no_token, http_client, wait_for_line,
};

const SECOND: &str = "tok-second-Hq72-distinctive";

/// Runs `mfa-contract ARGS` with the tokens in the environment, as on a GitHub runner (so the
/// annotations are printed and the job's summary is written to `step_summary`): what it
/// printed, and its exit code (checked by the caller: a renamed flag would otherwise print a
/// usage error and pass).
fn run(args: &[&str], step_summary: &Path) -> (String, Option<i32>) {
    let output = Command::new(env!("CARGO_BIN_EXE_mfa-contract"))
        .args(args)
        .env("MFA_CONTRACT_TOKEN", DISTINCTIVE_TOKEN)
        .env("MFA_CONTRACT_SECOND_TOKEN", SECOND)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_STEP_SUMMARY", step_summary)
        .output()
        .expect("run");
    let printed = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (printed, output.status.code())
}

/// A command line as a failure message may show it: the test's own tokens masked.
fn shown(args: &[&str]) -> String {
    args.join(" ")
        .replace(DISTINCTIVE_TOKEN, "[token]")
        .replace(SECOND, "[second token]")
}

/// Every file below `dir`, with its text.
fn texts_under(dir: &Path) -> Vec<(String, String)> {
    crate::support::files_under(dir)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("read");
            (
                path.display().to_string(),
                String::from_utf8_lossy(&bytes).into_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn no_command_prints_or_writes_the_token() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("out");
    std::fs::create_dir(&out).expect("out dir");
    let users = dir.path().join("users.json");
    std::fs::write(
        &users,
        json!({
            "defaultUser": crate::support::account(&["GOOGLE_AUTH", "MAGIC_LINK", "PASSKEY"], Some("GOOGLE_AUTH")),
            "users": [
                {"token": DISTINCTIVE_TOKEN, "name": "ci-account", "account": crate::support::account(&["GOOGLE_AUTH"], Some("GOOGLE_AUTH"))},
                {"token": SECOND, "name": "second-account", "account": crate::support::account(&["PASSKEY", "GOOGLE_AUTH"], Some("PASSKEY"))}
            ]
        })
        .to_string(),
    )
    .expect("users file");
    let users = users.to_str().expect("utf-8");
    let mut printed = Vec::new();

    // The mock, in both log formats, strict and not, fed requests that carry the token everywhere.
    let mut mocks = Vec::new();
    for args in [
        vec!["--users", users, "--log-format", "text"],
        vec!["--users", users, "--log-format", "json", "--strict-tokens"],
    ] {
        let mock = Process::mock(&args);
        let client = http_client(Duration::from_secs(10));
        let endpoint = format!("{}/mfa/primary", mock.url);
        for (auth, body, prefer) in [
            (
                format!("Bearer {DISTINCTIVE_TOKEN}"),
                json!({"mfaType": "PASSKEY"}).to_string(),
                None,
            ),
            (
                format!("Bearer {DISTINCTIVE_TOKEN}"),
                json!({"mfaType": DISTINCTIVE_TOKEN}).to_string(),
                None,
            ),
            (
                format!("Bearer {DISTINCTIVE_TOKEN}"),
                "{".to_owned(),
                Some("code=500"),
            ),
            (
                format!("Bearer {DISTINCTIVE_TOKEN}"),
                json!({"mfaType": "GOOGLE_AUTH"}).to_string(),
                Some(DISTINCTIVE_TOKEN),
            ),
            (format!("Basic {DISTINCTIVE_TOKEN}"), "{}".to_owned(), None),
            (DISTINCTIVE_TOKEN.to_owned(), "{}".to_owned(), None),
        ] {
            let mut request = client
                .post(&endpoint)
                .header("Authorization", auth)
                .header("Content-Type", "application/json")
                .body(body);
            if let Some(prefer) = prefer {
                request = request.header("Prefer", prefer);
            }
            let response = request.send().await.expect("answered");
            printed.push(response.text().await.expect("body"));
        }
        let armed = client
            .post(format!("{}/__admin/scenarios", mock.url))
            .json(&json!({"code": 500, "token": DISTINCTIVE_TOKEN}))
            .send()
            .await
            .expect("armed");
        printed.push(armed.text().await.expect("body"));
        for path in [
            "/__admin/requests",
            "/__admin/state",
            "/__admin/scenarios",
            "/__admin/",
        ] {
            printed.push(
                client
                    .get(format!("{}{path}", mock.url))
                    .send()
                    .await
                    .expect("admin")
                    .text()
                    .await
                    .expect("body"),
            );
        }
        mocks.push(mock);
    }
    let mock_url = mocks[0].url.clone();
    // The full area's checks on the first mock clear its account (POST /mfa/reset); the
    // restore runs where only the seed's operation was called.
    let untouched_url = mocks[1].url.clone();
    let echo = TestServer::start(handler(Variant::Plain, Fault::EchoesToken));
    let junit = out.join("junit.xml");
    let summary = out.join("summary.md");
    let ctrf = out.join("report.ctrf.json");
    let token_command = format!("echo {DISTINCTIVE_TOKEN}");
    let failing_command = format!("echo {DISTINCTIVE_TOKEN}; exit 9");
    let snapshot = out.join("drift.snap");
    let export = out.join("contract");
    let mut codes = Vec::new();
    for (args, exit) in [
        (
            vec![
                "check",
                "--target",
                &mock_url,
                "--cases",
                "10",
                "--expect-token-validation",
            ],
            1,
        ),
        (
            vec![
                "check",
                "--target",
                &mock_url,
                "--cases",
                "10",
                "--format",
                "json",
                "--junit",
                junit.to_str().expect("utf-8"),
            ],
            0,
        ),
        (
            vec![
                "check",
                "--target",
                &echo.url,
                "--cases",
                "10",
                "--format",
                "json",
                "--ctrf",
                ctrf.to_str().expect("utf-8"),
            ],
            1,
        ),
        (
            vec![
                "check",
                "--target",
                &echo.url,
                "--cases",
                "10",
                "--token-env",
                "UNSET_VARIABLE",
                "--token-command",
                &token_command,
                "--format",
                "markdown",
                "--summary-file",
                summary.to_str().expect("utf-8"),
            ],
            1,
        ),
        (
            vec![
                "check",
                "--target",
                &echo.url,
                "--token-env",
                "UNSET_VARIABLE",
                "--token-command",
                &failing_command,
            ],
            2,
        ),
        (
            vec![
                "check",
                "--target",
                &echo.url,
                "--cases",
                "10",
                "--token",
                DISTINCTIVE_TOKEN,
                "--second-token",
                SECOND,
            ],
            1,
        ),
        (
            vec![
                "check",
                "--target",
                &mock_url,
                "--dry-run",
                "--format",
                "json",
            ],
            0,
        ),
        (
            vec![
                "check",
                "--operation",
                "setPrimaryMfaMethod",
                "--target",
                &untouched_url,
                "--restore-primary",
                "GOOGLE_AUTH",
                "--cases",
                "4",
            ],
            0,
        ),
        (vec!["check", "--target", "http://127.0.0.1:1"], 3),
        (
            vec![
                "drift",
                "--target",
                &mock_url,
                "--snapshot",
                snapshot.to_str().expect("utf-8"),
                "--accept",
            ],
            0,
        ),
        (
            vec![
                "drift",
                "--target",
                &echo.url,
                "--snapshot",
                snapshot.to_str().expect("utf-8"),
            ],
            1,
        ),
        (
            vec!["drift", "--target", &mock_url, "--against", &echo.url],
            1,
        ),
        (
            vec![
                "openapi",
                "--output",
                out.join("openapi.json").to_str().expect("utf-8"),
            ],
            0,
        ),
        (vec!["contract", "validate"], 0),
        (vec!["contract", "summary"], 0),
        (
            vec!["contract", "export", export.to_str().expect("utf-8")],
            0,
        ),
    ] {
        // The command line is the test's own; only what the command prints is searched.
        let (output, code) = run(&args, &out.join("step_summary.md"));
        printed.push(output);
        codes.push((shown(&args), exit, code));
    }
    let wrong: Vec<String> = codes
        .iter()
        .filter(|(_, expected, got)| Some(*expected) != *got)
        .map(|(args, expected, got)| {
            format!("mfa-contract {args}: exit {got:?}, expected {expected}")
        })
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    // The proxy in front of the echoing server, logging JSON and recording: the token travels
    // in the header, the body and the query string.
    let recorded = out.join("recorded");
    let mut proxy = Process::proxy(&[
        "--upstream",
        &echo.url,
        "--log-format",
        "json",
        "--record",
        recorded.to_str().expect("utf-8"),
    ]);
    let client = http_client(Duration::from_secs(10));
    for (query, body, auth) in [
        (
            String::new(),
            json!({"mfaType": "PASSKEY"}),
            format!("Bearer {DISTINCTIVE_TOKEN}"),
        ),
        (
            format!("?token={DISTINCTIVE_TOKEN}"),
            json!({"mfaType": DISTINCTIVE_TOKEN}),
            format!("Bearer {DISTINCTIVE_TOKEN}"),
        ),
        // The client forgot the scheme: the value is the credential itself.
        (
            String::new(),
            json!({"mfaType": "PASSKEY"}),
            DISTINCTIVE_TOKEN.to_owned(),
        ),
    ] {
        client
            .post(format!("{}/mfa/primary{query}", proxy.url))
            .header("Authorization", auth)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("through the proxy");
    }
    for path in ["/__admin/violations", "/__admin/requests"] {
        printed.push(
            client
                .get(format!("{}{path}", proxy.url))
                .send()
                .await
                .expect("admin")
                .text()
                .await
                .expect("body"),
        );
    }
    let status = proxy.signal_and_wait("INT", Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "the proxy did not stop cleanly: {status:?}"
    );
    // The summary is its last line: once it is read, all of its output is.
    wait_for_line(&proxy, "exchanges with").await;
    printed.push(proxy.stdout_lines().join("\n"));
    printed.push(proxy.stderr_lines().join("\n"));

    // Every mock stopped first (its log flushed), then everything it printed searched; the JSON
    // log with --strict-tokens too.
    for mut mock in mocks {
        let status = mock.signal_and_wait("INT", Duration::from_secs(10));
        assert!(
            status.is_some_and(|s| s.success()),
            "a mock did not stop cleanly"
        );
        // The summary is its last line: once it is read, all of its output is.
        wait_for_line(&mock, "stopped after").await;
        printed.push(mock.stdout_lines().join("\n"));
        printed.push(mock.stderr_lines().join("\n"));
    }
    assert!(
        printed.iter().any(|p| p.contains("\"method\":\"POST\"")),
        "the JSON log was searched"
    );

    let all = printed.join("\n");
    assert!(
        all.contains("no_token_echo"),
        "the echoing server was checked: {all}"
    );
    for secret in [DISTINCTIVE_TOKEN, SECOND] {
        assert_no_token("printed output", &all, secret);
        for (file, text) in texts_under(&out) {
            assert_no_token(&file, &text, secret);
        }
    }
    assert!(
        texts_under(&out).len() >= 5,
        "the commands wrote their files"
    );
    // The files and lines that only CI gets were written and searched too.
    assert!(out.join("report.ctrf.json").is_file() && out.join("step_summary.md").is_file());
    assert!(
        all.contains("::error title=mfa-contract check%3A no_token_echo"),
        "{all}"
    );
}

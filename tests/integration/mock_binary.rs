use std::time::{Duration, Instant};

use mfa_contract::Contract;
use serde_json::{Value, json};

use crate::mock_cases::{TOKEN, cases};
use crate::support::{
    DISTINCTIVE_TOKEN, Process, assert_conforms, assert_no_token, http_client, wait_for_line,
};

fn contract() -> Contract {
    Contract::embedded().expect("contract loads")
}

async fn post(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    body: &str,
    prefer: Option<&str>,
) -> reqwest::Result<reqwest::Response> {
    let mut request = client
        .post(format!("{url}/mfa/primary"))
        .header("Authorization", format!("Bearer {token}"))
        .header("Content-Type", "application/json")
        .body(body.to_owned());
    if let Some(prefer) = prefer {
        request = request.header("Prefer", prefer);
    }
    request.send().await
}

#[tokio::test]
async fn every_pipeline_step_answers_as_documented_over_a_real_socket() {
    let mock = Process::mock(&[]);
    let contract = contract();
    let client = http_client(Duration::from_secs(10));
    for case in cases() {
        let mut request = client
            .request(
                case.method.parse().expect("method"),
                format!("{}{}", mock.url, case.path),
            )
            .body(case.body.clone());
        for (name, value) in &case.headers {
            request = request.header(*name, value);
        }
        let response = request
            .send()
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body = response.bytes().await.expect("body");
        assert_eq!(
            status,
            case.status,
            "{}: {}",
            case.name,
            String::from_utf8_lossy(&body)
        );
        assert_conforms(
            &contract,
            status,
            headers.get("content-type").and_then(|v| v.to_str().ok()),
            &body,
        );
        if let Some((name, value)) = case.header {
            assert_eq!(
                headers.get(name).and_then(|v| v.to_str().ok()),
                Some(value),
                "{}",
                case.name
            );
        }
        if let Some(text) = case.detail {
            let json: Value = serde_json::from_slice(&body).expect("JSON");
            assert!(
                json["detail"].as_str().unwrap_or_default().contains(text),
                "{}: {json}",
                case.name
            );
        }
    }
    let logs = mock.stdout_lines().join("\n");
    assert_no_token("mock stdout", &logs, TOKEN);
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_refused_with_413() {
    let mock = Process::mock(&["--max-body-bytes", "1024"]);
    let client = http_client(Duration::from_secs(10));
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..64).map(|_| Ok(vec![b' '; 256])).collect();
    let response = client
        .post(format!("{}/mfa/primary", mock.url))
        .header("Authorization", format!("Bearer {TOKEN}"))
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(futures_util::stream::iter(
            chunks,
        )))
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status().as_u16(), 413);
}

#[tokio::test]
async fn fault_reset_closes_the_connection_without_a_response() {
    let mock = Process::mock(&[]);
    let client = http_client(Duration::from_secs(10));
    let error = post(
        &client,
        &mock.url,
        TOKEN,
        r#"{"mfaType":"PASSKEY"}"#,
        Some("fault=reset"),
    )
    .await
    .expect_err("no response expected");
    assert!(!error.is_timeout(), "{error}");
    // The mock goes on serving.
    let after = post(&client, &mock.url, TOKEN, r#"{"mfaType":"PASSKEY"}"#, None)
        .await
        .expect("served");
    assert_eq!(after.status().as_u16(), 200);
}

#[tokio::test]
async fn fault_timeout_holds_until_the_client_gives_up_and_is_bounded() {
    let mock = Process::mock(&["--max-delay-ms", "1500"]);
    let impatient = http_client(Duration::from_millis(300));
    let started = Instant::now();
    let error = post(
        &impatient,
        &mock.url,
        TOKEN,
        r#"{"mfaType":"PASSKEY"}"#,
        Some("fault=timeout"),
    )
    .await
    .expect_err("the client gives up");
    assert!(error.is_timeout(), "{error}");
    assert!(started.elapsed() < Duration::from_secs(10));

    // A patient client sees the connection end once the bound is reached.
    let patient = http_client(Duration::from_secs(10));
    let started = Instant::now();
    let error = post(
        &patient,
        &mock.url,
        TOKEN,
        r#"{"mfaType":"PASSKEY"}"#,
        Some("fault=timeout"),
    )
    .await
    .expect_err("closed at the bound");
    assert!(!error.is_timeout(), "{error}");
    assert!(
        started.elapsed() >= Duration::from_millis(1500)
            && started.elapsed() < Duration::from_secs(8)
    );
}

#[tokio::test]
async fn parallel_updates_on_one_token_lose_nothing() {
    const N: usize = 64;
    let mock = Process::mock(&["--journal-size", "1000"]);
    let client = http_client(Duration::from_secs(20));
    let methods = ["GOOGLE_AUTH", "MAGIC_LINK", "PASSKEY"];
    let sends = (0..N).map(|i| {
        let client = client.clone();
        let url = mock.url.clone();
        async move {
            let body = json!({"mfaType": methods[i % 3]}).to_string();
            post(&client, &url, DISTINCTIVE_TOKEN, &body, None)
                .await
                .expect("answered")
                .status()
                .as_u16()
        }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");

    let state: Value = client
        .get(format!("{}/__admin/state", mock.url))
        .send()
        .await
        .expect("state")
        .json()
        .await
        .expect("JSON");
    let fingerprint = mfa_contract::internals::redact::fingerprint(DISTINCTIVE_TOKEN);
    let user = state["users"]
        .as_array()
        .expect("users")
        .iter()
        .find(|u| u["tokenFingerprint"] == fingerprint.as_str())
        .cloned()
        .expect("user created");
    assert!(
        methods.contains(&user["account"]["primaryMethod"].as_str().expect("primary")),
        "{user}"
    );

    let journal: Value = client
        .get(format!("{}/__admin/requests", mock.url))
        .send()
        .await
        .expect("journal")
        .json()
        .await
        .expect("JSON");
    assert_eq!(journal["requests"].as_array().expect("requests").len(), N);
    assert_no_token("journal", &journal.to_string(), DISTINCTIVE_TOKEN);
    assert_no_token("state", &state.to_string(), DISTINCTIVE_TOKEN);
    assert_no_token(
        "mock stdout",
        &mock.stdout_lines().join("\n"),
        DISTINCTIVE_TOKEN,
    );
}

#[tokio::test]
async fn json_logs_have_one_line_per_request_without_the_token() {
    let mock = Process::mock(&["--log-format", "json"]);
    let client = http_client(Duration::from_secs(10));
    post(
        &client,
        &mock.url,
        DISTINCTIVE_TOKEN,
        r#"{"mfaType":"PASSKEY"}"#,
        None,
    )
    .await
    .expect("answered");
    post(&client, &mock.url, DISTINCTIVE_TOKEN, "{", None)
        .await
        .expect("answered");
    let deadline = Instant::now() + Duration::from_secs(5);
    let lines = loop {
        let lines: Vec<Value> = mock
            .stdout_lines()
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if lines.len() >= 2 || Instant::now() > deadline {
            break lines;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let statuses: Vec<u64> = lines.iter().filter_map(|l| l["status"].as_u64()).collect();
    assert_eq!(statuses, vec![200, 400], "{lines:?}");
    assert_eq!(lines[0]["method"], "POST");
    assert_eq!(lines[0]["path"], "/mfa/primary");
    assert_eq!(lines[0]["level"], "INFO");
    assert!(lines[0]["latency_ms"].is_f64());
    assert!(
        lines[0]["timestamp"]
            .as_str()
            .is_some_and(|t| t.ends_with('Z') && t.len() == 24),
        "{}",
        lines[0]
    );
    assert_no_token(
        "mock stdout",
        &mock.stdout_lines().join("\n"),
        DISTINCTIVE_TOKEN,
    );
}

#[test]
fn the_banner_prints_the_picked_port_and_a_curl_that_works() {
    let mock = Process::mock(&[]);
    let port: u16 = mock
        .url
        .rsplit(':')
        .next()
        .expect("port")
        .parse()
        .expect("number");
    assert_ne!(port, 0);
    let banner = mock.stdout_lines().join("\n");
    let curl = banner
        .lines()
        .find_map(|l| l.trim().strip_prefix("try: "))
        .expect("curl example");
    let output = std::process::Command::new("sh")
        .args(["-c", &format!("{curl} --silent --max-time 5 --noproxy '*'")])
        .output()
        .expect("run curl");
    let text = String::from_utf8_lossy(&output.stdout);
    let (head, body) = text
        .split_once("\r\n\r\n")
        .expect("curl -i prints the head, then the body");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let body: Value = serde_json::from_str(body).expect("curl got JSON");
    assert_eq!(body["success"], true, "{banner}");
    // README's quick start shows this banner, at the default port, as a real run printed it.
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md"))
        .expect("README.md");
    for line in banner.lines() {
        let shown = line.replace(&format!("127.0.0.1:{port}"), "127.0.0.1:4010");
        let shown = shown.split(" -d ").next().expect("a line");
        assert!(readme.contains(shown), "README's banner lacks {shown:?}");
    }
}

#[tokio::test]
async fn sigterm_and_sigint_stop_the_mock_gracefully_with_a_summary_of_its_requests() {
    let client = http_client(Duration::from_secs(10));
    for signal in ["TERM", "INT"] {
        let mut mock = Process::mock(&[]);
        for body in [r#"{"mfaType":"PASSKEY"}"#, r#"{"mfaType":"PASSKEY"}"#, "{}"] {
            post(&client, &mock.url, TOKEN, body, None)
                .await
                .expect("answered");
        }
        let status = mock
            .signal_and_wait(signal, Duration::from_secs(10))
            .expect("exited within 10 s");
        assert!(status.success(), "SIG{signal}: {status}");
        let last = wait_for_line(&mock, "stopped after").await;
        assert_eq!(
            last, "mfa-contract mock: stopped after 3 requests: 200 x2, 400 x1",
            "SIG{signal}"
        );
    }
}

#[tokio::test]
async fn the_ready_file_holds_the_url_once_it_answers_and_goes_with_the_mock() {
    let dir = tempfile::tempdir().expect("temp dir");
    let ready = dir.path().join("mock.url");
    // A stale file from an earlier run is not taken for this one.
    std::fs::write(&ready, "http://127.0.0.1:1\n").expect("stale file");
    let mut mock = Process::mock(&["--ready-file", ready.to_str().expect("utf-8")]);
    let url = std::fs::read_to_string(&ready).expect("ready file written");
    assert_eq!(url, format!("{}\n", mock.url));
    let client = http_client(Duration::from_secs(10));
    let health: Value = client
        .get(format!("{}/__admin/health", url.trim()))
        .send()
        .await
        .expect("health answers")
        .json()
        .await
        .expect("JSON");
    assert_eq!(health["status"], "ready");
    assert_eq!(health["endpoint"], contract().identity().endpoint);
    assert_eq!(health["contract"], contract().identity().short());
    mock.signal_and_wait("TERM", Duration::from_secs(10))
        .expect("exited");
    assert!(!ready.exists(), "the ready file outlived the mock");
}

#[test]
fn a_ready_file_that_cannot_be_written_stops_the_mock_with_exit_2() {
    let output = crate::support::mfa_contract(&[
        "mock",
        "--port",
        "0",
        "--ready-file",
        "/nonexistent-folder/mock.url",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = crate::support::stderr(&output);
    assert!(
        err.contains("--ready-file /nonexistent-folder/mock.url"),
        "{err}"
    );
}

#[tokio::test]
async fn post_admin_shutdown_stops_the_mock_as_ctrl_c_does() {
    let mut mock = Process::mock(&[]);
    let client = http_client(Duration::from_secs(10));
    post(
        &client,
        &mock.url,
        TOKEN,
        r#"{"mfaType":"MAGIC_LINK"}"#,
        None,
    )
    .await
    .expect("answered");
    let answer = client
        .post(format!("{}/__admin/shutdown", mock.url))
        .send()
        .await
        .expect("shutdown answers");
    assert_eq!(answer.status(), 200);
    let status = mock
        .wait(Duration::from_secs(10))
        .expect("exited by itself");
    assert!(status.success(), "{status}");
    assert_eq!(
        wait_for_line(&mock, "stopped after").await,
        "mfa-contract mock: stopped after 1 requests: 200 x1"
    );
}

#[test]
fn a_broken_users_file_stops_the_mock_before_it_listens_with_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    let users = dir.path().join("users.json");
    let file = json!({
        "defaultUser": crate::support::account(&[], None),
        "users": [{"token": "t", "name": "x", "account": crate::support::account(&["SMS"], None)}]
    });
    std::fs::write(&users, file.to_string()).expect("write");
    let output = crate::support::mfa_contract(&[
        "mock",
        "--port",
        "0",
        "--users",
        users.to_str().expect("utf-8"),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let err = crate::support::stderr(&output);
    assert!(
        err.contains("users.json: does not match users.schema.json"),
        "{err}"
    );
    assert!(err.contains("/users/0/account/enabledMethods/0"), "{err}");
}

#[tokio::test]
async fn a_users_file_given_on_the_command_line_replaces_the_fixtures() {
    let dir = tempfile::tempdir().expect("temp dir");
    let users = dir.path().join("users.json");
    let file = json!({
        "defaultUser": crate::support::account(&["GOOGLE_AUTH"], Some("GOOGLE_AUTH")),
        "users": [{"token": DISTINCTIVE_TOKEN, "name": "ci-user", "account": crate::support::account(&["PASSKEY"], Some("PASSKEY"))}]
    });
    std::fs::write(&users, file.to_string()).expect("write");
    let mock = Process::mock(&["--users", users.to_str().expect("utf-8"), "--strict-tokens"]);
    let client = http_client(Duration::from_secs(10));
    let ok = post(
        &client,
        &mock.url,
        DISTINCTIVE_TOKEN,
        r#"{"mfaType":"PASSKEY"}"#,
        None,
    )
    .await
    .expect("answered");
    assert_eq!(ok.status().as_u16(), 200);
    let not_enrolled = post(
        &client,
        &mock.url,
        DISTINCTIVE_TOKEN,
        r#"{"mfaType":"MAGIC_LINK"}"#,
        None,
    )
    .await
    .expect("answered");
    assert_eq!(not_enrolled.status().as_u16(), 500);
    let demo = post(
        &client,
        &mock.url,
        "demo-all-methods",
        r#"{"mfaType":"PASSKEY"}"#,
        None,
    )
    .await
    .expect("answered");
    assert_eq!(
        demo.status().as_u16(),
        401,
        "the fixture users are replaced"
    );
    assert_no_token(
        "mock stdout",
        &mock.stdout_lines().join("\n"),
        DISTINCTIVE_TOKEN,
    );
}

#[tokio::test]
async fn text_logs_have_one_line_per_request_with_status_latency_scenario_and_user() {
    let mock = Process::mock(&[]);
    let client = http_client(Duration::from_secs(10));
    post(
        &client,
        &mock.url,
        "demo-totp-only",
        r#"{"mfaType":"PASSKEY"}"#,
        None,
    )
    .await
    .expect("answered");
    post(
        &client,
        &mock.url,
        TOKEN,
        r#"{"mfaType":"PASSKEY"}"#,
        Some("code=500"),
    )
    .await
    .expect("answered");
    let deadline = Instant::now() + Duration::from_secs(5);
    let lines = loop {
        let lines: Vec<String> = mock
            .stdout_lines()
            .into_iter()
            .filter(|l| l.contains(" INFO "))
            .collect();
        if lines.len() >= 2 || Instant::now() > deadline {
            break lines;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(
        lines[0].contains("method=POST path=/mfa/primary status=500")
            && lines[0].contains("user=totp-only"),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("status=500") && lines[1].contains("scenario=prefer: code=500"),
        "{}",
        lines[1]
    );
    assert!(lines.iter().all(|l| l.contains(" latency_ms=")));
}

/// The journal entries, newest last.
async fn journal(client: &reqwest::Client, url: &str) -> Vec<Value> {
    let body: Value = client
        .get(format!("{url}/__admin/requests"))
        .send()
        .await
        .expect("journal")
        .json()
        .await
        .expect("json");
    body["requests"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn a_journal_entry_is_complete_when_the_answer_is() {
    let mock = Process::mock(&["--max-delay-ms", "3000"]);
    let client = http_client(Duration::from_secs(10));
    let body = r#"{"mfaType":"PASSKEY"}"#;

    // Latency includes the scenario's delay.
    post(&client, &mock.url, TOKEN, body, Some("delay=300"))
        .await
        .expect("answered");
    let entries = journal(&client, &mock.url).await;
    let delayed = entries.last().expect("an entry");
    assert_eq!(delayed["outcome"], "answered");
    assert!(
        delayed["latencyMs"].as_f64().expect("latency") >= 300.0,
        "{delayed}"
    );

    // A reset is recorded as closed, without a status.
    let _ = post(&client, &mock.url, TOKEN, body, Some("fault=reset")).await;
    let entries = journal(&client, &mock.url).await;
    let reset = entries.last().expect("an entry");
    assert_eq!(reset["outcome"], "closed", "{reset}");
    assert!(reset["status"].is_null(), "{reset}");

    // A client that gives up during a delay is recorded as such, once it has.
    let impatient = http_client(Duration::from_millis(300));
    let gave_up = post(&impatient, &mock.url, TOKEN, body, Some("delay=2000")).await;
    assert!(gave_up.is_err(), "the client timed out");
    let deadline = Instant::now() + Duration::from_secs(5);
    let entry = loop {
        let entries = journal(&client, &mock.url).await;
        if let Some(e) = entries.iter().find(|e| e["outcome"] == "client_gave_up") {
            break e.clone();
        }
        assert!(
            Instant::now() < deadline,
            "no client_gave_up entry: {entries:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert!(entry["status"].is_null(), "{entry}");
    assert!(
        entry["latencyMs"].as_f64().expect("latency") < 2000.0,
        "{entry}"
    );

    // An allowed CORS preflight is journaled too.
    client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/mfa/primary", mock.url),
        )
        .header("Origin", "http://localhost:5173")
        .header("Access-Control-Request-Method", "POST")
        .send()
        .await
        .expect("preflight");
    let entries = journal(&client, &mock.url).await;
    let preflight = entries.last().expect("an entry");
    assert_eq!(preflight["method"], "OPTIONS");
    assert_eq!(preflight["scenario"], "cors preflight");
    assert_eq!(preflight["status"], 200);
}

//! One TLS configuration: `check`, `drift` and `proxy` run as commands against the same HTTPS
//! server with a certificate from an unknown CA. Each refuses it the same way, each gets
//! through with `--ca-cert` and with `--insecure`, and each refuses a CA file without a
//! certificate in it, naming the flag.

use std::process::Output;
use std::time::Duration;

use crate::support::tls::{pki, serve};
use crate::support::{Process, http_client, mfa_contract, stderr, stdout};

fn check(url: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "check",
        "--target",
        url,
        "--token",
        "tls-test-token",
        "--cases",
        "4",
        "--timeout",
        "5",
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    mfa_contract(&args)
}

fn drift(url: &str, extra: &[&str]) -> Output {
    let mut args = vec![
        "drift",
        "--target",
        url,
        "--token",
        "tls-test-token",
        "--timeout",
        "5",
    ];
    args.extend_from_slice(extra);
    mfa_contract(&args)
}

/// The status a POST through a proxy in front of `upstream` gets, and the body.
async fn through_proxy(upstream: &str, extra: &[&str]) -> (u16, String) {
    let mut args = vec!["--upstream", upstream, "--log-format", "off"];
    args.extend_from_slice(extra);
    let proxy = Process::proxy(&args);
    let response = http_client(Duration::from_secs(20))
        .post(format!("{}/mfa/primary", proxy.url))
        .header("Authorization", "Bearer tls-test-token")
        .header("Content-Type", "application/json")
        .body(r#"{"mfaType":"PASSKEY"}"#)
        .send()
        .await
        .expect("the proxy answers");
    let status = response.status().as_u16();
    (status, response.text().await.unwrap_or_default())
}

/// No transport failure in a JSON check report: every request got an answer.
fn every_request_answered(output: &Output) -> bool {
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_default();
    report["checks"]
        .as_array()
        .and_then(|checks| checks.iter().find(|c| c["name"] == "response_received"))
        .is_some_and(|c| c["failed"] == 0 && c["passed"].as_u64().is_some_and(|n| n > 0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ca_cert_and_insecure_mean_the_same_in_check_drift_and_the_proxy() {
    let pki = pki();
    let (port, server) = serve(&pki).await;
    let url = format!("https://localhost:{port}");
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write CA");
    let ca = ca.to_str().expect("utf-8").to_owned();
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "no certificate here\n").expect("write");
    let empty = empty.to_str().expect("utf-8").to_owned();

    // Refused: the environment (exit 3), named as TLS, in the commands that probe.
    for (name, output) in [("check", check(&url, &[])), ("drift", drift(&url, &[]))] {
        assert_eq!(output.status.code(), Some(3), "{name}: {}", stderr(&output));
        assert!(
            stderr(&output).to_lowercase().contains("tls"),
            "{name}: {}",
            stderr(&output)
        );
    }
    let (status, body) = through_proxy(&url, &[]).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("TLS handshake"), "{body}");

    // Through, with either flag.
    for flags in [vec!["--ca-cert", ca.as_str()], vec!["--insecure"]] {
        let checked = check(&url, &flags);
        assert!(
            every_request_answered(&checked),
            "check {flags:?}: {}",
            stderr(&checked)
        );
        let drifted = drift(&url, &flags);
        assert_eq!(
            drifted.status.code(),
            Some(0),
            "drift {flags:?}: {}",
            stderr(&drifted)
        );
        assert!(
            stdout(&drifted).contains("200 application/json"),
            "{}",
            stdout(&drifted)
        );
        let (status, body) = through_proxy(&url, &flags).await;
        assert_eq!(status, 200, "proxy {flags:?}: {body}");
    }

    // A CA file without a certificate: a usage error that names the flag, in every command.
    for (name, output) in [
        ("check", check(&url, &["--ca-cert", &empty])),
        ("drift", drift(&url, &["--ca-cert", &empty])),
        (
            "proxy",
            mfa_contract(&[
                "proxy",
                "--upstream",
                &url,
                "--port",
                "0",
                "--ca-cert",
                &empty,
            ]),
        ),
    ] {
        assert_eq!(output.status.code(), Some(2), "{name}: {}", stderr(&output));
        assert!(
            stderr(&output).contains("--ca-cert"),
            "{name}: {}",
            stderr(&output)
        );
    }
    server.abort();
}

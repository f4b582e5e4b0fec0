//! The proxy over real sockets: the project's mock as a clean upstream, small upstreams that
//! each break the contract one way (caught by the right check on the right side), pass-through
//! of everything else, upstreams that refuse, hang or reset, `--strict`, recording then
//! serving, and `mock --upstream`.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::HttpResponse;
use mfa_contract::Contract;
use mfa_contract::check::{self, CheckConfig, Silent};
use mfa_contract::mock::{MockConfig, MockServer};
use mfa_contract::proxy::{ProxyConfig, ProxyServer};
use mfa_contract::remote::Secret;
use mfa_contract::server::ServerOptions;
use serde_json::{Value, json};

use crate::support::reference::{Fault, Variant, handler};
use crate::support::{DISTINCTIVE_TOKEN, Process, TestServer, assert_no_token, http_client};

fn contract() -> Arc<Contract> {
    Arc::new(Contract::embedded().expect("contract"))
}

fn proxy_to(upstream: &str, tweak: impl FnOnce(&mut ProxyConfig)) -> ProxyServer {
    let mut config = ProxyConfig::new(url::Url::parse(upstream).expect("url"));
    config.server.port = 0;
    config.upstream_timeout = Duration::from_secs(5);
    tweak(&mut config);
    ProxyServer::start(contract(), config).expect("proxy starts")
}

/// POSTs `body` to the endpoint through `base` with the distinctive token; status, headers, body.
async fn post(
    base: &str,
    content_type: Option<&str>,
    body: &str,
) -> (u16, reqwest::header::HeaderMap, String) {
    let mut request = http_client(Duration::from_secs(10))
        .post(format!("{base}/mfa/primary"))
        .header("Authorization", format!("Bearer {DISTINCTIVE_TOKEN}"))
        .body(body.to_owned());
    if let Some(content_type) = content_type {
        request = request.header("Content-Type", content_type);
    }
    let response = request.send().await.expect("answered");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    (status, headers, response.text().await.expect("body"))
}

async fn violations(base: &str) -> Value {
    http_client(Duration::from_secs(5))
        .get(format!("{base}/__admin/violations"))
        .send()
        .await
        .expect("admin")
        .json()
        .await
        .expect("json")
}

fn count_header(headers: &reqwest::header::HeaderMap) -> usize {
    headers
        .get("mfa-contract-violations")
        .expect("the judged answer says how many violations")
        .to_str()
        .expect("ascii")
        .parse()
        .expect("a number")
}

#[tokio::test]
async fn the_checker_through_the_proxy_to_the_mock_finds_no_violation_by_the_upstream() {
    let mock = MockServer::start(
        contract(),
        MockConfig {
            server: ServerOptions {
                port: 0,
                ..ServerOptions::default()
            },
            ..MockConfig::default()
        },
    )
    .expect("mock");
    let proxy = proxy_to(&mock.url(), |_| {});
    let (status, headers, _) = post(
        &proxy.url(),
        Some("application/json"),
        r#"{"mfaType":"PASSKEY"}"#,
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(count_header(&headers), 0);

    let mut config = CheckConfig::new(proxy.url().parse().expect("a target URL"));
    config.target.token.token = Some(Secret::new(DISTINCTIVE_TOKEN.into()));
    config.seed = 3;
    config.cases = 40;
    let report = check::run(&contract(), &config, &Silent)
        .await
        .expect("report");
    assert!(
        report.is_clean(),
        "{}",
        mfa_contract::report::human(&report)
    );
    let totals = proxy.state().totals_so_far();
    assert_eq!(totals.response_side, 0, "{totals:?}");
    // The checker's invalid requests are the client breaking the contract, on purpose.
    assert!(totals.request_side > 0, "{totals:?}");
    assert!(totals.judged as usize >= report.requests - 4, "{totals:?}");
}

/// Sends one request through a proxy in front of `upstream` and returns the violations.
async fn through(
    upstream: &TestServer,
    content_type: Option<&str>,
    body: &str,
) -> (u16, Vec<Value>) {
    let proxy = proxy_to(&upstream.url, |_| {});
    let (status, headers, _) = post(&proxy.url(), content_type, body).await;
    let listed = violations(&proxy.url()).await["violations"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(count_header(&headers), listed.len(), "{listed:?}");
    assert_no_token(
        "violations",
        &serde_json::to_string(&listed).expect("json"),
        DISTINCTIVE_TOKEN,
    );
    (status, listed)
}

fn has(listed: &[Value], side: &str, check: &str) -> bool {
    listed
        .iter()
        .any(|v| v["side"] == side && v["check"] == check)
}

#[tokio::test]
async fn each_way_an_upstream_breaks_the_contract_is_named_by_the_right_check_on_the_response_side()
{
    let valid = r#"{"mfaType":"GOOGLE_AUTH"}"#;
    let json = Some("application/json");
    let cases: Vec<(TestServer, &str, &str)> = vec![
        (
            TestServer::start(handler(Variant::Plain, Fault::WrongFieldTypes)),
            valid,
            "response_schema_conformance",
        ),
        (
            TestServer::start(handler(Variant::Plain, Fault::WrongContentType)),
            valid,
            "content_type_conformance",
        ),
        (
            TestServer::start(handler(Variant::Plain, Fault::AcceptsInvalid)),
            r#"{"mfaType":"SMS"}"#,
            "negative_data_rejection",
        ),
        (
            TestServer::start(handler(Variant::Plain, Fault::EchoesToken)),
            valid,
            "no_token_echo",
        ),
        (
            TestServer::start(handler(Variant::Plain, Fault::CrashesOnNonAscii)),
            r#"{"mfaType":"GOOGLE_AUTHé"}"#,
            "not_a_server_error",
        ),
        (
            TestServer::start(|_, _| {
                HttpResponse::Created()
                    .content_type("application/json")
                    .body(r#"{"success":true}"#)
                    .into()
            }),
            valid,
            "status_code_conformance",
        ),
    ];
    for (upstream, body, check) in &cases {
        let (_, listed) = through(upstream, json, body).await;
        assert!(has(&listed, "response", check), "{check}: {listed:#?}");
        if let Some(v) = listed.iter().find(|v| v["check"] == *check) {
            assert!(
                v["exchange"].as_u64().is_some() && v.get("status").is_some(),
                "{v}"
            );
        }
    }
    // The HTML error page: its media type and its body are both named.
    let (_, listed) = through(&cases[4].0, json, cases[4].1).await;
    assert!(
        has(&listed, "response", "content_type_conformance"),
        "{listed:#?}"
    );
    assert!(
        has(&listed, "response", "response_schema_conformance"),
        "{listed:#?}"
    );

    // A correct upstream: nothing on the response side.
    let plain = TestServer::start(handler(Variant::Plain, Fault::None));
    let (status, listed) = through(&plain, json, valid).await;
    assert_eq!(status, 200);
    assert!(listed.is_empty(), "{listed:#?}");
}

#[tokio::test]
async fn what_a_client_sends_wrong_is_a_request_side_violation_with_its_pointer() {
    let upstream = TestServer::start(handler(Variant::Plain, Fault::None));
    let (_, listed) = through(&upstream, Some("application/json"), r#"{"mfaType":"sms"}"#).await;
    let schema = listed
        .iter()
        .find(|v| v["check"] == "request_schema_conformance")
        .unwrap_or_else(|| panic!("{listed:#?}"));
    assert_eq!(schema["side"], "request");
    assert_eq!(schema["instancePointer"], "/mfaType");
    assert_eq!(schema["schemaPointer"], "/properties/mfaType/enum");
    // The upstream refused it properly: no response-side violation.
    assert!(
        !listed.iter().any(|v| v["side"] == "response"),
        "{listed:#?}"
    );

    let (_, listed) = through(&upstream, None, r#"{"mfaType":"PASSKEY"}"#).await;
    assert!(
        has(&listed, "request", "request_content_type"),
        "{listed:#?}"
    );

    let proxy = proxy_to(&upstream.url, |_| {});
    let response = http_client(Duration::from_secs(5))
        .post(format!("{}/mfa/primary", proxy.url()))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .header("Content-Type", "application/json")
        .body(r#"{"mfaType":"PASSKEY"}"#)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 401);
    let listed = violations(&proxy.url()).await["violations"].clone();
    let auth = listed
        .as_array()
        .and_then(|l| l.iter().find(|v| v["check"] == "request_auth_scheme"))
        .unwrap_or_else(|| panic!("{listed:#?}"));
    assert_eq!(
        auth["message"],
        "Authorization: the scheme is \"Basic\", not Bearer"
    );
    assert!(!auth.to_string().contains("dXNlcjpwYXNz"), "{auth}");
}

/// An upstream that says what it received.
fn echo() -> TestServer {
    TestServer::start(|req, body| {
        let path = req.path().to_owned();
        if path == "/redirect" {
            return HttpResponse::Found()
                .insert_header(("Location", "/elsewhere"))
                .finish()
                .into();
        }
        if path == "/stream" {
            let chunks = futures_util::stream::iter((0..50).map(|i| {
                Ok::<_, actix_web::Error>(actix_web::web::Bytes::from(format!("chunk-{i};")))
            }));
            return HttpResponse::Ok()
                .content_type("text/plain")
                .streaming(chunks)
                .into();
        }
        let headers: serde_json::Map<String, Value> = req
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), json!(v.to_str().unwrap_or(""))))
            .collect();
        HttpResponse::Ok()
            .insert_header(("X-Upstream", "echo"))
            .json(json!({
                "method": req.method().as_str(),
                "path": path,
                "query": req.query_string(),
                "bodyBytes": body.len(),
                "bodyStart": String::from_utf8_lossy(&body[..body.len().min(16)]),
                "headers": headers,
            }))
            .into()
    })
}

#[tokio::test]
async fn every_other_path_method_query_body_and_redirect_passes_through_unchanged() {
    let upstream = echo();
    let proxy = proxy_to(&upstream.url, |_| {});
    let client = http_client(Duration::from_secs(20));
    let upstream_host = upstream.url.trim_start_matches("http://").to_owned();

    for method in ["GET", "PUT", "PATCH", "DELETE"] {
        let response = client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).expect("method"),
                format!("{}/users/7/settings?expand=mfa&x=%20y", proxy.url()),
            )
            .header("X-Custom", "kept")
            .header("Connection", "keep-alive, X-Hop")
            .header("X-Hop", "dropped")
            .body("payload")
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 200);
        assert_eq!(response.headers()["x-upstream"], "echo");
        assert!(response.headers().get("mfa-contract-violations").is_none());
        let seen: Value = response.json().await.expect("json");
        assert_eq!(seen["method"], method);
        assert_eq!(seen["path"], "/users/7/settings");
        assert_eq!(seen["query"], "expand=mfa&x=%20y");
        assert_eq!(seen["bodyBytes"], 7);
        assert_eq!(seen["headers"]["x-custom"], "kept");
        assert!(seen["headers"].get("x-hop").is_none(), "{seen}");
        assert_eq!(seen["headers"]["host"], upstream_host.as_str());
    }

    // HEAD: the upstream's Content-Length comes back, with no body.
    let direct = client
        .head(format!("{}/users/7", upstream.url))
        .send()
        .await
        .expect("answered");
    let through = client
        .head(format!("{}/users/7", proxy.url()))
        .send()
        .await
        .expect("answered");
    assert_eq!(through.status(), 200);
    let length = direct.headers()["content-length"].clone();
    assert_ne!(length, "0");
    assert_eq!(through.headers()["content-length"], length);
    assert_eq!(through.bytes().await.expect("body").len(), 0);

    // A large body is streamed through, both ways.
    let big = vec![b'a'; 5 << 20];
    let response = client
        .post(format!("{}/upload", proxy.url()))
        .body(big)
        .send()
        .await
        .expect("answered");
    let seen: Value = response.json().await.expect("json");
    assert_eq!(seen["bodyBytes"], 5 << 20);

    let streamed = client
        .get(format!("{}/stream", proxy.url()))
        .send()
        .await
        .expect("answered")
        .text()
        .await
        .expect("body");
    assert!(
        streamed.starts_with("chunk-0;") && streamed.ends_with("chunk-49;"),
        "{streamed}"
    );

    // Redirects are passed back, never followed.
    let redirect = client
        .get(format!("{}/redirect", proxy.url()))
        .send()
        .await
        .expect("answered");
    assert_eq!(redirect.status(), 302);
    assert_eq!(redirect.headers()["location"], "/elsewhere");
    assert_eq!(proxy.state().totals_so_far().judged, 0);
}

#[tokio::test]
async fn an_upstream_that_refuses_hangs_or_resets_gets_a_502_or_504_naming_the_cause() {
    // Refused: a port nobody listens on.
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let refused_url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let proxy = proxy_to(&refused_url, |_| {});
    let (status, headers, body) = post(&proxy.url(), Some("application/json"), "{}").await;
    assert_eq!(status, 502);
    assert_eq!(
        count_header(&headers),
        2,
        "the refused answer and the client's bad body"
    );
    let body: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(body["success"], false);
    assert!(
        body["error"].as_str().expect("error").contains("refused"),
        "{body}"
    );
    let other = http_client(Duration::from_secs(5))
        .get(format!("{}/elsewhere", proxy.url()))
        .send()
        .await
        .expect("answered");
    assert_eq!(other.status(), 502);

    // Silent: accepts, never answers.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let silent_url = format!("http://{}", silent.local_addr().expect("addr"));
    let proxy = proxy_to(&silent_url, |c| c.upstream_timeout = Duration::from_secs(1));
    let started = Instant::now();
    let (status, _, body) = post(
        &proxy.url(),
        Some("application/json"),
        r#"{"mfaType":"PASSKEY"}"#,
    )
    .await;
    assert_eq!(status, 504, "{body}");
    // The 504 says the upstream timeout fired; the bound only catches a hang.
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );
    assert!(body.contains("no answer within 1 s"), "{body}");

    // Reset: reads the request, closes without a word.
    let resetting = TcpListener::bind("127.0.0.1:0").expect("bind");
    let resetting_url = format!("http://{}", resetting.local_addr().expect("addr"));
    let closer = std::thread::spawn(move || {
        for stream in resetting.incoming().take(2) {
            let mut stream = stream.expect("accepted");
            let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
            let mut buffer = [0u8; 4096];
            let _ = stream.read(&mut buffer);
            let _ = stream.flush();
        }
    });
    let proxy = proxy_to(&resetting_url, |_| {});
    let (status, _, body) = post(
        &proxy.url(),
        Some("application/json"),
        r#"{"mfaType":"PASSKEY"}"#,
    )
    .await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("without a complete answer"), "{body}");
    let listed = violations(&proxy.url()).await;
    assert!(
        has(
            listed["violations"].as_array().expect("list"),
            "response",
            "response_received"
        ),
        "{listed}"
    );
    let (status, _, _) = post(
        &proxy.url(),
        Some("application/json"),
        r#"{"mfaType":"PASSKEY"}"#,
    )
    .await;
    assert_eq!(status, 502, "the proxy keeps serving");
    let _ = closer.join();
    drop(silent);
}

#[tokio::test]
async fn strict_turns_an_answer_that_breaks_the_contract_into_a_502_listing_why() {
    let upstream = TestServer::start(handler(Variant::Plain, Fault::WrongFieldTypes));
    let proxy = proxy_to(&upstream.url, |c| c.strict = true);
    let (status, headers, body) = post(
        &proxy.url(),
        Some("application/json"),
        r#"{"mfaType":"PASSKEY"}"#,
    )
    .await;
    assert_eq!(status, 502);
    assert!(count_header(&headers) >= 1);
    let body: Value = serde_json::from_str(&body).expect("json");
    let contract = contract();
    assert!(
        contract.error_schema().violations(&body).is_empty(),
        "{body}"
    );
    let listed = body["violations"].as_array().expect("violations");
    assert!(
        listed.iter().any(|v| v["pointer"] == "/success"
            && v["message"]
                .as_str()
                .is_some_and(|m| m.starts_with("response_schema_conformance"))),
        "{body}"
    );

    let clean = TestServer::start(handler(Variant::Plain, Fault::None));
    let proxy = proxy_to(&clean.url, |c| c.strict = true);
    let (status, _, _) = post(
        &proxy.url(),
        Some("application/json"),
        r#"{"mfaType":"PASSKEY"}"#,
    )
    .await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn a_rate_limited_or_unavailable_upstream_is_the_environment_never_a_violation() {
    // 429 with Retry-After, 503 with Retry-After: what the checker waits out and counts as the
    // environment. Not a status the contract knows, and no body in its shapes.
    let upstream = TestServer::start(|req, _| {
        let status = if req.headers().contains_key("x-warming-up") {
            503
        } else {
            429
        };
        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status"))
            .insert_header(("Retry-After", "2"))
            .content_type("text/plain")
            .body("slow down")
            .into()
    });
    let proxy = proxy_to(&upstream.url, |c| c.strict = true);
    let client = http_client(Duration::from_secs(10));
    for warming_up in [false, true, false] {
        let mut request = client
            .post(format!("{}/mfa/primary", proxy.url()))
            .header("Authorization", format!("Bearer {DISTINCTIVE_TOKEN}"))
            .header("Content-Type", "application/json")
            .body(r#"{"mfaType":"PASSKEY"}"#);
        if warming_up {
            request = request.header("X-Warming-Up", "1");
        }
        let response = request.send().await.expect("answered");
        // Passed on as it came, never turned into a 502 by --strict.
        let expected = if warming_up { 503 } else { 429 };
        assert_eq!(response.status().as_u16(), expected);
        assert_eq!(count_header(response.headers()), 0);
    }
    let listed = violations(&proxy.url()).await;
    assert_eq!(listed["violations"], json!([]), "{listed}");
    assert_eq!(listed["totals"]["responseSide"], 0, "{listed}");
    assert_eq!(
        listed["totals"]["environment"],
        json!({"429": 2, "503": 1}),
        "{listed}"
    );
    let summary = proxy.state().summary();
    assert!(
        summary.contains("environment, not judged (rate limited or unavailable): 429 x2, 503 x1"),
        "{summary}"
    );
    assert!(summary.contains("0 violations"), "{summary}");
}

#[tokio::test]
async fn a_recording_becomes_fixtures_the_mock_serves_by_name() {
    let dir = tempfile::tempdir().expect("dir");
    let record = dir.path().join("copy");
    let extra = TestServer::start(handler(Variant::ExtraFields, Fault::EchoesToken));
    {
        let proxy = proxy_to(&extra.url, |c| c.record = Some(record.clone()));
        for body in [
            r#"{"mfaType":"PASSKEY"}"#,
            r#"{"mfaType":"GOOGLE_AUTH"}"#,
            r#"{"mfaType":"SMS"}"#,
        ] {
            post(&proxy.url(), Some("application/json"), body).await;
        }
    }
    let mut written: Vec<String> = crate::support::files_under(&record)
        .iter()
        .map(|p| p.display().to_string())
        .filter(|p| p.contains("recorded-"))
        .collect();
    written.sort();
    // Two shapes: the 200 (once, though sent twice) and the 400.
    assert_eq!(written.len(), 2, "{written:?}");
    for path in &written {
        let text = std::fs::read_to_string(path).expect("read");
        assert_no_token(path, &text, DISTINCTIVE_TOKEN);
    }
    let ok = written
        .iter()
        .find(|p| p.contains("/200/"))
        .expect("the 200 was recorded");
    let recorded: Value =
        serde_json::from_str(&std::fs::read_to_string(ok).expect("read")).expect("json");
    assert_eq!(recorded["requestId"], "req-8f2a");
    assert!(
        recorded["message"]
            .as_str()
            .expect("message")
            .contains("[token]"),
        "{recorded}"
    );

    // Serve it: the contract copy loads, and the mock answers with the recording by name.
    let copy = Arc::new(Contract::from_dir(&record).expect("the copy loads"));
    let name = std::path::Path::new(ok)
        .file_stem()
        .and_then(|s| s.to_str())
        .expect("name")
        .to_owned();
    let mock = MockServer::start(
        copy,
        MockConfig {
            server: ServerOptions {
                port: 0,
                ..ServerOptions::default()
            },
            ..MockConfig::default()
        },
    )
    .expect("mock");
    let served: Value = http_client(Duration::from_secs(5))
        .post(format!("{}/mfa/primary", mock.url()))
        .header("Authorization", "Bearer any-token")
        .header("Content-Type", "application/json")
        .header("Prefer", format!("example={name}"))
        .body(r#"{"mfaType":"PASSKEY"}"#)
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert_eq!(served, recorded);

    // A recording that breaks the contract is kept, marked, and named by `contract validate`.
    let broken = TestServer::start(handler(Variant::Plain, Fault::WrongFieldTypes));
    {
        let proxy = proxy_to(&broken.url, |c| c.record = Some(record.clone()));
        post(
            &proxy.url(),
            Some("application/json"),
            r#"{"mfaType":"PASSKEY"}"#,
        )
        .await;
    }
    let marked: Vec<String> = crate::support::files_under(&record)
        .iter()
        .map(|p| p.display().to_string())
        .filter(|p| p.ends_with(".breaks-contract.json"))
        .collect();
    assert_eq!(marked.len(), 1, "{marked:?}");
    assert!(
        marked[0].contains("recorded-3"),
        "numbering goes on: {marked:?}"
    );
    let output =
        crate::support::mfa_contract(&["contract", "validate", record.to_str().expect("utf-8")]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        crate::support::stderr(&output)
    );
    let text = crate::support::stdout(&output);
    assert!(
        text.contains("breaking   recorded-3")
            && text.contains("does not match response-200.schema.json at /success"),
        "{text}"
    );
}

#[tokio::test]
async fn the_mock_in_front_of_a_backend_answers_the_endpoint_and_forwards_the_rest() {
    let upstream = echo();
    let mock = Process::mock(&["--upstream", &upstream.url, "--log-format", "off"]);
    let client = http_client(Duration::from_secs(5));
    let endpoint = client
        .post(format!("{}/mfa/primary", mock.url))
        .header("Authorization", "Bearer any-token")
        .header("Content-Type", "application/json")
        .header("Prefer", "code=500")
        .body(r#"{"mfaType":"PASSKEY"}"#)
        .send()
        .await
        .expect("answered");
    assert_eq!(
        endpoint.status(),
        500,
        "the mock's scenario, not the backend"
    );
    let other: Value = client
        .get(format!("{}/profile?id=3", mock.url))
        .send()
        .await
        .expect("answered")
        .json()
        .await
        .expect("json");
    assert_eq!(other["path"], "/profile");
    assert_eq!(other["query"], "id=3");
    assert_eq!(upstream.request_count(), 1);
}

#[tokio::test]
async fn the_proxy_binary_logs_each_violation_once_and_sums_them_up_at_stop_without_the_token() {
    let upstream = TestServer::start(handler(Variant::Plain, Fault::EchoesToken));
    let mut proxy = Process::proxy(&["--upstream", &upstream.url]);
    post(
        &proxy.url,
        Some("application/json"),
        r#"{"mfaType":"PASSKEY"}"#,
    )
    .await;
    post(&proxy.url, None, r#"{"mfaType":"PASSKEY"}"#).await;
    let status = proxy
        .signal_and_wait("INT", Duration::from_secs(10))
        .expect("stops on Ctrl-C");
    assert!(status.success(), "{status:?}");
    let out = proxy.stdout_lines().join("\n");
    assert_no_token("proxy output", &out, DISTINCTIVE_TOKEN);
    assert_eq!(
        out.lines()
            .filter(|l| l.contains("WARN contract violation by the upstream: no_token_echo"))
            .count(),
        1,
        "{out}"
    );
    assert!(
        out.contains("WARN contract violation by the client: request_content_type"),
        "{out}"
    );
    assert!(
        out.contains("2 exchanges with POST /mfa/primary judged")
            && out.contains("no_token_echo: 1"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_https_upstream_is_reached_with_ca_cert_or_insecure_and_a_bad_certificate_is_a_502() {
    let pki = crate::support::tls::pki();
    let (port, server) = crate::support::tls::serve(&pki).await;
    let upstream = format!("https://localhost:{port}");
    let valid = r#"{"mfaType":"PASSKEY"}"#;

    let untrusted = proxy_to(&upstream, |_| {});
    let (status, _, body) = post(&untrusted.url(), Some("application/json"), valid).await;
    assert_eq!(status, 502, "{body}");
    assert!(body.contains("TLS handshake"), "{body}");

    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).expect("write CA");
    let trusted = proxy_to(&upstream, |c| c.tls.ca_cert = Some(ca.clone()));
    let (status, headers, body) = post(&trusted.url(), Some("application/json"), valid).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(count_header(&headers), 0, "{body}");

    let insecure = proxy_to(&upstream, |c| c.tls.insecure = true);
    let (status, _, body) = post(&insecure.url(), Some("application/json"), valid).await;
    assert_eq!(status, 200, "{body}");

    let garbage = dir.path().join("not-a-cert.pem");
    std::fs::write(&garbage, "hello").expect("write");
    let mut config = ProxyConfig::new(url::Url::parse(&upstream).expect("url"));
    config.server.port = 0;
    config.tls.ca_cert = Some(garbage);
    let error = ProxyServer::start(contract(), config)
        .err()
        .expect("a file without a certificate is refused");
    assert!(error.to_string().contains("--ca-cert"), "{error}");
    server.abort();
}

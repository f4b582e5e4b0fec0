//! On the wire as browsers and frameworks speak it (issue 26): the reference backend made to
//! compress, mislabel, negotiate, refuse one allowed variation, send big header blocks or a
//! compression bomb; each judged by the proxy and by the checker, with the verdict that is right.

use std::io::Write as _;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::body::MessageBody as _;
use serde_json::Value;

use crate::check::{config, run};
use crate::support::reference::{Fault, Variant, handler};
use crate::support::{Answer, Process, TestServer, http_client, wait_for_line};
use mfa_contract::report;

/// How the backend treats what the reference backend answers, or the request before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Behaviour {
    /// Compresses as `Accept-Encoding` asks (gzip, br, zstd, deflate), and says so.
    Compresses,
    /// Gzips every answer to a request that accepts gzip, without `Content-Encoding`.
    GzipUnlabelled,
    /// Says `Content-Encoding: gzip` to a request that accepts gzip, and sends plain bytes.
    GzipLabelLies,
    /// A 406 to an `Accept` that leaves out JSON: correct negotiation.
    Negotiates,
    /// A 415 to a Content-Type with parameters (`; charset=utf-8`).
    RefusesCharset,
    /// A 415 to a Content-Type in another case than `application/json`.
    RefusesContentTypeCase,
    /// A 400 to an `Accept` with q-values.
    RefusesQValues,
    /// A 500 HTML page to a request that asks for compression.
    CrashesOnAcceptEncoding,
    /// A 500 HTML page to a body holding characters outside ASCII.
    CrashesOnNonAscii,
    /// 30 `Set-Cookie` lines and 16 KiB of headers on every answer; `Connection: close` on
    /// every third.
    HeaderBlocks,
    /// Every answer is gzip that decodes to 64 MiB.
    Bomb,
}

fn header<'r>(req: &'r actix_web::HttpRequest, name: &str) -> Option<&'r str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).expect("in memory");
    encoder.finish().expect("in memory")
}

/// `response` with its body in `coding`, and `label` (if any) as its Content-Encoding.
fn recoded(response: HttpResponse, coding: &str, label: Option<&str>) -> HttpResponse {
    let status = response.status();
    let content_type = response.headers().get("content-type").cloned();
    let plain = response
        .into_body()
        .try_into_bytes()
        .map(|b| b.to_vec())
        .unwrap_or_default();
    let body = match coding {
        "gzip" => gzip(&plain),
        "zstd" => zstd::encode_all(plain.as_slice(), 3).expect("in memory"),
        "br" => {
            let mut out = Vec::new();
            brotli::CompressorWriter::new(&mut out, 4096, 5, 22)
                .write_all(&plain)
                .expect("in memory");
            out
        }
        _ => plain,
    };
    let mut builder = HttpResponse::build(status);
    if let Some(content_type) = content_type {
        builder.insert_header(("content-type", content_type));
    }
    if let Some(label) = label {
        builder.insert_header(("content-encoding", label));
    }
    builder.body(body)
}

fn backend(behaviour: Behaviour) -> TestServer {
    let reference = handler(Variant::Plain, Fault::None);
    // Made once: compressing 64 MiB takes a while.
    let bomb = (behaviour == Behaviour::Bomb).then(|| gzip(&vec![b' '; 64 << 20]));
    let counter = std::sync::atomic::AtomicUsize::new(0);
    TestServer::start(move |req, body| {
        let accepts =
            |coding: &str| header(req, "accept-encoding").is_some_and(|a| a.contains(coding));
        let content_type = header(req, "content-type").unwrap_or("");
        let refusal = |status: u16| {
            HttpResponse::build(actix_web::http::StatusCode::from_u16(status).expect("status"))
                .content_type("application/json")
                .body(r#"{"success":false,"error":"refused"}"#)
                .into()
        };
        match behaviour {
            Behaviour::Negotiates
                if header(req, "accept")
                    .is_some_and(|a| !a.contains("json") && !a.contains("*/*")) =>
            {
                return HttpResponse::NotAcceptable()
                    .content_type("text/html")
                    .body("<p>406</p>")
                    .into();
            }
            Behaviour::RefusesCharset if content_type.contains(';') => return refusal(415),
            Behaviour::RefusesContentTypeCase
                if !content_type.is_empty() && !content_type.starts_with("application/json") =>
            {
                return refusal(415);
            }
            Behaviour::RefusesQValues
                if header(req, "accept").is_some_and(|a| a.contains(";q=")) =>
            {
                return refusal(400);
            }
            Behaviour::CrashesOnAcceptEncoding if header(req, "accept-encoding").is_some() => {
                return HttpResponse::InternalServerError()
                    .content_type("text/html")
                    .body("<h1>crash</h1>")
                    .into();
            }
            Behaviour::CrashesOnNonAscii if !body.is_ascii() => {
                return HttpResponse::InternalServerError()
                    .content_type("text/html")
                    .body("<h1>crash</h1>")
                    .into();
            }
            _ => {}
        }
        let Answer::Now(response) = reference(req, body) else {
            panic!("the plain reference backend answers at once");
        };
        match behaviour {
            Behaviour::Compresses => {
                let coding = ["br", "zstd", "gzip"].into_iter().find(|c| accepts(c));
                match coding {
                    Some(coding) => recoded(response, coding, Some(coding)).into(),
                    None => response.into(),
                }
            }
            Behaviour::GzipUnlabelled if accepts("gzip") => recoded(response, "gzip", None).into(),
            Behaviour::GzipLabelLies if accepts("gzip") => {
                recoded(response, "identity", Some("gzip")).into()
            }
            Behaviour::Bomb => HttpResponse::Ok()
                .content_type("application/json")
                .insert_header(("content-encoding", "gzip"))
                .body(bomb.clone().unwrap_or_default())
                .into(),
            Behaviour::HeaderBlocks => {
                let mut response = response;
                let headers = response.headers_mut();
                for i in 0..30 {
                    headers.append(
                        actix_web::http::header::SET_COOKIE,
                        format!("c{i}=v{i}; Path=/; HttpOnly")
                            .parse()
                            .expect("a value"),
                    );
                }
                for i in 0..16 {
                    headers.insert(
                        format!("x-padding-{i}").parse().expect("a name"),
                        "p".repeat(1000).parse().expect("a value"),
                    );
                }
                let n = counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                if n % 3 == 2 {
                    headers.insert(
                        actix_web::http::header::CONNECTION,
                        "close".parse().expect("a value"),
                    );
                }
                response.into()
            }
            _ => response.into(),
        }
    })
}

/// `POST /mfa/primary` as a browser's app sends it, with `extra` headers.
fn app_call(
    client: &reqwest::Client,
    base: &str,
    extra: &[(&str, &str)],
) -> reqwest::RequestBuilder {
    let mut request = client
        .post(format!("{base}/mfa/primary"))
        .bearer_auth("browser-user")
        .header("Content-Type", "application/json")
        .body(r#"{"mfaType":"PASSKEY"}"#);
    for (name, value) in extra {
        request = request.header(*name, *value);
    }
    request
}

/// The proxy's verdict on an answer: its `Mfa-Contract-Violations` header.
fn violations_header(answer: &reqwest::Response) -> Option<&str> {
    answer
        .headers()
        .get("mfa-contract-violations")
        .and_then(|v| v.to_str().ok())
}

/// The proxy's list of violations.
async fn listed_violations(client: &reqwest::Client, proxy: &str) -> Value {
    client
        .get(format!("{proxy}/__admin/violations"))
        .send()
        .await
        .expect("violations")
        .json()
        .await
        .expect("JSON")
}

/// The names of the checks that failed, each with its class.
fn failed(report: &report::Report) -> Vec<(String, String)> {
    report
        .failures
        .iter()
        .map(|f| (f.check.clone(), f.class.clone()))
        .collect()
}

async fn check(behaviour: Behaviour) -> report::Report {
    let server = backend(behaviour);
    let mut config = config(&server.url);
    config.cases = 10;
    run(&config).await
}

#[tokio::test]
async fn the_checker_decodes_every_coding_and_finds_nothing_in_a_backend_that_compresses() {
    let report = check(Behaviour::Compresses).await;
    assert!(report.is_clean(), "{}", report::human(&report));
}

#[tokio::test]
async fn the_checker_catches_unlabelled_and_mislabelled_compression() {
    for (behaviour, says) in [
        (Behaviour::GzipUnlabelled, "no Content-Encoding says so"),
        (Behaviour::GzipLabelLies, "ERR_CONTENT_DECODING_FAILED"),
    ] {
        let report = check(behaviour).await;
        let finding = report
            .failures
            .iter()
            .find(|f| f.check == "content_encoding_conformance")
            .unwrap_or_else(|| panic!("{behaviour:?}: {}", report::human(&report)));
        assert_eq!(
            finding.class, "positive.variation.accept_encoding_browser",
            "{behaviour:?}"
        );
        assert!(
            finding.message.contains(says),
            "{behaviour:?}: {}",
            finding.message
        );
    }
}

#[tokio::test]
async fn a_backend_that_refuses_an_allowed_variation_is_caught_by_name() {
    for (behaviour, class) in [
        (
            Behaviour::RefusesCharset,
            "positive.variation.content_type_charset",
        ),
        (
            Behaviour::RefusesContentTypeCase,
            "positive.variation.content_type_case",
        ),
        (
            Behaviour::RefusesQValues,
            "positive.variation.accept_q_values",
        ),
        (
            Behaviour::CrashesOnAcceptEncoding,
            "positive.variation.accept_encoding_browser",
        ),
        (
            Behaviour::CrashesOnNonAscii,
            "positive.variation.extra_property_unicode",
        ),
    ] {
        let report = check(behaviour).await;
        let found = failed(&report);
        assert!(
            found.iter().any(|(_, c)| c == class),
            "{behaviour:?}: no failure for {class}: {found:?}"
        );
        let variation = class.trim_start_matches("positive.variation.");
        let named = report
            .failures
            .iter()
            .filter(|f| f.class == class)
            .any(|f| f.message.contains(variation) || f.check != "positive_data_acceptance");
        assert!(named, "{behaviour:?}: {}", report::human(&report));
        let coverage = report
            .coverage
            .items
            .iter()
            .find(|i| i.name == class)
            .expect("each variation is a coverage item");
        assert!(!coverage.reached, "{class}: {coverage:?}");
    }
}

#[tokio::test]
async fn a_406_to_an_accept_without_json_is_not_a_violation() {
    let report = check(Behaviour::Negotiates).await;
    assert!(report.is_clean(), "{}", report::human(&report));
}

#[tokio::test]
async fn the_proxy_passes_compressed_answers_through_unchanged_and_judges_them_decoded() {
    let upstream = backend(Behaviour::Compresses);
    let proxy = Process::proxy(&["--upstream", &upstream.url]);
    let client = http_client(Duration::from_secs(10));
    for coding in ["gzip", "br", "zstd"] {
        let answer = app_call(&client, &proxy.url, &[("Accept-Encoding", coding)])
            .send()
            .await
            .expect("an answer");
        assert_eq!(
            answer
                .headers()
                .get("content-encoding")
                .and_then(|v| v.to_str().ok()),
            Some(coding)
        );
        assert_eq!(violations_header(&answer), Some("0"));
        let bytes = answer.bytes().await.expect("a body");
        let decoded =
            mfa_contract::internals::coding::decode(Some(coding), bytes.to_vec(), 1 << 20);
        assert!(
            decoded.problem.is_none(),
            "the client got the upstream's {coding} bytes"
        );
        let body: Value = serde_json::from_slice(&decoded.body).expect("JSON once decoded");
        assert_eq!(body["success"], true);
    }
    // A 406 to a browser asking for HTML only is negotiation, not a violation.
    let upstream = backend(Behaviour::Negotiates);
    let negotiating = Process::proxy(&["--upstream", &upstream.url]);
    let answer = app_call(&client, &negotiating.url, &[("Accept", "text/html")])
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 406);
    assert_eq!(violations_header(&answer), Some("0"));
}

#[tokio::test]
async fn the_proxy_reports_mislabelled_compression_as_what_the_browser_would_see() {
    let client = http_client(Duration::from_secs(10));
    for (behaviour, says) in [
        (Behaviour::GzipUnlabelled, "no Content-Encoding says so"),
        (Behaviour::GzipLabelLies, "ERR_CONTENT_DECODING_FAILED"),
    ] {
        let upstream = backend(behaviour);
        let proxy = Process::proxy(&["--upstream", &upstream.url]);
        let browser = [(
            "Accept-Encoding",
            mfa_contract::internals::coding::BROWSER_ACCEPT_ENCODING,
        )];
        app_call(&client, &proxy.url, &browser)
            .send()
            .await
            .expect("an answer");
        let listed = listed_violations(&client, &proxy.url).await;
        let found = listed["violations"]
            .as_array()
            .expect("a list")
            .iter()
            .find(|v| v["check"] == "content_encoding_conformance")
            .unwrap_or_else(|| panic!("{behaviour:?}: {listed}"));
        assert!(
            found["message"].as_str().is_some_and(|m| m.contains(says)),
            "{found}"
        );
    }
}

#[tokio::test]
async fn big_header_blocks_and_closed_connections_pass_through_the_proxy_unchanged() {
    let upstream = backend(Behaviour::HeaderBlocks);
    let mut proxy = Process::proxy(&["--upstream", &upstream.url]);
    let client = http_client(Duration::from_secs(10));
    for _ in 0..12 {
        let answer = app_call(&client, &proxy.url, &[])
            .send()
            .await
            .expect("every exchange answered");
        assert_eq!(answer.status(), 200);
        let cookies = answer.headers().get_all("set-cookie").iter().count();
        assert_eq!(cookies, 30, "every Set-Cookie line passed on");
        assert_eq!(
            answer.headers().get("x-padding-15").map(|v| v.len()),
            Some(1000)
        );
        assert_eq!(violations_header(&answer), Some("0"));
    }
    assert!(
        proxy
            .signal_and_wait("INT", Duration::from_secs(10))
            .is_some()
    );
    let summary = wait_for_line(&proxy, "exchanges with").await;
    assert!(
        summary.contains("12 exchanges") && summary.contains("0 violations"),
        "{summary}"
    );
}

#[tokio::test]
async fn a_compression_bomb_is_cut_and_reported_not_read_into_memory() {
    let upstream = backend(Behaviour::Bomb);
    let proxy = Process::proxy(&["--upstream", &upstream.url]);
    let client = http_client(Duration::from_secs(20));
    let answer = app_call(&client, &proxy.url, &[])
        .send()
        .await
        .expect("an answer");
    let sent = answer.bytes().await.expect("the bytes").len();
    assert!(
        sent < 1 << 20,
        "the client got the compressed bytes as sent ({sent})"
    );
    let listed = listed_violations(&client, &proxy.url).await;
    assert!(
        listed
            .to_string()
            .contains("a compression bomb as far as a client can tell"),
        "{listed}"
    );
    // The proxy held at most the cap, not the 64 MiB.
    assert!(
        proxy.resident_kib() < 48 * 1024,
        "{} KiB",
        proxy.resident_kib()
    );
    let report = check(Behaviour::Bomb).await;
    assert!(
        report
            .failures
            .iter()
            .any(|f| f.check == "content_encoding_conformance"
                && f.message.contains("decodes to more than")),
        "{}",
        report::human(&report)
    );
}

/// A backend on a bare socket (actix would hide a header name's case): a 400 to any request
/// whose header names are written in title case (`Content-Type:`), 200 otherwise. Serves
/// until the test ends; each connection answers one request and closes.
fn title_case_refusing_backend() -> String {
    use std::io::Read as _;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming().take(2_000) {
            let Ok(mut stream) = stream else { continue };
            let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
            let mut seen = Vec::new();
            let mut buf = [0u8; 8192];
            while !seen.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => seen.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&seen).into_owned();
            let title_case = head.contains("\r\nContent-Type:");
            let (status, body) = if title_case {
                (
                    "400 Bad Request",
                    r#"{"success":false,"error":"bad header"}"#,
                )
            } else {
                (
                    "200 OK",
                    r#"{"success":true,"message":"Primary MFA method updated"}"#,
                )
            };
            let _ = write!(
                stream,
                "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    url
}

#[tokio::test]
async fn a_backend_that_refuses_title_case_header_names_is_caught_by_name() {
    let url = title_case_refusing_backend();
    let mut config = config(&url);
    config.cases = 4;
    let report = run(&config).await;
    let finding = crate::check::failure(
        &report,
        "positive_data_acceptance",
        "positive.variation.header_names_title_case",
    );
    assert!(
        finding.message.contains("header names in title case"),
        "{}",
        finding.message
    );
}

#[tokio::test]
async fn the_mock_compresses_as_asked_unless_told_not_to() {
    let client = http_client(Duration::from_secs(10));
    let mock = Process::mock(&[]);
    let plain = Process::mock(&["--no-compress"]);
    for (url, asked, expected) in [
        (&mock.url, "gzip", Some("gzip")),
        (&mock.url, "br", Some("br")),
        (&mock.url, "zstd", Some("zstd")),
        (&mock.url, "deflate", Some("deflate")),
        (&mock.url, "gzip;q=0.5, br;q=0.9", Some("br")),
        (&mock.url, "compress", None),
        (&mock.url, "IDENTITY", None),
        (&mock.url, "identity, gzip", Some("gzip")),
        (&plain.url, "gzip, br", None),
    ] {
        let answer = app_call(&client, url, &[("Accept-Encoding", asked)])
            .send()
            .await
            .expect("an answer");
        let coding = answer
            .headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        assert_eq!(coding.as_deref(), expected, "{asked}");
        let bytes = answer.bytes().await.expect("a body").to_vec();
        let decoded = mfa_contract::internals::coding::decode(coding.as_deref(), bytes, 1 << 20);
        assert_eq!(decoded.problem, None, "{asked}");
        let body: Value = serde_json::from_slice(&decoded.body).expect("JSON");
        assert_eq!(body["success"], true, "{asked}");
    }
    // Without Accept-Encoding, plain JSON and no Vary from the mock's compression.
    let answer = app_call(&client, &mock.url, &[])
        .send()
        .await
        .expect("an answer");
    assert!(answer.headers().get("content-encoding").is_none());
    // The admin API's answers too (compressed by its scope, the pipeline's by its handler).
    for (url, expected) in [(&mock.url, Some("gzip")), (&plain.url, None)] {
        let answer = client
            .get(format!("{url}/__admin/requests"))
            .header("Accept-Encoding", "gzip")
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.status(), 200);
        let coding = answer
            .headers()
            .get("content-encoding")
            .map(|v| v.to_str().expect("ASCII").to_owned());
        assert_eq!(coding.as_deref(), expected, "{url}");
    }
}

/// An upstream that closes idle keep-alive connections after 200 ms, as many load balancers
/// and frameworks do with short idle timeouts.
fn impatient_upstream() -> (String, actix_web::dev::ServerHandle) {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let (sender, receiver) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = actix_web::HttpServer::new(|| {
                actix_web::App::new().default_service(actix_web::web::to(|| async {
                    HttpResponse::Ok()
                        .content_type("application/json")
                        .body(r#"{"success":true,"message":"Primary MFA method updated"}"#)
                }))
            })
            .keep_alive(Duration::from_millis(200))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .expect("listen")
            .run();
            sender.send(server.handle()).expect("handle");
            let _ = server.await;
        });
    });
    (url, receiver.recv().expect("started"))
}

#[tokio::test]
async fn an_upstream_that_drops_idle_connections_loses_no_exchange() {
    let (upstream, handle) = impatient_upstream();
    let proxy = Process::proxy(&["--upstream", &upstream]);
    let client = http_client(Duration::from_secs(10));
    for pause in [0, 250, 50, 300, 0, 400, 220, 10] {
        tokio::time::sleep(Duration::from_millis(pause)).await;
        let answer = app_call(&client, &proxy.url, &[])
            .send()
            .await
            .expect("an answer");
        assert_eq!(answer.status(), 200, "after a pause of {pause} ms");
        assert_eq!(violations_header(&answer), Some("0"));
    }
    handle.stop(false).await;
}

/// One HAR entry of a valid exchange whose answer has `response_headers` and `content`.
fn har_entry(response_headers: Value, content: Value) -> Value {
    serde_json::json!({
        "startedDateTime": "2026-12-01T10:15:12.123Z",
        "time": 12.5,
        "request": {
            "method": "POST", "url": "https://api.example.test/mfa/primary", "httpVersion": "HTTP/1.1",
            "headers": [
                {"name": "authorization", "value": "Bearer har-user"},
                {"name": "content-type", "value": "application/json"},
                {"name": "accept-encoding", "value": mfa_contract::internals::coding::BROWSER_ACCEPT_ENCODING}
            ],
            "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 21,
            "postData": {"mimeType": "application/json", "text": "{\"mfaType\":\"PASSKEY\"}"}
        },
        "response": {
            "status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "headers": response_headers,
            "cookies": [], "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1
        },
        "cache": {}, "timings": {"send": 0, "wait": 12, "receive": 0.5}
    })
}

#[test]
fn check_har_reads_bodies_as_browsers_store_them_and_catches_unlabelled_compression() {
    use base64::Engine as _;
    let json = r#"{"success":true,"message":"Primary MFA method updated"}"#;
    let gzipped = base64::engine::general_purpose::STANDARD.encode(gzip(json.as_bytes()));
    let labelled = serde_json::json!([
        {"name": "content-type", "value": "application/json"},
        {"name": "content-encoding", "value": "gzip"}
    ]);
    let unlabelled = serde_json::json!([{"name": "content-type", "value": "application/json"}]);
    let entries = vec![
        // DevTools: the text decoded, beside the header it came with.
        har_entry(
            labelled.clone(),
            serde_json::json!({"size": 54, "mimeType": "application/json", "text": json}),
        ),
        // A recorder that kept the bytes as sent.
        har_entry(
            labelled,
            serde_json::json!({"size": 54, "mimeType": "application/json", "text": gzipped, "encoding": "base64"}),
        ),
        // Compressed bytes the server sent without saying so.
        har_entry(
            unlabelled,
            serde_json::json!({"size": 54, "mimeType": "application/json", "text": gzipped, "encoding": "base64"}),
        ),
    ];
    let document = serde_json::json!({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": entries}});
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("capture.har");
    std::fs::write(&file, document.to_string()).expect("write the capture");
    let output = crate::support::mfa_contract(&[
        "check",
        "--har",
        file.to_str().expect("utf-8"),
        "--format",
        "json",
    ]);
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(report["judged"], 3, "{report}");
    let findings: Vec<(u64, String)> = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["entry"]["index"].as_u64().unwrap_or_default(),
                f["check"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert!(
        findings.iter().all(|(entry, _)| *entry == 2),
        "only the third entry is wrong: {findings:?}"
    );
    assert!(
        findings
            .iter()
            .any(|(_, check)| check == "content_encoding_conformance"),
        "{findings:?}"
    );
    assert_eq!(output.status.code(), Some(1));
}

//! The checker against hostile targets: small servers written for these tests that never
//! answer, hang up, send too much, speak broken HTTP or TLS with a bad certificate. A target
//! that gives no usable answer ends the run fast with exit 3 and the cause (issue 11: the
//! environment is not the contract); bodies are read only up to the cap, no redirect is
//! followed, and no token is printed.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use mfa_contract::Contract;
use mfa_contract::check::{self, CheckConfig, Silent};
use mfa_contract::remote::Secret;
use mfa_contract::report::{self, Report};

use crate::support::{DISTINCTIVE_TOKEN, Process, TestServer, assert_no_token};

type Behaviour = fn(TcpStream, &AtomicBool);

/// A raw TCP server, one thread per connection, stopped (and joined) on drop.
struct RawServer {
    url: String,
    /// Connections accepted so far.
    accepted: Arc<std::sync::atomic::AtomicUsize>,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RawServer {
    fn start(behaviour: Behaviour) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        listener.set_nonblocking(true).expect("nonblocking");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let accepted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counter = accepted.clone();
        let thread = std::thread::spawn(move || {
            let mut workers = Vec::new();
            while !flag.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((stream, _)) => {
                        counter.fetch_add(1, Ordering::SeqCst);
                        stream.set_nonblocking(false).expect("blocking");
                        // A client that stops reading must not block a writer (and so the drop) forever.
                        stream
                            .set_write_timeout(Some(Duration::from_secs(2)))
                            .expect("write timeout");
                        let flag = flag.clone();
                        workers.push(std::thread::spawn(move || behaviour(stream, &flag)));
                    }
                    Err(_) => std::thread::sleep(Duration::from_millis(5)),
                }
            }
            for worker in workers {
                let _ = worker.join();
            }
        });
        Self {
            url,
            accepted,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request (head and a Content-Length body), bounded in time.
fn read_request(stream: &TcpStream) {
    stream
        .set_read_timeout(Some(Duration::from_secs(2)))
        .expect("timeout");
    let mut reader = BufReader::new(stream);
    let mut length = 0usize;
    let mut line = String::new();
    while reader.read_line(&mut line).is_ok_and(|n| n > 0) {
        if line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        line.clear();
    }
    let mut body = vec![0u8; length.min(1 << 20)];
    let _ = reader.read_exact(&mut body);
}

fn never_answers(stream: TcpStream, stop: &AtomicBool) {
    read_request(&stream);
    let started = Instant::now();
    while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn accepts_and_closes(stream: TcpStream, _: &AtomicBool) {
    drop(stream);
}

fn closes_mid_body(mut stream: TcpStream, _: &AtomicBool) {
    read_request(&stream);
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"succ",
    );
}

fn sends_100_mb(mut stream: TcpStream, stop: &AtomicBool) {
    read_request(&stream);
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n",
    );
    let chunk = vec![b' '; 1 << 16];
    for _ in 0..1600 {
        if stop.load(Ordering::SeqCst) || stream.write_all(&chunk).is_err() {
            return;
        }
    }
}

fn endless_chunks(mut stream: TcpStream, stop: &AtomicBool) {
    read_request(&stream);
    let _ = stream.write_all(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    let chunk = format!("{:x}\r\n{}\r\n", 1 << 14, "[".repeat(1 << 14));
    let started = Instant::now();
    while !stop.load(Ordering::SeqCst) && started.elapsed() < Duration::from_secs(60) {
        if stream.write_all(chunk.as_bytes()).is_err() {
            return;
        }
    }
}

fn speaks_garbage(mut stream: TcpStream, _: &AtomicBool) {
    read_request(&stream);
    let _ = stream.write_all(b"HELLO THERE\r\nthis is not HTTP\r\n\r\n");
}

fn answers_slowly(mut stream: TcpStream, _: &AtomicBool) {
    read_request(&stream);
    std::thread::sleep(Duration::from_millis(700));
    let body = r#"{"success":true,"message":"Primary MFA method updated"}"#;
    let _ = stream.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes());
}

fn deep_json(mut stream: TcpStream, _: &AtomicBool) {
    read_request(&stream);
    let body = "[".repeat(100_000);
    let _ = stream.write_all(format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).as_bytes());
}

fn config(url: &str) -> CheckConfig {
    let mut config = CheckConfig::new(url.parse().expect("a target URL"));
    config.target.token.token = Some(Secret::new(DISTINCTIVE_TOKEN.into()));
    config.seed = 7;
    config.cases = 4;
    config.target.timeout = Duration::from_millis(800);
    config.deadline = Duration::from_secs(30);
    config
}

async fn run_against(url: &str, tweak: impl FnOnce(&mut CheckConfig)) -> (Report, Duration) {
    let mut config = config(url);
    tweak(&mut config);
    let started = Instant::now();
    let report = check::run(&Contract::embedded().expect("contract"), &config, &Silent)
        .await
        .expect("the run ends with a report");
    let text = format!(
        "{}{}{}",
        report::human(&report),
        serde_json::to_string(&report).expect("json"),
        report::junit(&report)
    );
    assert_no_token("report", &text, DISTINCTIVE_TOKEN);
    (report, started.elapsed())
}

/// Runs against a target that gives no usable answer: the run must end with exit 3 and a
/// message naming `cause`, and print no token.
async fn unusable(url: &str, tweak: impl FnOnce(&mut CheckConfig), cause: &str) -> Duration {
    let mut config = config(url);
    tweak(&mut config);
    let started = Instant::now();
    let error = check::run(&Contract::embedded().expect("contract"), &config, &Silent)
        .await
        .expect_err("the run stops");
    let took = started.elapsed();
    let text = error.to_string();
    assert_eq!(error.exit_code(), mfa_contract::exit::UNREACHABLE, "{text}");
    assert!(text.to_lowercase().contains(cause), "{text}");
    assert_no_token("error", &text, DISTINCTIVE_TOKEN);
    took
}

#[tokio::test]
async fn a_silent_target_ends_the_run_with_exit_3_at_the_first_request() {
    let server = RawServer::start(never_answers);
    // The timeout is 800 ms: the first request waits it out, a second one shaped otherwise does
    // too, and the run ends (the message is the first request's). The bound only catches a hang, generous for a busy machine.
    let took = unusable(
        &server.url,
        |_| {},
        "accepts connections but sends no http answer within 0.8 s",
    )
    .await;
    assert!(took < Duration::from_secs(20), "{took:?}");
    // The first valid request, and one shaped otherwise that tells a dead target from one input
    // it cannot take (check/liveness.rs); nothing more.
    assert_eq!(server.accepted.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn an_overall_deadline_shorter_than_the_work_stops_the_run_and_says_so() {
    let server = RawServer::start(answers_slowly);
    let (report, took) = run_against(&server.url, |c| {
        c.deadline = Duration::from_secs(2);
        c.concurrency = std::num::NonZeroUsize::new(2).expect("two");
    })
    .await;
    assert!(
        report.not_run > 0
            && report
                .stopped_by
                .as_deref()
                .is_some_and(|s| s.contains("deadline")),
        "{:?}",
        report.stopped_by
    );
    assert!(took < Duration::from_secs(5), "{took:?}");
}

#[tokio::test]
async fn hang_ups_broken_bodies_and_garbage_stop_the_run_after_five_in_a_row_with_the_cause() {
    for behaviour in [
        accepts_and_closes as Behaviour,
        closes_mid_body as Behaviour,
        speaks_garbage as Behaviour,
    ] {
        let server = RawServer::start(behaviour);
        let took = unusable(
            &server.url,
            |_| {},
            "5 requests in a row got no complete answer",
        )
        .await;
        assert!(took < Duration::from_secs(10), "{took:?}");
        let took = unusable(&server.url, |_| {}, "broken:").await;
        assert!(took < Duration::from_secs(10), "{took:?}");
    }
}

#[tokio::test]
async fn bodies_are_read_up_to_the_cap_and_no_further() {
    for behaviour in [sends_100_mb as Behaviour, endless_chunks as Behaviour] {
        let server = RawServer::start(behaviour);
        let took = unusable(
            &server.url,
            |c| c.target.max_response_bytes = 256 << 10,
            "too_large: the response body went past 262144 bytes",
        )
        .await;
        assert!(took < Duration::from_secs(20), "{took:?}");
    }
}

#[test]
fn the_checker_process_stays_small_against_a_100_mb_body() {
    let server = RawServer::start(sends_100_mb);
    let mut run = Process::spawn(&[
        "check",
        "--target",
        &server.url,
        "--token",
        DISTINCTIVE_TOKEN,
        "--cases",
        "4",
        "--timeout",
        "5",
    ]);
    let mut peak_kib = 0u64;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{}/status", run.child.id())) {
            let hwm = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok());
            peak_kib = peak_kib.max(hwm.unwrap_or(0));
        }
        if let Some(status) = run.wait(Duration::from_millis(50)) {
            break status;
        }
    };
    assert_eq!(status.code(), Some(3));
    // Eight requests in flight, each read up to the 1 MiB cap, against 100 MB offered each.
    assert!(peak_kib < 100 * 1024, "peak resident memory {peak_kib} KiB");
    let output = format!(
        "{}{}",
        run.stdout_lines().join("\n"),
        run.stderr_lines().join("\n")
    );
    assert!(output.contains("went past 1048576 bytes"), "{output}");
    assert_no_token("check output", &output, DISTINCTIVE_TOKEN);
}

#[tokio::test]
async fn json_nested_100000_levels_deep_is_a_schema_failure_not_a_crash() {
    let server = RawServer::start(deep_json);
    let (report, _) = run_against(&server.url, |_| {}).await;
    let failure = report
        .failures
        .iter()
        .find(|f| f.check == "response_schema_conformance")
        .expect("caught");
    assert!(
        failure.message.contains("not JSON") && failure.message.contains("recursion limit"),
        "{}",
        failure.message
    );
}

#[tokio::test]
async fn a_redirect_is_reported_and_not_followed_so_the_token_stays_home() {
    let elsewhere = TestServer::start(|_, _| {
        actix_web::HttpResponse::Ok()
            .content_type("application/json")
            .body("{}")
            .into()
    });
    let location = format!("{}/mfa/primary", elsewhere.url);
    let redirecting = TestServer::start(move |_, _| {
        actix_web::HttpResponse::Found()
            .insert_header(("Location", location.clone()))
            .finish()
            .into()
    });
    let (report, _) = run_against(&redirecting.url, |_| {}).await;
    assert_eq!(elsewhere.request_count(), 0, "the redirect was followed");
    let failure = report
        .failures
        .iter()
        .find(|f| f.check == "status_code_conformance" && f.class.starts_with("positive."))
        .expect("reported");
    assert!(
        failure
            .message
            .contains("302 redirect to http://127.0.0.1:"),
        "{}",
        failure.message
    );
}

mod tls {
    use super::*;
    use crate::support::tls::{pki, serve};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_bad_certificate_ends_the_run_and_ca_cert_or_insecure_gets_through() {
        let pki = pki();
        let (port, server) = serve(&pki).await;
        let url = format!("https://localhost:{port}");

        unusable(&url, |_| {}, "the tls handshake failed").await;

        let dir = tempfile::tempdir().expect("temp dir");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, &pki.ca_pem).expect("write CA");
        let (trusted, _) = run_against(&url, |c| c.target.tls.ca_cert = Some(ca.clone())).await;
        let received = trusted
            .checks
            .iter()
            .find(|c| c.name == "response_received")
            .expect("ran");
        assert_eq!(received.failed, 0, "{}", report::human(&trusted));

        let (insecure, _) = run_against(&url, |c| c.target.tls.insecure = true).await;
        let received = insecure
            .checks
            .iter()
            .find(|c| c.name == "response_received")
            .expect("ran");
        assert_eq!(received.failed, 0, "{}", report::human(&insecure));
        server.abort();
    }
}

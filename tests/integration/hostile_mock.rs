//! The mock under attack over a real socket: garbage, malformed HTTP, huge headers and bodies,
//! deep JSON, bad bytes, slow and many clients. Each time: well-formed HTTP with a JSON error,
//! or a closed connection; never a crash; the next client is served; memory stays bounded.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use proptest::prelude::*;

use crate::support::{Process, http_client};

fn addr(mock: &Process) -> String {
    mock.url.trim_start_matches("http://").to_owned()
}

/// Writes `bytes`, half-closes, and reads whatever comes back until close or `wait`. An empty
/// answer means the mock closed the connection; silence until `wait` is a hang, and fails.
fn exchange(addr: &str, bytes: &[u8], wait: Duration) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream.set_read_timeout(Some(wait)).expect("timeout");
    stream.set_write_timeout(Some(wait)).expect("timeout");
    // A server may close before reading everything; that is an answer too.
    let _ = stream.write_all(bytes);
    let _ = stream.shutdown(std::net::Shutdown::Write);
    let mut answer = Vec::new();
    if let Err(error) = stream.read_to_end(&mut answer) {
        let timed_out = matches!(
            error.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        );
        // A reset is a close; an answer followed by an open connection is an answer.
        assert!(
            !(timed_out && answer.is_empty()),
            "no answer and no close within {wait:?}: the mock hung"
        );
    }
    answer
}

/// An answer must be empty (closed) or an HTTP/1.1 response; JSON whenever it has a body and
/// comes from our own pipeline.
fn assert_http_or_closed(answer: &[u8], what: &str) {
    if answer.is_empty() {
        return;
    }
    let text = String::from_utf8_lossy(answer);
    assert!(text.starts_with("HTTP/1.1 "), "{what}: not HTTP: {text:?}");
}

fn status_of(answer: &[u8]) -> Option<u16> {
    String::from_utf8_lossy(answer)
        .split(' ')
        .nth(1)?
        .parse()
        .ok()
}

fn body_of(answer: &[u8]) -> String {
    let text = String::from_utf8_lossy(answer);
    text.split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default()
}

fn assert_still_serving(mock: &Process) {
    let answer = exchange(
        &addr(mock),
        b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer still-here-token\r\nContent-Type: application/json\r\nContent-Length: 21\r\nConnection: close\r\n\r\n{\"mfaType\":\"PASSKEY\"}",
        Duration::from_secs(5),
    );
    assert_eq!(
        status_of(&answer),
        Some(200),
        "the mock stopped serving: {:?}",
        String::from_utf8_lossy(&answer)
    );
}

fn fuzz_cases() -> u32 {
    std::env::var("MFA_CONTRACT_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(64)
}

#[test]
fn arbitrary_bytes_get_http_or_a_closed_connection_and_the_mock_keeps_serving() {
    let mock = Process::mock(&[]);
    let target = addr(&mock);
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: fuzz_cases(),
        failure_persistence: None,
        ..ProptestConfig::default()
    });
    let prefix = prop_oneof![
        Just(Vec::new()),
        Just(b"POST /mfa/primary HTTP/1.1\r\n".to_vec()),
        Just(b"GET / HTTP/1.1\r\nHost: x\r\n".to_vec())
    ];
    runner
        .run(
            &(prefix, prop::collection::vec(any::<u8>(), 0..2048)),
            |(prefix, bytes)| {
                let mut all = prefix;
                all.extend(bytes);
                let answer = exchange(&target, &all, Duration::from_secs(3));
                assert_http_or_closed(&answer, "arbitrary bytes");
                Ok(())
            },
        )
        .expect("every input answered or closed");
    assert_still_serving(&mock);
    let mut mock = mock;
    assert!(mock.child_is_running(), "the mock died");
}

#[test]
fn malformed_http_is_refused_and_the_mock_keeps_serving() {
    let mock = Process::mock(&[]);
    for raw in [
        &b"GET / HTTP/9.9\r\n\r\n"[..],
        b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n",
        b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"\r\n\r\n\r\n",
        b"POST /mfa/primary HTTP/1.1\r\nno colon here\r\n\r\n",
        b"P\x00ST /mfa/primary HTTP/1.1\r\n\r\n",
        b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n",
    ] {
        let answer = exchange(&addr(&mock), raw, Duration::from_secs(3));
        assert_http_or_closed(&answer, &String::from_utf8_lossy(raw));
        if let Some(status) = status_of(&answer) {
            assert!((400..500).contains(&status), "{status} for {:?}", String::from_utf8_lossy(raw));
        }
    }
    assert_still_serving(&mock);
}

#[test]
fn enormous_headers_are_refused_and_the_mock_keeps_serving() {
    let mock = Process::mock(&[]);
    let mut raw = b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\nX-Huge: ".to_vec();
    raw.extend(std::iter::repeat_n(b'a', 1 << 20));
    raw.extend(b"\r\n\r\n");
    let answer = exchange(&addr(&mock), &raw, Duration::from_secs(5));
    assert_http_or_closed(&answer, "1 MiB header");
    if let Some(status) = status_of(&answer) {
        assert!(status == 431 || status == 400, "{status}");
    }
    let many: String = (0..500).map(|i| format!("X-H{i}: v\r\n")).collect();
    let answer = exchange(
        &addr(&mock),
        format!("POST /mfa/primary HTTP/1.1\r\nHost: x\r\n{many}\r\n").as_bytes(),
        Duration::from_secs(5),
    );
    assert_http_or_closed(&answer, "500 headers");
    assert_still_serving(&mock);
}

#[test]
fn a_body_far_over_the_limit_is_refused_before_it_is_read() {
    let mock = Process::mock(&[]);
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr(&mock)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    stream
        .write_all(b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer big-body-token\r\nContent-Type: application/json\r\nContent-Length: 104857600\r\n\r\n{\"mfaType\":")
        .expect("write head");
    let mut answer = vec![0; 4096];
    let n = stream
        .read(&mut answer)
        .expect("an answer before the body is sent");
    answer.truncate(n);
    assert_eq!(
        status_of(&answer),
        Some(413),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(body_of(&answer).contains("over the limit of 65536 bytes"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "it did not wait for 100 MB"
    );

    // Chunked, without a length: refused once the limit is passed. After answering, actix reads
    // on for at most its disconnect timeout (1 s) and then drops the connection, so a client
    // that keeps sending is cut off instead of keeping the mock busy.
    let mut stream = TcpStream::connect(addr(&mock)).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream
        .write_all(b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer big-body-token\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n")
        .expect("write head");
    let chunk = format!("{:x}\r\n{}\r\n", 65_536, " ".repeat(65_536));
    let started = Instant::now();
    let mut cut_off = false;
    while started.elapsed() < Duration::from_secs(15) {
        if stream.write_all(chunk.as_bytes()).is_err() {
            cut_off = true;
            break;
        }
    }
    assert!(cut_off, "the mock kept reading an endless body for 15 s");
    // About a second when the machine is idle; generous for a busy one.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "cut off only after {:?}",
        started.elapsed()
    );
    assert_still_serving(&mock);
}

#[test]
fn json_nested_100000_levels_deep_is_refused_without_a_crash() {
    let deep = "[".repeat(100_000);
    let request = |body: &str| {
        format!(
            "POST /mfa/primary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer deep-json-token\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
    };
    let limited = Process::mock(&[]);
    let answer = exchange(
        &addr(&limited),
        request(&deep).as_bytes(),
        Duration::from_secs(5),
    );
    assert_eq!(status_of(&answer), Some(413));

    let roomy = Process::mock(&["--max-body-bytes", "1000000"]);
    let answer = exchange(
        &addr(&roomy),
        request(&deep).as_bytes(),
        Duration::from_secs(5),
    );
    assert_eq!(
        status_of(&answer),
        Some(400),
        "{:?}",
        String::from_utf8_lossy(&answer)
    );
    assert!(
        body_of(&answer).contains("recursion limit exceeded"),
        "{}",
        body_of(&answer)
    );
    let nested_object = format!("{}{}", "{\"a\":".repeat(50_000), "1");
    let answer = exchange(
        &addr(&roomy),
        request(&nested_object).as_bytes(),
        Duration::from_secs(5),
    );
    assert_eq!(status_of(&answer), Some(400));
    assert_still_serving(&roomy);
}

#[test]
fn invalid_utf8_and_a_nul_in_the_token_are_refused() {
    let mock = Process::mock(&[]);
    let body = b"{\"mfaType\":\"PASS\xff\xfeKEY\"}";
    let mut raw = format!(
        "POST /mfa/primary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer utf8-token\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    raw.extend_from_slice(body);
    let answer = exchange(&addr(&mock), &raw, Duration::from_secs(5));
    assert_eq!(status_of(&answer), Some(400));
    assert!(
        body_of(&answer).contains("not valid JSON"),
        "{}",
        body_of(&answer)
    );

    let nul = b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer abc\x00def\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    // Refused by the HTTP parser, before the pipeline: a 400 without a body.
    let answer = exchange(&addr(&mock), nul, Duration::from_secs(5));
    assert_eq!(status_of(&answer), Some(400), "NUL in the token");
    let control = b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \x7f\x01\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}";
    let answer = exchange(&addr(&mock), control, Duration::from_secs(5));
    assert_eq!(status_of(&answer), Some(400), "control bytes in the token");
    assert_still_serving(&mock);
}

#[test]
fn slow_clients_are_cut_off_while_others_are_served() {
    let mock = Process::mock(&[]);
    let mut slow = TcpStream::connect(addr(&mock)).expect("connect");
    slow.set_read_timeout(Some(Duration::from_millis(200)))
        .expect("timeout");
    slow.write_all(b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\n")
        .expect("write");
    let started = Instant::now();
    let mut closed = false;
    while started.elapsed() < Duration::from_secs(12) {
        // A byte every 300 ms: headers that never end.
        if slow.write_all(b"X").is_err() {
            closed = true;
            break;
        }
        let mut buf = [0u8; 512];
        match slow.read(&mut buf) {
            Ok(0) => {
                closed = true;
                break;
            }
            Ok(_) => {
                closed = true;
                break;
            }
            Err(_) => {}
        }
        assert_still_serving(&mock);
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(closed, "a client trickling headers was held open for 12 s");
}

#[tokio::test]
async fn many_concurrent_connections_do_not_stop_the_mock() {
    let mock = Process::mock(&[]);
    let idle: Vec<TcpStream> = (0..300)
        .map(|_| TcpStream::connect(addr(&mock)).expect("connect"))
        .collect();
    let client = http_client(Duration::from_secs(10));
    let sends = (0..200).map(|i| {
        let client = client.clone();
        let url = format!("{}/mfa/primary", mock.url);
        async move {
            client
                .post(url)
                .header("Authorization", format!("Bearer concurrent-token-{i}"))
                .header("Content-Type", "application/json")
                .body(r#"{"mfaType":"MAGIC_LINK"}"#)
                .send()
                .await
                .map(|r| r.status().as_u16())
        }
    });
    let statuses = futures_util::future::join_all(sends).await;
    assert!(
        statuses.iter().all(|s| matches!(s, Ok(200))),
        "{statuses:?}"
    );
    drop(idle);
    assert_still_serving(&mock);
}

#[tokio::test]
async fn memory_stays_bounded_under_many_tokens_and_large_bodies() {
    let mock = Process::mock(&[]);
    let client = http_client(Duration::from_secs(20));
    let padding = " ".repeat(60_000);
    let body = format!("{{\"mfaType\":\"PASSKEY\"{padding}}}");
    let send_batch = |from: usize, count: usize| {
        let client = client.clone();
        let url = format!("{}/mfa/primary", mock.url);
        let body = body.clone();
        async move {
            let sends = (from..from + count).map(|i| {
                client
                    .post(url.clone())
                    .header("Authorization", format!("Bearer random-token-{i:08}"))
                    .header("Content-Type", "application/json")
                    .body(body.clone())
                    .send()
            });
            // 64 in flight: memory is under test here, not a burst of 500 connects, which a
            // small listen queue on a CI host answers with resets (seen once in CI).
            let results: Vec<_> = futures_util::stream::iter(sends)
                .buffer_unordered(64)
                .collect()
                .await;
            assert_eq!(results.len(), count);
            for result in results {
                assert_eq!(result.expect("answered").status().as_u16(), 200);
            }
        }
    };
    send_batch(0, 500).await;
    let after_warm_up = mock.resident_kib();
    for batch in 1..=30 {
        send_batch(batch * 500, 500).await;
    }
    let after_load = mock.resident_kib();
    // 15,000 more tokens than the user cap and 900 MB of bodies later: journal and users are
    // capped, so resident memory must not grow with the load.
    assert!(
        after_load < after_warm_up + 64 * 1024,
        "resident memory grew from {after_warm_up} KiB to {after_load} KiB"
    );
    let journal: serde_json::Value = client
        .get(format!("{}/__admin/requests", mock.url))
        .send()
        .await
        .expect("journal")
        .json()
        .await
        .expect("JSON");
    assert_eq!(
        journal["requests"].as_array().expect("requests").len(),
        1000
    );
}

#[test]
fn an_endless_body_behind_a_rejection_is_not_read() {
    let mock = Process::mock(&[]);
    // Refused at auth, before the body: the mock must not drain what follows.
    let mut stream = TcpStream::connect(addr(&mock)).expect("connect");
    stream
        .set_write_timeout(Some(Duration::from_secs(10)))
        .expect("timeout");
    stream.write_all(b"POST /mfa/primary HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n").expect("head");
    let chunk = format!("{:x}\r\n{}\r\n", 65_536, " ".repeat(65_536));
    let started = Instant::now();
    let mut cut_off = false;
    while started.elapsed() < Duration::from_secs(15) {
        if stream.write_all(chunk.as_bytes()).is_err() {
            cut_off = true;
            break;
        }
    }
    assert!(
        cut_off,
        "the mock drained an endless body behind a 401 for 15 s"
    );
    assert_still_serving(&mock);
}

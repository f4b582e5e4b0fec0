//! The request log of the mock and the proxy: one line per request (and a line for a refused
//! CORS preflight), as text or JSON. Each worker thread appends to a buffer of its own; a background thread
//! writes every buffer out ten times a second, and a buffer past 256 KiB writes itself at once.
//! Nothing is dropped, and a worker never waits on the terminal.
//!
//! Written by hand rather than through `tracing`, on a measured figure: the same line through
//! `tracing` costs more per request than the plumbing allowance (`python3 bench/callgrind.py
//! --log-compare`; the figures are in BENCHMARKS.md, "Plumbing"). The calendar part of the
//! timestamp comes from `time`, numbers from `itoa`.

use std::cell::RefCell;
use std::io::{self, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ending {
    /// The answer went out.
    Answered,
    /// The mock closed the connection without an answer, on purpose (`fault=reset`, or a
    /// `fault=timeout` held until `--max-delay-ms`).
    Closed,
    /// The client went away before the answer (during a `delay` or a held `fault=timeout`).
    ClientGaveUp,
}

impl Ending {
    pub fn as_str(self) -> &'static str {
        match self {
            Ending::Answered => "answered",
            Ending::Closed => "closed",
            Ending::ClientGaveUp => "client_gave_up",
        }
    }
}

/// How the mock logs requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// `2026-11-28T13:44:34.184Z INFO method=POST path=/mfa/primary status=200 ...`
    Text,
    /// One JSON object per line.
    Json,
    /// Nothing (the default for a mock embedded in tests).
    #[default]
    Off,
}

/// One request, as the log shows it. No field holds a token.
pub struct RequestLine<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// `None` when no answer went out; `outcome` says why.
    pub status: Option<u16>,
    pub outcome: Ending,
    pub latency_ms: f64,
    pub scenario: Option<&'a str>,
    pub user: Option<&'a str>,
}

const FLUSH_EVERY: Duration = Duration::from_millis(100);
const FLUSH_AT_BYTES: usize = 256 << 10;

type Buffer = Arc<Mutex<Vec<u8>>>;

#[derive(Default)]
struct Buffers {
    all: Mutex<Vec<Buffer>>,
}

impl Buffers {
    fn flush_all(&self) {
        let all: Vec<Buffer> = lock(&self.all).clone();
        // Take the lines out first, so a worker waits for a swap at most.
        let taken: Vec<Vec<u8>> = all.iter().map(|b| std::mem::take(&mut *lock(b))).collect();
        let filled: Vec<&Vec<u8>> = taken.iter().filter(|c| !c.is_empty()).collect();
        let mut out = io::stdout().lock();
        match filled.as_slice() {
            [] => {}
            // One thread's lines are in order already: written as they are, in one call.
            [one] => {
                let _ = out.write_all(one);
            }
            _ => {
                let mut joined = Vec::with_capacity(filled.iter().map(|c| c.len()).sum());
                for line in merged(&taken) {
                    joined.extend_from_slice(line);
                }
                let _ = out.write_all(&joined);
            }
        }
        let _ = out.flush();
    }
}

/// Every thread's lines in one list. Each thread's lines are in order; the threads are merged
/// by timestamp (ISO 8601 text sorts as time does), stably, so equal times keep their order.
fn merged(chunks: &[Vec<u8>]) -> Vec<&[u8]> {
    let mut lines: Vec<&[u8]> = Vec::new();
    for chunk in chunks {
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', chunk) {
            lines.push(&chunk[start..=end]);
            start = end + 1;
        }
        if start < chunk.len() {
            lines.push(&chunk[start..]);
        }
    }
    lines.sort_by_key(|line| sort_key(line));
    lines
}

/// The timestamp a line starts with: `2026-...Z` in text, after `{"timestamp":"` in JSON.
fn sort_key(line: &[u8]) -> &[u8] {
    const JSON_PREFIX: &[u8] = b"{\"timestamp\":\"";
    let rest = line.strip_prefix(JSON_PREFIX).unwrap_or(line);
    &rest[..rest.len().min(24)]
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // Appending bytes cannot leave a buffer half-updated; a poisoned lock is still usable.
    mutex.lock().unwrap_or_else(|p| p.into_inner())
}

thread_local! {
    static LOCAL: RefCell<Option<Buffer>> = const { RefCell::new(None) };
    /// The current second (Unix time) and its `YYYY-MM-DDTHH:MM:SS` text.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// Where the mock's log lines go.
pub struct Logger {
    format: LogFormat,
    buffers: Arc<Buffers>,
    stop: Arc<AtomicBool>,
    flusher: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Logger {
    pub fn new(format: LogFormat) -> Self {
        let buffers = Arc::new(Buffers::default());
        let stop = Arc::new(AtomicBool::new(false));
        let flusher = (format != LogFormat::Off)
            .then(|| {
                let (buffers, stop) = (buffers.clone(), stop.clone());
                std::thread::Builder::new()
                    .name("mfa-contract-log".into())
                    .spawn(move || {
                        while !stop.load(Ordering::Acquire) {
                            std::thread::park_timeout(FLUSH_EVERY);
                            buffers.flush_all();
                        }
                    })
                    .ok()
            })
            .flatten();
        Self {
            format,
            buffers,
            stop,
            flusher: Mutex::new(flusher),
        }
    }

    pub fn request(&self, line: &RequestLine<'_>) {
        match self.format {
            LogFormat::Off => {}
            LogFormat::Text => self.append_with(|text| {
                // Pieces pushed one by one into the thread's buffer: `format!` machinery was
                // most of this line's cost, and a line of its own another allocation and copy.
                timestamp(text);
                text.extend_from_slice(b" INFO method=");
                text.extend_from_slice(line.method.as_bytes());
                text.extend_from_slice(b" path=");
                text.extend_from_slice(line.path.as_bytes());
                text.extend_from_slice(b" status=");
                match line.status {
                    Some(status) => push_number(text, u64::from(status)),
                    None => text.extend_from_slice(line.outcome.as_str().as_bytes()),
                }
                text.extend_from_slice(b" latency_ms=");
                push_hundredths(text, line.latency_ms);
                text.extend_from_slice(b" scenario=");
                text.extend_from_slice(line.scenario.unwrap_or("-").as_bytes());
                text.extend_from_slice(b" user=");
                text.extend_from_slice(line.user.unwrap_or("-").as_bytes());
            }),
            LogFormat::Json => {
                #[derive(Serialize)]
                struct Json<'a> {
                    timestamp: String,
                    level: &'static str,
                    method: &'a str,
                    path: &'a str,
                    status: Option<u16>,
                    outcome: Ending,
                    latency_ms: f64,
                    scenario: Option<&'a str>,
                    user: Option<&'a str>,
                }
                let json = Json {
                    timestamp: timestamp_text(),
                    level: "INFO",
                    method: line.method,
                    path: line.path,
                    status: line.status,
                    outcome: line.outcome,
                    latency_ms: (line.latency_ms * 100.0).round() / 100.0,
                    scenario: line.scenario,
                    user: line.user,
                };
                self.append(serde_json::to_string(&json).expect("a log line always serializes"));
            }
        }
    }

    pub fn warn(&self, message: &str) {
        self.message("WARN", message);
    }

    /// Something worth knowing that is not a problem (e.g. a recorded fixture).
    pub fn note(&self, message: &str) {
        self.message("INFO", message);
    }

    fn message(&self, level: &str, message: &str) {
        match self.format {
            LogFormat::Off => {}
            LogFormat::Text => self.append_with(|text| {
                timestamp(text);
                text.push(b' ');
                text.extend_from_slice(level.as_bytes());
                text.push(b' ');
                text.extend_from_slice(message.as_bytes());
            }),
            LogFormat::Json => {
                let time = timestamp_text();
                let json =
                    serde_json::json!({"timestamp": time, "level": level, "message": message});
                self.append(json.to_string());
            }
        }
    }

    fn append(&self, line: String) {
        self.append_with(|out| out.extend_from_slice(line.as_bytes()));
    }

    /// Writes one line, by `write`, at the end of this thread's buffer (the line break is
    /// added here).
    fn append_with(&self, write: impl FnOnce(&mut Vec<u8>)) {
        let full = LOCAL.with(|local| {
            let mut local = local.borrow_mut();
            let buffer = local.get_or_insert_with(|| {
                let buffer = Buffer::default();
                lock(&self.buffers.all).push(buffer.clone());
                buffer
            });
            let mut buffer = lock(buffer);
            write(&mut buffer);
            buffer.push(b'\n');
            buffer.len() >= FLUSH_AT_BYTES
        });
        if full {
            self.buffers.flush_all();
        }
    }

    pub fn is_off(&self) -> bool {
        self.format == LogFormat::Off
    }
}

impl Drop for Logger {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(flusher) = lock(&self.flusher).take() {
            flusher.thread().unpark();
            let _ = flusher.join();
        }
        self.buffers.flush_all();
    }
}

/// Decimal digits of `n`.
fn push_number(out: &mut Vec<u8>, n: u64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

/// `value` with two decimals, e.g. `0.05`.
fn push_hundredths(out: &mut Vec<u8>, value: f64) {
    let hundredths = (value.max(0.0) * 100.0).round() as u64;
    push_number(out, hundredths / 100);
    out.push(b'.');
    let rest = hundredths % 100;
    if rest < 10 {
        out.push(b'0');
    }
    push_number(out, rest);
}

/// The timestamp as text, for the JSON lines.
fn timestamp_text() -> String {
    let mut text = Vec::with_capacity(24);
    timestamp(&mut text);
    String::from_utf8_lossy(&text).into_owned()
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC); the calendar part is worked out once a second per thread.
fn timestamp(out: &mut Vec<u8>) {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    SECOND.with(|cache| {
        let mut cache = cache.borrow_mut();
        if cache.0 != now.as_secs() {
            *cache = (now.as_secs(), civil(now.as_secs()));
        }
        out.extend_from_slice(cache.1.as_bytes());
    });
    let millis = now.subsec_millis();
    out.extend_from_slice(if millis < 10 {
        b".00"
    } else if millis < 100 {
        b".0"
    } else {
        b"."
    });
    push_number(out, u64::from(millis));
    out.push(b'Z');
}

/// Unix seconds as `YYYY-MM-DDTHH:MM:SS` (UTC), the part of a timestamp that changes once a second.
fn civil(seconds: u64) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]");
    i64::try_from(seconds)
        .ok()
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| t.format(&format).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_several_threads_come_out_in_time_order() {
        let a =
            b"2026-11-28T14:31:03.832Z INFO one\n2026-11-28T14:31:03.874Z INFO three\n".to_vec();
        let b = b"{\"timestamp\":\"2026-11-28T14:31:03.843Z\",\"level\":\"INFO\"}\n".to_vec();
        let lines: Vec<String> = merged(&[a, b])
            .iter()
            .map(|l| String::from_utf8_lossy(l).into_owned())
            .collect();
        assert!(lines[0].ends_with("one\n"));
        assert!(lines[1].contains("03.843Z"));
        assert!(lines[2].ends_with("three\n"));
    }

    #[test]
    fn numbers_are_written_as_decimals() {
        let mut out = Vec::new();
        push_number(&mut out, 0);
        out.push(b' ');
        push_number(&mut out, 18_446_744_073_709_551_615);
        out.push(b' ');
        push_hundredths(&mut out, 0.049);
        out.push(b' ');
        push_hundredths(&mut out, 12.3);
        assert_eq!(out, b"0 18446744073709551615 0.05 12.30");
    }

    #[test]
    fn a_timestamp_is_iso_8601_with_three_digits_of_milliseconds() {
        let mut out = Vec::new();
        timestamp(&mut out);
        let text = String::from_utf8(out).expect("text");
        assert_eq!(text.len(), "2026-11-28T12:18:43.007Z".len(), "{text}");
        assert!(text.starts_with("20") && text.ends_with('Z'), "{text}");
        assert_eq!(&text[19..20], ".", "{text}");
        assert!(text[20..23].bytes().all(|b| b.is_ascii_digit()), "{text}");
    }

    #[test]
    fn civil_dates_match_known_instants() {
        assert_eq!(civil(0), "1970-01-01T00:00:00");
        assert_eq!(civil(951_782_400), "2000-02-29T00:00:00");
        assert_eq!(civil(1_795_868_323), "2026-11-28T12:18:43");
        assert_eq!(civil(4_107_542_399), "2100-02-28T23:59:59");
    }
}

//! The mock's request log line, written N times: by today's hand-written logger
//! (`mfa_contract::server::Logger`), or by `tracing` with a custom `FormatEvent` that writes the
//! same line with a timestamp cached per second, through a `tracing-appender` non-blocking
//! writer. Run under callgrind by `bench/callgrind.py --log-compare`; the difference per line,
//! against the mock's instructions per request, is the share of CPU tracing would add.
//!
//! cargo run --release --example log_compare -- hand|tracing N > /dev/null

use std::cell::RefCell;
use std::time::{SystemTime, UNIX_EPOCH};

use mfa_contract::server::{Ending, LogFormat, Logger, RequestLine};
use tracing::field::{Field, Visit};
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

fn main() {
    let mut args = std::env::args().skip(1);
    let mode = args.next().unwrap_or_else(|| "hand".into());
    let lines: u64 = args.next().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    match mode.as_str() {
        "hand" => {
            let logger = Logger::new(LogFormat::Text);
            for i in 0..lines {
                logger.request(&RequestLine {
                    method: "POST",
                    path: "/mfa/primary",
                    status: Some(200),
                    outcome: Ending::Answered,
                    latency_ms: 0.05 + (i % 7) as f64 / 100.0,
                    scenario: None,
                    user: Some("fp:1234abcd"),
                });
            }
        }
        "tracing" => {
            let (writer, guard) = tracing_appender::non_blocking(std::io::stdout());
            let subscriber = tracing_subscriber::fmt()
                .event_format(Line)
                .with_writer(writer)
                .finish();
            tracing::subscriber::with_default(subscriber, || {
                for i in 0..lines {
                    tracing::info!(
                        method = "POST",
                        path = "/mfa/primary",
                        status = 200u16,
                        latency_ms = 0.05 + (i % 7) as f64 / 100.0,
                        scenario = "-",
                        user = "fp:1234abcd"
                    );
                }
            });
            drop(guard);
        }
        other => panic!("unknown mode {other}: hand or tracing"),
    }
}

thread_local! {
    /// The whole-second part of the timestamp, formatted once a second.
    static SECOND: RefCell<(u64, String)> = const { RefCell::new((u64::MAX, String::new())) };
}

/// The mock's text line: `TIMESTAMP INFO key=value ...`.
struct Line;

impl<S, N> FormatEvent<S, N> for Line
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &tracing::Event<'_>,
    ) -> std::fmt::Result {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap_or_default();
        SECOND.with(|cache| -> std::fmt::Result {
            let mut cache = cache.borrow_mut();
            if cache.0 != now.as_secs() {
                let format = time::macros::format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second]"
                );
                let text = time::OffsetDateTime::from_unix_timestamp(now.as_secs() as i64)
                    .ok()
                    .and_then(|t| t.format(&format).ok())
                    .unwrap_or_default();
                *cache = (now.as_secs(), text);
            }
            writer.write_str(&cache.1)
        })?;
        write!(writer, ".{:03}Z INFO", now.subsec_millis())?;
        event.record(&mut Fields(&mut writer));
        writeln!(writer)
    }
}

struct Fields<'a, 'w>(&'a mut Writer<'w>);

impl Visit for Fields<'_, '_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={value}", field.name());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        let _ = write!(self.0, " {}={value}", field.name());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        let _ = write!(self.0, " {}={value:.2}", field.name());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={value:?}", field.name());
    }
}

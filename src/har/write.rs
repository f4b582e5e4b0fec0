//! The journal as HAR 1.2, for DevTools, MSW's `fromTraffic` or `check --har`: one entry per
//! exchange, with the bodies the journal kept and the time it measured. The mock and the
//! proxy hand their records over in this neutral shape, so this module knows neither.

use serde_json::{Value, json};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// One exchange, as a server's journal kept it (credentials already fingerprints).
#[derive(Debug, Clone)]
pub struct Exchange {
    /// Milliseconds since the Unix epoch, when the request arrived.
    pub started_ms: u128,
    pub method: String,
    /// `http://host:port/path?query`.
    pub url: String,
    pub request_headers: Vec<(String, String)>,
    pub request_body: String,
    /// The whole request body's length: more than `request_body` holds when it was cut.
    pub request_body_size: usize,
    /// `None` when no answer went out (the client gave up, a fault closed the connection).
    pub status: Option<u16>,
    pub response_headers: Vec<(String, String)>,
    pub response_body: String,
    /// Until the answer was complete.
    pub time_ms: f64,
    /// What the server made of it (a scenario, violations), for the entry's `comment`.
    pub comment: Option<String>,
}

/// A HAR 1.2 document of these exchanges, created by `creator` (e.g. `mfa-contract mock`).
pub fn document(creator: &str, exchanges: &[Exchange]) -> Value {
    json!({
        "log": {
            "version": "1.2",
            "creator": { "name": creator, "version": env!("CARGO_PKG_VERSION") },
            "entries": exchanges.iter().map(entry).collect::<Vec<_>>(),
        }
    })
}

/// One entry.
pub fn entry(exchange: &Exchange) -> Value {
    let started =
        OffsetDateTime::from_unix_timestamp_nanos(exchange.started_ms as i128 * 1_000_000)
            .ok()
            .and_then(|t| t.format(&Rfc3339).ok())
            .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned());
    let time = exchange.time_ms.max(0.0);
    let request_type = header(&exchange.request_headers, "content-type");
    let mut request = json!({
        "method": exchange.method,
        "url": exchange.url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": headers(&exchange.request_headers),
        "queryString": query(&exchange.url),
        "headersSize": -1,
        "bodySize": exchange.request_body_size,
    });
    if !exchange.request_body.is_empty() {
        request["postData"] = json!({
            "mimeType": request_type.unwrap_or("application/octet-stream"),
            "text": exchange.request_body,
        });
    }
    let response_type = header(&exchange.response_headers, "content-type").unwrap_or("");
    let mut entry = json!({
        "startedDateTime": started,
        "time": time,
        "request": request,
        "response": {
            "status": exchange.status.unwrap_or(0),
            "statusText": exchange.status.and_then(reason).unwrap_or(""),
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": headers(&exchange.response_headers),
            "content": {
                "size": exchange.response_body.len(),
                "mimeType": response_type,
                "text": exchange.response_body,
            },
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": exchange.response_body.len(),
        },
        "cache": {},
        // What the server measured is the wait; the rest happened on the client's side.
        "timings": { "send": 0, "wait": time, "receive": 0 },
    });
    if exchange.status.is_none() {
        entry["response"]["_error"] = json!("no answer went out");
    }
    if let Some(comment) = &exchange.comment {
        entry["comment"] = json!(comment);
    }
    entry
}

fn headers(pairs: &[(String, String)]) -> Vec<Value> {
    pairs
        .iter()
        .map(|(name, value)| json!({ "name": name, "value": value }))
        .collect()
}

fn header<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn query(url: &str) -> Vec<Value> {
    url::Url::parse(url)
        .map(|u| {
            u.query_pairs()
                .map(|(name, value)| json!({ "name": name, "value": value }))
                .collect()
        })
        .unwrap_or_default()
}

fn reason(status: u16) -> Option<&'static str> {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
}

/// The file's last bytes; each new entry goes in front of them, so the file is a whole HAR
/// document after every exchange and the recorder holds nothing but the file.
const CLOSING: &[u8] = b"\n]}}\n";

/// `proxy --record-har FILE`: a HAR document that grows by one entry per exchange.
pub struct HarFile {
    path: std::path::PathBuf,
    file: std::sync::Mutex<(std::fs::File, usize)>,
}

impl HarFile {
    /// Creates (or empties) `path` as a HAR document with no entries.
    pub fn create(path: &std::path::Path, creator: &str) -> std::io::Result<Self> {
        use std::io::Write as _;
        let mut file = std::fs::File::create(path)?;
        let head = document(creator, &[]);
        let text = head.to_string();
        // `{"log":{...,"entries":[]}}` opened up at the entries.
        let open = text
            .strip_suffix("]}}")
            .expect("a document ends with its entries");
        file.write_all(open.as_bytes())?;
        file.write_all(CLOSING)?;
        Ok(Self {
            path: path.to_path_buf(),
            file: std::sync::Mutex::new((file, 0)),
        })
    }

    pub fn path(&self) -> &std::path::Path {
        &self.path
    }

    /// Appends one entry, keeping the document whole.
    pub fn append(&self, exchange: &Exchange) -> std::io::Result<()> {
        use std::io::{Seek as _, SeekFrom, Write as _};
        let mut guard = self.file.lock().unwrap_or_else(|p| p.into_inner());
        let (file, count) = &mut *guard;
        file.seek(SeekFrom::End(-(CLOSING.len() as i64)))?;
        let separator: &[u8] = if *count == 0 { b"\n" } else { b",\n" };
        file.write_all(separator)?;
        file.write_all(entry(exchange).to_string().as_bytes())?;
        file.write_all(CLOSING)?;
        file.flush()?;
        *count += 1;
        Ok(())
    }
}

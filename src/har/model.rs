//! The parts of a HAR 1.2 entry that judging reads. Real exports are lenient about what they
//! fill in, so almost everything is optional; a browser's own fields (`_error`) are read where
//! Chromium puts them.

use base64::Engine as _;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    #[serde(default)]
    pub pageref: Option<String>,
    #[serde(default)]
    pub started_date_time: String,
    /// Milliseconds from the request's start to the response's end.
    #[serde(default)]
    pub time: Option<f64>,
    pub request: Request,
    #[serde(default)]
    pub response: Option<Response>,
    /// Chromium: why the request failed (blocked, aborted).
    #[serde(default, rename = "_error")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub method: String,
    pub url: String,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default)]
    pub post_data: Option<Content>,
    #[serde(default)]
    pub body_size: Option<i64>,
}

impl Request {
    /// The body, when the capture has it: its `postData`, or nothing where nothing was sent.
    pub fn body(&self) -> Option<Vec<u8>> {
        if let Some(bytes) = self.post_data.as_ref().and_then(Content::bytes) {
            // A text shorter than the body sent was cut by whoever exported it.
            let cut = self.body_size.is_some_and(|size| size > bytes.len() as i64);
            return (!cut).then_some(bytes);
        }
        let length = header(&self.headers, "content-length")
            .and_then(|v| v.trim().parse::<u64>().ok())
            .unwrap_or(0);
        (length == 0 && self.body_size.unwrap_or(0) <= 0).then(Vec::new)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    #[serde(default)]
    pub status: i64,
    #[serde(default)]
    pub headers: Vec<Header>,
    #[serde(default)]
    pub content: Option<Content>,
    #[serde(default, rename = "_error")]
    pub error: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// `postData` or `content`: the text, perhaps base64.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    #[serde(default)]
    pub size: Option<i64>,
    #[serde(default)]
    pub mime_type: Option<String>,
    #[serde(default)]
    pub text: Option<String>,
    #[serde(default)]
    pub encoding: Option<String>,
}

impl Content {
    /// The bytes, decoded from base64 where the capture says so; `None` when not captured.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        let text = self.text.as_ref()?;
        match self.encoding.as_deref() {
            Some("base64") => base64::engine::general_purpose::STANDARD
                .decode(text.trim())
                .ok(),
            _ => Some(text.clone().into_bytes()),
        }
    }
}

/// The value of a header, by name in any case; HTTP/2 pseudo-headers (`:path`) are not
/// headers of the message and never match.
pub fn header<'a>(headers: &'a [Header], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .filter(|h| !h.name.starts_with(':'))
        .find(|h| h.name.eq_ignore_ascii_case(name))
        .map(|h| h.value.as_str())
}

/// Every header but the pseudo-headers, as (name, value) pairs.
pub fn header_pairs(headers: &[Header]) -> Vec<(String, String)> {
    headers
        .iter()
        .filter(|h| !h.name.starts_with(':'))
        .map(|h| (h.name.to_ascii_lowercase(), h.value.clone()))
        .collect()
}

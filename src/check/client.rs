//! Sending cases to a target: one reqwest client (rustls, no redirects, bounded time), the
//! token filled in only here, response bodies read up to a cap, and every failure of transport
//! turned into a value with a cause rather than an error that stops the run.

use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde::Serialize;

use crate::Error;
use crate::cases::{Auth, Case};

use super::{CheckConfig, Secret};
use crate::contract::Contract;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub status: u16,
    /// Header names in lower case, values as text (lossy), in the order received.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    #[serde(skip)]
    pub elapsed: Duration,
}

impl Response {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn content_type(&self) -> Option<&str> {
        self.header("content-type")
    }
}

/// Why no complete response arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// Refused, unresolvable, or not connected in time.
    Connect,
    Tls,
    Timeout,
    /// Closed or broken before the response was complete.
    Broken,
    /// The body went past `--max-response-bytes`.
    TooLarge,
    Other,
}

#[derive(Debug, Clone, Serialize)]
pub struct TransportError {
    pub kind: TransportKind,
    pub message: String,
}

impl TransportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Connect => "connect",
            TransportKind::Tls => "tls",
            TransportKind::Timeout => "timeout",
            TransportKind::Broken => "broken",
            TransportKind::TooLarge => "too_large",
            TransportKind::Other => "other",
        }
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.as_str(), self.message)
    }
}

#[derive(Debug, Clone)]
pub enum Outcome {
    Response(Response),
    Transport(TransportError),
}

/// A case and what came of it.
#[derive(Debug, Clone)]
pub struct Exchange {
    pub case: Case,
    pub outcome: Outcome,
}

impl Exchange {
    pub fn response(&self) -> Option<&Response> {
        match &self.outcome {
            Outcome::Response(r) => Some(r),
            Outcome::Transport(_) => None,
        }
    }
}

pub struct Client {
    http: reqwest::Client,
    url: String,
    auth_header: String,
    scheme: String,
    token: Option<Secret>,
    second_token: Option<Secret>,
    headers: Vec<(String, String)>,
    max_response_bytes: usize,
}

impl Client {
    /// The client for `config`'s target, with the contract's auth header and scheme.
    pub fn new(contract: &Contract, config: &CheckConfig) -> Result<Self, Error> {
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(config.timeout)
            .connect_timeout(config.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("mfa-contract/", env!("CARGO_PKG_VERSION")))
            .tls_danger_accept_invalid_certs(config.insecure);
        if let Some(path) = &config.ca_cert {
            let pem = std::fs::read(path)
                .map_err(|e| Error::io(format!("cannot read --ca-cert {}", path.display()), e))?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                Error::Usage(format!(
                    "--ca-cert {}: not a PEM certificate: {e}",
                    path.display()
                ))
            })?;
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| Error::Usage(format!("cannot build the HTTP client: {e}")))?;
        Ok(Self {
            http,
            url: config.endpoint_url(contract)?,
            auth_header: contract.auth().header.clone(),
            scheme: contract.auth().scheme.clone(),
            token: config.token.clone(),
            second_token: config.second_token.clone(),
            headers: config.headers.clone(),
            max_response_bytes: config.max_response_bytes,
        })
    }

    pub async fn send(&self, case: Case) -> Exchange {
        let outcome = match self.try_send(&case).await {
            Ok(response) => Outcome::Response(response),
            Err(error) => Outcome::Transport(error),
        };
        Exchange { case, outcome }
    }

    async fn try_send(&self, case: &Case) -> Result<Response, TransportError> {
        let method = reqwest::Method::from_bytes(case.request.method.as_bytes()).map_err(|e| {
            TransportError {
                kind: TransportKind::Other,
                message: format!("method {}: {e}", case.request.method),
            }
        })?;
        let mut request = self
            .http
            .request(method, &self.url)
            .body(case.request.body.clone());
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some(content_type) = &case.request.content_type {
            request = request.header("Content-Type", content_type);
        }
        let credential = match &case.request.auth {
            Auth::Token => self
                .token
                .as_ref()
                .map(|t| format!("{} {}", self.scheme, t.expose())),
            Auth::SecondToken => self
                .second_token
                .as_ref()
                .map(|t| format!("{} {}", self.scheme, t.expose())),
            Auth::Missing => None,
            Auth::Raw(value) => Some(value.clone()),
        };
        if let Some(credential) = credential {
            request = request.header(self.auth_header.as_str(), credential);
        }
        let started = Instant::now();
        let response = request.send().await.map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| transport(&e))?;
            if body.len() + chunk.len() > self.max_response_bytes {
                return Err(TransportError {
                    kind: TransportKind::TooLarge,
                    message: format!(
                        "the response body went past {} bytes (--max-response-bytes); reading stopped there",
                        self.max_response_bytes
                    ),
                });
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Response {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
        })
    }
}

fn transport(error: &reqwest::Error) -> TransportError {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message.push_str(": ");
        message.push_str(&cause.to_string());
        source = cause.source();
    }
    let lower = message.to_lowercase();
    let kind =
        if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake") {
            TransportKind::Tls
        } else if error.is_timeout() {
            TransportKind::Timeout
        } else if error.is_connect() {
            TransportKind::Connect
        } else if error.is_body() || error.is_request() || error.is_decode() {
            TransportKind::Broken
        } else {
            TransportKind::Other
        };
    TransportError { kind, message }
}

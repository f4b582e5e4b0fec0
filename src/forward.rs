//! Passing requests through to an upstream, for the proxy and for `mock --upstream`: method,
//! path, query and headers as the client sent them (less hop-by-hop headers; `Host` set for
//! the upstream), bodies streamed both ways, status, headers and body back unchanged, and
//! redirects passed back, never followed. An upstream that refuses, resets, stays silent or
//! fails TLS gets a 502 or 504 in the contract's error shape that names the cause.

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::StreamExt;
use serde_json::json;
use url::Url;

use crate::Error;
use crate::target::{TransportError, TransportKind, http_client_builder, transport};

/// Headers that describe one connection, not the message (RFC 9110 7.6.1), plus `Host`, which
/// names the upstream instead.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
];

/// An upstream and the client that reaches it. Each server worker should use its own
/// ([`Upstream::for_worker`]): a client shared across worker threads hands a pooled
/// connection, whose task lives on another thread, to every request, and each exchange then
/// costs two cross-thread wake-ups.
#[derive(Debug)]
pub struct Upstream {
    http: reqwest::Client,
    base: Url,
    timeout: Duration,
    certs: Vec<reqwest::Certificate>,
    insecure: bool,
}

/// A whole answer from the upstream, read to judge it.
#[derive(Debug)]
pub struct Buffered {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
    pub elapsed: Duration,
}

impl Upstream {
    /// `base` is http or https; `timeout` bounds connecting and each wait for the upstream.
    pub fn new(
        base: Url,
        timeout: Duration,
        ca_cert: Option<&std::path::Path>,
        insecure: bool,
    ) -> Result<Self, Error> {
        let certs = match ca_cert {
            Some(path) => read_certs(path)?,
            None => Vec::new(),
        };
        let http = client(timeout, &certs, insecure)?;
        Ok(Self {
            http,
            base,
            timeout,
            certs,
            insecure,
        })
    }

    /// The same upstream with a client (and connection pool) of its own, for one worker.
    pub fn for_worker(&self) -> Result<Self, Error> {
        Ok(Self {
            http: client(self.timeout, &self.certs, self.insecure)?,
            base: self.base.clone(),
            timeout: self.timeout,
            certs: self.certs.clone(),
            insecure: self.insecure,
        })
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The upstream URL for a request: the upstream's base path, then the request's path and query.
    pub fn url_for(&self, req: &HttpRequest) -> Url {
        let mut url = self.base.clone();
        let base_path = self.base.path().trim_end_matches('/');
        url.set_path(&format!("{base_path}{}", req.path()));
        url.set_query(Some(req.query_string()).filter(|q| !q.is_empty()));
        url
    }

    fn request(&self, req: &HttpRequest, body: reqwest::Body) -> reqwest::RequestBuilder {
        let mut headers = reqwest::header::HeaderMap::new();
        let listed = connection_listed(req.headers());
        for (name, value) in req.headers() {
            if is_hop_by_hop_name(name.as_str(), &listed) {
                continue;
            }
            if let (Ok(name), Ok(value)) = (
                reqwest::header::HeaderName::from_bytes(name.as_str().as_bytes()),
                reqwest::header::HeaderValue::from_bytes(value.as_bytes()),
            ) {
                headers.append(name, value);
            }
        }
        let method = reqwest::Method::from_bytes(req.method().as_str().as_bytes())
            .unwrap_or(reqwest::Method::GET);
        self.http
            .request(method, self.url_for(req))
            .headers(headers)
            .body(body)
    }

    /// Forwards `req` with its body streamed, and streams the answer back as it comes.
    pub async fn stream(&self, req: &HttpRequest, payload: web::Payload) -> HttpResponse {
        match self.request(req, streamed(payload)).send().await {
            Ok(response) => {
                let mut builder = HttpResponse::build(status_of(&response));
                for header in answer_headers(response.headers()) {
                    builder.append_header(header);
                }
                let length = response.content_length();
                let body = response.bytes_stream().map(|chunk| {
                    chunk.map_err(|e| std::io::Error::other(transport(&e).to_string()))
                });
                match length {
                    Some(length) => builder.body(actix_web::body::SizedStream::new(length, body)),
                    None => builder.streaming(body),
                }
            }
            Err(error) => failure_response(&transport(&error), self.timeout),
        }
    }

    /// [`Upstream::stream`], with the request line in `logger` (marked `forwarded`).
    pub async fn pass(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
        logger: &crate::mock::Logger,
    ) -> HttpResponse {
        let started = Instant::now();
        let response = self.stream(req, payload).await;
        logger.request(&crate::mock::RequestLine {
            method: req.method().as_str(),
            path: req.path(),
            status: Some(response.status().as_u16()),
            outcome: crate::mock::Outcome::Answered,
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            scenario: Some("forwarded"),
            user: None,
        });
        response
    }

    /// Forwards `req` with `body` and reads the whole answer, up to `max` bytes.
    pub async fn buffered(
        &self,
        req: &HttpRequest,
        body: Bytes,
        max: usize,
    ) -> Result<Buffered, TransportError> {
        let started = Instant::now();
        let response = self
            .request(req, reqwest::Body::from(body))
            .timeout(self.timeout)
            .send()
            .await
            .map_err(|e| transport(&e))?;
        let status = status_of(&response);
        let mut headers = HeaderMap::new();
        for (name, value) in answer_headers(response.headers()) {
            headers.append(name, value);
        }
        let mut read = Vec::new();
        let mut stream = response.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| transport(&e))?;
            if read.len() + chunk.len() > max {
                return Err(TransportError {
                    kind: TransportKind::TooLarge,
                    message: format!(
                        "the upstream's answer went past {max} bytes, more than the proxy reads to judge it"
                    ),
                });
            }
            read.extend_from_slice(&chunk);
        }
        Ok(Buffered {
            status,
            headers,
            body: Bytes::from(read),
            elapsed: started.elapsed(),
        })
    }
}

fn read_certs(path: &std::path::Path) -> Result<Vec<reqwest::Certificate>, Error> {
    let pem = std::fs::read(path)
        .map_err(|e| Error::io(format!("cannot read --ca-cert {}", path.display()), e))?;
    reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
        Error::Usage(format!(
            "--ca-cert {}: not a PEM certificate: {e}",
            path.display()
        ))
    })
}

fn client(
    timeout: Duration,
    certs: &[reqwest::Certificate],
    insecure: bool,
) -> Result<reqwest::Client, Error> {
    let mut builder = http_client_builder(timeout, None, insecure)?
        .read_timeout(timeout)
        .pool_max_idle_per_host(256);
    if !certs.is_empty() {
        builder = builder.tls_certs_merge(certs.to_vec());
    }
    builder
        .build()
        .map_err(|e| Error::Usage(format!("cannot build the HTTP client: {e}")))
}

fn status_of(response: &reqwest::Response) -> StatusCode {
    StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY)
}

/// The upstream's answer headers to pass back: hop-by-hop ones and `Content-Length` (actix
/// sets it from the body it sends) left behind.
fn answer_headers(
    headers: &reqwest::header::HeaderMap,
) -> impl Iterator<Item = (HeaderName, HeaderValue)> + '_ {
    let listed = reqwest_connection_listed(headers);
    headers.iter().filter_map(move |(name, value)| {
        if is_hop_by_hop_name(name.as_str(), &listed) || name == reqwest::header::CONTENT_LENGTH {
            return None;
        }
        Some((
            HeaderName::from_bytes(name.as_str().as_bytes()).ok()?,
            HeaderValue::from_bytes(value.as_bytes()).ok()?,
        ))
    })
}

/// The client's body as a stream reqwest can send: actix's payload lives on its worker, so a
/// local task reads it into a channel.
fn streamed(mut payload: web::Payload) -> reqwest::Body {
    let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(8);
    actix_web::rt::spawn(async move {
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| std::io::Error::other(e.to_string()));
            let failed = chunk.is_err();
            if sender.send(chunk).await.is_err() || failed {
                break;
            }
        }
    });
    reqwest::Body::wrap_stream(futures_util::stream::unfold(
        receiver,
        |mut receiver| async move { receiver.recv().await.map(|chunk| (chunk, receiver)) },
    ))
}

/// 504 when the upstream stayed silent, 502 otherwise, in the contract's error shape.
pub fn failure_response(error: &TransportError, timeout: Duration) -> HttpResponse {
    let (status, what) = match error.kind {
        TransportKind::Timeout => (
            StatusCode::GATEWAY_TIMEOUT,
            format!(
                "Gateway Timeout: the upstream sent no answer within {} s",
                timeout.as_secs_f64()
            ),
        ),
        TransportKind::Connect => (
            StatusCode::BAD_GATEWAY,
            "Bad Gateway: the upstream refused or could not be reached".to_owned(),
        ),
        TransportKind::Tls => (
            StatusCode::BAD_GATEWAY,
            "Bad Gateway: the TLS handshake with the upstream failed".to_owned(),
        ),
        TransportKind::TooLarge => (
            StatusCode::BAD_GATEWAY,
            "Bad Gateway: the upstream's answer is too large to judge".to_owned(),
        ),
        TransportKind::Broken | TransportKind::Other => (
            StatusCode::BAD_GATEWAY,
            "Bad Gateway: the upstream closed the connection without a complete answer".to_owned(),
        ),
    };
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(json!({"success": false, "error": what, "detail": error.to_string()}).to_string())
}

/// Header names the `Connection` header lists: hop-by-hop for this message only.
fn connection_listed(headers: &HeaderMap) -> Vec<String> {
    headers
        .get_all(header::CONNECTION)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect()
}

fn reqwest_connection_listed(headers: &reqwest::header::HeaderMap) -> Vec<String> {
    headers
        .get_all(reqwest::header::CONNECTION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|n| n.trim().to_ascii_lowercase())
        .collect()
}

fn is_hop_by_hop_name(name: &str, listed: &[String]) -> bool {
    HOP_BY_HOP.contains(&name) || listed.iter().any(|l| l == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hop_by_hop_headers_and_those_connection_lists_stay_behind() {
        let listed = vec!["x-session-hint".to_owned()];
        for name in ["connection", "transfer-encoding", "host", "x-session-hint"] {
            assert!(is_hop_by_hop_name(name, &listed), "{name}");
        }
        for name in ["authorization", "content-type", "cookie", "accept-encoding"] {
            assert!(!is_hop_by_hop_name(name, &listed), "{name}");
        }
    }

    #[test]
    fn the_upstream_url_keeps_its_base_path_and_the_request_path_and_query() {
        let upstream = Upstream::new(
            Url::parse("http://127.0.0.1:9/api").expect("url"),
            Duration::from_secs(1),
            None,
            false,
        )
        .expect("client");
        let req = actix_web::test::TestRequest::get()
            .uri("/users/7?expand=mfa&x=1")
            .to_http_request();
        assert_eq!(
            upstream.url_for(&req).as_str(),
            "http://127.0.0.1:9/api/users/7?expand=mfa&x=1"
        );
    }
}

//! Passing requests through to an upstream, for the proxy and for `mock --upstream`: method,
//! path, query and headers as the client sent them (less hop-by-hop headers; `Host` set for
//! the upstream), bodies streamed both ways, status, headers and body back unchanged, and
//! redirects passed back, never followed. An upstream that refuses, resets, stays silent or
//! fails TLS gets a 502 or 504 in the contract's error shape that names the cause.
//!
//! The client here is hyper-util's (the layer reqwest is built on), not reqwest, which the
//! checker uses: the proxy pays for its client on every exchange, and reqwest's layers on hyper
//! (redirect and retry services, proxy matching, URL conversions both ways) measured
//! markedly dearer per exchange (BENCHMARKS.md, "hyper-util's client instead of reqwest's").
//! TLS is the configuration every client here uses ([`crate::tls`]).

use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::web::{self, Bytes};
use actix_web::{HttpRequest, HttpResponse};
use futures_util::{Stream, StreamExt, TryStreamExt};
use http_body_util::combinators::UnsyncBoxBody;
use http_body_util::{BodyExt, BodyStream, Full, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use url::Url;

use crate::Error;
use crate::transport::{TransportError, TransportKind};

mod failure;
mod headers;

pub use failure::failure_response;
use failure::{broken, silent, transport};
use headers::{answer_headers, connection_listed, is_hop_by_hop_name, passed_back};

/// Longest wait for a connection to the upstream, whatever the answer timeout.
const MAX_CONNECT_WAIT: Duration = Duration::from_secs(10);

type RequestBody = UnsyncBoxBody<Bytes, std::io::Error>;
type Client = hyper_util::client::legacy::Client<HttpsConnector<HttpConnector>, RequestBody>;

/// An upstream and the client that reaches it. Each server worker should use its own
/// ([`Upstream::for_worker`]): a client shared across worker threads hands a pooled
/// connection, whose task lives on another thread, to every request, and each exchange then
/// costs two cross-thread wake-ups.
#[derive(Debug)]
pub struct Upstream {
    http: Client,
    base: Url,
    timeout: Duration,
    tls: Arc<rustls::ClientConfig>,
}

/// A whole answer from the upstream, read to judge it.
#[derive(Debug)]
pub struct Buffered {
    pub status: StatusCode,
    /// As the upstream sent them; [`Buffered::header_pairs`] are those passed back.
    headers: http::HeaderMap,
    pub body: Bytes,
    pub elapsed: Duration,
}

impl Buffered {
    /// The headers passed back to the client, as the checks read them.
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        passed_back(&self.headers)
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect()
    }

    /// The answer as the client gets it.
    pub fn into_response(self) -> HttpResponse {
        let mut builder = HttpResponse::build(self.status);
        for header in answer_headers(&self.headers) {
            builder.append_header(header);
        }
        builder.body(self.body)
    }
}

impl Upstream {
    /// `base` is http or https; `timeout` bounds connecting and each wait for the upstream;
    /// `tls` is the one TLS configuration every client of this program uses.
    pub fn new(base: Url, timeout: Duration, tls: &crate::tls::TlsOptions) -> Result<Self, Error> {
        let tls = Arc::new(tls.client_config()?);
        Ok(Self {
            http: client(&tls, timeout),
            base,
            timeout,
            tls,
        })
    }

    /// The same upstream with a client (and connection pool) of its own, for one worker.
    pub fn for_worker(&self) -> Self {
        Self {
            http: client(&self.tls, self.timeout),
            base: self.base.clone(),
            timeout: self.timeout,
            tls: self.tls.clone(),
        }
    }

    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The upstream URL for a request: the upstream's base path, then the request's path and query.
    pub fn url_for(&self, req: &HttpRequest) -> String {
        let base = self.base.as_str();
        let base = base.strip_suffix('/').unwrap_or(base);
        let query = req.query_string();
        let mut url = String::with_capacity(base.len() + req.path().len() + query.len() + 1);
        url.push_str(base);
        url.push_str(req.path());
        if !query.is_empty() {
            url.push('?');
            url.push_str(query);
        }
        url
    }

    fn request(
        &self,
        req: &HttpRequest,
        body: RequestBody,
    ) -> Result<http::Request<RequestBody>, TransportError> {
        let mut request = http::Request::builder()
            .method(req.method().as_str())
            .uri(self.url_for(req));
        let listed = connection_listed(req.headers());
        if let Some(headers) = request.headers_mut() {
            for (name, value) in req.headers() {
                if is_hop_by_hop_name(name.as_str(), &listed) {
                    continue;
                }
                // actix checked both when it parsed the request.
                if let (Ok(name), Ok(value)) = (
                    http::HeaderName::from_bytes(name.as_str().as_bytes()),
                    http::HeaderValue::from_bytes(value.as_bytes()),
                ) {
                    headers.append(name, value);
                }
            }
        }
        request.body(body).map_err(|e| TransportError {
            kind: TransportKind::Other,
            message: format!("cannot forward the request: {e}"),
        })
    }

    /// Sends a request and waits for the answer's head, within the timeout.
    async fn send(
        &self,
        request: http::Request<RequestBody>,
    ) -> Result<http::Response<Incoming>, TransportError> {
        match tokio::time::timeout(self.timeout, self.http.request(request)).await {
            Ok(Ok(response)) => Ok(response),
            Ok(Err(error)) => Err(transport(&error)),
            Err(_) => Err(silent(self.timeout)),
        }
    }

    /// Forwards `req` with its body streamed, and streams the answer back as it comes.
    pub async fn stream(&self, req: &HttpRequest, payload: web::Payload) -> HttpResponse {
        let answer = match self.request(req, streamed(payload)) {
            Ok(request) => self.send(request).await,
            Err(error) => Err(error),
        };
        match answer {
            Ok(response) => {
                let mut builder = HttpResponse::build(status_of(&response));
                for header in answer_headers(response.headers()) {
                    builder.append_header(header);
                }
                // A HEAD answer has no body; its Content-Length is the one a GET would get,
                // and actix writes the length of the body it is given.
                let length = if req.method() == actix_web::http::Method::HEAD {
                    response
                        .headers()
                        .get(http::header::CONTENT_LENGTH)
                        .and_then(|v| v.to_str().ok()?.trim().parse().ok())
                } else {
                    hyper::body::Body::size_hint(response.body()).exact()
                };
                let body = read_timed(response.into_body(), self.timeout);
                match length {
                    Some(length) => builder.body(actix_web::body::SizedStream::new(length, body)),
                    None => builder.streaming(body),
                }
            }
            Err(error) => failure_response(&error, self.timeout),
        }
    }

    /// [`Upstream::stream`], with the request line in `logger` (marked `forwarded`).
    pub async fn pass(
        &self,
        req: &HttpRequest,
        payload: web::Payload,
        logger: &super::Logger,
    ) -> HttpResponse {
        let started = Instant::now();
        let response = self.stream(req, payload).await;
        logger.request(&super::RequestLine {
            method: req.method().as_str(),
            path: req.path(),
            status: Some(response.status().as_u16()),
            outcome: super::Ending::Answered,
            latency_ms: started.elapsed().as_secs_f64() * 1000.0,
            scenario: Some("forwarded"),
            user: None,
        });
        response
    }

    /// Forwards `req` with `body` and reads the whole answer, up to `max` bytes, all within
    /// the timeout.
    pub async fn buffered(
        &self,
        req: &HttpRequest,
        body: Bytes,
        max: usize,
    ) -> Result<Buffered, TransportError> {
        let started = Instant::now();
        let request = self.request(
            req,
            Full::new(body)
                .map_err(|never| match never {})
                .boxed_unsync(),
        )?;
        let exchange = async {
            let response = self
                .http
                .request(request)
                .await
                .map_err(|e| transport(&e))?;
            let status = status_of(&response);
            let (parts, mut body) = response.into_parts();
            let mut read = Vec::new();
            while let Some(frame) = body.frame().await {
                let frame = frame.map_err(|e| broken(&e))?;
                let Ok(chunk) = frame.into_data() else {
                    continue;
                };
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
                headers: parts.headers,
                body: Bytes::from(read),
                elapsed: started.elapsed(),
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or_else(|_| Err(silent(self.timeout)))
    }
}

/// One worker's client: http or https, a pool kept per upstream, never a retry or a redirect
/// followed (hyper's client does neither).
fn client(tls: &Arc<rustls::ClientConfig>, timeout: Duration) -> Client {
    let mut http = HttpConnector::new();
    http.enforce_http(false);
    http.set_nodelay(true);
    http.set_connect_timeout(Some(timeout.min(MAX_CONNECT_WAIT)));
    let https = hyper_rustls::HttpsConnectorBuilder::new()
        .with_tls_config(tls.as_ref().clone())
        .https_or_http()
        .enable_http1()
        .wrap_connector(http);
    hyper_util::client::legacy::Client::builder(TokioExecutor::new())
        .pool_max_idle_per_host(256)
        .build(https)
}

fn status_of<B>(response: &http::Response<B>) -> StatusCode {
    StatusCode::from_u16(response.status().as_u16()).unwrap_or(StatusCode::BAD_GATEWAY)
}

/// The client's body as a stream hyper can send: actix's payload lives on its worker, so a
/// local task reads it into a channel.
fn streamed(mut payload: web::Payload) -> RequestBody {
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
    let chunks = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|chunk| (chunk, receiver))
    });
    StreamBody::new(chunks.map_ok(Frame::data)).boxed_unsync()
}

/// The upstream's body as a stream of chunks, each awaited at most `timeout`.
fn read_timed(
    body: Incoming,
    timeout: Duration,
) -> Pin<Box<dyn Stream<Item = Result<Bytes, std::io::Error>>>> {
    let frames = BodyStream::new(body);
    Box::pin(futures_util::stream::unfold(
        frames,
        move |mut frames| async move {
            loop {
                return match tokio::time::timeout(timeout, frames.next()).await {
                    Err(_) => Some((
                        Err(std::io::Error::other(silent(timeout).to_string())),
                        frames,
                    )),
                    Ok(None) => None,
                    Ok(Some(Err(e))) => {
                        Some((Err(std::io::Error::other(broken(&e).to_string())), frames))
                    }
                    Ok(Some(Ok(frame))) => match frame.into_data() {
                        Ok(data) => Some((Ok(data), frames)),
                        // Trailers: nothing to pass on over HTTP/1.1 without chunked trailers.
                        Err(_) => continue,
                    },
                };
            }
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_upstream_url_keeps_its_base_path_and_the_request_path_and_query() {
        let upstream = Upstream::new(
            Url::parse("http://127.0.0.1:9/api").expect("url"),
            Duration::from_secs(1),
            &crate::tls::TlsOptions::default(),
        )
        .expect("client");
        let req = actix_web::test::TestRequest::get()
            .uri("/users/7?expand=mfa&x=1")
            .to_http_request();
        assert_eq!(
            upstream.url_for(&req),
            "http://127.0.0.1:9/api/users/7?expand=mfa&x=1"
        );
    }
}

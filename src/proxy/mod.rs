//! `mfa-contract proxy --upstream URL`: the contract inside an app's real traffic. Every
//! request is passed through to the upstream; exchanges with the contract's endpoint are
//! judged on both sides with the checker's own registry. Each judged answer carries
//! `Mfa-Contract-Violations: N`; violations are logged, kept with their exchange, listed at
//! `/__admin/violations`, shown on the admin page and summed up when the proxy stops. With
//! `--strict` an answer that breaks the contract becomes a 502 that lists why; with
//! `--record DIR` each new response shape becomes a fixture the mock can serve.

mod admin;
mod judge;
mod record;

use std::collections::{BTreeMap, VecDeque};
use std::net::{SocketAddr, TcpListener};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderName, HeaderValue};
use actix_web::web::{self, BytesMut};
use actix_web::{App, HttpRequest, HttpResponse, HttpServer};
use futures_util::StreamExt;
use futures_util::future::Either;
use serde::Serialize;
use serde_json::json;

pub use judge::{Side, Violation};
pub use record::Recorder;

use crate::check::ObservedRequest;
use crate::contract::Contract;
use crate::forward::{Upstream, failure_response};
use crate::mock::{CorsPolicy, LogFormat, Logger, RequestLine, in_error_shape, is_preflight};
use crate::redact::replace_token;
use crate::target::{Exchange, Outcome, Response};

/// The header every judged answer carries.
pub const VIOLATIONS_HEADER: &str = "mfa-contract-violations";
/// Largest endpoint request body the proxy reads to judge it.
const MAX_JUDGED_REQUEST: usize = 16 << 20;
/// Largest endpoint answer the proxy reads to judge it.
const MAX_JUDGED_RESPONSE: usize = 8 << 20;

/// The defaults, defined once: clap shows them and `ProxyConfig::new` uses them.
pub mod defaults {
    use std::time::Duration;

    pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);
    /// Exchanges the journal keeps.
    pub const JOURNAL_SIZE: usize = 1000;
}

/// How to run the proxy.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    pub upstream: url::Url,
    pub upstream_timeout: Duration,
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
    /// Empty means any `http://localhost:*` and `http://127.0.0.1:*` origin.
    pub cors_origins: Vec<String>,
    pub admin: bool,
    pub log: LogFormat,
    /// Replace an answer that breaks the contract with a 502 listing why.
    pub strict: bool,
    /// Write each new response shape as a fixture under this contract copy.
    pub record: Option<PathBuf>,
    pub journal_size: usize,
    /// Worker threads; `None` is one per core.
    pub workers: Option<usize>,
}

impl ProxyConfig {
    pub fn new(upstream: url::Url) -> Self {
        Self {
            host: crate::mock::defaults::HOST.to_owned(),
            port: crate::mock::defaults::PORT,
            upstream,
            upstream_timeout: defaults::UPSTREAM_TIMEOUT,
            ca_cert: None,
            insecure: false,
            cors_origins: Vec::new(),
            admin: true,
            log: LogFormat::Off,
            strict: false,
            record: None,
            journal_size: defaults::JOURNAL_SIZE,
            workers: None,
        }
    }
}

/// One judged exchange, as the journal keeps it. No field holds a token.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JudgedExchange {
    pub id: u64,
    pub received_at_ms: u128,
    pub method: String,
    /// Path and query, the token replaced where a client put it there.
    pub path: String,
    /// `None` when the upstream sent no answer.
    pub upstream_status: Option<u16>,
    /// What the client got (a 502 or 504 when the upstream failed, or under `--strict`).
    pub status: u16,
    pub latency_ms: f64,
    /// The class the request amounts to, as the checker names it.
    pub class: String,
    pub violations: Vec<Violation>,
}

/// A violation in the list at `/__admin/violations`: the violation, with its exchange.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedViolation {
    #[serde(flatten)]
    pub violation: Violation,
    /// The journal id of its exchange.
    pub exchange: u64,
    pub status: Option<u16>,
}

/// Totals since the start (or the last clear), for the admin API and the summary at stop.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub judged: u64,
    pub passed_through: u64,
    pub request_side: u64,
    pub response_side: u64,
    pub by_check: BTreeMap<&'static str, u64>,
}

/// Everything the handlers share.
pub struct ProxyState {
    contract: Arc<Contract>,
    /// The template each worker copies its own client from.
    upstream: Upstream,
    cors: CorsPolicy,
    admin: bool,
    strict: bool,
    journal_size: usize,
    logger: Logger,
    next_id: AtomicU64,
    journal: Mutex<VecDeque<JudgedExchange>>,
    totals: Mutex<Totals>,
    recorder: Option<Recorder>,
}

impl ProxyState {
    pub fn new(contract: Arc<Contract>, config: &ProxyConfig) -> Result<Self, crate::Error> {
        let upstream = Upstream::new(
            config.upstream.clone(),
            config.upstream_timeout,
            config.ca_cert.as_deref(),
            config.insecure,
        )?;
        let recorder = match &config.record {
            Some(dir) => Some(Recorder::open(dir, &contract)?),
            None => None,
        };
        Ok(Self {
            upstream,
            cors: CorsPolicy::new(&config.cors_origins),
            admin: config.admin,
            strict: config.strict,
            journal_size: config.journal_size,
            logger: Logger::new(config.log),
            next_id: AtomicU64::new(0),
            journal: Mutex::new(VecDeque::new()),
            totals: Mutex::new(Totals::default()),
            recorder,
            contract,
        })
    }

    // A panic while holding these locks cannot leave them half-updated (each update is a push,
    // a pop or a sum), so a poisoned lock is still safe to use.
    fn journal(&self) -> MutexGuard<'_, VecDeque<JudgedExchange>> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn totals(&self) -> MutexGuard<'_, Totals> {
        self.totals.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Totals so far.
    pub fn totals_so_far(&self) -> Totals {
        self.totals().clone()
    }

    /// Every violation the journal still holds, oldest first.
    pub fn violations(&self) -> Vec<ListedViolation> {
        self.journal()
            .iter()
            .flat_map(|e| {
                e.violations.iter().map(|v| ListedViolation {
                    violation: v.clone(),
                    exchange: e.id,
                    status: e.upstream_status,
                })
            })
            .collect()
    }

    pub fn exchanges(&self) -> Vec<JudgedExchange> {
        self.journal().iter().cloned().collect()
    }

    fn clear(&self) {
        self.journal().clear();
        *self.totals() = Totals::default();
    }

    /// The summary printed when the proxy stops.
    pub fn summary(&self) -> String {
        let totals = self.totals_so_far();
        let mut out = format!(
            "mfa-contract proxy: {} exchanges with {} {} judged, {} passed through; {} violations ({} by clients, {} by the upstream)",
            totals.judged,
            self.contract.method(),
            self.contract.path(),
            totals.passed_through,
            totals.request_side + totals.response_side,
            totals.request_side,
            totals.response_side
        );
        for (check, count) in &totals.by_check {
            out.push_str(&format!("\n  {check}: {count}"));
        }
        out
    }

    fn keep(&self, exchange: JudgedExchange) {
        {
            let mut totals = self.totals();
            totals.judged += 1;
            for violation in &exchange.violations {
                match violation.side {
                    Side::Request => totals.request_side += 1,
                    Side::Response => totals.response_side += 1,
                }
                *totals.by_check.entry(violation.check).or_default() += 1;
            }
        }
        for violation in &exchange.violations {
            let side = match violation.side {
                Side::Request => "the client",
                Side::Response => "the upstream",
            };
            let at = violation
                .instance_pointer
                .as_deref()
                .map(|p| format!(" at {}", if p.is_empty() { "(root)" } else { p }))
                .unwrap_or_default();
            self.logger.warn(&format!(
                "contract violation by {side}: {}{at}: {} [{} {} exchange {}]",
                violation.check, violation.message, exchange.method, exchange.path, exchange.id
            ));
        }
        if self.journal_size == 0 {
            return;
        }
        let mut journal = self.journal();
        if journal.len() >= self.journal_size {
            journal.pop_front();
        }
        journal.push_back(exchange);
    }
}

/// The proxy as an actix app: CORS around the admin API and the pass-through.
pub fn app(
    state: web::Data<ProxyState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let cors_state = state.clone();
    let upstream = state.upstream.for_worker();
    App::new()
        .app_data(state.clone())
        .app_data(web::Data::new(upstream))
        .app_data(web::PayloadConfig::new(MAX_JUDGED_REQUEST))
        .configure(|cfg| {
            if state.admin {
                cfg.service(admin::scope());
            }
            cfg.default_service(web::to(handle));
        })
        .wrap(
            state
                .cors
                .middleware(&["GET", "POST", "PUT", "PATCH", "DELETE"], true),
        )
        .wrap_fn(move |req, srv| {
            // Outside actix-cors: a refused preflight in the contract's error shape.
            if !is_preflight(req.method(), req.headers()) {
                return Either::Left(srv.call(req));
            }
            let state = cors_state.clone();
            let call = srv.call(req);
            Either::Right(async move {
                let res = call.await?;
                Ok(in_error_shape(res, state.cors.origins(), &state.logger))
            })
        })
}

/// A body in the contract's error shape.
fn error_response(status: StatusCode, error: &str, detail: &str) -> HttpResponse {
    HttpResponse::build(status)
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(json!({"success": false, "error": error, "detail": detail}).to_string())
}

/// Every request: the endpoint's path is judged, every other path passed through as a stream.
async fn handle(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<ProxyState>,
    upstream: web::Data<Upstream>,
) -> HttpResponse {
    let started = Instant::now();
    if req.path() != state.contract.path() {
        state.totals().passed_through += 1;
        return upstream.pass(&req, payload, &state.logger).await;
    }
    judged(req, payload, &state, &upstream, started).await
}

async fn judged(
    req: HttpRequest,
    mut payload: web::Payload,
    state: &ProxyState,
    upstream: &Upstream,
    started: Instant,
) -> HttpResponse {
    let mut body = BytesMut::new();
    while let Some(chunk) = payload.next().await {
        match chunk {
            Ok(chunk) if body.len() + chunk.len() <= MAX_JUDGED_REQUEST => {
                body.extend_from_slice(&chunk);
            }
            Ok(_) => {
                return error_response(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "Payload Too Large: the proxy reads endpoint requests whole to judge them",
                    &format!("the body went past {MAX_JUDGED_REQUEST} bytes"),
                );
            }
            Err(e) => {
                return error_response(
                    StatusCode::BAD_REQUEST,
                    "Bad Request: the request body could not be read",
                    &e.to_string(),
                );
            }
        }
    }
    let body = body.freeze();
    let contract = &state.contract;
    let auth_header = contract.auth().header.as_str();
    let authorization = req.headers().get(auth_header).and_then(|v| v.to_str().ok());
    let token = authorization
        .and_then(|v| v.trim().split_once(' '))
        .map(|(_, t)| t.trim())
        .filter(|t| !t.is_empty());
    let ctx = judge::ctx(contract, token);
    let json = ObservedRequest::parse(&body);
    let observed = ObservedRequest {
        method: req.method().as_str(),
        content_type: req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok()),
        authorization,
        body: &body,
        json: &json,
    };
    let (case, mut violations) = judge::judge_request(&ctx, &observed, token.is_some());
    let answer = upstream
        .buffered(&req, body.clone(), MAX_JUDGED_RESPONSE)
        .await;
    let outcome = match &answer {
        Ok(buffered) => Outcome::Response(Response::new(
            buffered.status.as_u16(),
            buffered.header_pairs(),
            buffered.body.to_vec(),
            buffered.elapsed,
        )),
        Err(error) => Outcome::Transport(error.clone()),
    };
    let exchange = Exchange { case, outcome };
    let response_violations = judge::judge_response(&ctx, &exchange);
    let broke_contract = !response_violations.is_empty();
    violations.extend(response_violations);
    if let (Some(recorder), Outcome::Response(response)) = (&state.recorder, &exchange.outcome) {
        recorder.record(contract, response, token, &state.logger);
    }
    for violation in &mut violations {
        if let Some(token) = token {
            violation.message = replace_token(&violation.message, token, "[token]");
        }
    }

    let mut response = match answer {
        Err(error) => failure_response(&error, upstream.timeout()),
        Ok(_) if state.strict && broke_contract => strict_response(&violations),
        Ok(buffered) => buffered.into_response(),
    };
    if let Ok(count) = HeaderValue::from_str(&violations.len().to_string()) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(VIOLATIONS_HEADER), count);
    }
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let path = match (req.uri().path_and_query(), token) {
        (Some(pq), Some(token)) => replace_token(pq.as_str(), token, "[token]"),
        (Some(pq), None) => pq.as_str().to_owned(),
        (None, _) => req.path().to_owned(),
    };
    state.logger.request(&RequestLine {
        method: req.method().as_str(),
        path: req.path(),
        status: Some(response.status().as_u16()),
        outcome: crate::mock::Outcome::Answered,
        latency_ms,
        scenario: None,
        user: None,
    });
    state.keep(JudgedExchange {
        id: state.next_id.fetch_add(1, Ordering::Relaxed) + 1,
        received_at_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis()),
        method: req.method().as_str().to_owned(),
        path,
        upstream_status: exchange.response().map(|r| r.status),
        status: response.status().as_u16(),
        latency_ms,
        class: exchange.case.class.clone(),
        violations,
    });
    response
}

/// `--strict`: the upstream's answer broke the contract, so the client gets a 502 that says how.
fn strict_response(violations: &[Violation]) -> HttpResponse {
    let listed: Vec<serde_json::Value> = violations
        .iter()
        .filter(|v| v.side == Side::Response)
        .map(|v| {
            json!({
                "pointer": v.instance_pointer.clone().unwrap_or_default(),
                "message": format!("{}: {}", v.check, v.message),
            })
        })
        .collect();
    HttpResponse::BadGateway()
        .insert_header((header::CONTENT_TYPE, "application/json"))
        .body(
            json!({
                "success": false,
                "error": "Bad Gateway: the upstream's answer breaks the contract (--strict)",
                "detail": format!("{} violations; GET /__admin/violations lists them with their exchange", listed.len()),
                "violations": listed,
            })
            .to_string(),
        )
}

/// A proxy running on its own thread, for tests and embedding: binds at once, stops on drop.
pub struct ProxyServer {
    addr: SocketAddr,
    state: web::Data<ProxyState>,
    _server: crate::serve::ServerThread,
}

impl ProxyServer {
    pub fn start(contract: Arc<Contract>, config: ProxyConfig) -> Result<Self, crate::Error> {
        let listener = TcpListener::bind((config.host.as_str(), config.port)).map_err(|e| {
            crate::Error::io(format!("cannot bind {}:{}", config.host, config.port), e)
        })?;
        let addr = listener
            .local_addr()
            .map_err(|e| crate::Error::io("cannot read the bound address", e))?;
        let state = web::Data::new(ProxyState::new(contract, &config)?);
        let workers = crate::net::workers(config.workers);
        let thread_state = state.clone();
        let server =
            crate::serve::ServerThread::spawn(format!("mfa-proxy-{}", addr.port()), move || {
                Ok(HttpServer::new(move || app(thread_state.clone()))
                    .workers(workers)
                    .disable_signals()
                    .shutdown_timeout(1)
                    .listen(listener)?
                    .run())
            })
            .map_err(|e| crate::Error::io("cannot start the proxy", e))?;
        Ok(Self {
            addr,
            state,
            _server: server,
        })
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn state(&self) -> &ProxyState {
        &self.state
    }
}

/// Serves in the foreground until Ctrl-C; `on_ready` runs once bound. Returns the summary.
pub fn serve(
    contract: Arc<Contract>,
    config: ProxyConfig,
    on_ready: impl FnOnce(SocketAddr) -> std::io::Result<()>,
) -> Result<String, crate::Error> {
    let listener = TcpListener::bind((config.host.as_str(), config.port)).map_err(|e| {
        crate::Error::io(
            format!("cannot serve on {}:{}", config.host, config.port),
            e,
        )
    })?;
    let addr = listener
        .local_addr()
        .map_err(|e| crate::Error::io("cannot read the bound address", e))?;
    let state = web::Data::new(ProxyState::new(contract, &config)?);
    let workers = crate::net::workers(config.workers);
    let server_state = state.clone();
    actix_web::rt::System::new()
        .block_on(async move {
            let server = HttpServer::new(move || app(server_state.clone()))
                .shutdown_timeout(2)
                .workers(workers)
                .listen(listener)?
                .run();
            if let Err(error) = on_ready(addr) {
                // The stop is sent now; the server future, polled below, carries it out.
                drop(server.handle().stop(false));
                let _ = server.await;
                return Err(error);
            }
            server.await
        })
        .map_err(|e| crate::Error::io(format!("cannot serve on {addr}"), e))?;
    Ok(state.summary())
}

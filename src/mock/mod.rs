//! `mfa-contract mock`: a stateful stand-in for the documented endpoint. Every body it sends
//! comes from the contract's fixtures or has the contract's error shape; scenarios make every
//! documented response, and the faults a UI must survive, reachable on purpose.
//!
//! The app is built by [`app`] alone, used by the CLI, by in-process tests and by
//! [`MockServer::start`].

mod admin;
mod cors;
mod journal;
mod log;
mod pipeline;
mod record;
mod reply;
mod scenario;
mod state;

use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::{App, HttpServer};
use futures_util::future::Either;
use serde_json::Map;

pub use cors::{CorsPolicy, DEFAULT_ORIGINS, in_error_shape, is_preflight};
pub use journal::{Entry as JournalEntry, Outcome};
pub use log::{LogFormat, Logger, RequestLine};
pub use scenario::{Fault, Scenario};

use crate::contract::{Contract, RejectionKind, Users};
use journal::Journal;
use reply::{Reply, status_code};
use scenario::{Rules, Sticky};
use state::UserStore;

/// How to run the mock. `Default` is what `mfa-contract mock` does without flags.
#[derive(Debug, Clone)]
pub struct MockConfig {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// Replaces the contract's users file.
    pub users: Option<Users>,
    /// Refuse tokens that are not in the users file.
    pub strict_tokens: bool,
    /// Empty means any `http://localhost:*` and `http://127.0.0.1:*` origin.
    pub cors_origins: Vec<String>,
    /// Serve `/__admin`.
    pub admin: bool,
    /// Replaces the manifest's `request.maxBodyBytes`.
    pub max_body_bytes: Option<usize>,
    /// Upper bound of `delay=` and of how long `fault=timeout` holds a request.
    pub max_delay: Duration,
    /// How many requests the journal keeps (0 turns it off).
    pub journal_size: usize,
    /// Worker threads; `None` is one per core.
    pub workers: Option<usize>,
    /// The request log on stdout.
    pub log: LogFormat,
    /// Forward every path but the endpoint's here (`mock --upstream`), e.g. to staging.
    pub upstream: Option<Arc<crate::forward::Upstream>>,
}

/// The defaults, defined once: clap shows them in `--help` and `MockConfig::default` uses them.
pub mod defaults {
    use std::time::Duration;

    pub const HOST: &str = "127.0.0.1";
    pub const PORT: u16 = 4010;
    /// Upper bound of `delay=` and of how long `fault=timeout` holds a request.
    pub const MAX_DELAY: Duration = Duration::from_secs(30);
    pub const JOURNAL_SIZE: usize = 1000;
}

impl MockConfig {
    /// `workers`, or one per core as the field says.
    pub fn worker_threads(&self) -> usize {
        crate::net::workers(self.workers)
    }
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            host: defaults::HOST.to_owned(),
            port: defaults::PORT,
            users: None,
            strict_tokens: false,
            cors_origins: Vec::new(),
            admin: true,
            max_body_bytes: None,
            max_delay: defaults::MAX_DELAY,
            journal_size: defaults::JOURNAL_SIZE,
            workers: None,
            log: LogFormat::Off,
            upstream: None,
        }
    }
}

/// Settings the pipeline reads on every request.
#[derive(Debug, Clone)]
struct Settings {
    /// The manifest's auth header, parsed once: looking a header up by `&str` parses the name
    /// on every request.
    auth_header: header::HeaderName,
    strict_tokens: bool,
    max_body_bytes: usize,
    admin: bool,
    journal_size: usize,
    cors: CorsPolicy,
}

/// Bodies serialized once at start-up.
#[derive(Debug)]
struct Bodies {
    /// Every example: name, status, serialized body. A handful, so a scan beats hashing.
    examples: Vec<(String, StatusCode, Bytes)>,
    /// Documented status -> index of its default example.
    defaults: Vec<(u16, usize)>,
    /// The default 200 body cut in half: `fault=malformed`.
    malformed: Bytes,
}

impl Bodies {
    fn new(contract: &Contract) -> Self {
        let examples: Vec<(String, StatusCode, Bytes)> = contract
            .examples()
            .iter()
            .map(|e| {
                let bytes = serde_json::to_vec(&e.body).expect("a JSON value always serializes");
                (e.name.clone(), status_code(e.status), Bytes::from(bytes))
            })
            .collect();
        let defaults: Vec<(u16, usize)> = contract
            .documented_statuses()
            .filter_map(|s| {
                let name = &contract.default_example(s)?.name;
                Some((s, examples.iter().position(|(n, _, _)| n == name)?))
            })
            .collect();
        let ok = defaults
            .iter()
            .find(|(s, _)| *s == 200)
            .map(|(_, i)| examples[*i].2.clone());
        let malformed = ok.map_or_else(
            || Bytes::from_static(b"{\"success\":"),
            |b| b.slice(..b.len() / 2),
        );
        Self {
            examples,
            defaults,
            malformed,
        }
    }

    fn example(&self, name: &str) -> Option<Reply> {
        self.examples
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, status, body)| Reply::json(*status, body.clone()))
    }

    fn default_for(&self, status: u16) -> Option<Reply> {
        let (_, index) = self.defaults.iter().find(|(s, _)| *s == status)?;
        let (_, status, body) = &self.examples[*index];
        Some(Reply::json(*status, body.clone()))
    }
}

/// Everything the handlers share, across worker threads.
pub struct MockState {
    contract: Arc<Contract>,
    settings: Settings,
    rules: Rules,
    bodies: Bodies,
    users: Mutex<UserStore>,
    armed: Sticky,
    journal: Mutex<Journal>,
    logger: Logger,
    upstream: Option<Arc<crate::forward::Upstream>>,
    /// Set once the server runs: `POST /__admin/shutdown` stops it through this.
    server: std::sync::OnceLock<actix_web::dev::ServerHandle>,
}

impl MockState {
    pub fn new(contract: Arc<Contract>, config: &MockConfig) -> Self {
        let users = config
            .users
            .clone()
            .unwrap_or_else(|| contract.users().clone());
        Self {
            settings: Settings {
                auth_header: header::HeaderName::from_bytes(contract.auth().header.as_bytes())
                    .unwrap_or(header::AUTHORIZATION),
                strict_tokens: config.strict_tokens,
                max_body_bytes: config
                    .max_body_bytes
                    .unwrap_or(contract.request_spec().max_body_bytes),
                admin: config.admin,
                journal_size: config.journal_size,
                cors: CorsPolicy::new(&config.cors_origins),
            },
            rules: Rules::new(&contract, config.max_delay),
            bodies: Bodies::new(&contract),
            users: Mutex::new(UserStore::new(users, config.strict_tokens)),
            armed: Sticky::default(),
            journal: Mutex::new(Journal::new(config.journal_size)),
            logger: Logger::new(config.log),
            upstream: config.upstream.clone(),
            server: std::sync::OnceLock::new(),
            contract,
        }
    }

    fn reject(&self, kind: RejectionKind, detail: impl Into<String>) -> Reply {
        self.reject_with(kind, detail, Map::new())
    }

    fn reject_with(
        &self,
        kind: RejectionKind,
        detail: impl Into<String>,
        extra: Map<String, serde_json::Value>,
    ) -> Reply {
        Reply::rejection(self.contract.rejection(kind), detail, extra)
    }

    // A panic while holding a lock cannot leave these structures half-updated (each update is a
    // single assignment or push), so a poisoned lock is still safe to use.
    fn users(&self) -> MutexGuard<'_, UserStore> {
        self.users.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Stops the server gracefully, after the answers in flight (this one included) went out;
    /// false when it is not running as a server (an in-process test service).
    fn shut_down(&self) -> bool {
        let Some(handle) = self.server.get().cloned() else {
            return false;
        };
        actix_web::rt::spawn(async move { handle.stop(true).await });
        true
    }

    /// One line for when the mock stops: how many requests, and how each ended.
    pub fn summary(&self) -> String {
        let journal = self.journal();
        if !journal.is_on() {
            return "mfa-contract mock: stopped (requests were not counted: --journal-size 0)"
                .to_owned();
        }
        let tally = journal.since_start();
        let mut line = format!(
            "mfa-contract mock: stopped after {} requests",
            tally.requests()
        );
        let mut parts: Vec<String> = tally
            .answered
            .iter()
            .map(|(status, n)| format!("{status} x{n}"))
            .collect();
        if tally.closed > 0 {
            parts.push(format!(
                "{} closed on purpose (fault scenarios)",
                tally.closed
            ));
        }
        if tally.client_gave_up > 0 {
            parts.push(format!(
                "{} left by the client before the answer",
                tally.client_gave_up
            ));
        }
        if !parts.is_empty() {
            line.push_str(": ");
            line.push_str(&parts.join(", "));
        }
        line
    }
}

/// The whole mock as an actix app: CORS around the admin API and the request pipeline.
pub fn app(
    state: web::Data<MockState>,
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
    // Each worker its own client for `--upstream` (see `Upstream::for_worker`).
    let upstream = state
        .upstream
        .as_ref()
        .map(|u| web::Data::new(u.for_worker()));
    App::new()
        .app_data(state.clone())
        .app_data(ValidBodies::default())
        .configure(|cfg| {
            if let Some(upstream) = upstream {
                cfg.app_data(upstream);
            }
        })
        .configure(|cfg| {
            if state.settings.admin {
                cfg.service(admin::scope());
            }
            cfg.default_service(web::to(pipeline::endpoint));
        })
        .wrap(
            state
                .settings
                .cors
                .middleware(&["GET", "POST", "DELETE"], false),
        )
        .wrap_fn(move |req, srv| {
            // Outside actix-cors: a refused preflight in the error shape, and every preflight
            // in the journal. Everything else passes untouched.
            if !is_preflight(req.method(), req.headers()) {
                return Either::Left(srv.call(req));
            }
            let state = cors_state.clone();
            let started = std::time::Instant::now();
            let call = srv.call(req);
            Either::Right(async move {
                let res = call.await?;
                let res = in_error_shape(res, state.settings.cors.origins(), &state.logger);
                record::preflight(res.request(), &state, res.status().as_u16(), started);
                Ok(res)
            })
        })
}

/// One worker's memory of valid request bodies and the method each selects (a few, small):
/// the same body need not be parsed and validated again. Per worker, so no lock.
#[derive(Default)]
pub(crate) struct ValidBodies(std::cell::RefCell<std::collections::VecDeque<(Bytes, Arc<str>)>>);

impl ValidBodies {
    /// Bodies remembered, at most; a scan of a handful beats hashing a body.
    const CAPACITY: usize = 16;
    /// Larger bodies are not remembered (comparing them costs what parsing saves).
    const MAX_BYTES: usize = 512;

    pub(crate) fn get(&self, body: &[u8]) -> Option<Arc<str>> {
        self.0
            .borrow()
            .iter()
            .find(|(known, _)| known.as_ref() == body)
            .map(|(_, method)| method.clone())
    }

    pub(crate) fn remember(&self, body: &[u8], method: Arc<str>) {
        if body.len() > Self::MAX_BYTES {
            return;
        }
        let mut bodies = self.0.borrow_mut();
        if bodies.len() == Self::CAPACITY {
            bodies.pop_front();
        }
        // Copied: the request's bytes share the connection's read buffer.
        bodies.push_back((Bytes::copy_from_slice(body), method));
    }
}

/// The client's connection, kept so a handler holding an answer back (`delay`, `fault=timeout`)
/// can tell when the client has gone: actix finishes a handler even after its client left.
#[derive(Clone)]
pub(crate) struct Peer(Arc<std::net::TcpStream>);

impl Peer {
    /// Whether the client has closed its side (a peek finds the end of the stream).
    pub(crate) fn gone(&self) -> bool {
        let mut byte = [0u8; 1];
        matches!(self.0.peek(&mut byte), Ok(0))
    }
}

/// Runs once per accepted connection: keeps a second handle on its socket (a `dup`, shared
/// non-blocking mode) for [`Peer::gone`].
fn on_connect(connection: &dyn std::any::Any, data: &mut actix_web::dev::Extensions) {
    use std::os::fd::AsFd as _;
    if let Some(tcp) = connection.downcast_ref::<actix_web::rt::net::TcpStream>()
        && let Ok(fd) = tcp.as_fd().try_clone_to_owned()
    {
        data.insert(Peer(Arc::new(std::net::TcpStream::from(fd))));
    }
}

/// A mock running on its own thread, for tests and embedding: binds at once, stops on drop.
pub struct MockServer {
    addr: SocketAddr,
    state: web::Data<MockState>,
    server: crate::serve::ServerThread,
}

impl MockServer {
    /// Binds `config.host:config.port` (use port 0 for a free one) and serves until stopped.
    pub fn start(contract: Arc<Contract>, config: MockConfig) -> std::io::Result<Self> {
        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        let addr = listener.local_addr()?;
        let state = web::Data::new(MockState::new(contract, &config));
        let workers = config.worker_threads();
        let thread_state = state.clone();
        let server =
            crate::serve::ServerThread::spawn(format!("mfa-mock-{}", addr.port()), move || {
                let server = HttpServer::new({
                    let state = thread_state.clone();
                    move || app(state.clone())
                })
                .on_connect(on_connect)
                .workers(workers)
                .disable_signals()
                .shutdown_timeout(1)
                .listen(listener)?
                .run();
                let _ = thread_state.server.set(server.handle());
                Ok(server)
            })?;
        Ok(Self {
            addr,
            state,
            server,
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The journal, oldest first (what `GET /__admin/requests` shows).
    pub fn journal(&self) -> Vec<JournalEntry> {
        self.state.journal().entries()
    }

    /// Stops accepting, lets requests in flight finish (bounded), and joins the thread.
    pub fn stop(mut self) {
        self.server.stop(true);
    }
}

/// What `mfa-contract mock` runs: serve in the foreground until SIGINT or SIGTERM, then return
/// the summary line. `on_ready` runs once the socket listens; its error stops the server.
pub fn serve(
    contract: Arc<Contract>,
    config: MockConfig,
    on_ready: impl FnOnce(SocketAddr) -> std::io::Result<()>,
) -> std::io::Result<String> {
    let listener = TcpListener::bind((config.host.as_str(), config.port))?;
    let addr = listener.local_addr()?;
    let state = web::Data::new(MockState::new(contract, &config));
    let server_state = state.clone();
    actix_web::rt::System::new().block_on(async {
        let server = HttpServer::new(move || app(server_state.clone()))
            .on_connect(on_connect)
            .shutdown_timeout(2)
            .workers(config.worker_threads())
            .listen(listener)?
            .run();
        let _ = state.server.set(server.handle());
        if let Err(error) = on_ready(addr) {
            // The stop is sent now; the server future, polled below, carries it out.
            drop(server.handle().stop(false));
            let _ = server.await;
            return Err(error);
        }
        server.await
    })?;
    Ok(state.summary())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_bodies_are_remembered_exactly_small_and_few() {
        let bodies = ValidBodies::default();
        bodies.remember(br#"{"mfaType":"PASSKEY"}"#, "PASSKEY".into());
        assert_eq!(
            bodies.get(br#"{"mfaType":"PASSKEY"}"#).as_deref(),
            Some("PASSKEY")
        );
        // Another spelling of the same JSON is another body: parsed again, never guessed.
        assert_eq!(bodies.get(br#"{ "mfaType":"PASSKEY"}"#), None);
        bodies.remember(&vec![b' '; ValidBodies::MAX_BYTES + 1], "X".into());
        assert_eq!(bodies.get(&vec![b' '; ValidBodies::MAX_BYTES + 1]), None);
        for i in 0..ValidBodies::CAPACITY {
            bodies.remember(format!("{{\"n\":{i}}}").as_bytes(), "N".into());
        }
        assert_eq!(
            bodies.get(br#"{"mfaType":"PASSKEY"}"#),
            None,
            "the oldest goes first"
        );
        assert!(bodies.get(b"{\"n\":0}").is_some());
    }
}

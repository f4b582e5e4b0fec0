//! `mfa-contract mock`: a stateful stand-in for the documented endpoint. Every body it sends
//! comes from the contract's fixtures or has the contract's error shape; scenarios make every
//! documented response, and the faults a UI must survive, reachable on purpose.
//!
//! The app is built by [`app`] alone, used by the CLI, by in-process tests and by
//! [`MockServer::start`].

mod account;
mod admin;
mod armed;
mod bodies;
mod chaos;
mod choose;
mod compress;
mod journal;
mod memo;
mod operation;
mod pact;
mod pipeline;
mod record;
mod reply;
mod scenario;
mod state;
mod steps;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use actix_web::App;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::web;
use futures_util::future::Either;
use futures_util::{FutureExt as _, TryFutureExt as _};
use serde_json::Map;

pub use chaos::{
    ChaosConfig, Weights as ChaosWeights, defaults as chaos_defaults,
    parse_rate as parse_chaos_rate, random_seed as random_chaos_seed,
};
pub use journal::Entry as JournalEntry;
pub use scenario::{Fault, Scenario};

use crate::contract::{Contract, RejectionKind, Users};
use crate::server::admin::Control;
use crate::server::{
    AdminGate, CorsPolicy, Logger, Peers, ServerOptions, ServerThread, Upstream, gate,
    in_error_shape, is_preflight,
};
use armed::ArmedScenarios;
use bodies::Bodies;
use journal::Journal;
use memo::ValidBodies;
use reply::Reply;
use scenario::Rules;
use state::UserStore;

/// How to run the mock. `Default` is what `mfa-contract mock` does without flags.
#[derive(Debug, Clone)]
pub struct MockConfig {
    /// Host, port, workers, CORS, admin, log, journal: as for the proxy.
    pub server: ServerOptions,
    /// Replaces the contract's users file.
    pub users: Option<Users>,
    /// Refuse tokens that are not in the users file.
    pub strict_tokens: bool,
    /// Replaces the manifest's `request.maxBodyBytes`.
    pub max_body_bytes: Option<usize>,
    /// Upper bound of `delay=` and of how long `fault=timeout` holds a request.
    pub max_delay: Duration,
    /// Forward every path but the endpoint's here (`mock --upstream`), e.g. to staging.
    pub upstream: Option<Arc<Upstream>>,
    /// `--chaos`: disturbances at a rate, replayable by their seed.
    pub chaos: ChaosConfig,
    /// Compress answers as a request's `Accept-Encoding` asks (gzip, br, zstd, deflate), as
    /// real servers do; off with `--no-compress`.
    pub compress: bool,
    /// Who the journal's Pact export (`?format=pact`) is between.
    pub pact: crate::pact::Names,
}

/// The mock's own defaults, defined once: clap shows them in `--help` and `MockConfig::default`
/// uses them (the server's are in [`crate::server::defaults`]).
pub mod defaults {
    use std::time::Duration;

    /// Upper bound of `delay=` and of how long `fault=timeout` holds a request.
    pub const MAX_DELAY: Duration = Duration::from_secs(30);
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            server: ServerOptions::default(),
            users: None,
            strict_tokens: false,
            max_body_bytes: None,
            max_delay: defaults::MAX_DELAY,
            upstream: None,
            chaos: ChaosConfig::default(),
            compress: true,
            pact: crate::pact::Names::default(),
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
    /// The admin API's gate; `None` without an admin API (`--no-admin`).
    admin: Option<AdminGate>,
    compress: bool,
    journal_size: usize,
    cors: CorsPolicy,
    pact: crate::pact::Names,
}

/// Everything the handlers share, across worker threads.
pub struct MockState {
    contract: Arc<Contract>,
    settings: Settings,
    rules: Rules,
    bodies: Bodies,
    users: Mutex<UserStore>,
    /// The contract's other operations, in its order.
    operations: Vec<operation::Served>,
    /// The seed's, when it is served as the others are.
    seed: Option<operation::Served>,
    seed_id: Arc<str>,
    armed: ArmedScenarios,
    chaos: chaos::Chaos,
    journal: Mutex<Journal>,
    logger: Logger,
    upstream: Option<Arc<Upstream>>,
    /// What `/__admin/health` says, and the handle `/__admin/shutdown` stops.
    control: web::Data<Control>,
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
                admin: config.server.admin_gate(),
                compress: config.compress,
                journal_size: config.server.journal_size,
                cors: config.server.cors(),
                pact: config.pact.clone(),
            },
            rules: Rules::new(&contract, config.max_delay),
            bodies: Bodies::new(&contract),
            users: Mutex::new(UserStore::new(users, config.strict_tokens)),
            operations: contract
                .operations()
                .iter()
                .map(|o| operation::Served::new(o, config.max_delay))
                .collect(),
            seed: contract
                .seed_operation()
                .map(|o| operation::Served::new(o, config.max_delay)),
            seed_id: contract.manifest().operation_id.as_str().into(),
            armed: ArmedScenarios::default(),
            chaos: chaos::Chaos::new(
                &contract,
                &config.chaos,
                config.chaos.seed.unwrap_or_else(chaos::random_seed),
                config.max_delay.as_millis().try_into().unwrap_or(u64::MAX),
            ),
            journal: Mutex::new(Journal::new(config.server.journal_size)),
            logger: Logger::new(config.server.log),
            upstream: config.upstream.clone(),
            control: web::Data::new(Control::new(&contract)),
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
        Reply::rejection((kind, self.contract.rejection(kind)), detail, extra)
    }

    // A panic while holding a lock cannot leave these structures half-updated (each update is a
    // single assignment or push), so a poisoned lock is still safe to use.
    fn users(&self) -> MutexGuard<'_, UserStore> {
        self.users.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn journal(&self) -> MutexGuard<'_, Journal> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The start-up banner's line on chaos, when `config` turns it on: rate, weights and seed.
/// `config.chaos.seed` is the one the mock will use: the caller picks it when none was given
/// (`random_chaos_seed`), so the banner and the run agree.
pub fn chaos_banner(contract: &Contract, config: &MockConfig) -> Option<String> {
    let seed = config.chaos.seed.unwrap_or_default();
    chaos::Chaos::new(contract, &config.chaos, seed, u64::MAX).banner()
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
    let compress = state.settings.compress;
    // Each worker its own client for `--upstream` (see `Upstream::for_worker`).
    let upstream = state
        .upstream
        .as_ref()
        .map(|u| web::Data::new(u.for_worker()));
    App::new()
        .app_data(state.clone())
        .app_data(state.control.clone())
        .app_data(ValidBodies::default())
        .configure(|cfg| {
            if let Some(upstream) = upstream {
                cfg.app_data(upstream);
            }
        })
        .configure(|cfg| {
            if state.settings.admin.is_some() {
                // Compressed only where a request asks (see `compress.rs`); the pipeline's
                // answers are compressed by its handler.
                cfg.service(admin::scope().wrap_fn(move |req, srv| {
                    match compress.then(|| compress::negotiated(&req)).flatten() {
                        None => {
                            Either::Left(srv.call(req).map_ok(ServiceResponse::map_into_right_body))
                        }
                        Some(coding) => Either::Right(
                            srv.call(req)
                                .map_ok(move |response| compress::compressed(response, coding)),
                        ),
                    }
                }));
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
            // Outside actix-cors: the admin gate, a refused preflight in the error shape, and
            // every preflight in the journal. Everything else passes untouched.
            let req = match gate::guard(cors_state.settings.admin.as_ref(), req, &srv) {
                Ok(req) if !is_preflight(req.method(), req.headers()) => {
                    return Either::Left(srv.call(req));
                }
                Ok(req) => req,
                Err(guarded) => return Either::Right(guarded),
            };
            let state = cors_state.clone();
            let started = std::time::Instant::now();
            let call = srv.call(req);
            Either::Right(
                async move {
                    let res = call.await?;
                    let res = in_error_shape(res, state.settings.cors.origins(), &state.logger);
                    record::preflight(res.request(), &state, res.status().as_u16(), started);
                    Ok(res)
                }
                .boxed_local(),
            )
        })
}

/// A mock running on its own thread, for tests and embedding: binds at once, stops on drop.
pub struct MockServer {
    addr: SocketAddr,
    state: web::Data<MockState>,
    server: ServerThread,
}

impl MockServer {
    /// Binds `config.server` (use port 0 for a free one) and serves until stopped.
    pub fn start(contract: Arc<Contract>, config: MockConfig) -> std::io::Result<Self> {
        let (listener, addr) = config.server.bind()?;
        let state = web::Data::new(MockState::new(contract, &config));
        let (app_state, control) = (state.clone(), state.control.clone());
        let workers = config.server.worker_threads();
        let serve = move |mode| {
            let factory = move || app(app_state.clone());
            crate::server::build(listener, workers, Peers::Tracked, mode, factory)
        };
        let name = format!("mfa-mock-{}", addr.port());
        let server =
            crate::server::run_on_thread(name, serve, move |handle| control.attach(handle))?;
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

/// What `mfa-contract mock` runs: serve in the foreground until SIGINT, SIGTERM or
/// `POST /__admin/shutdown`, then return the summary line. `on_ready` runs once the socket
/// listens; its error stops the server.
pub fn serve(
    contract: Arc<Contract>,
    config: MockConfig,
    on_ready: impl FnOnce(SocketAddr) -> std::io::Result<()>,
) -> std::io::Result<String> {
    let (listener, addr) = config.server.bind()?;
    let state = web::Data::new(MockState::new(contract, &config));
    let app_state = state.clone();
    let workers = config.server.worker_threads();
    let serve = move |mode| {
        let factory = move || app(app_state.clone());
        crate::server::build(listener, workers, Peers::Tracked, mode, factory)
    };
    crate::server::run_foreground(serve, |handle| {
        state.control.attach(handle);
        on_ready(addr)
    })?;
    Ok(state.summary())
}

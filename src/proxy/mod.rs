//! `mfa-contract proxy --upstream URL`: the contract inside an app's real traffic. Every
//! request is passed through to the upstream; exchanges with the contract's endpoint are
//! judged on both sides with the checker's own registry. Each judged answer carries
//! `Mfa-Contract-Violations: N`; violations are logged, kept with their exchange, listed at
//! `/__admin/violations`, shown on the admin page and summed up when the proxy stops. With
//! `--strict` an answer that breaks the contract becomes a 502 that lists why; with
//! `--record DIR` each new response shape becomes a fixture the mock can serve.

mod admin;
mod exchange;
mod record;
mod state;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use actix_web::App;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::web;
use futures_util::FutureExt as _;
use futures_util::future::Either;

pub use crate::check::observed::{Side, Violation};
pub use record::Recorder;
pub use state::{JudgedExchange, ListedViolation, ProxyState, Totals};

use crate::contract::Contract;
use crate::server::{Peers, ServerOptions, ServerThread, gate, in_error_shape, is_preflight};

/// The header every judged answer carries.
pub const VIOLATIONS_HEADER: &str = "mfa-contract-violations";
/// Largest endpoint request body the proxy reads to judge it.
const MAX_JUDGED_REQUEST: usize = 16 << 20;
/// Largest endpoint answer the proxy reads to judge it.
const MAX_JUDGED_RESPONSE: usize = 8 << 20;
/// Largest an endpoint answer may decode to (from its `Content-Encoding`) to be judged; past
/// it, a compression bomb as far as the proxy can tell: cut and reported, the bytes passed on.
const MAX_DECODED_RESPONSE: usize = 16 << 20;

/// The proxy's own defaults, defined once: clap shows them and `ProxyConfig::new` uses them
/// (the server's are in [`crate::server::defaults`]).
pub mod defaults {
    use std::time::Duration;

    pub const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(30);
}

/// How to run the proxy.
#[derive(Debug, Clone)]
pub struct ProxyConfig {
    /// Host, port, workers, CORS, admin, log, journal: as for the mock.
    pub server: ServerOptions,
    pub upstream: url::Url,
    pub upstream_timeout: Duration,
    /// `--ca-cert` and `--insecure` for the upstream.
    pub tls: crate::tls::TlsOptions,
    /// Replace an answer that breaks the contract with a 502 listing why.
    pub strict: bool,
    /// Write each new response shape as a fixture under this contract copy.
    pub record: Option<PathBuf>,
    /// Append each judged exchange to this HAR file.
    pub record_har: Option<PathBuf>,
    /// Who the journal's Pact export (`?format=pact`) is between.
    pub pact: crate::pact::Names,
}

impl ProxyConfig {
    pub fn new(upstream: url::Url) -> Self {
        Self {
            server: ServerOptions::default(),
            upstream,
            upstream_timeout: defaults::UPSTREAM_TIMEOUT,
            tls: crate::tls::TlsOptions::default(),
            strict: false,
            record: None,
            record_har: None,
            pact: crate::pact::Names::default(),
        }
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
        .app_data(state.control.clone())
        .app_data(web::Data::new(upstream))
        .app_data(web::PayloadConfig::new(MAX_JUDGED_REQUEST))
        .configure(|cfg| {
            if state.admin.is_some() {
                cfg.service(admin::scope());
            }
            cfg.default_service(web::to(exchange::handle));
        })
        .wrap(
            state
                .cors
                .middleware(&["GET", "POST", "PUT", "PATCH", "DELETE"], true),
        )
        .wrap_fn(move |req, srv| {
            // Outside actix-cors: the admin gate, and a refused preflight in the contract's
            // error shape.
            let req = match gate::guard(cors_state.admin.as_ref(), req, &srv) {
                Ok(req) if !is_preflight(req.method(), req.headers()) => {
                    return Either::Left(srv.call(req));
                }
                Ok(req) => req,
                Err(guarded) => return Either::Right(guarded),
            };
            let state = cors_state.clone();
            let call = srv.call(req);
            Either::Right(
                async move {
                    let res = call.await?;
                    Ok(in_error_shape(res, state.cors.origins(), &state.logger))
                }
                .boxed_local(),
            )
        })
}

/// A proxy running on its own thread, for tests and embedding: binds at once, stops on drop.
pub struct ProxyServer {
    addr: SocketAddr,
    state: web::Data<ProxyState>,
    _server: ServerThread,
}

impl ProxyServer {
    pub fn start(contract: Arc<Contract>, config: ProxyConfig) -> Result<Self, crate::Error> {
        let (listener, addr) = config.server.bind().map_err(|e| {
            let at = format!("{}:{}", config.server.host, config.server.port);
            crate::Error::io(format!("cannot bind {at}"), e)
        })?;
        let state = web::Data::new(ProxyState::new(contract, &config)?);
        let (app_state, control) = (state.clone(), state.control.clone());
        let workers = config.server.worker_threads();
        let serve = move |mode| {
            let factory = move || app(app_state.clone());
            crate::server::build(listener, workers, Peers::Untracked, mode, factory)
        };
        let name = format!("mfa-proxy-{}", addr.port());
        let server =
            crate::server::run_on_thread(name, serve, move |handle| control.attach(handle))
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

/// Serves in the foreground until SIGINT, SIGTERM or `POST /__admin/shutdown`; `on_ready` runs
/// once bound. Returns the summary.
pub fn serve(
    contract: Arc<Contract>,
    config: ProxyConfig,
    on_ready: impl FnOnce(SocketAddr) -> std::io::Result<()>,
) -> Result<String, crate::Error> {
    let at = format!("{}:{}", config.server.host, config.server.port);
    let (listener, addr) = config
        .server
        .bind()
        .map_err(|e| crate::Error::io(format!("cannot serve on {at}"), e))?;
    let state = web::Data::new(ProxyState::new(contract, &config)?);
    let app_state = state.clone();
    let workers = config.server.worker_threads();
    let serve = move |mode| {
        let factory = move || app(app_state.clone());
        crate::server::build(listener, workers, Peers::Untracked, mode, factory)
    };
    crate::server::run_foreground(serve, |handle| {
        state.control.attach(handle);
        on_ready(addr)
    })
    .map_err(|e| crate::Error::io(format!("cannot serve on {addr}"), e))?;
    Ok(state.summary())
}

//! What the mock and the proxy share, underneath both: how a server binds, runs (in the
//! foreground until a signal, or on its own thread for tests), stops and prints its summary;
//! its options; the request log; CORS with refusals in the contract's error shape; the admin
//! scaffolding; and forwarding to an upstream. The mock and the proxy are features on top of
//! this and import nothing from each other.

pub mod admin;
mod cors;
mod forward;
pub mod gate;
pub mod kept;
mod log;
mod thread;

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;

use actix_http::{Request, Response};
use actix_service::IntoServiceFactory;
use actix_web::HttpServer;
use actix_web::body::MessageBody;
use actix_web::dev::{AppConfig, Server, ServerHandle, Service, ServiceFactory};

/// Whether `--host` keeps a server on this machine (the exposure warning).
pub use crate::net::is_loopback_host;
pub use cors::{ALLOWED_HEADERS, CorsPolicy, DEFAULT_ORIGINS, in_error_shape, is_preflight};
pub use forward::{Upstream, failure_response};
pub use gate::{AdminGate, AdminToken};
pub use log::{Ending, LogFormat, Logger, RequestLine};
pub use thread::ServerThread;

/// The defaults, defined once: clap shows them and `ServerOptions::default` uses them.
pub mod defaults {
    pub const HOST: &str = "127.0.0.1";
    pub const PORT: u16 = 4010;
    /// Requests (the mock) or judged exchanges (the proxy) the journal keeps.
    pub const JOURNAL_SIZE: usize = 1000;
}

/// How a server listens, logs and answers browsers; the mock and the proxy alike.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    pub host: String,
    /// 0 picks a free port.
    pub port: u16,
    /// Worker threads; `None` is one per core.
    pub workers: Option<usize>,
    /// Empty means any `http://localhost:*` and `http://127.0.0.1:*` origin.
    pub cors_origins: Vec<String>,
    /// Serve `/__admin`.
    pub admin: bool,
    /// The token every admin request must carry; required beyond loopback (see [`gate`]).
    pub admin_token: Option<AdminToken>,
    /// The request log on stdout.
    pub log: LogFormat,
    /// How many entries the journal keeps (0 turns it off).
    pub journal_size: usize,
}

impl Default for ServerOptions {
    fn default() -> Self {
        Self {
            host: defaults::HOST.to_owned(),
            port: defaults::PORT,
            workers: None,
            cors_origins: Vec::new(),
            admin: true,
            admin_token: None,
            log: LogFormat::Off,
            journal_size: defaults::JOURNAL_SIZE,
        }
    }
}

impl ServerOptions {
    /// `workers`, or one per core.
    pub fn worker_threads(&self) -> usize {
        self.workers.unwrap_or_else(|| {
            std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
        })
    }

    /// The admin API's gate, or `None` when there is no admin API.
    pub fn admin_gate(&self) -> Option<AdminGate> {
        self.admin
            .then(|| AdminGate::new(&self.host, self.admin_token.as_ref()))
    }

    /// Whether the admin API needs a token and none was given: the CLI then generates one.
    pub fn needs_admin_token(&self) -> bool {
        self.admin && self.admin_token.is_none() && !crate::net::is_loopback_host(&self.host)
    }

    pub fn cors(&self) -> CorsPolicy {
        CorsPolicy::new(&self.cors_origins)
    }

    /// Binds `host:port` (port 0: a free one).
    pub fn bind(&self) -> std::io::Result<(TcpListener, SocketAddr)> {
        let listener = TcpListener::bind((self.host.as_str(), self.port))?;
        let addr = listener.local_addr()?;
        Ok((listener, addr))
    }
}

/// Whether the server keeps a handle on each connection, so a handler holding an answer back
/// can tell when its client left ([`Peer`]). The mock does (delays, held timeouts); the
/// proxy does not pay the extra descriptor per connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peers {
    Tracked,
    Untracked,
}

/// Where the server runs: in the foreground, stopped by SIGINT or SIGTERM (a graceful stop
/// bounded at 2 s), or on a thread of its own for tests and embedding (no signals, 1 s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Foreground,
    Thread,
}

/// The one place an actix server is built from an app factory: workers, peers, signals and the
/// shutdown bound for `mode`. Called inside the server's actix system, by the closure given to
/// [`run_foreground`] or [`run_on_thread`].
pub fn build<F, I, S, B>(
    listener: TcpListener,
    workers: usize,
    peers: Peers,
    mode: Mode,
    factory: F,
) -> std::io::Result<Server>
where
    F: Fn() -> I + Send + Clone + 'static,
    I: IntoServiceFactory<S, Request>,
    S: ServiceFactory<Request, Config = AppConfig> + 'static,
    S::Error: Into<actix_web::Error> + 'static,
    S::InitError: std::fmt::Debug,
    S::Response: Into<Response<B>> + 'static,
    <S::Service as Service<Request>>::Future: 'static,
    S::Service: 'static,
    B: MessageBody + 'static,
{
    let mut server = HttpServer::new(factory).workers(workers);
    if peers == Peers::Tracked {
        server = server.on_connect(on_connect);
    }
    server = match mode {
        Mode::Foreground => server.shutdown_timeout(2),
        Mode::Thread => server.disable_signals().shutdown_timeout(1),
    };
    Ok(server.listen(listener)?.run())
}

/// Serves what `serve` builds (with [`build`]) in the foreground until SIGINT, SIGTERM or a
/// stop through the handle; `on_ready` gets the handle once the socket listens, and its error
/// stops the server before it serves.
pub fn run_foreground(
    serve: impl FnOnce(Mode) -> std::io::Result<Server>,
    on_ready: impl FnOnce(ServerHandle) -> std::io::Result<()>,
) -> std::io::Result<()> {
    actix_web::rt::System::new().block_on(async move {
        let server = serve(Mode::Foreground)?;
        if let Err(error) = on_ready(server.handle()) {
            // The stop is sent now; the server future, polled below, carries it out.
            drop(server.handle().stop(false));
            let _ = server.await;
            return Err(error);
        }
        server.await
    })
}

/// Starts what `serve` builds (with [`build`]) on a thread of its own, for tests and embedding;
/// it stops when the returned thread is dropped. `on_started` gets its handle on that thread,
/// before the first request.
pub fn run_on_thread(
    name: String,
    serve: impl FnOnce(Mode) -> std::io::Result<Server> + Send + 'static,
    on_started: impl FnOnce(ServerHandle) + Send + 'static,
) -> std::io::Result<ServerThread> {
    ServerThread::spawn(name, move || {
        let server = serve(Mode::Thread)?;
        on_started(server.handle());
        Ok(server)
    })
}

/// The client's connection, kept so a handler holding an answer back (`delay`, `fault=timeout`)
/// can tell when the client has gone: actix finishes a handler even after its client left.
#[derive(Clone)]
pub struct Peer(Arc<std::net::TcpStream>);

impl Peer {
    /// Whether the client has closed its side (a peek finds the end of the stream).
    pub fn gone(&self) -> bool {
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

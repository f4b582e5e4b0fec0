//! `mfa-contract mock`: flags to a `MockConfig`, the banner, and the foreground server.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use mfa_contract::mock::{self, MockConfig};
use mfa_contract::{Contract, Error, exit};

/// How a server (the mock or the proxy) listens and logs.
#[derive(Debug, Args)]
pub(super) struct ServerArgs {
    /// Address to listen on; anything but loopback exposes it to your network (the container
    /// image sets MFA_CONTRACT_HOST=0.0.0.0)
    #[arg(long, env = "MFA_CONTRACT_HOST", default_value = mock::defaults::HOST)]
    pub(super) host: String,
    /// Port to listen on; 0 picks a free one and prints it
    #[arg(long, default_value_t = mock::defaults::PORT)]
    pub(super) port: u16,
    /// Allow browser requests from ORIGIN (repeatable; `*` allows any; a `:*` suffix allows any port).
    /// Default: http://localhost:* and http://127.0.0.1:*
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub(super) cors_origins: Vec<String>,
    /// Do not serve the admin API and page under /__admin
    #[arg(long)]
    pub(super) no_admin: bool,
    /// Request log on stdout, one line per request (off: none)
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub(super) log_format: LogFormat,
    /// How many requests the journal (/__admin/requests) keeps; 0 keeps none
    #[arg(long, value_name = "N", default_value_t = mock::defaults::JOURNAL_SIZE)]
    pub(super) journal_size: usize,
    /// Worker threads (default: one per core)
    #[arg(long, value_name = "N")]
    pub(super) workers: Option<usize>,
    /// Once listening, write the base URL (e.g. http://127.0.0.1:40123) to FILE, for scripts
    /// that start the server in the background, with --port 0 too; removed when it stops
    #[arg(long, value_name = "FILE")]
    pub(super) ready_file: Option<PathBuf>,
}

impl ServerArgs {
    pub(super) fn log(&self) -> mock::LogFormat {
        match self.log_format {
            LogFormat::Text => mock::LogFormat::Text,
            LogFormat::Json => mock::LogFormat::Json,
            LogFormat::Off => mock::LogFormat::Off,
        }
    }

    pub(super) fn check(&self) -> Result<(), Error> {
        if self.workers == Some(0) {
            return Err(Error::Usage("--workers must be at least 1".into()));
        }
        Ok(())
    }

    /// The `--ready-file`, with a stale one from an earlier run removed, so a script waiting
    /// for it never reads an old URL.
    pub(super) fn ready_file(&self) -> Result<Option<ReadyFile>, Error> {
        let Some(path) = &self.ready_file else {
            return Ok(None);
        };
        match std::fs::remove_file(path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(Error::io(
                    format!(
                        "--ready-file {}: cannot remove the old file",
                        path.display()
                    ),
                    e,
                ));
            }
        }
        ReadyFile::new(path).map(Some)
    }

    /// A warning line when the address is not loopback.
    pub(super) fn exposure_warning(&self, what: &str) -> Option<String> {
        (!mfa_contract::net::is_loopback_host(&self.host)).then(|| {
            format!(
                "  warning: listening on {}, not loopback: anyone on your network can reach this {what}",
                self.host
            )
        })
    }
}

#[derive(Debug, Args)]
pub(super) struct MockArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Users file (tokens, enrolled methods, primary) instead of the contract's fixtures/users.json
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// Answer 401 to tokens that are not in the users file (default: unknown tokens get a fresh user)
    #[arg(long)]
    strict_tokens: bool,
    /// Largest request body accepted, in bytes (default: the contract's request.maxBodyBytes)
    #[arg(long, value_name = "BYTES")]
    max_body_bytes: Option<usize>,
    /// Longest `delay=` a scenario may ask for, and how long `fault=timeout` holds a request
    #[arg(long, value_name = "MS", default_value_t = mock::defaults::MAX_DELAY.as_millis() as u64)]
    max_delay_ms: u64,
    #[command(flatten)]
    upstream: UpstreamArgs,
}

/// Where requests go on: the proxy's upstream, or the backend behind `mock --upstream`.
#[derive(Debug, Args)]
pub(super) struct UpstreamArgs {
    /// Forward to this base URL (http or https); for the mock: every path but the endpoint's
    #[arg(long, value_name = "URL")]
    pub(super) upstream: Option<String>,
    /// Give up on the upstream after this many seconds without an answer (then 504)
    #[arg(long, value_name = "SECONDS", default_value_t = mfa_contract::proxy::defaults::UPSTREAM_TIMEOUT.as_secs_f64())]
    pub(super) upstream_timeout: f64,
    /// Trust this CA certificate (PEM) for the upstream as well as the system's
    #[arg(long, value_name = "FILE")]
    pub(super) ca_cert: Option<PathBuf>,
    /// Accept any TLS certificate from the upstream
    #[arg(long)]
    pub(super) insecure: bool,
}

impl UpstreamArgs {
    /// The upstream, if one is given; a bad URL or CA file is a usage error.
    pub(super) fn upstream(&self) -> Result<Option<mfa_contract::forward::Upstream>, Error> {
        let Some(url) = &self.upstream else {
            return Ok(None);
        };
        let url = mfa_contract::target::parse_http_url("--upstream", url)?;
        let timeout = super::target::seconds("--upstream-timeout", self.upstream_timeout)?;
        mfa_contract::forward::Upstream::new(url, timeout, self.ca_cert.as_deref(), self.insecure)
            .map(Some)
    }
}

/// `--ready-file`: written once the server listens, removed when it stops.
pub(super) struct ReadyFile {
    path: PathBuf,
    /// Made in the file's folder before the server starts, so a folder that cannot hold it
    /// stops the command before it listens; renamed into place once it does.
    pending: std::sync::Mutex<Option<tempfile::NamedTempFile>>,
}

impl ReadyFile {
    fn new(path: &std::path::Path) -> Result<Self, Error> {
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => std::path::Path::new("."),
        };
        let pending = tempfile::NamedTempFile::new_in(folder).map_err(|e| {
            Error::io(
                format!(
                    "--ready-file {}: cannot write in its folder",
                    path.display()
                ),
                e,
            )
        })?;
        Ok(Self {
            path: path.to_path_buf(),
            pending: std::sync::Mutex::new(Some(pending)),
        })
    }

    /// Writes `url` and a newline, then renames the file into place: a reader sees no file or
    /// the whole URL, never part of it.
    pub(super) fn announce(&self, url: &str) -> std::io::Result<()> {
        let context = |e: std::io::Error| {
            std::io::Error::new(
                e.kind(),
                format!("--ready-file {}: {e}", self.path.display()),
            )
        };
        let pending = self.pending.lock().map_or(None, |mut p| p.take());
        let Some(mut file) = pending else {
            return Ok(());
        };
        writeln!(file, "{url}").map_err(context)?;
        file.persist(&self.path).map_err(|e| context(e.error))?;
        Ok(())
    }
}

impl Drop for ReadyFile {
    fn drop(&mut self) {
        // Gone with the server; a file that cannot be removed is only a stale hint.
        let _ = std::fs::remove_file(&self.path);
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub(super) enum LogFormat {
    Text,
    Json,
    Off,
}

pub(super) fn run_mock(contract: Contract, args: MockArgs) -> Result<u8, Error> {
    let users = match &args.users {
        Some(path) => Some(contract.load_users(path)?),
        None => None,
    };
    args.server.check()?;
    let server = &args.server;
    let config = MockConfig {
        upstream: args.upstream.upstream()?.map(Arc::new),
        host: server.host.clone(),
        port: server.port,
        users,
        strict_tokens: args.strict_tokens,
        cors_origins: server.cors_origins.clone(),
        admin: !server.no_admin,
        max_body_bytes: args.max_body_bytes,
        max_delay: Duration::from_millis(args.max_delay_ms),
        journal_size: server.journal_size,
        workers: server.workers,
        log: server.log(),
    };
    let ready_file = args.server.ready_file()?;
    let contract = Arc::new(contract);
    let banner_contract = contract.clone();
    let summary = mock::serve(contract, config, |addr| {
        print_banner(&banner_contract, &args, addr);
        ready_file
            .as_ref()
            .map_or(Ok(()), |file| file.announce(&format!("http://{addr}")))
    })
    .map_err(|e| {
        Error::io(
            format!("cannot serve on {}:{}", args.server.host, args.server.port),
            e,
        )
    })?;
    drop(ready_file);
    outln!("{summary}");
    Ok(exit::CLEAN)
}

pub(super) fn print_banner(contract: &Contract, args: &MockArgs, addr: std::net::SocketAddr) {
    let base = format!("http://{addr}");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "mfa-contract mock: {} {base}{} ({})",
        contract.method(),
        contract.path(),
        contract.origin()
    );
    if let Some(warning) = args.server.exposure_warning("mock") {
        let _ = writeln!(out, "{warning}");
    }
    if !args.server.no_admin {
        let _ = writeln!(out, "  admin page: {base}/__admin/");
    }
    let token = if args.strict_tokens {
        "<a token from the users file>"
    } else {
        "any-token"
    };
    let method = contract
        .methods()
        .first()
        .map(|(m, _)| m.clone())
        .unwrap_or_default();
    let body = contract.selecting(serde_json::Value::String(method));
    let _ = writeln!(
        out,
        "  try: curl -i -X {} {base}{} -H '{}: {} {token}' -H 'Content-Type: {}' -d '{body}'",
        contract.method(),
        contract.path(),
        contract.auth().header,
        contract.auth().scheme,
        contract.request_spec().content_type,
    );
    if let Some(upstream) = &args.upstream.upstream {
        let _ = writeln!(out, "  every other path goes to {upstream} (--upstream)");
    }
    let _ = writeln!(out, "  press Ctrl-C to stop");
    let _ = out.flush();
}

//! The flags both servers (the mock and the proxy) take, turned into `ServerOptions` in one
//! place; the upstream they forward to; and `--ready-file`.

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use mfa_contract::TlsOptions;
use mfa_contract::remote::TargetUrl;
use mfa_contract::server::{self, AdminToken, ServerOptions, Upstream, defaults};
use mfa_contract::{Error, pact};

/// How a server (the mock or the proxy) listens and logs.
#[derive(Debug, Args)]
pub(super) struct ServerArgs {
    /// Address to listen on; anything but loopback exposes it to your network (the container
    /// image sets MFA_CONTRACT_HOST=0.0.0.0)
    #[arg(long, env = "MFA_CONTRACT_HOST", default_value = defaults::HOST)]
    pub(super) host: String,
    /// Port to listen on; 0 picks a free one and prints it
    #[arg(long, default_value_t = defaults::PORT)]
    pub(super) port: u16,
    /// Allow browser requests from ORIGIN (repeatable; `*` allows any; a `:*` suffix allows any port).
    /// Default: http://localhost:* and http://127.0.0.1:*
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    pub(super) cors_origins: Vec<String>,
    /// Do not serve the admin API and page under /__admin
    #[arg(long)]
    pub(super) no_admin: bool,
    /// The token every /__admin request must carry (Authorization: Bearer TOKEN, or the password
    /// a browser asks for). Required beyond loopback: without it one is generated and printed once
    #[arg(
        long,
        value_name = "TOKEN",
        env = "MFA_CONTRACT_ADMIN_TOKEN",
        hide_env_values = true
    )]
    pub(super) admin_token: Option<String>,
    /// Request log on stdout, one line per request (off: none)
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub(super) log_format: LogFormat,
    /// How many requests the journal (/__admin/requests) keeps; 0 keeps none
    #[arg(long, value_name = "N", default_value_t = defaults::JOURNAL_SIZE)]
    pub(super) journal_size: usize,
    /// Worker threads (default: one per core)
    #[arg(long, value_name = "N")]
    pub(super) workers: Option<usize>,
    /// Once listening, write the base URL (e.g. http://127.0.0.1:40123) to FILE, for scripts
    /// that start the server in the background, with --port 0 too; removed when it stops
    #[arg(long, value_name = "FILE")]
    pub(super) ready_file: Option<PathBuf>,
    /// The consumer's name in the journal's Pact export (/__admin/requests?format=pact)
    #[arg(long, value_name = "NAME", default_value = pact::defaults::CONSUMER)]
    pub(super) pact_consumer: String,
    /// The provider's name in the journal's Pact export
    #[arg(long, value_name = "NAME", default_value = pact::defaults::PROVIDER)]
    pub(super) pact_provider: String,
}

impl ServerArgs {
    /// The options, checked: the one place these flags become a `ServerOptions`.
    pub(super) fn options(&self) -> Result<ServerOptions, Error> {
        if self.workers == Some(0) {
            return Err(Error::Usage("--workers must be at least 1".into()));
        }
        let admin_token = match self.admin_token.as_deref() {
            None => None,
            Some(given) => Some(AdminToken::new(given).ok_or_else(|| {
                Error::Usage("--admin-token (or MFA_CONTRACT_ADMIN_TOKEN) is empty".into())
            })?),
        };
        let mut options = ServerOptions {
            host: self.host.clone(),
            port: self.port,
            workers: self.workers,
            cors_origins: self.cors_origins.clone(),
            admin: !self.no_admin,
            admin_token,
            log: match self.log_format {
                LogFormat::Text => server::LogFormat::Text,
                LogFormat::Json => server::LogFormat::Json,
                LogFormat::Off => server::LogFormat::Off,
            },
            journal_size: self.journal_size,
        };
        if options.needs_admin_token() {
            let generated = AdminToken::generate()
                .map_err(|e| Error::io("cannot generate an admin token", e))?;
            options.admin_token = Some(generated);
        }
        Ok(options)
    }

    /// Who the journal's Pact export is between (`--pact-consumer`, `--pact-provider`).
    pub(super) fn pact_names(&self) -> pact::Names {
        pact::Names {
            consumer: self.pact_consumer.clone(),
            provider: self.pact_provider.clone(),
        }
    }

    /// The banner's lines on the admin API at `base`: where its page is and, beyond loopback,
    /// that it needs the token; a token generated for this run is shown here, once.
    pub(super) fn admin_banner(&self, options: &ServerOptions, page: &str) -> Vec<String> {
        if !options.admin {
            return Vec::new();
        }
        let Some(token) = &options.admin_token else {
            return vec![format!("  {page}")];
        };
        let mut lines = vec![format!(
            "  {page}; every /__admin request needs the admin token"
        )];
        if self.admin_token.is_none() {
            lines.push(format!(
                "  admin token (generated for this run): {}",
                token.reveal()
            ));
            lines.push(
                "    send it as Authorization: Bearer <token>, or as the password when the browser asks; \
                 choose your own with MFA_CONTRACT_ADMIN_TOKEN"
                    .to_owned(),
            );
        }
        lines
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
        (!server::is_loopback_host(&self.host)).then(|| {
            format!(
                "  warning: listening on {}, not loopback: anyone on your network can reach this {what} (its admin API only with the admin token)",
                self.host
            )
        })
    }
}

/// Where requests go on: the proxy's upstream, or the backend behind `mock --upstream`.
#[derive(Debug, Args)]
pub(super) struct UpstreamArgs {
    /// Forward to this base URL (http or https); for the mock: every path but the endpoint's
    #[arg(long, value_name = "URL")]
    pub(super) upstream: Option<TargetUrl>,
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
    pub(super) fn tls(&self) -> TlsOptions {
        TlsOptions {
            ca_cert: self.ca_cert.clone(),
            insecure: self.insecure,
        }
    }

    /// The upstream, if one is given; a bad URL or CA file is a usage error.
    pub(super) fn upstream(&self) -> Result<Option<Upstream>, Error> {
        let Some(url) = &self.upstream else {
            return Ok(None);
        };
        let url = url.url().clone();
        let timeout = super::target::seconds("--upstream-timeout", self.upstream_timeout)?;
        Upstream::new(url, timeout, &self.tls()).map(Some)
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

//! `mfa-contract mock`: flags to a `MockConfig`, the banner, and the foreground server.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use mfa_contract::mock::{self, MockConfig};
use mfa_contract::{Contract, Error, exit};

#[derive(Debug, Args)]
pub(super) struct MockArgs {
    /// Address to listen on; anything but loopback exposes the mock to your network
    #[arg(long, default_value = mock::defaults::HOST)]
    host: String,
    /// Port to listen on; 0 picks a free one and prints it
    #[arg(long, default_value_t = mock::defaults::PORT)]
    port: u16,
    /// Users file (tokens, enrolled methods, primary) instead of the contract's fixtures/users.json
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// Answer 401 to tokens that are not in the users file (default: unknown tokens get a fresh user)
    #[arg(long)]
    strict_tokens: bool,
    /// Allow browser requests from ORIGIN (repeatable; `*` allows any; a `:*` suffix allows any port).
    /// Default: http://localhost:* and http://127.0.0.1:*
    #[arg(long = "cors-origin", value_name = "ORIGIN")]
    cors_origins: Vec<String>,
    /// Do not serve the admin API and page under /__admin
    #[arg(long)]
    no_admin: bool,
    /// Request log on stdout, one line per request (off: none)
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Largest request body accepted, in bytes (default: the contract's request.maxBodyBytes)
    #[arg(long, value_name = "BYTES")]
    max_body_bytes: Option<usize>,
    /// Longest `delay=` a scenario may ask for, and how long `fault=timeout` holds a request
    #[arg(long, value_name = "MS", default_value_t = mock::defaults::MAX_DELAY.as_millis() as u64)]
    max_delay_ms: u64,
    /// How many requests the journal (/__admin/requests) keeps; 0 keeps none
    #[arg(long, value_name = "N", default_value_t = mock::defaults::JOURNAL_SIZE)]
    journal_size: usize,
    /// Worker threads (default: one per core)
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
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
    if args.workers == Some(0) {
        return Err(Error::Usage("--workers must be at least 1".into()));
    }
    let config = MockConfig {
        host: args.host.clone(),
        port: args.port,
        users,
        strict_tokens: args.strict_tokens,
        cors_origins: args.cors_origins.clone(),
        admin: !args.no_admin,
        max_body_bytes: args.max_body_bytes,
        max_delay: Duration::from_millis(args.max_delay_ms),
        journal_size: args.journal_size,
        workers: args.workers,
        log: match args.log_format {
            LogFormat::Text => mock::LogFormat::Text,
            LogFormat::Json => mock::LogFormat::Json,
            LogFormat::Off => mock::LogFormat::Off,
        },
    };
    let contract = Arc::new(contract);
    let banner_contract = contract.clone();
    mock::serve(contract, config, |addr| {
        print_banner(&banner_contract, &args, addr);
    })
    .map_err(|e| Error::io(format!("cannot serve on {}:{}", args.host, args.port), e))?;
    Ok(exit::CLEAN)
}

pub(super) fn print_banner(contract: &Contract, args: &MockArgs, addr: std::net::SocketAddr) {
    let base = format!("http://{addr}");
    let loopback = mfa_contract::net::is_loopback_host(&args.host);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "mfa-contract mock: {} {base}{} ({})",
        contract.method(),
        contract.path(),
        contract.origin()
    );
    if !loopback {
        let _ = writeln!(
            out,
            "  warning: listening on {}, not loopback: anyone on your network can reach this mock",
            args.host
        );
    }
    if !args.no_admin {
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
    let _ = writeln!(out, "  press Ctrl-C to stop");
    let _ = out.flush();
}

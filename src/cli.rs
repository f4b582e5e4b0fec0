//! Flags, as clap parses them, turned into the library's run configurations. Nothing here
//! decides anything about the contract or the target.

use std::io::{IsTerminal as _, Write as _};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mfa_contract::contract::{self, ContractFiles};
use mfa_contract::mock::{self, MockConfig};
use mfa_contract::{Contract, Error, exit};

#[derive(Debug, Parser)]
#[command(
    name = "mfa-contract",
    version,
    about = "Mock server and contract checker for the Flashback endpoint POST /mfa/primary",
    long_about = "Mock server and contract checker for the Flashback endpoint POST /mfa/primary.\n\n\
        The contract (JSON Schemas and fixtures) is built into the binary; --contract-dir loads an \
        edited copy instead (make one with `mfa-contract contract export DIR`).\n\n\
        Exit codes: 0 clean, 1 violations or drift found, 2 usage or configuration error, \
        3 target unreachable."
)]
pub struct Cli {
    /// Load the contract from DIR (holding schemas/ and fixtures/) instead of the built-in one
    #[arg(long, global = true, value_name = "DIR")]
    contract_dir: Option<PathBuf>,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve a stateful mock of POST /mfa/primary for frontend development
    #[command(
        long_about = "Serve a stateful mock of POST /mfa/primary for frontend development.\n\n\
        Requests go through: route, method, auth (Bearer), content type, size, JSON, request schema, \
        scenario, state. Every answer is JSON in the contract's shapes.\n\n\
        Scenarios: send `Prefer: code=500`, `example=NAME`, `delay=MS` or `fault=reset|empty|malformed|timeout`, \
        or arm them for clients that cannot add headers at /__admin/ (a page in your browser)."
    )]
    Mock(MockArgs),
    /// Print the contract as an OpenAPI 3.1 document (for Prism, Schemathesis, code generators)
    Openapi(OpenapiArgs),
    /// Check or copy the contract files
    #[command(subcommand)]
    Contract(ContractCommand),
}

#[derive(Debug, Args)]
struct MockArgs {
    /// Address to listen on; anything but loopback exposes the mock to your network
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on; 0 picks a free one and prints it
    #[arg(long, default_value_t = mock::DEFAULT_PORT)]
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
    /// Request log format, one line per request
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// Largest request body accepted, in bytes (default: the contract's request.maxBodyBytes)
    #[arg(long, value_name = "BYTES")]
    max_body_bytes: Option<usize>,
    /// Longest `delay=` a scenario may ask for, and how long `fault=timeout` holds a request
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    max_delay_ms: u64,
    /// How many requests the journal (/__admin/requests) keeps; 0 keeps none
    #[arg(long, value_name = "N", default_value_t = 1000)]
    journal_size: usize,
    /// Worker threads (default: one per core)
    #[arg(long, value_name = "N")]
    workers: Option<usize>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
struct OpenapiArgs {
    /// Write to FILE instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
enum ContractCommand {
    /// Load every file, compile every schema, and check every fixture and example against its schema
    Validate {
        /// Contract directory (holding schemas/ and fixtures/); default: the built-in contract
        dir: Option<PathBuf>,
    },
    /// Write the built-in contract to DIR, to edit and use with --contract-dir
    Export {
        /// A directory that does not exist yet, or is empty
        dir: PathBuf,
    },
}

pub fn run(cli: Cli) -> Result<u8, Error> {
    let contract_dir = cli.contract_dir.as_deref();
    match cli.command {
        Command::Mock(args) => run_mock(load(contract_dir)?, args),
        Command::Openapi(args) => run_openapi(&load(contract_dir)?, args),
        Command::Contract(ContractCommand::Validate { dir }) => {
            validate(&load(dir.as_deref().or(contract_dir))?)
        }
        Command::Contract(ContractCommand::Export { dir }) => export(&dir),
    }
}

fn load(dir: Option<&Path>) -> Result<Contract, Error> {
    Ok(Contract::from_optional_dir(dir)?)
}

fn run_mock(contract: Contract, args: MockArgs) -> Result<u8, Error> {
    let users = match &args.users {
        Some(path) => Some(contract.load_users(path)?),
        None => None,
    };
    if args.workers == Some(0) {
        return Err(Error::Usage("--workers must be at least 1".into()));
    }
    init_logging(args.log_format);
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
    };
    let contract = Arc::new(contract);
    let banner_contract = contract.clone();
    mock::serve(contract, config, |addr| {
        print_banner(&banner_contract, &args, addr);
    })
    .map_err(|e| Error::io(format!("cannot serve on {}:{}", args.host, args.port), e))?;
    Ok(exit::CLEAN)
}

fn print_banner(contract: &Contract, args: &MockArgs, addr: std::net::SocketAddr) {
    let base = format!("http://{addr}");
    let loopback = match args.host.parse::<IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => args.host == "localhost",
    };
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
    let body =
        serde_json::json!({ contract.request_spec().selects.trim_start_matches('/'): method });
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

fn init_logging(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stdout)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("MFA_CONTRACT_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("mfa_contract=info")),
        );
    match format {
        LogFormat::Text => builder
            .with_target(false)
            .with_ansi(std::io::stdout().is_terminal())
            .compact()
            .init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

fn run_openapi(contract: &Contract, args: OpenapiArgs) -> Result<u8, Error> {
    let document = contract::openapi::document(contract);
    let text =
        serde_json::to_string_pretty(&document).expect("a JSON value always serializes") + "\n";
    match args.output {
        Some(path) => std::fs::write(&path, text)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?,
        None => print!("{text}"),
    }
    Ok(exit::CLEAN)
}

fn validate(contract: &Contract) -> Result<u8, Error> {
    let manifest = contract.manifest();
    println!("contract OK: {}", contract.origin());
    println!(
        "  endpoint   {} {} ({} auth, {}, body up to {} bytes)",
        manifest.method,
        manifest.path,
        manifest.auth.scheme,
        manifest.request.content_type,
        manifest.request.max_body_bytes
    );
    let methods: Vec<String> = contract.methods().into_iter().map(|(m, _)| m).collect();
    println!("  methods    {}", methods.join(", "));
    let schemas: Vec<&str> = contract.schemas().map(|s| s.file.as_str()).collect();
    println!(
        "  schemas    {} compiled: {}",
        schemas.len(),
        schemas.join(", ")
    );
    let documented: Vec<String> = contract
        .documented_statuses()
        .map(|s| s.to_string())
        .collect();
    let examples: usize = contract.schemas().map(|s| s.examples().len()).sum();
    println!(
        "  responses  documented {}; gap policy {}",
        documented.join(", "),
        contract
            .gap_statuses()
            .keys()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    println!("  examples   {examples} schema examples match their schemas");
    println!(
        "  fixtures   {} response bodies, {} valid requests accepted, {} invalid requests rejected, {} users",
        contract.examples().len(),
        contract.valid_requests().len(),
        contract.invalid_requests().len(),
        contract.users().users.len()
    );
    Ok(exit::CLEAN)
}

fn export(dir: &Path) -> Result<u8, Error> {
    let occupied = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        return Err(Error::Usage(format!(
            "{}: not empty; export writes only into a new or empty directory, so nothing there is overwritten",
            dir.display()
        )));
    }
    ContractFiles::embedded()
        .write_to(dir)
        .map_err(|e| Error::io(format!("cannot write the contract to {}", dir.display()), e))?;
    println!(
        "wrote the built-in contract to {}; edit it, then run with --contract-dir {}",
        dir.display(),
        dir.display()
    );
    Ok(exit::CLEAN)
}

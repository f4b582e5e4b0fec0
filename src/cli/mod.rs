//! Flags, as clap parses them, turned into the library's run configurations, checked here
//! against the contract where they name part of it (`--operation`, `--credential`); the
//! built-in mock started when no target is given; and each command's output and exit code.
//! What a run does is the library's.

/// `print!` to standard output that ends the process quietly when the reader has gone away
/// (`mfa-contract openapi | head`), as ripgrep does, instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => { $crate::cli::write_stdout(format_args!($($arg)*)) };
}

/// `println!`, ending quietly on a closed pipe like [`out!`].
macro_rules! outln {
    () => { out!("\n") };
    ($($arg:tt)*) => { out!("{}\n", format_args!($($arg)*)) };
}

mod check;
mod ci;
mod contract;
mod drift;
mod dry_run;
mod import;
mod mock;
mod proxy;
mod server;
mod target;

use std::path::{Path, PathBuf};

use clap::{CommandFactory as _, FromArgMatches as _, Parser, Subcommand};
use mfa_contract::{Contract, Error, exit};

use check::CheckArgs;
use contract::{ContractCommand, OpenapiArgs};
use drift::DriftArgs;
use mock::MockArgs;
use proxy::ProxyArgs;

#[derive(Debug, Parser)]
#[command(
    name = "mfa-contract",
    version,
    about = "Mock server and contract checker for the Flashback endpoint POST /mfa/primary",
    long_about = "Mock server and contract checker for the Flashback endpoint POST /mfa/primary.\n\n\
        The contract (JSON Schemas and fixtures) is built into the binary; --contract-dir loads an \
        edited copy instead (make one with `mfa-contract contract export DIR`).\n\n\
        Exit codes: 0 clean, 1 violations or drift found, 2 usage or configuration error, \
        3 target unreachable or unusable (no HTTP answer, the token refused, a rate limit that never lifts)."
)]
pub struct Cli {
    /// Load the contract from PATH instead of the built-in one: a directory holding schemas/
    /// and fixtures/, or an OpenAPI 3.0/3.1 document (YAML or JSON), imported in memory
    #[arg(
        long = "contract",
        visible_alias = "contract-dir",
        global = true,
        value_name = "PATH"
    )]
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
    Mock(Box<MockArgs>),
    /// Sit in an app's real traffic: pass everything to --upstream, judge the endpoint's exchanges on both sides
    #[command(
        long_about = "Sit in an app's real traffic: every request is passed through to --upstream (bodies \
        streamed both ways, redirects passed back), and every exchange with the contract's endpoint is judged \
        on both sides with the checker's checks: what the client sent, and what the upstream answered. Each \
        judged answer carries `Mfa-Contract-Violations: N`; violations are logged, listed at \
        /__admin/violations and on the page /__admin/, and summed up when the proxy stops.\n\n\
        --strict turns an answer that breaks the contract into a 502 that lists why. --record DIR writes \
        each new response shape as a fixture of the contract copy in DIR."
    )]
    Proxy(Box<ProxyArgs>),
    /// Check a target (the real backend, staging, or a mock) against the contract
    #[command(
        long_about = "Check a target against the contract: valid and invalid payloads, derived from the request \
        schema (enum values enumerated, the rest sampled by proptest), an auth matrix and other methods; every \
        response judged by the checks (see --list-checks). Failures shrink to a minimal request and come with a curl \
        command that reproduces them; the token is never printed.\n\n\
        Without --target, the built-in mock is started on a free loopback port and checked.\n\n\
        Leniency the documentation does not forbid is listed as a documentation gap, not a failure \
        (--strict-gaps makes the gap policy binding). Rate limits are waited out and expiring tokens \
        refreshed (--token-command); both are reported as the environment. Failures are sent again \
        (--recheck) and labelled deterministic or flaky.\n\n\
        Exit codes: 0 clean, 1 violations, 2 usage or configuration error (a failing --token-command \
        too), 3 target unreachable or unusable: no HTTP answer within --timeout, --max-consecutive-failures \
        requests in a row without one, the token refused, or a rate limit that never lifts."
    )]
    Check(Box<CheckArgs>),
    /// Record how a target behaves, one probe per case class, and show what changed
    #[command(
        long_about = "Record how a target behaves: one probe per case class, each answer reduced to status, \
        media type and body shape (documented strings kept, other values replaced), as an insta snapshot. \
        With --snapshot, compare with the recorded one and print a readable diff; --accept records; \
        `cargo insta review` also accepts FILE.new. With --against, compare two targets. Also reports \
        fields and statuses seen but not documented, with a suggested contract patch.\n\n\
        Differences are graded: contract-relevant (status, media type, documented fields and messages) \
        or cosmetic (undocumented fields, the mock's diagnostics, free text); only contract-relevant ones \
        fail, unless --fail-on cosmetic.\n\n\
        Exit codes: 0 no contract-relevant drift, 1 drift, 2 usage or configuration error, 3 target unreachable or unusable (refused, silent, or a failed TLS handshake on the first probe)."
    )]
    Drift(Box<DriftArgs>),
    /// Print the contract as an OpenAPI 3.1 document (for Prism, Schemathesis, code generators)
    Openapi(OpenapiArgs),
    /// Check or copy the contract files
    #[command(subcommand)]
    Contract(ContractCommand),
}

/// Parses the command line; `--version` names the embedded contract as well as the binary.
pub fn parse() -> Cli {
    let (short, long) = match Contract::embedded_identity() {
        Ok(identity) => (
            format!(
                "{} (contract {} {})",
                env!("CARGO_PKG_VERSION"),
                identity.version,
                identity.digest
            ),
            format!("{}\ncontract: {identity}", env!("CARGO_PKG_VERSION")),
        ),
        Err(error) => {
            let unreadable = format!("{} (embedded contract: {error})", env!("CARGO_PKG_VERSION"));
            (unreadable.clone(), unreadable)
        }
    };
    let matches = Cli::command()
        .version(short)
        .long_version(long)
        .get_matches();
    Cli::from_arg_matches(&matches).unwrap_or_else(|error| error.exit())
}

pub fn run(cli: Cli) -> Result<u8, Error> {
    let contract_dir = cli.contract_dir.as_deref();
    match cli.command {
        Command::Mock(args) => mock::run_mock(load(contract_dir)?, *args),
        Command::Proxy(args) => proxy::run_proxy(load(contract_dir)?, *args),
        Command::Check(args) => check::run_check(load(contract_dir)?, *args),
        Command::Openapi(args) => contract::run_openapi(&load(contract_dir)?, args),
        Command::Contract(ContractCommand::Validate { dir }) => {
            contract::validate(&load(dir.as_deref().or(contract_dir))?)
        }
        Command::Contract(ContractCommand::Export { dir }) => contract::export(&dir),
        Command::Contract(ContractCommand::Import { spec, dir }) => import::run_import(&spec, &dir),
        Command::Contract(ContractCommand::Diff(args)) => contract::run_diff(&args),
        Command::Contract(ContractCommand::Summary) => {
            out!("{}", mfa_contract::contract::summary(&load(contract_dir)?));
            Ok(exit::CLEAN)
        }
        Command::Drift(args) => drift::run_drift(load(contract_dir)?, *args),
    }
}

fn load(path: Option<&Path>) -> Result<Contract, Error> {
    Ok(match path {
        Some(path) => Contract::from_path(path)?,
        None => Contract::embedded()?,
    })
}

/// Writes to standard output; a closed pipe ends the process with exit 0 (the reader has all it
/// wanted), any other failure with exit 2.
pub(crate) fn write_stdout(args: std::fmt::Arguments<'_>) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout.write_fmt(args).and_then(|()| stdout.flush()) {
        if error.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(i32::from(exit::CLEAN));
        }
        eprintln!("mfa-contract: error: cannot write to standard output: {error}");
        std::process::exit(i32::from(exit::USAGE));
    }
}

/// The async runtime for the commands that talk to a target.
fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))
}

//! Flags, as clap parses them, turned into the library's run configurations. Nothing here
//! decides anything about the contract or the target.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use mfa_contract::check::{self, CheckConfig, Secret};
use mfa_contract::contract::{self, ContractFiles};
use mfa_contract::mock::{self, MockConfig, MockServer};
use mfa_contract::{Contract, Error, exit};
use mfa_contract::{drift, report};

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
    /// Check a target (the real backend, staging, or a mock) against the contract
    #[command(
        long_about = "Check a target against the contract: valid and invalid payloads, derived from the request \
        schema (enum values enumerated, the rest sampled by proptest), an auth matrix and other methods; every \
        response judged by the checks (see --list-checks). Failures shrink to a minimal request and come with a curl \
        command that reproduces them; the token is never printed.\n\n\
        Without --target, the built-in mock is started on a free loopback port and checked.\n\n\
        Exit codes: 0 clean, 1 violations, 2 usage or configuration error, 3 target unreachable."
    )]
    Check(Box<CheckArgs>),
    /// Record how a target behaves, one probe per case class, and show what changed
    #[command(
        long_about = "Record how a target behaves: one probe per case class, each answer reduced to status, \
        media type and body shape (documented strings kept, other values replaced), as an insta snapshot. \
        With --snapshot, compare with the recorded one and print a readable diff; --accept records; \
        `cargo insta review` also accepts FILE.new. With --against, compare two targets. Also reports \
        fields and statuses seen but not documented, with a suggested contract patch.\n\n\
        Exit codes: 0 no drift, 1 drift, 2 usage or configuration error, 3 target unreachable."
    )]
    Drift(Box<DriftArgs>),
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
    /// Request log on stdout, one line per request (off: none)
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
    Off,
}

/// How to reach a target; shared by `check` and `drift`.
#[derive(Debug, Args)]
struct TargetArgs {
    /// Base URL of the target, e.g. https://staging.example.com (the contract's path is appended).
    /// Default: the built-in mock, started on a free loopback port
    #[arg(long, value_name = "URL")]
    target: Option<String>,
    /// Read the bearer token from this environment variable
    #[arg(long, value_name = "VAR", default_value = "MFA_CONTRACT_TOKEN")]
    token_env: String,
    /// The bearer token itself (prefer --token-env: a command line is visible to other users)
    #[arg(long, value_name = "TOKEN")]
    token: Option<String>,
    /// Extra request header, e.g. --header 'X-Tenant: acme' (repeatable; values are hidden in reports)
    #[arg(long = "header", value_name = "NAME: VALUE")]
    headers: Vec<String>,
    /// Give up on one request after this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 10.0)]
    timeout: f64,
    /// At most this many requests per second
    #[arg(long, value_name = "PER_SECOND")]
    rate: Option<f64>,
    /// Read at most this many bytes of a response body
    #[arg(long, value_name = "BYTES", default_value_t = 1 << 20)]
    max_response_bytes: usize,
    /// After the run, set the account's primary method to METHOD and report whether that worked
    #[arg(long, value_name = "METHOD")]
    restore_primary: Option<String>,
    /// Trust this CA certificate (PEM) as well as the system's
    #[arg(long, value_name = "FILE")]
    ca_cert: Option<PathBuf>,
    /// Accept any TLS certificate (for a staging server with a self-signed one)
    #[arg(long)]
    insecure: bool,
}

#[derive(Debug, Args)]
struct CheckArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// A second account's token, for the account_isolation check
    #[arg(long, value_name = "TOKEN")]
    second_token: Option<String>,
    /// Read the second account's token from this environment variable
    #[arg(long, value_name = "VAR", default_value = "MFA_CONTRACT_SECOND_TOKEN")]
    second_token_env: String,
    /// How many cases proptest samples: half valid variations, half invalid strings
    #[arg(long, value_name = "N", default_value_t = 100)]
    cases: usize,
    /// Seed for the sampled cases (default: random; the report prints it)
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Requests in flight at once
    #[arg(long, value_name = "N", default_value_t = 8)]
    concurrency: usize,
    /// Stop the whole run after this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = 300.0)]
    deadline: f64,
    /// Send at most this many requests in all (shrinking included)
    #[arg(long, value_name = "N")]
    max_requests: Option<usize>,
    /// The max_response_time check's limit, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = check::DEFAULT_MAX_RESPONSE_TIME.as_millis() as u64)]
    max_response_time: u64,
    /// Print the planned cases and stop
    #[arg(long)]
    dry_run: bool,
    /// Run only these checks (comma-separated; see --list-checks)
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    checks: Vec<String>,
    /// Do not run these checks (comma-separated, repeatable)
    #[arg(long = "skip-check", value_name = "NAMES", value_delimiter = ',')]
    skip_checks: Vec<String>,
    /// Also send a made-up token, which the target must refuse
    #[arg(long)]
    expect_token_validation: bool,
    /// Report format on standard output
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Also write a JUnit XML report to FILE
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// List the checks with what each asserts, and stop
    #[arg(long)]
    list_checks: bool,
}

#[derive(Debug, Args)]
struct DriftArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// Compare with this recorded snapshot (insta format); on drift the new one goes to FILE.new
    #[arg(long, value_name = "FILE")]
    snapshot: Option<PathBuf>,
    /// Record the observed behaviour as --snapshot FILE
    #[arg(long, requires = "snapshot")]
    accept: bool,
    /// Compare the target with a second one (e.g. the mock with the real backend), class by class
    #[arg(long, value_name = "URL", conflicts_with = "snapshot")]
    against: Option<String>,
    /// Read the second target's token from this variable (default: the first target's token)
    #[arg(long, value_name = "VAR")]
    against_token_env: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Human,
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
    /// Print the contract as a reviewer reads it: endpoint, schemas, enum meanings, gap policy, fixtures
    Summary,
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
        Command::Check(args) => run_check(load(contract_dir)?, *args),
        Command::Openapi(args) => run_openapi(&load(contract_dir)?, args),
        Command::Contract(ContractCommand::Validate { dir }) => {
            validate(&load(dir.as_deref().or(contract_dir))?)
        }
        Command::Contract(ContractCommand::Export { dir }) => export(&dir),
        Command::Contract(ContractCommand::Summary) => {
            print!("{}", contract::summary(&load(contract_dir)?));
            Ok(exit::CLEAN)
        }
        Command::Drift(args) => run_drift(load(contract_dir)?, *args),
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

fn print_banner(contract: &Contract, args: &MockArgs, addr: std::net::SocketAddr) {
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

fn run_check(contract: Contract, args: CheckArgs) -> Result<u8, Error> {
    if args.list_checks {
        let width = check::CHECKS
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        for c in check::CHECKS {
            println!("{:<width$}  {}", c.name, c.description);
        }
        return Ok(exit::CLEAN);
    }
    let contract = Arc::new(contract);
    let (target, _mock) = resolve_target(&contract, args.target.target.as_deref())?;
    let config = check_config(&args, target)?;
    if args.dry_run {
        return dry_run(&contract, &config, args.format);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))?;
    let progress = progress::for_stderr();
    let report = runtime.block_on(check::run(&contract, &config, progress.as_ref()))?;
    match args.format {
        Format::Human => print!("{}", report::human(&report)),
        Format::Json => println!(
            "{}",
            serde_json::to_string_pretty(&report).expect("a report always serializes")
        ),
    }
    if let Some(path) = &args.junit {
        std::fs::write(path, report::junit(&report))
            .map_err(|e| Error::io(format!("cannot write --junit {}", path.display()), e))?;
    }
    Ok(if report.is_clean() {
        exit::CLEAN
    } else {
        exit::FOUND
    })
}

/// Without a target, the built-in mock is the target; it lives as long as the returned server.
fn resolve_target(
    contract: &Arc<Contract>,
    target: Option<&str>,
) -> Result<(String, Option<MockServer>), Error> {
    match target {
        Some(target) => Ok((target.to_owned(), None)),
        None => {
            let server = MockServer::start(
                contract.clone(),
                MockConfig {
                    port: 0,
                    journal_size: 0,
                    ..MockConfig::default()
                },
            )
            .map_err(|e| Error::io("cannot start the built-in mock", e))?;
            Ok((server.url(), Some(server)))
        }
    }
}

/// The part of a run configuration that says how to reach the target.
fn target_config(args: &TargetArgs, target: String) -> Result<CheckConfig, Error> {
    let mut config = CheckConfig::new(target);
    config.token = args
        .token
        .clone()
        .or_else(|| from_env(&args.token_env))
        .map(Secret::new);
    config.token_var = args.token_env.clone();
    if config.token.is_none() {
        if !mfa_contract::net::is_loopback_url(&config.target) {
            return Err(Error::Usage(format!(
                "no token: set {} (or --token-env VAR) to the bearer token of a test account",
                args.token_env
            )));
        }
        // Any token works against a local mock; make one per run.
        config.token = Some(Secret::new(format!("mfa-contract-{:016x}", random_seed())));
    }
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(Error::Usage(format!(
                "--header {header:?}: expected NAME: VALUE"
            )));
        };
        config
            .headers
            .push((name.trim().to_owned(), value.trim().to_owned()));
    }
    config.timeout = seconds("--timeout", args.timeout)?;
    config.rate = args.rate;
    config.max_response_bytes = args.max_response_bytes;
    config.restore_primary = args.restore_primary.clone();
    config.ca_cert = args.ca_cert.clone();
    config.insecure = args.insecure;
    Ok(config)
}

fn from_env(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

fn check_config(args: &CheckArgs, target: String) -> Result<CheckConfig, Error> {
    let mut config = target_config(&args.target, target)?;
    config.second_token = args
        .second_token
        .clone()
        .or_else(|| from_env(&args.second_token_env))
        .map(Secret::new);
    config.second_token_var = args.second_token_env.clone();
    config.cases = args.cases;
    config.seed = args.seed.unwrap_or_else(random_seed);
    config.concurrency = args.concurrency;
    config.deadline = seconds("--deadline", args.deadline)?;
    config.max_requests = args.max_requests;
    config.max_response_time = Duration::from_millis(args.max_response_time);
    config.checks = args.checks.clone();
    config.skip_checks = args.skip_checks.clone();
    config.expect_token_validation = args.expect_token_validation;
    config.selected_checks()?;
    Ok(config)
}

fn run_drift(contract: Contract, args: DriftArgs) -> Result<u8, Error> {
    let contract = Arc::new(contract);
    let (target, _mock) = resolve_target(&contract, args.target.target.as_deref())?;
    let config = target_config(&args.target, target)?;
    let against = match &args.against {
        Some(url) => {
            let mut other = config.clone();
            other.target = url.clone();
            if let Some(var) = &args.against_token_env {
                other.token = from_env(var).map(Secret::new);
                other.token_var = var.clone();
            }
            Some(other)
        }
        None => None,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::io("cannot start the async runtime", e))?;
    let observed = runtime.block_on(drift::observe(&contract, &config))?;
    let table = drift::table(&contract, &observed);
    let mut out = std::io::stdout().lock();
    let found = |out: &mut std::io::StdoutLock<'_>| {
        let findings = drift::findings(&contract, &observed.rows);
        if !findings.is_empty() {
            let _ = writeln!(out, "\ndocumented versus observed ({}):", observed.target);
            for finding in findings {
                let _ = writeln!(out, "  - {finding}");
            }
        }
        if let Some(restore) = &observed.restore_primary {
            let _ = writeln!(out, "\n{restore}");
        }
    };

    if let Some(other) = against {
        let theirs = runtime.block_on(drift::observe(&contract, &other))?;
        let changes = drift::compare(&table, &drift::table(&contract, &theirs));
        if changes.is_empty() {
            let _ = writeln!(
                out,
                "no difference: {} and {} behave alike in all {} classes",
                observed.target,
                theirs.target,
                observed.rows.len()
            );
        } else {
            let _ = writeln!(
                out,
                "{} of {} classes differ between\n  target:  {}\n  against: {}",
                changes.len(),
                observed.rows.len(),
                observed.target,
                theirs.target
            );
            let _ = write!(
                out,
                "{}",
                drift::render_changes(&changes, "target ", "against")
            );
        }
        found(&mut out);
        return Ok(if changes.is_empty() {
            exit::CLEAN
        } else {
            exit::FOUND
        });
    }

    let Some(path) = &args.snapshot else {
        let _ = write!(out, "{table}");
        found(&mut out);
        let _ = writeln!(
            out,
            "\n(record it with --snapshot FILE --accept; later runs with --snapshot FILE show what changed)"
        );
        return Ok(exit::CLEAN);
    };
    let pending = drift::pending_path(path);
    let code = match drift::read_snapshot(path)? {
        _ if args.accept => {
            drift::write_snapshot(path, &table)?;
            let _ = std::fs::remove_file(&pending);
            let _ = writeln!(
                out,
                "recorded {} classes in {}",
                observed.rows.len(),
                path.display()
            );
            exit::CLEAN
        }
        None => {
            drift::write_snapshot(&pending, &table)?;
            let _ = writeln!(
                out,
                "no snapshot at {}; the observed behaviour is in {} (accept it with --accept or `cargo insta review`)",
                path.display(),
                pending.display()
            );
            exit::FOUND
        }
        Some(recorded) => {
            let changes = drift::compare(&recorded, &table);
            if changes.is_empty() {
                let _ = std::fs::remove_file(&pending);
                let _ = writeln!(
                    out,
                    "no drift: all {} classes match {}",
                    observed.rows.len(),
                    path.display()
                );
                exit::CLEAN
            } else {
                drift::write_snapshot(&pending, &table)?;
                let _ = writeln!(
                    out,
                    "drift in {} of {} classes against {}:",
                    changes.len(),
                    observed.rows.len(),
                    path.display()
                );
                let _ = write!(
                    out,
                    "{}",
                    drift::render_changes(&changes, "recorded", "observed")
                );
                let _ = writeln!(
                    out,
                    "the new behaviour is in {}; accept it with --accept or `cargo insta review`",
                    pending.display()
                );
                exit::FOUND
            }
        }
    };
    found(&mut out);
    Ok(code)
}

fn seconds(flag: &str, value: f64) -> Result<Duration, Error> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{flag} {value}: expected a positive number of seconds"
            ))
        })
}

fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

fn dry_run(contract: &Contract, config: &CheckConfig, format: Format) -> Result<u8, Error> {
    let plan = check::plan(contract, config);
    let url = config.endpoint_url(contract)?;
    if format == Format::Json {
        let json = serde_json::json!({"target": url, "seed": config.seed, "coverage": plan.coverage, "cases": plan.cases, "sequences": plan.sequences});
        println!(
            "{}",
            serde_json::to_string_pretty(&json).expect("a plan always serializes")
        );
        return Ok(exit::CLEAN);
    }
    println!("mfa-contract check --dry-run: {url} (seed {})", config.seed);
    println!("{}", report::coverage_line(&plan.coverage));
    let width = plan.cases.iter().map(|c| c.class.len()).max().unwrap_or(0);
    for case in plan
        .cases
        .iter()
        .chain(plan.sequences.iter().flat_map(|s| &s.steps))
    {
        let auth = match &case.request.auth {
            mfa_contract::cases::Auth::Token => "token".to_owned(),
            mfa_contract::cases::Auth::SecondToken => "second token".to_owned(),
            mfa_contract::cases::Auth::Missing => "no auth".to_owned(),
            mfa_contract::cases::Auth::Raw(v) => v.clone(),
        };
        println!(
            "  {:<width$}  {} [{auth}] [{}] {}",
            case.class,
            case.request.method,
            case.request
                .content_type
                .as_deref()
                .unwrap_or("no content type"),
            report::excerpt(&case.request.body, 80)
        );
    }
    println!(
        "{} cases, {} sequences; nothing sent",
        plan.cases.len(),
        plan.sequences.len()
    );
    Ok(exit::CLEAN)
}

mod progress {
    //! A progress bar on a terminal, a few plain lines otherwise (CI logs), on stderr.

    use std::io::IsTerminal as _;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use indicatif::{ProgressBar, ProgressStyle};
    use mfa_contract::check::{Exchange, Progress};

    pub fn for_stderr() -> Box<dyn Progress> {
        if std::io::stderr().is_terminal() {
            Box::new(Bar(ProgressBar::hidden()))
        } else {
            Box::new(Lines {
                total: AtomicUsize::new(0),
                done: AtomicUsize::new(0),
            })
        }
    }

    struct Bar(ProgressBar);

    impl Progress for Bar {
        fn start(&self, total: usize) {
            self.0.set_length(total as u64);
            self.0
                .set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.0.set_style(
                ProgressStyle::with_template(
                    "{spinner} checking [{bar:30}] {pos}/{len} {per_sec} {msg}",
                )
                .expect("a valid template")
                .progress_chars("=> "),
            );
        }

        fn tick(&self, _: &Exchange) {
            self.0.inc(1);
        }

        fn finish(&self) {
            self.0.finish_and_clear();
        }
    }

    struct Lines {
        total: AtomicUsize,
        done: AtomicUsize,
    }

    impl Progress for Lines {
        fn start(&self, total: usize) {
            self.total.store(total, Ordering::Relaxed);
            eprintln!("checking: {total} cases planned");
        }

        fn tick(&self, _: &Exchange) {
            let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
            let total = self.total.load(Ordering::Relaxed).max(1);
            // About four lines per run: a CI log wants to see it moving, not every request.
            if done * 4 / total != (done - 1) * 4 / total {
                eprintln!("checking: {done}/{total}");
            }
        }
    }
}

//! `mfa-contract check`: flags to a `CheckConfig`, the run, the reports, the progress.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, ValueEnum};
use mfa_contract::check::{self, CheckConfig, defaults};
use mfa_contract::remote::{TargetUrl, defaults as target_defaults};
use mfa_contract::{Contract, Error, exit, har};

use super::ci;
use super::target::{TargetArgs, credential, random_seed, resolve_target, seconds, target_config};

#[derive(Debug, Args)]
pub(super) struct CheckArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// A second account's token, for the account_isolation check
    #[arg(long, value_name = "TOKEN")]
    second_token: Option<String>,
    /// Read the second account's token from this environment variable
    #[arg(long, value_name = "VAR", default_value = target_defaults::SECOND_TOKEN_VAR)]
    second_token_env: String,
    /// Run CMD (through sh) for the second account's token, as --token-command
    #[arg(long, value_name = "CMD")]
    second_token_command: Option<String>,
    /// How many cases proptest samples: half valid variations, half invalid strings
    #[arg(long, value_name = "N", default_value_t = defaults::CASES)]
    cases: usize,
    /// Seed for the sampled cases (default: random; the report prints it)
    #[arg(long, value_name = "N")]
    seed: Option<u64>,
    /// Requests in flight at once
    #[arg(long, value_name = "N", default_value_t = defaults::CONCURRENCY)]
    concurrency: std::num::NonZeroUsize,
    /// Stop the whole run after this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = defaults::DEADLINE.as_secs_f64())]
    deadline: f64,
    /// Send at most this many requests in all (shrinking included)
    #[arg(long, value_name = "N")]
    max_requests: Option<usize>,
    /// The max_response_time check's limit, in milliseconds
    #[arg(long, value_name = "MS", default_value_t = defaults::MAX_RESPONSE_TIME.as_millis() as u64)]
    max_response_time: u64,
    /// Make the gap policy binding: statuses it does not list for missing auth, content type,
    /// size or malformed JSON, and accepting what it refuses, fail instead of being listed as gaps
    #[arg(long)]
    strict_gaps: bool,
    /// Stop (exit 3) after this many requests in a row get no complete answer
    #[arg(long, value_name = "K", default_value_t = defaults::MAX_CONSECUTIVE_FAILURES)]
    max_consecutive_failures: usize,
    /// Send each failing case again N times before reporting it: deterministic or flaky
    #[arg(long, value_name = "N", default_value_t = defaults::RECHECK)]
    recheck: usize,
    /// Flaky failures (passed on a recheck) do not fail the run
    #[arg(long)]
    allow_flaky: bool,
    /// Fail (exit 1) when less than PCT percent of the coverage items are reached
    #[arg(long, value_name = "PCT")]
    min_coverage: Option<f64>,
    /// Print the planned cases and stop
    #[arg(long)]
    dry_run: bool,
    /// Run only these checks (comma-separated; see --list-checks)
    #[arg(long, value_name = "NAMES", value_delimiter = ',')]
    checks: Vec<String>,
    /// Do not run these checks (comma-separated, repeatable)
    #[arg(long = "skip-check", value_name = "NAMES", value_delimiter = ',')]
    skip_checks: Vec<String>,
    /// Check only this operation: an operationId or "METHOD /path" (repeatable; default: all)
    #[arg(long = "operation", value_name = "ID")]
    operations: Vec<String>,
    /// Also send a made-up token, which the target must refuse
    #[arg(long)]
    expect_token_validation: bool,
    /// Report format on standard output
    #[arg(long, value_enum, default_value_t = Format::Human)]
    format: Format,
    /// Also write a JUnit XML report to FILE
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also append the markdown report to FILE (under GitHub Actions: "$GITHUB_STEP_SUMMARY"
    /// unless this names another file)
    #[arg(long, value_name = "FILE")]
    summary_file: Option<PathBuf>,
    /// Also write a CTRF (Common Test Report Format) JSON report to FILE
    #[arg(long, value_name = "FILE")]
    ctrf: Option<PathBuf>,
    /// Judge the endpoint's exchanges in a HAR file (a browser's or Playwright's capture)
    /// instead of sending requests: both sides, with the proxy's checks
    #[arg(long, value_name = "FILE", conflicts_with_all = ["dry_run", "ctrf"])]
    har: Option<PathBuf>,
    /// List the checks with what each asserts, and stop
    #[arg(long)]
    list_checks: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(super) enum Format {
    Human,
    Json,
    Markdown,
}

impl Format {
    pub(super) fn shown(self) -> ci::Shown {
        match self {
            Format::Human => ci::Shown::Human,
            Format::Json => ci::Shown::Json,
            Format::Markdown => ci::Shown::Markdown,
        }
    }
}

impl CheckArgs {
    /// The files this run writes besides stdout.
    fn written(&self) -> ci::Written<'_> {
        ci::Written {
            junit: self.junit.as_deref(),
            ctrf: self.ctrf.as_deref(),
            summary_file: self.summary_file.as_deref(),
        }
    }
}

pub(super) fn run_check(contract: Contract, args: CheckArgs) -> Result<u8, Error> {
    if args.list_checks {
        let width = check::CHECKS
            .iter()
            .map(|c| c.name.len())
            .max()
            .unwrap_or(0);
        for c in check::CHECKS {
            outln!("{:<width$}  {}", c.name, c.description);
        }
        return Ok(exit::CLEAN);
    }
    if let Some(path) = &args.har {
        return run_har(&contract, path, &args);
    }
    let contract = Arc::new(contract);
    let (target, _mock) = resolve_target(&contract, args.target.target.as_ref())?;
    let config = check_config(&args, &contract, target)?;
    if args.dry_run {
        return super::dry_run::dry_run(&contract, &config, args.format == Format::Json);
    }
    let runtime = super::runtime()?;
    let progress = progress::for_stderr();
    let report = runtime.block_on(check::run(&contract, &config, progress.as_ref()))?;
    ci::emit(&report, args.format.shown(), args.written())
}

pub(super) fn check_config(
    args: &CheckArgs,
    contract: &Contract,
    target: TargetUrl,
) -> Result<CheckConfig, Error> {
    let mut config = CheckConfig::reaching(target_config(&args.target, contract, target)?);
    config.target.second_token = credential(
        args.second_token.as_ref(),
        &args.second_token_env,
        args.second_token_command.as_ref(),
    );
    config.restore_primary = args.target.restore_primary.clone();
    config.strict_gaps = args.strict_gaps;
    config.max_consecutive_failures = args.max_consecutive_failures;
    config.recheck = args.recheck;
    config.allow_flaky = args.allow_flaky;
    config.min_coverage = percent("--min-coverage", args.min_coverage)?;
    config.cases = args.cases;
    config.seed = args.seed.unwrap_or_else(random_seed);
    config.concurrency = args.concurrency;
    config.deadline = seconds("--deadline", args.deadline)?;
    config.max_requests = args.max_requests;
    config.max_response_time = Duration::from_millis(args.max_response_time);
    config.checks = check::CheckSelection::from_flags(&args.checks, &args.skip_checks)?;
    config.operations = args.operations.clone();
    config.expect_token_validation = args.expect_token_validation;
    Ok(config)
}

/// `--har FILE`: a capture judged offline, reported like a run.
fn run_har(contract: &Contract, path: &std::path::Path, args: &CheckArgs) -> Result<u8, Error> {
    if args.target.target.is_some() {
        return Err(Error::Usage(
            "--har judges a capture; --target sends requests: give one of them".into(),
        ));
    }
    let report = har::judge_file(contract, path)?;
    ci::emit(&report, args.format.shown(), args.written())
}

/// A percentage from 0 to 100, or a usage error naming the flag.
fn percent(flag: &str, value: Option<f64>) -> Result<Option<f64>, Error> {
    match value {
        Some(v) if !(0.0..=100.0).contains(&v) => Err(Error::Usage(format!(
            "{flag} {v}: give a percentage from 0 to 100"
        ))),
        other => Ok(other),
    }
}

mod progress {
    //! A progress bar on a terminal, a few plain lines otherwise (CI logs), on stderr.

    use std::io::IsTerminal as _;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use indicatif::{ProgressBar, ProgressStyle};
    use mfa_contract::check::Progress;
    use mfa_contract::remote::Exchange;

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
        fn operation(&self, endpoint: &str) {
            self.0.set_message(endpoint.to_owned());
        }

        fn start(&self, total: usize) {
            self.0.set_position(0);
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
        fn operation(&self, endpoint: &str) {
            eprintln!("checking {endpoint}");
        }

        fn start(&self, total: usize) {
            self.total.store(total, Ordering::Relaxed);
            self.done.store(0, Ordering::Relaxed);
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

//! `mfa-contract drift`: observe, then print, compare with a snapshot, or compare two targets.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use mfa_contract::remote::{Secret, TargetUrl};
use mfa_contract::{Contract, Error, drift};

use super::ci;

use super::target::{TargetArgs, from_env, resolve_target, target_config};

#[derive(Debug, Args)]
pub(super) struct DriftArgs {
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
    against: Option<TargetUrl>,
    /// Read the second target's token from this variable (default: the first target's token)
    #[arg(long, value_name = "VAR")]
    against_token_env: Option<String>,
    /// Print every differing class in full (default: the graded summary, then the classes with
    /// contract-relevant differences)
    #[arg(long)]
    all: bool,
    /// Exit 1 for contract-relevant differences only (relevant), or for any difference (cosmetic)
    #[arg(long, value_enum, default_value_t = FailOn::Relevant)]
    fail_on: FailOn,
    /// Probe only this operation: an operationId or "METHOD /path" (repeatable; default: all)
    #[arg(long = "operation", value_name = "ID")]
    operations: Vec<String>,
    /// Also append the result as markdown to FILE (under GitHub Actions: "$GITHUB_STEP_SUMMARY"
    /// unless this names another file)
    #[arg(long, value_name = "FILE")]
    summary_file: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum FailOn {
    Relevant,
    Cosmetic,
}

pub(super) fn run_drift(contract: Contract, args: DriftArgs) -> Result<u8, Error> {
    let contract = Arc::new(contract);
    let (target, _mock) = resolve_target(&contract, args.target.target.as_ref())?;
    let config = target_config(&args.target, &contract, target)?;
    let mode = match (&args.against, &args.snapshot) {
        (Some(url), _) => {
            let mut other = config.clone();
            other.url = url.clone();
            if let Some(var) = &args.against_token_env {
                other.token.token = from_env(var).map(Secret::new);
                other.token.var = var.clone();
                other.token.command = None;
            }
            drift::Mode::Against(Box::new(other))
        }
        (None, Some(path)) => drift::Mode::Snapshot {
            path: path.clone(),
            accept: args.accept,
        },
        (None, None) => drift::Mode::Print,
    };
    let options = drift::DriftOptions {
        mode,
        all: args.all,
        fail_on_cosmetic: args.fail_on == FailOn::Cosmetic,
        restore: args.target.restore_primary.clone(),
        operations: args.operations.clone(),
    };
    let run = super::runtime()?.block_on(drift::run(&contract, &config, &options))?;
    let written = ci::Written {
        summary_file: args.summary_file.as_deref(),
        ..ci::Written::default()
    };
    ci::emit(&run, ci::Shown::Human, written)
}

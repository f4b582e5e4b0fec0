//! `mfa-contract drift`: observe, then print, compare with a snapshot, or compare two targets.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use mfa_contract::target::Secret;
use mfa_contract::{Contract, Error, drift, exit};

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
    against: Option<String>,
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum FailOn {
    Relevant,
    Cosmetic,
}

/// The graded comparison: the summary, then the classes worth reading in full. Returns
/// whether it should fail the run.
fn report_changes(
    out: &mut impl std::io::Write,
    contract: &Contract,
    changes: &[drift::Change],
    labels: (&str, &str),
    total: usize,
    args: &DriftArgs,
) -> bool {
    let grader = drift::Grader::new(contract, labels.0, labels.1);
    let graded: Vec<(String, Vec<drift::Difference>)> = changes
        .iter()
        .map(|c| (c.class.clone(), grader.grade(c)))
        .collect();
    let groups = drift::group(&graded);
    let _ = write!(out, "\n{}", drift::render_summary(&groups, total));
    let relevant_classes: Vec<&drift::Change> = changes
        .iter()
        .zip(&graded)
        .filter(|(_, (_, d))| d.iter().any(|d| d.grade == drift::Grade::Relevant))
        .map(|(c, _)| c)
        .collect();
    // Each class's details are its graded differences, the relevant ones marked.
    let shown: Vec<drift::Change> = changes
        .iter()
        .zip(&graded)
        .filter(|(_, (_, d))| args.all || d.iter().any(|d| d.grade == drift::Grade::Relevant))
        .map(|(c, (_, differences))| drift::Change {
            details: differences
                .iter()
                .map(|d| match d.grade {
                    drift::Grade::Relevant => format!("! {}", d.text),
                    drift::Grade::Cosmetic => format!("  {}", d.text),
                })
                .collect(),
            ..c.clone()
        })
        .collect();
    if !shown.is_empty() {
        let _ = writeln!(
            out,
            "\n{}:",
            if args.all {
                "Every differing class"
            } else {
                "Classes with contract-relevant differences"
            }
        );
        let _ = write!(
            out,
            "{}",
            drift::render_changes(
                &shown,
                &format!("{:<8}", labels.0),
                &format!("{:<8}", labels.1)
            )
        );
    }
    if !args.all && shown.len() < changes.len() {
        let _ = writeln!(
            out,
            "({} classes with cosmetic differences only; --all prints every class in full)",
            changes.len() - shown.len()
        );
    }
    match args.fail_on {
        FailOn::Relevant => !relevant_classes.is_empty(),
        FailOn::Cosmetic => !changes.is_empty(),
    }
}

pub(super) fn run_drift(contract: Contract, args: DriftArgs) -> Result<u8, Error> {
    let contract = Arc::new(contract);
    let (target, _mock) = resolve_target(&contract, args.target.target.as_deref())?;
    let config = target_config(&args.target, target)?;
    let against = match &args.against {
        Some(url) => {
            let mut other = config.clone();
            other.url = url.clone();
            if let Some(var) = &args.against_token_env {
                other.token.token = from_env(var).map(Secret::new);
                other.token.var = var.clone();
                other.token.command = None;
            }
            Some(other)
        }
        None => None,
    };
    let restore = args.target.restore_primary.as_deref();
    let runtime = super::runtime()?;
    let observed = runtime.block_on(drift::observe(&contract, &config, restore))?;
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
        let theirs = runtime.block_on(drift::observe(&contract, &other, None))?;
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
        }
        let fail = !changes.is_empty()
            && report_changes(
                &mut out,
                &contract,
                &changes,
                ("target", "against"),
                observed.rows.len(),
                &args,
            );
        found(&mut out);
        return Ok(if fail { exit::FOUND } else { exit::CLEAN });
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
    if args.accept {
        // Recording needs nothing from the old file, which may be unreadable.
        drift::write_snapshot(path, &table)?;
        let _ = std::fs::remove_file(&pending);
        let _ = writeln!(
            out,
            "recorded {} classes in {}",
            observed.rows.len(),
            path.display()
        );
        found(&mut out);
        return Ok(exit::CLEAN);
    }
    let code = match drift::read_snapshot(path)? {
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
                let fail = report_changes(
                    &mut out,
                    &contract,
                    &changes,
                    ("recorded", "observed"),
                    observed.rows.len(),
                    &args,
                );
                let _ = writeln!(
                    out,
                    "\nthe new behaviour is in {}; accept it with --accept or `cargo insta review`",
                    pending.display()
                );
                if fail { exit::FOUND } else { exit::CLEAN }
            }
        }
    };
    found(&mut out);
    Ok(code)
}

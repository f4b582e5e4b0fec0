//! One `mfa-contract drift` run, as text and a verdict: observe the target, then print the
//! table, record it, compare it with a recorded snapshot, or compare the target with a second
//! one. Differences are graded and only contract-relevant ones fail (unless cosmetic ones are
//! asked to). The CLI prints what this returns and maps `failed` to an exit code.

use std::fmt::Write as _;
use std::path::PathBuf;

use super::{
    Change, Grade, Grader, Observation, compare, findings, group, pending_path, read_snapshot,
    render_changes, render_summary, table, write_snapshot,
};
use crate::Error;
use crate::contract::Contract;
use crate::remote::TargetConfig;

/// What to do with the observed behaviour.
#[derive(Debug, Clone)]
pub enum Mode {
    /// Print the table.
    Print,
    /// Compare with the snapshot at `path`, or record it there (`accept`).
    Snapshot { path: PathBuf, accept: bool },
    /// Compare with a second target.
    Against(Box<TargetConfig>),
}

#[derive(Debug, Clone)]
pub struct DriftOptions {
    pub mode: Mode,
    /// Print every differing class in full, not only those with relevant differences.
    pub all: bool,
    /// Fail on cosmetic differences too.
    pub fail_on_cosmetic: bool,
    /// `--restore-primary METHOD` after observing.
    pub restore: Option<String>,
    /// `--operation`: the operations to probe, by operationId or `METHOD /path`; empty: all.
    pub operations: Vec<String>,
}

/// The run's text (everything the CLI prints) and whether it found drift that fails the run.
#[derive(Debug, Clone, Default)]
pub struct DriftRun {
    pub text: String,
    pub failed: bool,
    /// What fails the run, one line each (for CI annotations).
    pub problems: Vec<String>,
}

impl DriftRun {
    fn line(&mut self, text: impl std::fmt::Display) {
        let _ = writeln!(self.text, "{text}");
    }
}

pub async fn run(
    contract: &Contract,
    config: &TargetConfig,
    options: &DriftOptions,
) -> Result<DriftRun, Error> {
    let views = super::operations::views(contract, &options.operations, config)?;
    let restore = options.restore.as_deref();
    let observed = super::operations::observe(contract, &views, config, restore).await?;
    let mut run = match &options.mode {
        Mode::Print => DriftRun {
            text: table(contract, &observed),
            ..DriftRun::default()
        },
        Mode::Against(other) => {
            let theirs = super::operations::observe(contract, &views, other, None).await?;
            against(contract, &views, &observed, &theirs, options)
        }
        Mode::Snapshot { path, accept: true } => accept(contract, &observed, path)?,
        Mode::Snapshot {
            path,
            accept: false,
        } => against_snapshot(contract, &views, &observed, path, options)?,
    };
    findings_and_restore(&mut run, &views, &observed);
    run.text
        .push_str(&crate::report::coverage_brief(&observed.coverage));
    if matches!(options.mode, Mode::Print) {
        run.line(
            "\n(record it with --snapshot FILE --accept; later runs with --snapshot FILE show what changed)",
        );
    }
    Ok(run)
}

fn against(
    contract: &Contract,
    views: &[Contract],
    observed: &Observation,
    theirs: &Observation,
    options: &DriftOptions,
) -> DriftRun {
    let mut run = DriftRun::default();
    let changes = compare(&table(contract, observed), &table(contract, theirs));
    if changes.is_empty() {
        run.line(format!(
            "no difference: {} and {} behave alike in all {} classes",
            observed.target,
            theirs.target,
            observed.rows.len()
        ));
        return run;
    }
    run.line(format!(
        "{} of {} classes differ between\n  target:  {}\n  against: {}",
        changes.len(),
        observed.rows.len(),
        observed.target,
        theirs.target
    ));
    let labels = ("target", "against");
    run.failed = graded(
        &mut run,
        views,
        &changes,
        labels,
        observed.rows.len(),
        options,
    );
    run
}

fn accept(
    contract: &Contract,
    observed: &Observation,
    path: &std::path::Path,
) -> Result<DriftRun, Error> {
    // Recording needs nothing from the old file, which may be unreadable.
    write_snapshot(path, &table(contract, observed))?;
    let _ = std::fs::remove_file(pending_path(path));
    let mut run = DriftRun::default();
    run.line(format!(
        "recorded {} classes in {}",
        observed.rows.len(),
        path.display()
    ));
    Ok(run)
}

fn against_snapshot(
    contract: &Contract,
    views: &[Contract],
    observed: &Observation,
    path: &std::path::Path,
    options: &DriftOptions,
) -> Result<DriftRun, Error> {
    let table = table(contract, observed);
    let pending = pending_path(path);
    let mut run = DriftRun::default();
    let Some(recorded) = read_snapshot(path)? else {
        write_snapshot(&pending, &table)?;
        run.line(format!(
            "no snapshot at {}; the observed behaviour is in {} (accept it with --accept or `cargo insta review`)",
            path.display(),
            pending.display()
        ));
        run.failed = true;
        run.problems
            .push(format!("no snapshot at {}", path.display()));
        return Ok(run);
    };
    let changes = compare(&recorded, &table);
    let classes = observed.rows.len();
    if changes.is_empty() {
        let _ = std::fs::remove_file(&pending);
        run.line(format!(
            "no drift: all {classes} classes match {}",
            path.display()
        ));
        return Ok(run);
    }
    write_snapshot(&pending, &table)?;
    run.line(format!(
        "drift in {} of {classes} classes against {}:",
        changes.len(),
        path.display()
    ));
    let labels = ("recorded", "observed");
    run.failed = graded(&mut run, views, &changes, labels, classes, options);
    run.line(format!(
        "\nthe new behaviour is in {}; accept it with --accept or `cargo insta review`",
        pending.display()
    ));
    Ok(run)
}

/// The graded comparison: the summary, then the classes worth reading in full. Returns
/// whether it fails the run.
fn graded(
    run: &mut DriftRun,
    views: &[Contract],
    changes: &[Change],
    labels: (&str, &str),
    total: usize,
    options: &DriftOptions,
) -> bool {
    // Each class graded by the operation it belongs to.
    let graders: Vec<Grader<'_>> = views
        .iter()
        .map(|v| Grader::new(v, labels.0, labels.1))
        .collect();
    let graded: Vec<(String, Vec<super::Difference>)> = changes
        .iter()
        .map(|c| {
            let (view, class) = super::operations::owner(views, &c.class);
            let index = views
                .iter()
                .position(|v| std::ptr::eq(v, view))
                .unwrap_or(0);
            let own = Change {
                class: class.to_owned(),
                ..c.clone()
            };
            (c.class.clone(), graders[index].grade(&own))
        })
        .collect();
    let relevant = |d: &[super::Difference]| d.iter().any(|d| d.grade == Grade::Relevant);
    let groups = group(&graded);
    let _ = write!(run.text, "\n{}", render_summary(&groups, total));
    run.problems.extend(
        groups
            .iter()
            .filter(|g| options.fail_on_cosmetic || g.grade == Grade::Relevant)
            .map(|g| format!("{} (in {})", g.text, g.classes.join(", "))),
    );
    // Each class shown lists its graded differences, the relevant ones marked.
    let shown: Vec<Change> = changes
        .iter()
        .zip(&graded)
        .filter(|(_, (_, d))| options.all || relevant(d))
        .map(|(c, (_, differences))| Change {
            details: differences.iter().map(marked).collect(),
            ..c.clone()
        })
        .collect();
    if !shown.is_empty() {
        run.line(if options.all {
            "\nEvery differing class:"
        } else {
            "\nClasses with contract-relevant differences:"
        });
        let (before, after) = (format!("{:<8}", labels.0), format!("{:<8}", labels.1));
        run.text.push_str(&render_changes(&shown, &before, &after));
    }
    if !options.all && shown.len() < changes.len() {
        run.line(format!(
            "({} classes with cosmetic differences only; --all prints every class in full)",
            changes.len() - shown.len()
        ));
    }
    options.fail_on_cosmetic || graded.iter().any(|(_, d)| relevant(d))
}

fn marked(difference: &super::Difference) -> String {
    match difference.grade {
        Grade::Relevant => format!("! {}", difference.text),
        Grade::Cosmetic => format!("  {}", difference.text),
    }
}

/// What the target does that the documentation does not say, and the restore step's result.
fn findings_and_restore(run: &mut DriftRun, views: &[Contract], observed: &Observation) {
    let findings: Vec<String> = super::operations::rows_by_view(views, &observed.rows)
        .into_iter()
        .flat_map(|(view, rows)| {
            let named = (!view.is_seed_view()).then(|| view.manifest().operation_id.clone());
            findings(view, &rows)
                .into_iter()
                .map(move |f| match &named {
                    Some(id) => format!("{id}: {f}"),
                    None => f.to_string(),
                })
        })
        .collect();
    if !findings.is_empty() {
        run.line(format!(
            "\ndocumented versus observed ({}):",
            observed.target
        ));
        for finding in findings {
            run.line(format!("  - {finding}"));
        }
    }
    if let Some(restore) = &observed.restore_primary {
        run.line(format!("\n{restore}"));
    }
}

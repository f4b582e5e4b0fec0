//! What every command does for CI: under GitHub Actions (`GITHUB_ACTIONS=true`), each failure
//! as an `::error` annotation on stderr (the runner reads workflow commands from both streams,
//! and stdout stays what `--format` asked for), and the markdown summary appended to
//! `$GITHUB_STEP_SUMMARY` unless `--summary-file` names another file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use mfa_contract::Error;
use mfa_contract::report::Annotation;

fn github_actions() -> bool {
    std::env::var("GITHUB_ACTIONS").as_deref() == Ok("true")
}

/// Where the markdown summary goes: `--summary-file`, else the job's summary on GitHub.
pub(super) fn summary_file(explicit: Option<&Path>) -> Option<PathBuf> {
    explicit.map(Path::to_path_buf).or_else(|| {
        github_actions()
            .then(|| std::env::var_os("GITHUB_STEP_SUMMARY"))
            .flatten()
            .filter(|p| !p.is_empty())
            .map(PathBuf::from)
    })
}

/// Appends `markdown` to the summary file, if there is one. Appended: `$GITHUB_STEP_SUMMARY`
/// collects every step's summary in one file.
pub(super) fn write_summary(explicit: Option<&Path>, markdown: &str) -> Result<(), Error> {
    let Some(path) = summary_file(explicit) else {
        return Ok(());
    };
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| f.write_all(markdown.as_bytes()))
        .map_err(|e| Error::io(format!("cannot write the summary to {}", path.display()), e))
}

/// Writes a report file a flag asked for.
pub(super) fn write_file(flag: &str, path: &Path, text: &str) -> Result<(), Error> {
    std::fs::write(path, text)
        .map_err(|e| Error::io(format!("cannot write {flag} {}", path.display()), e))
}

/// The annotations, on GitHub only.
pub(super) fn annotate(annotations: &[Annotation]) {
    if github_actions() {
        for annotation in annotations {
            eprintln!("{annotation}");
        }
    }
}

//! What every command does for CI: under GitHub Actions (`GITHUB_ACTIONS=true`), each failure
//! as an `::error` annotation on stderr (the runner reads workflow commands from both streams,
//! and stdout stays what `--format` asked for), and the markdown summary appended to
//! `$GITHUB_STEP_SUMMARY` unless `--summary-file` names another file.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use mfa_contract::report::{Annotation, Rendered};
use mfa_contract::{Error, exit};

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

/// The form `--format` asks for on stdout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Shown {
    Human,
    Json,
    Markdown,
}

/// Where a command's result goes besides stdout.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Written<'a> {
    pub(super) junit: Option<&'a Path>,
    pub(super) ctrf: Option<&'a Path>,
    pub(super) summary_file: Option<&'a Path>,
}

/// A command's result, the one way every command emits it: the chosen form on stdout, the
/// files asked for, the step summary, the annotations; the exit code it means.
pub(super) fn emit(result: &dyn Rendered, shown: Shown, written: Written<'_>) -> Result<u8, Error> {
    let ctrf = written.ctrf.map(|path| (path, result.ctrf()));
    if let Some((_, None)) = ctrf {
        return Err(Error::Usage(
            "--ctrf: this command has no CTRF report".into(),
        ));
    }
    match shown {
        Shown::Human => out!("{}", result.human()),
        Shown::Markdown => out!("{}", result.markdown()),
        Shown::Json => match result.json() {
            Some(json) => outln!(
                "{}",
                serde_json::to_string_pretty(&json).expect("a report always serializes")
            ),
            None => out!("{}", result.human()),
        },
    }
    if let (Some(path), Some(junit)) = (written.junit, result.junit()) {
        write_file("--junit", path, &junit)?;
    }
    if let Some((path, Some(ctrf))) = ctrf {
        let text = serde_json::to_string_pretty(&ctrf).expect("a CTRF document serializes");
        write_file("--ctrf", path, &text)?;
    }
    write_summary(written.summary_file, &result.markdown())?;
    annotate(&result.annotations());
    Ok(if result.is_clean() {
        exit::CLEAN
    } else {
        exit::FOUND
    })
}

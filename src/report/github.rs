//! GitHub Actions' workflow commands: each failure an `::error` annotation, with the schema
//! file and line where one applies, so it shows on the job's page and beside the line in a
//! pull request. Escaped as the runner expects (`%`, CR and LF in the message; also `:` and
//! `,` in properties).

use std::fmt;

use super::Report;
use crate::contract::diff::Change;
use crate::contract::{Contract, Origin};

/// One `::error` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    pub title: String,
    pub message: String,
    /// A file of the repository, and its line.
    pub file: Option<(String, usize)>,
}

impl fmt::Display for Annotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("::error ")?;
        if let Some((file, line)) = &self.file {
            write!(f, "file={},line={line},", property(file))?;
        }
        write!(
            f,
            "title={}::{}",
            property(&self.title),
            data(&self.message)
        )
    }
}

fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// One per failure that fails the run (flaky ones allowed by `--allow-flaky` do not), one for
/// coverage below `--min-coverage`, one for cases not sent.
pub fn check_annotations(report: &Report) -> Vec<Annotation> {
    let mut annotations: Vec<Annotation> = report
        .failures
        .iter()
        .filter(|f| !(f.flaky && report.allow_flaky))
        .map(|f| {
            let location = f.schema_location.as_ref();
            let at = location
                .filter(|l| l.path.is_none())
                .map(|l| format!(" ({} line {}, embedded contract)", l.file, l.line))
                .unwrap_or_default();
            Annotation {
                title: format!("mfa-contract check: {} ({})", f.check, f.label()),
                message: format!(
                    "{}{at} [{}]\nReproduce with:\n{}",
                    f.message,
                    f.stability(),
                    f.reproduce
                ),
                file: location.and_then(|l| Some((l.path.clone()?, l.line))),
            }
        })
        .collect();
    if let Some(line) = super::coverage::minimum_line(&report.coverage) {
        annotations.push(Annotation {
            title: "mfa-contract check: coverage".into(),
            message: line,
            file: None,
        });
    }
    if report.not_run > 0 {
        annotations.push(Annotation {
            title: "mfa-contract check: cases not sent".into(),
            message: format!(
                "{} planned cases were not sent ({})",
                report.not_run,
                report.stopped_by.as_deref().unwrap_or("stopped")
            ),
            file: None,
        });
    }
    annotations
}

/// One per change that fails `contract diff`, at its line in the new contract when that is a
/// folder of the repository.
pub fn diff_annotations<'a>(
    changes: impl IntoIterator<Item = &'a Change>,
    new_folder: Option<&Contract>,
) -> Vec<Annotation> {
    changes
        .into_iter()
        .map(|c| Annotation {
            title: format!("mfa-contract contract diff: {}", c.breaks.as_str()),
            message: format!("{}: {}: {}", c.pointer, c.what, c.why),
            file: new_folder.and_then(|new| change_line(c, new)),
        })
        .collect()
}

fn change_line(change: &Change, new: &Contract) -> Option<(String, usize)> {
    let Origin::Dir(dir) = new.origin() else {
        return None;
    };
    let (file, pointer) = change.pointer.split_once('#')?;
    let line = new.schema_named(file)?.line_of(pointer)?;
    Some((
        super::failure::repository_path(&dir.join("schemas").join(file)),
        line,
    ))
}

/// One per problem that fails `drift`.
pub fn drift_annotations(problems: &[String]) -> Vec<Annotation> {
    problems
        .iter()
        .map(|p| Annotation {
            title: "mfa-contract drift".into(),
            message: p.clone(),
            file: None,
        })
        .collect()
}

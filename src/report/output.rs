//! What a command found, in every form it can be printed or written: one interface that check,
//! `check --har`, drift and `contract diff` results all have, so the CLI emits each the same way
//! (the chosen format on stdout, JUnit, CTRF, the step summary, annotations, the exit code).

use serde_json::Value;

use super::Annotation;

pub trait Rendered {
    /// `--format human`, or the command's only text.
    fn human(&self) -> String;
    /// `--format markdown`, and the CI step summary.
    fn markdown(&self) -> String;
    /// `--format json`; `None` where the command has no JSON form.
    fn json(&self) -> Option<Value> {
        None
    }
    /// `--junit`; `None` where the command has no JUnit form.
    fn junit(&self) -> Option<String> {
        None
    }
    /// `--ctrf`; `None` where the command has no CTRF form.
    fn ctrf(&self) -> Option<Value> {
        None
    }
    /// One per failure, for GitHub's annotations.
    fn annotations(&self) -> Vec<Annotation>;
    /// Whether the command found nothing that fails it (exit 0).
    fn is_clean(&self) -> bool;
}

impl Rendered for super::Report {
    fn human(&self) -> String {
        super::human(self)
    }
    fn markdown(&self) -> String {
        super::markdown(self)
    }
    fn json(&self) -> Option<Value> {
        Some(serde_json::to_value(self).expect("a report always serializes"))
    }
    fn junit(&self) -> Option<String> {
        Some(super::junit(self))
    }
    fn ctrf(&self) -> Option<Value> {
        Some(super::ctrf(self, std::time::SystemTime::now()))
    }
    fn annotations(&self) -> Vec<Annotation> {
        super::check_annotations(self)
    }
    fn is_clean(&self) -> bool {
        super::Report::is_clean(self)
    }
}

impl Rendered for crate::har::HarReport {
    fn human(&self) -> String {
        super::har_human(self)
    }
    fn markdown(&self) -> String {
        super::har_markdown(self)
    }
    fn json(&self) -> Option<Value> {
        Some(serde_json::to_value(self).expect("a report always serializes"))
    }
    fn junit(&self) -> Option<String> {
        Some(super::har_junit(self))
    }
    fn annotations(&self) -> Vec<Annotation> {
        super::har_annotations(self)
    }
    fn is_clean(&self) -> bool {
        crate::har::HarReport::is_clean(self)
    }
}

impl Rendered for crate::drift::DriftRun {
    fn human(&self) -> String {
        self.text.clone()
    }
    fn markdown(&self) -> String {
        let (mark, code) = if self.failed {
            ("❌", crate::exit::FOUND)
        } else {
            ("✅", crate::exit::CLEAN)
        };
        format!(
            "## {mark} mfa-contract drift (exit {code})\n\n```text\n{}```\n",
            self.text
        )
    }
    fn annotations(&self) -> Vec<Annotation> {
        super::drift_annotations(&self.problems)
    }
    fn is_clean(&self) -> bool {
        !self.failed
    }
}

//! A contract diff as a reviewer reads it: text, the markdown table (the step summary, a PR
//! comment) and JSON, each with the same counts.

use std::fmt::Write as _;

use crate::contract::diff::{Breaks, Change};

/// The changes from `old` to `new`, as `contract diff` names both.
pub struct DiffReport<'a> {
    pub old: &'a str,
    pub new: &'a str,
    pub changes: &'a [Change],
    /// The changes that fail the diff (`--fail-on`).
    pub failing: Vec<&'a Change>,
    /// NEW, where it is a folder of this repository: annotations then carry file and line.
    pub folder: Option<&'a crate::Contract>,
}

impl super::Rendered for DiffReport<'_> {
    fn human(&self) -> String {
        DiffReport::human(self)
    }
    fn markdown(&self) -> String {
        DiffReport::markdown(self)
    }
    fn json(&self) -> Option<serde_json::Value> {
        Some(DiffReport::json(self))
    }
    fn annotations(&self) -> Vec<super::Annotation> {
        super::diff_annotations(self.failing.iter().copied(), self.folder)
    }
    fn is_clean(&self) -> bool {
        self.failing.is_empty()
    }
}

impl DiffReport<'_> {
    fn count(&self, f: impl Fn(Breaks) -> bool) -> usize {
        self.changes.iter().filter(|c| f(c.breaks)).count()
    }

    /// `N changes: C breaking for clients, S breaking for the server, K compatible`.
    pub fn summary(&self) -> String {
        format!(
            "{} changes: {} breaking for clients, {} breaking for the server, {} compatible",
            self.changes.len(),
            self.count(Breaks::breaks_clients),
            self.count(Breaks::breaks_server),
            self.count(|b| b == Breaks::Compatible)
        )
    }

    pub fn human(&self) -> String {
        let mut out = format!("contract diff: {} -> {}\n", self.old, self.new);
        let width = self
            .changes
            .iter()
            .map(|c| c.pointer.len())
            .max()
            .unwrap_or(0);
        for c in self.changes {
            let _ = writeln!(
                out,
                "  {:<17}  {:<width$}  {}: {}",
                c.breaks.as_str(),
                c.pointer,
                c.what,
                c.why
            );
        }
        let _ = writeln!(out, "{}", self.summary());
        out
    }

    pub fn markdown(&self) -> String {
        let mut out = format!(
            "## Contract diff: `{}` -> `{}`\n\n**{}**\n\n",
            self.old,
            self.new,
            self.summary()
        );
        if !self.changes.is_empty() {
            out.push_str("| grade | where | what changed | why |\n|---|---|---|---|\n");
            for c in self.changes {
                let _ = writeln!(
                    out,
                    "| {} | `{}` | {} | {} |",
                    c.breaks.as_str(),
                    c.pointer,
                    cell(&c.what),
                    cell(&c.why)
                );
            }
        }
        out
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::json!({
            "old": self.old,
            "new": self.new,
            "changes": self.changes,
            "breakingForClients": self.count(Breaks::breaks_clients),
            "breakingForServer": self.count(Breaks::breaks_server),
            "compatible": self.count(|b| b == Breaks::Compatible),
        })
    }
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

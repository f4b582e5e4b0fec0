//! `mfa-contract drift`: a fixed probe set (one request per case class, the checker's own
//! classes) sent to a target, each answer reduced to a shape, the result written as an insta
//! snapshot that reviewers diff, compared with a recorded one or with a second target.

mod findings;
mod grade;
mod operations;
mod session;
mod shape;

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

pub use findings::{Finding, FindingKind, findings};
pub use grade::{Difference, Grade, Grader, Group, group, render_summary};
pub use session::{DriftOptions, DriftRun, Mode, run};
pub use shape::{differences, documented_strings, shape};

use crate::Error;
use crate::cases::{self, Case, GenOptions, PlanCoverage};
use crate::contract::Contract;
use crate::coverage::{Coverage, Tracker};
use crate::remote::{Body, Budget, Client, Pace, Received, TargetConfig};
use crate::restore::RestoreReport;

/// One probe's answer, reduced.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub class: String,
    /// `None` when no response arrived.
    pub status: Option<u16>,
    /// The media type without parameters (a charset may vary), lower case.
    pub media_type: Option<String>,
    /// The body's shape, or a note when it is not JSON.
    pub shape: Value,
    /// The body as parsed, for comparing with the documentation; never written out.
    pub body: Option<Value>,
}

impl Row {
    /// `status media-type shape`, the part of a snapshot line after the class.
    pub fn observed(&self) -> String {
        match self.status {
            Some(status) => format!(
                "{status} {} {}",
                self.media_type.as_deref().unwrap_or("(no content type)"),
                self.shape
            ),
            None => format!("no response {}", self.shape),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Observation {
    pub target: String,
    pub rows: Vec<Row>,
    pub restore_primary: Option<RestoreReport>,
    /// What the probes reached, as the checker counts it.
    pub coverage: Coverage,
}

/// The probe set: the checker's deterministic cases, nothing sampled.
pub fn probes(contract: &Contract) -> Vec<Case> {
    let options = GenOptions {
        seed: 0,
        generated: 0,
        random_token: false,
        second_token: false,
        max_body_bytes: contract.request_spec().max_body_bytes,
    };
    cases::plan(contract, &options).cases
}

/// Every operation probed, one after another, each answer reduced to its shape; with
/// `restore`, the primary method set back afterwards.
pub async fn observe(
    contract: &Contract,
    config: &TargetConfig,
    restore: Option<&str>,
) -> Result<Observation, Error> {
    let views = operations::views(contract, &[], config)?;
    operations::observe(contract, &views, config, restore).await
}

/// One operation's probes, sent one at a time (the target may be stateful).
async fn observe_one(
    contract: &Contract,
    config: &TargetConfig,
    restore: Option<&str>,
) -> Result<Observation, Error> {
    let client = Client::new(contract, config)?;
    let target = config.endpoint_url(contract);
    let documented = documented_strings(contract);
    let pace = Pace::new(config.rate);
    let mut rows = Vec::new();
    let probes = probes(contract);
    let mut reach = Tracker::new(contract, &probes, Vec::new());
    for (i, case) in probes.into_iter().enumerate() {
        pace.wait().await;
        let exchange = client.send(case).await;
        reach.record(contract, &exchange);
        let row = match &exchange.outcome {
            Received::Transport(error) if i == 0 => {
                if let Some(environment) =
                    client.first_request_failed(&target, error, config.timeout)
                {
                    return Err(environment);
                }
                transport_row(&exchange.case.class, error)
            }
            Received::Transport(error) => transport_row(&exchange.case.class, error),
            Received::Response(response) => Row {
                class: exchange.case.class.clone(),
                status: Some(response.status),
                media_type: response.media_type.clone(),
                shape: match &response.parsed {
                    Body::Json(body) => shape(body, &documented),
                    Body::Empty => Value::String("<empty>".into()),
                    Body::NotJson(_) => Value::String("<not JSON>".into()),
                },
                body: response.json().cloned(),
            },
        };
        rows.push(row);
    }
    let restore_primary = match restore {
        Some(method) => {
            Some(crate::restore::restore(contract, &client, &Budget::new(None), method).await?)
        }
        None => None,
    };
    rows.sort_by(|a, b| a.class.cmp(&b.class));
    Ok(Observation {
        target,
        rows,
        restore_primary,
        coverage: reach.finish(contract, PlanCoverage::default(), None),
    })
}

/// A probe that got no answer, as its row.
fn transport_row(class: &str, error: &crate::remote::TransportError) -> Row {
    Row {
        class: class.to_owned(),
        status: None,
        media_type: None,
        shape: Value::String(format!("<{}>", error.kind.as_str())),
        body: None,
    }
}

/// The snapshot's content: a heading and one line per class, sorted.
pub fn table(contract: &Contract, observation: &Observation) -> String {
    let mut out = format!(
        "# behaviour of {}: one probe per case class -> status, media type, body shape\n",
        contract.identity().endpoint
    );
    for row in &observation.rows {
        out.push_str(&format!("{} -> {}\n", row.class, row.observed()));
    }
    out
}

/// A table parsed back into class -> observed.
fn parse_table(table: &str) -> BTreeMap<String, String> {
    table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once(" -> "))
        .map(|(class, observed)| (class.to_owned(), observed.to_owned()))
        .collect()
}

/// One class whose behaviour differs between two tables.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub class: String,
    pub before: Option<String>,
    pub after: Option<String>,
    /// Field-level differences when both are JSON shapes.
    pub details: Vec<String>,
}

/// Class by class, what differs from `before` to `after`.
pub fn compare(before: &str, after: &str) -> Vec<Change> {
    let before = parse_table(before);
    let after = parse_table(after);
    let classes: BTreeSet<&String> = before.keys().chain(after.keys()).collect();
    classes
        .into_iter()
        .filter_map(|class| {
            let b = before.get(class);
            let a = after.get(class);
            if b == a {
                return None;
            }
            Some(Change {
                class: class.clone(),
                details: match (b, a) {
                    (Some(b), Some(a)) => line_details(b, a),
                    _ => Vec::new(),
                },
                before: b.cloned(),
                after: a.cloned(),
            })
        })
        .collect()
}

/// Status, media type and field differences between two observed lines.
fn line_details(before: &str, after: &str) -> Vec<String> {
    let split = |line: &str| {
        let mut parts = line.splitn(3, ' ');
        let status = parts.next().unwrap_or("").to_owned();
        let media = parts.next().unwrap_or("").to_owned();
        let shape: Option<Value> = parts.next().and_then(|s| serde_json::from_str(s).ok());
        (status, media, shape)
    };
    let (bs, bm, bshape) = split(before);
    let (as_, am, ashape) = split(after);
    let mut details = Vec::new();
    if bs != as_ {
        details.push(format!("status {bs} -> {as_}"));
    }
    if bm != am {
        details.push(format!("media type {bm} -> {am}"));
    }
    if let (Some(b), Some(a)) = (bshape, ashape) {
        details.extend(differences(&b, &a));
    }
    details
}

/// Human text for a list of changes.
pub fn render_changes(changes: &[Change], before_label: &str, after_label: &str) -> String {
    let mut out = String::new();
    for change in changes {
        out.push_str(&format!("  {}\n", change.class));
        out.push_str(&format!(
            "    {before_label}: {}\n",
            change.before.as_deref().unwrap_or("(no such class)")
        ));
        out.push_str(&format!(
            "    {after_label}: {}\n",
            change.after.as_deref().unwrap_or("(no such class)")
        ));
        for detail in &change.details {
            out.push_str(&format!("      {detail}\n"));
        }
    }
    out
}

/// insta's snapshot format: YAML front matter, then the content. `cargo insta review` reads
/// `FILE.new` next to `FILE` as a pending change.
pub fn snapshot_file(content: &str) -> String {
    format!(
        "---\nsource: mfa-contract drift\nexpression: behaviour table\n---\n{}\n",
        content.trim_end()
    )
}

/// The content of a snapshot file (front matter dropped), or `None` when there is no file.
pub fn read_snapshot(path: &Path) -> Result<Option<String>, Error> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(Error::io(
                format!("cannot read --snapshot {}", path.display()),
                e,
            ));
        }
    };
    let content = match text
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
    {
        Some((_, content)) => content,
        None => text.as_str(),
    };
    Ok(Some(content.trim_end().to_owned() + "\n"))
}

pub fn write_snapshot(path: &Path, content: &str) -> Result<(), Error> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    }
    std::fs::write(path, snapshot_file(content))
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

/// Where a pending snapshot goes, as insta names it.
pub fn pending_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".new");
    name.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compare_names_the_changed_class_and_field() {
        let before = "# t\na.one -> 200 application/json {\"message\":\"<string>\",\"success\":true}\nb.two -> 400 application/json {}\n";
        let after = "# t\na.one -> 200 application/json {\"message\":\"<string>\",\"success\":true,\"traceId\":\"<string>\"}\nb.two -> 400 application/json {}\nc.new -> 401 application/json {}\n";
        let changes = compare(before, after);
        assert_eq!(changes.len(), 2);
        assert_eq!(changes[0].class, "a.one");
        assert_eq!(changes[0].details, vec!["added /traceId"]);
        assert_eq!(changes[1].class, "c.new");
        assert_eq!(changes[1].before, None);
    }

    #[test]
    fn snapshots_round_trip_through_the_insta_format() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("x.snap");
        write_snapshot(&path, "# t\na -> 200\n").expect("write");
        assert_eq!(
            read_snapshot(&path).expect("read"),
            Some("# t\na -> 200\n".to_owned())
        );
        assert_eq!(pending_path(&path), dir.path().join("x.snap.new"));
        assert_eq!(
            read_snapshot(&dir.path().join("missing.snap")).expect("read"),
            None
        );
    }
}

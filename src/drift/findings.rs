//! Documented versus observed: fields seen but not documented, documented fields never seen,
//! statuses seen but neither documented nor allowed by the gap policy, documented statuses the
//! probes never reached. Each undocumented thing comes with a JSON fragment to paste into the
//! contract file that would document it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use serde_json::{Value, json};

use super::Row;
use crate::cases::Expect;
use crate::contract::{Contract, json_type};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    UndocumentedField,
    FieldNeverSeen,
    UndocumentedStatus,
    StatusNeverSeen,
}

#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub status: u16,
    pub field: Option<String>,
    /// Probe classes where it was seen.
    pub classes: Vec<String>,
    /// The contract file a patch belongs in.
    pub file: Option<String>,
    /// A fragment to merge into `file`.
    pub patch: Option<Value>,
}

impl std::fmt::Display for Finding {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let field = self.field.as_deref().unwrap_or("");
        let seen = if self.classes.is_empty() {
            String::new()
        } else {
            let more = self.classes.len().saturating_sub(2);
            let shown: Vec<&str> = self.classes.iter().take(2).map(String::as_str).collect();
            let more = if more > 0 {
                format!(" (+{more} more)")
            } else {
                String::new()
            };
            format!(", seen in {}{more}", shown.join(", "))
        };
        match self.kind {
            FindingKind::UndocumentedField => {
                write!(f, "{} field `{field}` is not documented{seen}", self.status)
            }
            FindingKind::FieldNeverSeen => write!(
                f,
                "{} field `{field}` is documented but was never seen",
                self.status
            ),
            FindingKind::UndocumentedStatus => write!(
                f,
                "status {} is neither documented nor allowed by the gap policy{seen}",
                self.status
            ),
            FindingKind::StatusNeverSeen => write!(
                f,
                "documented status {} was not reached by any probe",
                self.status
            ),
        }?;
        if let (Some(file), Some(patch)) = (&self.file, &self.patch) {
            write!(f, "\n      suggested patch for {file}: {patch}")?;
        }
        Ok(())
    }
}

pub fn findings(contract: &Contract, rows: &[Row]) -> Vec<Finding> {
    let seen = Evidence::gather(contract, rows);
    let mut out = undocumented_fields(contract, &seen);
    out.extend(never_seen(contract, &seen));
    out.extend(undocumented_statuses(contract, seen.undocumented_statuses));
    out.sort_by(|a, b| (a.kind, a.status, &a.field).cmp(&(b.kind, b.status, &b.field)));
    out
}

/// What the probes' answers showed, gathered in one pass.
#[derive(Default)]
struct Evidence {
    statuses: BTreeSet<u16>,
    fields: BTreeMap<u16, BTreeSet<String>>,
    /// (status, field) -> an example value and the classes that showed it.
    undocumented_fields: BTreeMap<(u16, String), (Value, Vec<String>)>,
    /// status -> what the probe expected, and the classes that got it.
    undocumented_statuses: BTreeMap<u16, (Option<Expect>, Vec<String>)>,
}

impl Evidence {
    fn gather(contract: &Contract, rows: &[Row]) -> Self {
        let probes: BTreeMap<String, Expect> = super::probes(contract)
            .into_iter()
            .map(|c| (c.class, c.expect))
            .collect();
        let allowed = contract.gap_statuses();
        let mut seen = Evidence::default();
        for row in rows {
            let Some(status) = row.status else { continue };
            seen.statuses.insert(status);
            if !contract.is_documented(status) && !allowed.contains_key(&status) {
                let entry = seen
                    .undocumented_statuses
                    .entry(status)
                    .or_insert((probes.get(&row.class).copied(), Vec::new()));
                entry.1.push(row.class.clone());
            }
            let Some(Value::Object(body)) = &row.body else {
                continue;
            };
            let mut known = documented_properties(contract, status);
            // A refusal the gap policy makes has the error shape, even where the operation
            // documents the status with a shape of its own.
            if matches!(probes.get(&row.class), Some(Expect::Reject(_))) {
                known.extend(contract.properties_of(contract.error_schema()).into_keys());
            }
            for (name, value) in body {
                seen.fields.entry(status).or_default().insert(name.clone());
                if !known.contains(name) {
                    let entry = seen
                        .undocumented_fields
                        .entry((status, name.clone()))
                        .or_insert((value.clone(), Vec::new()));
                    entry.1.push(row.class.clone());
                }
            }
        }
        seen
    }
}

/// Fields answered that the status's schema does not name, with a patch that adds them.
fn undocumented_fields(contract: &Contract, seen: &Evidence) -> Vec<Finding> {
    let mut out = Vec::new();
    for ((status, field), (example, classes)) in &seen.undocumented_fields {
        let schema = contract.schema_for_status(*status);
        out.push(Finding {
            kind: FindingKind::UndocumentedField,
            status: *status,
            patch: Some(json!({"properties": {field.as_str(): {
                "type": json_type(example).replace("integer", "number"),
                "description": "Observed by mfa-contract drift; not in the documentation"
            }}})),
            file: Some(format!("schemas/{}", schema.file)),
            field: Some(field.clone()),
            classes: classes.clone(),
        });
    }
    out
}

/// Documented statuses no probe reached, and documented fields no answer carried.
fn never_seen(contract: &Contract, seen: &Evidence) -> Vec<Finding> {
    let finding = |kind, status, field| Finding {
        kind,
        status,
        field,
        classes: Vec::new(),
        file: None,
        patch: None,
    };
    let mut out = Vec::new();
    for status in contract.documented_statuses() {
        if !seen.statuses.contains(&status) {
            out.push(finding(FindingKind::StatusNeverSeen, status, None));
            continue;
        }
        let fields = seen.fields.get(&status).cloned().unwrap_or_default();
        for field in documented_properties(contract, status) {
            if !fields.contains(&field) {
                out.push(finding(FindingKind::FieldNeverSeen, status, Some(field)));
            }
        }
    }
    out
}

/// Statuses neither documented nor allowed by the gap policy, with a patch for one or the other.
fn undocumented_statuses(
    contract: &Contract,
    statuses: BTreeMap<u16, (Option<Expect>, Vec<String>)>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for (status, (expect, classes)) in statuses {
        let patch = match expect {
            Some(Expect::Reject(kind)) => {
                let mut accept = contract.rejection(kind).accept.clone();
                accept.push(status);
                json!({"gapPolicy": {"rejections": {kind.as_str(): {"accept": accept}}}})
            }
            _ => json!({"responses": {status.to_string(): {
                "description": "Observed by mfa-contract drift; not in the documentation",
                "schema": format!("response-{status}.schema.json"),
                "fixture": format!("responses/{status}/observed.json")
            }}}),
        };
        out.push(Finding {
            kind: FindingKind::UndocumentedStatus,
            status,
            field: None,
            classes,
            file: Some("schemas/contract.json".into()),
            patch: Some(patch),
        });
    }
    out
}

/// Top-level property names a body of `status` may document.
fn documented_properties(contract: &Contract, status: u16) -> BTreeSet<String> {
    contract.body_properties(status).into_keys().collect()
}

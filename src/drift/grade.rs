//! Which differences matter. A difference between two observed answers is **contract-relevant**
//! when a frontend built on the documentation could notice it: the status, the media type, a
//! documented field's presence or JSON type, a documented string (the documented messages).
//! It is **cosmetic** otherwise: undocumented fields, the mock's own diagnostics
//! (`x-mock-diagnostic` in the schema), free text. Identical differences are grouped across
//! classes, so a reviewer reads the one that matters first, not the forty that do not.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::Value;

use super::Change;
use crate::contract::Contract;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Grade {
    /// A frontend built on the documentation could notice it.
    Relevant,
    /// Undocumented fields, the mock's diagnostics, free text.
    Cosmetic,
}

/// One difference in one class, graded.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Difference {
    pub grade: Grade,
    /// e.g. `status 415 -> 200`, `only the target sends /detail (a mock diagnostic)`.
    pub text: String,
}

/// The same difference, seen in several classes.
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub grade: Grade,
    pub text: String,
    pub classes: Vec<String>,
}

/// Strings the documentation itself says (documented statuses' examples and fixtures); the gap
/// policy's wording is ours, not the documentation's.
fn documentation_strings(contract: &Contract) -> BTreeSet<String> {
    let mut strings = BTreeSet::new();
    let mut add = |value: &Value| super::shape::collect_strings(value, &mut strings);
    for example in contract.examples() {
        if contract.is_documented(example.status) && example.breaks.is_none() {
            add(&example.body);
        }
    }
    for status in contract.documented_statuses() {
        for example in contract.schema_for_status(status).examples() {
            add(example);
        }
    }
    strings
}

/// Grades every change, with `before` and `after` naming the two sides (e.g. "target",
/// "against", or "recorded", "observed").
pub struct Grader<'c> {
    contract: &'c Contract,
    strings: BTreeSet<String>,
    before: String,
    after: String,
}

impl<'c> Grader<'c> {
    pub fn new(contract: &'c Contract, before: &str, after: &str) -> Self {
        Self {
            contract,
            strings: documentation_strings(contract),
            before: before.trim().to_owned(),
            after: after.trim().to_owned(),
        }
    }

    /// The graded differences of one class.
    pub fn grade(&self, change: &Change) -> Vec<Difference> {
        let (Some(before), Some(after)) = (&change.before, &change.after) else {
            let side = if change.before.is_none() {
                &self.after
            } else {
                &self.before
            };
            return vec![Difference {
                grade: Grade::Relevant,
                text: format!("probed on the {side} side only"),
            }];
        };
        let (bs, bm, bshape) = split(before);
        let (as_, am, ashape) = split(after);
        let mut out = Vec::new();
        if bs != as_ {
            // A body follows from its status: its differences would only repeat this one.
            out.push(Difference {
                grade: Grade::Relevant,
                text: format!("status {bs} -> {as_}"),
            });
        }
        if bm != am {
            out.push(Difference {
                grade: Grade::Relevant,
                text: format!("media type {bm} -> {am}"),
            });
        }
        if bs == as_
            && let (Some(b), Some(a), Ok(status)) = (bshape, ashape, bs.parse::<u16>())
        {
            self.fields(status, &b, &a, "", &mut out);
        }
        out.sort();
        out.dedup();
        out
    }

    fn fields(&self, status: u16, old: &Value, new: &Value, at: &str, out: &mut Vec<Difference>) {
        match (old, new) {
            (Value::Object(a), Value::Object(b)) => {
                for (k, v) in a {
                    let path = format!("{at}/{}", jsonptr::Token::new(k).encoded());
                    match b.get(k) {
                        Some(w) => self.fields(status, v, w, &path, out),
                        None => out.push(self.presence(status, &path, &self.before)),
                    }
                }
                for k in b.keys().filter(|k| !a.contains_key(*k)) {
                    let path = format!("{at}/{}", jsonptr::Token::new(k).encoded());
                    out.push(self.presence(status, &path, &self.after));
                }
            }
            _ if old == new => {}
            _ => {
                let at_text = if at.is_empty() { "(body)" } else { at };
                // Documented, and not one of the mock's own diagnostics.
                let contractual = self.documented(status, at) == Some(false);
                let same_type = kind(old) == kind(new);
                let documented_text = [old, new]
                    .iter()
                    .any(|v| v.as_str().is_some_and(|s| self.strings.contains(s)));
                let (grade, text) = if contractual && !same_type {
                    (
                        Grade::Relevant,
                        format!("{at_text}: {} -> {}", kind(old), kind(new)),
                    )
                } else if contractual && (documented_text || old.is_boolean()) {
                    (Grade::Relevant, format!("{at_text}: {old} -> {new}"))
                } else if same_type && old.is_string() {
                    (
                        Grade::Cosmetic,
                        format!("{at_text} differs in wording (not documented text)"),
                    )
                } else {
                    (Grade::Cosmetic, format!("{at_text}: {old} -> {new}"))
                };
                out.push(Difference { grade, text });
            }
        }
    }

    /// A field only one side sends.
    fn presence(&self, status: u16, path: &str, side: &str) -> Difference {
        match self.documented(status, path) {
            Some(false) => Difference {
                grade: Grade::Relevant,
                text: format!("only the {side} sends {path} (documented)"),
            },
            Some(true) => Difference {
                grade: Grade::Cosmetic,
                text: format!("only the {side} sends {path} (a mock diagnostic)"),
            },
            None => Difference {
                grade: Grade::Cosmetic,
                text: format!("only the {side} sends {path} (undocumented)"),
            },
        }
    }

    /// Whether the top-level field under `path` is documented for `status`: `None` when not,
    /// `Some(true)` when it is one of the mock's diagnostics.
    fn documented(&self, status: u16, path: &str) -> Option<bool> {
        let pointer = jsonptr::Pointer::parse(path).ok()?;
        let first = pointer.first()?.decoded().into_owned();
        let properties = self.contract.body_properties(status);
        let property = properties.get(&first)?;
        Some(
            property
                .get("x-mock-diagnostic")
                .and_then(Value::as_bool)
                .unwrap_or(false),
        )
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::String(s) if s == "<number>" => "number",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "boolean",
        Value::Null => "null",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `status media-type shape` of an observed line.
fn split(line: &str) -> (String, String, Option<Value>) {
    let mut parts = line.splitn(3, ' ');
    let status = parts.next().unwrap_or("").to_owned();
    let media = parts.next().unwrap_or("").to_owned();
    let shape = parts.next().and_then(|s| serde_json::from_str(s).ok());
    (status, media, shape)
}

/// Identical differences grouped across classes: relevant first, then by how many classes.
pub fn group(graded: &[(String, Vec<Difference>)]) -> Vec<Group> {
    let mut groups: BTreeMap<Difference, Vec<String>> = BTreeMap::new();
    for (class, differences) in graded {
        for difference in differences {
            groups
                .entry(difference.clone())
                .or_default()
                .push(class.clone());
        }
    }
    let mut out: Vec<Group> = groups
        .into_iter()
        .map(|(d, classes)| Group {
            grade: d.grade,
            text: d.text,
            classes,
        })
        .collect();
    out.sort_by(|a, b| {
        (a.grade, std::cmp::Reverse(a.classes.len()), &a.text).cmp(&(
            b.grade,
            std::cmp::Reverse(b.classes.len()),
            &b.text,
        ))
    });
    out
}

/// How many class names a group line shows before "+N more".
const CLASSES_SHOWN: usize = 4;

/// The graded summary: contract-relevant groups with their classes, cosmetic groups counted.
pub fn render_summary(groups: &[Group], total_classes: usize) -> String {
    let mut out = String::new();
    let relevant: Vec<&Group> = groups
        .iter()
        .filter(|g| g.grade == Grade::Relevant)
        .collect();
    let cosmetic: Vec<&Group> = groups
        .iter()
        .filter(|g| g.grade == Grade::Cosmetic)
        .collect();
    let classes = |g: &Group| {
        let shown: Vec<&str> = g
            .classes
            .iter()
            .take(CLASSES_SHOWN)
            .map(String::as_str)
            .collect();
        let more = g.classes.len().saturating_sub(CLASSES_SHOWN);
        if more > 0 {
            format!("{} (+{more} more)", shown.join(", "))
        } else {
            shown.join(", ")
        }
    };
    if relevant.is_empty() {
        let _ = writeln!(out, "Contract-relevant: none");
    } else {
        let _ = writeln!(out, "Contract-relevant ({}):", relevant.len());
        for g in &relevant {
            let _ = writeln!(out, "  {}", g.text);
            let _ = writeln!(
                out,
                "      in {}: {}",
                plural(g.classes.len(), "class"),
                classes(g)
            );
        }
    }
    if !cosmetic.is_empty() {
        let _ = writeln!(
            out,
            "Cosmetic ({}; undocumented fields, the mock's diagnostics, free text):",
            cosmetic.len()
        );
        for g in &cosmetic {
            let _ = writeln!(out, "  {}: {}", plural(g.classes.len(), "class"), g.text);
        }
    }
    let _ = writeln!(
        out,
        "{} contract-relevant and {} cosmetic differences across {total_classes} classes",
        relevant.len(),
        cosmetic.len()
    );
    out
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}es")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn change(class: &str, before: &str, after: &str) -> Change {
        Change {
            class: class.into(),
            before: Some(before.into()),
            after: Some(after.into()),
            details: Vec::new(),
        }
    }

    #[test]
    fn status_media_type_and_documented_fields_matter_and_diagnostics_and_wording_do_not() {
        let contract = Contract::embedded().expect("contract");
        let grader = Grader::new(&contract, "target", "against");
        let graded = grader.grade(&change(
            "auth.missing",
            r#"401 application/json {"detail":"<string>","error":"Unauthorized: send Authorization: Bearer <token>","success":false}"#,
            r#"401 application/json {"error":"<string>","success":false,"traceId":"<string>"}"#,
        ));
        assert!(
            graded.iter().all(|d| d.grade == Grade::Cosmetic),
            "{graded:?}"
        );
        assert!(
            graded
                .iter()
                .any(|d| d.text == "only the target sends /detail (a mock diagnostic)")
        );
        assert!(
            graded
                .iter()
                .any(|d| d.text == "only the against sends /traceId (undocumented)")
        );
        assert!(
            graded
                .iter()
                .any(|d| d.text == "/error differs in wording (not documented text)")
        );

        let graded = grader.grade(&change(
            "negative.wrong_content_type.missing",
            r#"415 application/json {"success":false}"#,
            r#"200 application/json {"success":true}"#,
        ));
        assert_eq!(
            graded.len(),
            1,
            "the body follows from the status: {graded:?}"
        );
        assert_eq!(graded[0].grade, Grade::Relevant);

        let graded = grader.grade(&change(
            "positive.enum.second",
            r#"200 application/json {"message":"Primary MFA method updated","success":true}"#,
            r#"200 text/plain {"message":"<string>","success":"<string>"}"#,
        ));
        let relevant: Vec<&str> = graded
            .iter()
            .filter(|d| d.grade == Grade::Relevant)
            .map(|d| d.text.as_str())
            .collect();
        assert!(
            relevant.contains(&"media type application/json -> text/plain"),
            "{relevant:?}"
        );
        assert!(
            relevant.contains(&"/success: boolean -> string"),
            "{relevant:?}"
        );
        assert!(
            relevant.contains(&"/message: \"Primary MFA method updated\" -> \"<string>\""),
            "{relevant:?}"
        );
    }
}

//! Two versions of one schema, compared keyword by keyword and graded by the side that reads
//! it: a table of bound keywords (which way is narrower), and one function per kind of
//! keyword: types, enum, bounds, pattern/format/const, required, other properties, properties
//! (recursively), items, and the documentation keywords.

use std::collections::BTreeSet;

use serde_json::Value;

use super::{Breaks, Change, Side};
use crate::contract::Contract;

/// Bound keywords, and whether a smaller value narrows what is allowed.
const BOUNDS: [(&str, bool); 8] = [
    ("maxLength", true),
    ("maximum", true),
    ("exclusiveMaximum", true),
    ("maxItems", true),
    ("minLength", false),
    ("minimum", false),
    ("exclusiveMinimum", false),
    ("minItems", false),
];

/// Keywords where any change may refuse old values and allow new ones.
const EXACT: [&str; 3] = ["pattern", "format", "const"];

/// Keywords that only document.
const DOCUMENTATION: [&str; 4] = ["description", "title", "examples", "x-enumDescriptions"];

pub(super) struct SchemaDiff {
    pub(super) out: Vec<Change>,
}

impl SchemaDiff {
    fn change(&mut self, (breaks, why): (Breaks, &str), pointer: String, what: String) {
        self.out.push(Change {
            breaks,
            pointer,
            what,
            why: why.to_owned(),
        });
    }

    /// Every change from `old` to `new`, a schema read from `side`, at pointer `at`.
    pub(super) fn compare(&mut self, old: &Value, new: &Value, side: Side, at: &str) {
        self.types(old, new, side, at);
        self.enums(old, new, side, at);
        self.bounds(old, new, side, at);
        for keyword in EXACT {
            if old.get(keyword) != new.get(keyword) {
                let why = (
                    Breaks::Both,
                    "values allowed before may be refused, and new ones allowed",
                );
                let what = format!(
                    "{keyword} {} -> {}",
                    opt(old.get(keyword)),
                    opt(new.get(keyword))
                );
                self.change(why, format!("{at}/{keyword}"), what);
            }
        }
        self.required(old, new, side, at);
        self.additional(old, new, side, at);
        self.properties(old, new, side, at);
        if let (Some(a), Some(b)) = (old.get("items"), new.get("items")) {
            self.compare(a, b, side, &format!("{at}/items"));
        }
        for keyword in DOCUMENTATION {
            if old.get(keyword) != new.get(keyword) {
                let why = (Breaks::Compatible, "documentation only");
                self.change(why, format!("{at}/{keyword}"), format!("{keyword} changed"));
            }
        }
    }

    fn types(&mut self, old: &Value, new: &Value, side: Side, at: &str) {
        let (old_types, new_types) = (types(old), types(new));
        if old_types == new_types {
            return;
        }
        let grade = if is_subset(&new_types, &old_types) {
            side.tightened()
        } else if is_subset(&old_types, &new_types) {
            side.loosened()
        } else {
            (
                Breaks::Both,
                "values of the old type are refused and values of the new one are new",
            )
        };
        let what = format!("type {} -> {}", show(&old_types), show(&new_types));
        self.change(grade, format!("{at}/type"), what);
    }

    fn enums(&mut self, old: &Value, new: &Value, side: Side, at: &str) {
        let pointer = format!("{at}/enum");
        match (
            old.get("enum").and_then(Value::as_array),
            new.get("enum").and_then(Value::as_array),
        ) {
            (Some(a), Some(b)) => {
                for value in a.iter().filter(|v| !b.contains(v)) {
                    let what = format!("enum value {value} removed");
                    self.change(side.tightened(), pointer.clone(), what);
                }
                let grade = match side {
                    Side::Request => (Breaks::Server, "the backend must now accept it"),
                    Side::Response => (Breaks::Client, "clients must now handle it"),
                };
                for value in b.iter().filter(|v| !a.contains(v)) {
                    self.change(grade, pointer.clone(), format!("enum value {value} added"));
                }
            }
            (None, Some(_)) => {
                let what = "values now limited to an enum".into();
                self.change(side.tightened(), pointer, what);
            }
            (Some(_), None) => {
                self.change(side.loosened(), pointer, "enum removed: any value".into());
            }
            (None, None) => {}
        }
    }

    fn bounds(&mut self, old: &Value, new: &Value, side: Side, at: &str) {
        for (keyword, narrower_when_smaller) in BOUNDS {
            let (a, b) = (
                old.get(keyword).and_then(Value::as_f64),
                new.get(keyword).and_then(Value::as_f64),
            );
            let narrower = match (a, b) {
                (Some(a), Some(b)) if a == b => continue,
                (Some(a), Some(b)) => (b < a) == narrower_when_smaller,
                (None, Some(_)) => true,
                (Some(_), None) => false,
                (None, None) => continue,
            };
            let grade = if narrower {
                side.tightened()
            } else {
                side.loosened()
            };
            let what = format!("{keyword} {} -> {}", num(a), num(b));
            self.change(grade, format!("{at}/{keyword}"), what);
        }
    }

    fn required(&mut self, old: &Value, new: &Value, side: Side, at: &str) {
        let (old_required, new_required) = (required(old), required(new));
        let added = match side {
            Side::Request => (Breaks::Client, "clients that leave it out are now refused"),
            Side::Response => (Breaks::Server, "the backend must now always send it"),
        };
        for name in new_required.difference(&old_required) {
            let what = format!("property {name} now required");
            self.change(added, format!("{at}/required"), what);
        }
        let removed = match side {
            Side::Request => (Breaks::Server, "the backend must now cope without it"),
            Side::Response => (Breaks::Client, "clients can no longer rely on it"),
        };
        for name in old_required.difference(&new_required) {
            let what = format!("property {name} no longer required");
            self.change(removed, format!("{at}/required"), what);
        }
    }

    fn additional(&mut self, old: &Value, new: &Value, side: Side, at: &str) {
        let (old_extra, new_extra) = (additional(old), additional(new));
        if old_extra == new_extra {
            return;
        }
        let (grade, what) = if new_extra {
            (side.loosened(), "other properties now allowed")
        } else {
            (side.tightened(), "other properties now forbidden")
        };
        self.change(grade, format!("{at}/additionalProperties"), what.into());
    }

    /// Properties removed, added, and each kept one compared in turn.
    fn properties(&mut self, old: &Value, new: &Value, side: Side, at: &str) {
        let props = |v: &Value| {
            v.get("properties")
                .and_then(Value::as_object)
                .cloned()
                .unwrap_or_default()
        };
        let (old_props, new_props) = (props(old), props(new));
        let pointer =
            |name: &str| format!("{at}/properties/{}", jsonptr::Token::new(name).encoded());
        for (name, old_sub) in &old_props {
            if let Some(new_sub) = new_props.get(name) {
                self.compare(old_sub, new_sub, side, &pointer(name));
                continue;
            }
            let grade = match (side, additional(new)) {
                (Side::Response, _) => (Breaks::Client, "clients that read it lose it"),
                (Side::Request, true) => (
                    Breaks::Server,
                    "the backend must accept any value there now",
                ),
                (Side::Request, false) => (Breaks::Client, "clients that send it are now refused"),
            };
            self.change(grade, pointer(name), format!("property {name} removed"));
        }
        let new_required = required(new);
        for name in new_props.keys().filter(|n| !old_props.contains_key(*n)) {
            let grade = match (side, new_required.contains(name)) {
                // Its requirement is reported with `required`.
                (_, true) => continue,
                (Side::Request, false) => (Breaks::Server, "the backend must accept it"),
                (Side::Response, false) => {
                    (Breaks::Compatible, "an optional field clients may ignore")
                }
            };
            let what = format!("optional property {name} added");
            self.change(grade, pointer(name), what);
        }
    }
}

/// The schema with the properties and required names of the schemas it pulls in through
/// `allOf` + `$ref` merged in: the shape the loader validates against.
pub(super) fn flatten(contract: &Contract, document: &Value) -> Value {
    let mut flat = document.clone();
    let parts: Vec<Value> = document
        .get("allOf")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    for part in parts {
        let referenced = part
            .get("$ref")
            .and_then(Value::as_str)
            .and_then(|r| r.split('#').next())
            .and_then(|file| contract.schemas().find(|s| s.file == file))
            .map(|s| flatten(contract, &s.document));
        merge(&mut flat, &referenced.unwrap_or(part));
    }
    if let Some(o) = flat.as_object_mut() {
        o.remove("allOf");
    }
    flat
}

/// `other`'s properties, required names and type added to `flat` where it has none.
fn merge(flat: &mut Value, other: &Value) {
    let Some(target) = flat.as_object_mut() else {
        return;
    };
    if let Some(props) = other.get("properties").and_then(Value::as_object)
        && let Value::Object(into) = target
            .entry("properties")
            .or_insert_with(|| Value::Object(Default::default()))
    {
        for (k, v) in props {
            into.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
    if let Some(required) = other.get("required").and_then(Value::as_array)
        && let Value::Array(into) = target
            .entry("required")
            .or_insert_with(|| Value::Array(Vec::new()))
    {
        for name in required {
            if !into.contains(name) {
                into.push(name.clone());
            }
        }
    }
    if let Some(ty) = other.get("type") {
        target.entry("type").or_insert_with(|| ty.clone());
    }
}

fn required(schema: &Value) -> BTreeSet<String> {
    crate::contract::required_names(schema)
        .map(str::to_owned)
        .collect()
}

/// JSON types a schema allows; empty means any.
fn types(schema: &Value) -> BTreeSet<String> {
    crate::contract::types_of(schema).into_iter().collect()
}

/// Whether every value of `a` is a value of `b` (`integer` counts as a `number`; empty is any).
fn is_subset(a: &BTreeSet<String>, b: &BTreeSet<String>) -> bool {
    if b.is_empty() {
        return true;
    }
    if a.is_empty() {
        return false;
    }
    a.iter()
        .all(|t| b.contains(t) || (t == "integer" && b.contains("number")))
}

fn additional(schema: &Value) -> bool {
    !matches!(
        schema
            .get("additionalProperties")
            .or_else(|| schema.get("unevaluatedProperties")),
        Some(Value::Bool(false))
    )
}

fn show(types: &BTreeSet<String>) -> String {
    if types.is_empty() {
        "any".to_owned()
    } else {
        types.iter().cloned().collect::<Vec<_>>().join(" | ")
    }
}

fn num(value: Option<f64>) -> String {
    value.map_or_else(|| "none".to_owned(), |v| v.to_string())
}

fn opt(value: Option<&Value>) -> String {
    value.map_or_else(|| "none".to_owned(), Value::to_string)
}

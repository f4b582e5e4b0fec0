//! A response reduced to what must stay stable: status, media type and the JSON structure.
//! Field names and JSON types stay; string values stay only where the contract documents them
//! (the documented messages); every other value is a placeholder, so tokens, ids, ports and
//! timings never reach a snapshot.

use std::collections::BTreeSet;

use serde_json::{Map, Value};

use crate::contract::Contract;

/// Strings a shape keeps verbatim: every string in the contract's response examples and
/// fixtures, and every error text of the gap policy.
pub fn documented_strings(contract: &Contract) -> BTreeSet<String> {
    let mut strings = BTreeSet::new();
    for example in contract.examples() {
        collect_strings(&example.body, &mut strings);
    }
    for status in contract.documented_statuses() {
        for example in contract.schema_for_status(status).examples() {
            collect_strings(example, &mut strings);
        }
    }
    for policy in contract.manifest().gap_policy.rejections.values() {
        strings.insert(policy.error.clone());
    }
    strings
}

/// Every string in `value`, at any depth.
pub(super) fn collect_strings(value: &Value, into: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            into.insert(s.clone());
        }
        Value::Array(items) => items.iter().for_each(|v| collect_strings(v, into)),
        Value::Object(map) => map.values().for_each(|v| collect_strings(v, into)),
        _ => {}
    }
}

/// The body's shape: keys sorted, distinct array element shapes, placeholders for values.
pub fn shape(value: &Value, documented: &BTreeSet<String>) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let sorted: Map<String, Value> = keys
                .into_iter()
                .map(|k| (k.clone(), shape(&map[k], documented)))
                .collect();
            Value::Object(sorted)
        }
        Value::Array(items) => {
            let mut shapes: Vec<Value> = Vec::new();
            for item in items {
                let s = shape(item, documented);
                if !shapes.contains(&s) {
                    shapes.push(s);
                }
            }
            Value::Array(shapes)
        }
        Value::String(s) if documented.contains(s) => Value::String(s.clone()),
        Value::String(_) => Value::String("<string>".into()),
        Value::Number(_) => Value::String("<number>".into()),
        other => other.clone(),
    }
}

/// What changed between two shapes, as JSON pointers: `added /traceId`, `removed /message`,
/// `changed /success: true -> false`.
pub fn differences(old: &Value, new: &Value) -> Vec<String> {
    let mut out = Vec::new();
    walk(old, new, "", &mut out);
    out
}

fn walk(old: &Value, new: &Value, at: &str, out: &mut Vec<String>) {
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            for (k, v) in a {
                let path = format!("{at}/{k}");
                match b.get(k) {
                    Some(w) => walk(v, w, &path, out),
                    None => out.push(format!("removed {path}")),
                }
            }
            for k in b.keys().filter(|k| !a.contains_key(*k)) {
                out.push(format!("added {at}/{k}"));
            }
        }
        _ if old == new => {}
        _ => {
            let at = if at.is_empty() { "(body)" } else { at };
            out.push(format!("changed {at}: {old} -> {new}"));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn shapes_keep_documented_strings_and_hide_other_values() {
        let documented: BTreeSet<String> = ["Failed to set primary MFA".to_owned()].into();
        let value = json!({"success": false, "error": "Failed to set primary MFA", "id": "abc-123", "n": 4, "list": [1, 2, "x"]});
        assert_eq!(
            shape(&value, &documented),
            json!({"error": "Failed to set primary MFA", "id": "<string>", "list": ["<number>", "<string>"], "n": "<number>", "success": false})
        );
    }

    #[test]
    fn differences_name_each_field() {
        let old = json!({"message": "<string>", "success": true});
        let new = json!({"success": false, "traceId": "<string>"});
        assert_eq!(
            differences(&old, &new),
            vec![
                "removed /message",
                "changed /success: true -> false",
                "added /traceId"
            ]
        );
    }
}

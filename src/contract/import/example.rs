//! A body made from a schema, for a documented status the document gives no example of: the
//! smallest value that its keywords describe (required properties only, enum's first value,
//! minimums), which the caller then checks with the validator before using it.

use serde_json::{Map, Value, json};

use super::COMPONENTS_FILE;

/// A value for `schema`, `$ref`s into the bundled `components` followed.
pub fn make(schema: &Value, components: &Value) -> Value {
    value(schema, components, 0)
}

fn value(schema: &Value, components: &Value, depth: usize) -> Value {
    if depth > 12 {
        return Value::Null;
    }
    let Some(object) = schema.as_object() else {
        return Value::Null;
    };
    if let Some(target) = object.get("$ref").and_then(Value::as_str) {
        let pointer = target
            .strip_prefix(COMPONENTS_FILE)
            .and_then(|t| t.strip_prefix('#'))
            .unwrap_or_default();
        return components
            .pointer(pointer)
            .map_or(Value::Null, |s| value(s, components, depth + 1));
    }
    if let Some(constant) = object.get("const") {
        return constant.clone();
    }
    if let Some(first) = object
        .get("enum")
        .and_then(Value::as_array)
        .and_then(|e| e.first())
    {
        return first.clone();
    }
    if let Some(example) = object
        .get("example")
        .or_else(|| object.get("examples").and_then(|e| e.get(0)))
    {
        return example.clone();
    }
    for key in ["allOf"] {
        if let Some(parts) = object.get(key).and_then(Value::as_array) {
            let mut merged = Map::new();
            for part in parts {
                if let Value::Object(made) = value(part, components, depth + 1) {
                    merged.extend(made);
                }
            }
            return Value::Object(merged);
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(first) = object
            .get(key)
            .and_then(Value::as_array)
            .and_then(|p| p.first())
        {
            return value(first, components, depth + 1);
        }
    }
    let kind = match object.get("type") {
        Some(Value::String(kind)) => kind.as_str(),
        Some(Value::Array(kinds)) => kinds
            .iter()
            .filter_map(Value::as_str)
            .find(|k| *k != "null")
            .unwrap_or("null"),
        _ if object.contains_key("properties") => "object",
        _ => "object",
    };
    typed(kind, object, components, depth)
}

fn typed(kind: &str, object: &Map<String, Value>, components: &Value, depth: usize) -> Value {
    match kind {
        "object" => {
            let required: Vec<&str> = object
                .get("required")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            let mut made = Map::new();
            if let Some(properties) = object.get("properties").and_then(Value::as_object) {
                for (name, sub) in properties
                    .iter()
                    .filter(|(n, _)| required.contains(&n.as_str()))
                {
                    made.insert(name.clone(), value(sub, components, depth + 1));
                }
            }
            Value::Object(made)
        }
        "array" => {
            let at_least = object.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = object
                .get("items")
                .map_or(Value::Null, |i| value(i, components, depth + 1));
            Value::Array((0..at_least.min(3)).map(|_| item.clone()).collect())
        }
        "string" => string(object),
        "integer" => json!(
            object
                .get("minimum")
                .and_then(Value::as_i64)
                .unwrap_or(0)
                .max(0)
                + i64::from(object.contains_key("exclusiveMinimum"))
        ),
        "number" => json!(object.get("minimum").and_then(Value::as_f64).unwrap_or(0.0)),
        "boolean" => json!(false),
        _ => Value::Null,
    }
}

fn string(object: &Map<String, Value>) -> Value {
    let text = match object.get("format").and_then(Value::as_str) {
        Some("date-time") => "2026-01-01T00:00:00Z",
        Some("date") => "2026-01-01",
        Some("email") => "user@example.com",
        Some("uuid") => "00000000-0000-4000-8000-000000000000",
        Some("uri" | "url") => "https://example.com/",
        _ => "string",
    };
    let min = object.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
    let mut text = text.to_owned();
    while text.chars().count() < min {
        text.push('x');
    }
    Value::String(text)
}

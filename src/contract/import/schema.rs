//! Schemas in JSON Schema 2020-12: OpenAPI 3.0's dialect translated (`nullable`, boolean
//! exclusive bounds, `example`), and every `$ref` into `#/components/schemas` rewritten to the
//! bundled components document, so each schema compiles on its own beside it. A reference to
//! another document is not carried: it becomes `{}` (anything) and is listed.

use serde_json::{Map, Value, json};

use super::source::{ImportError, Refs};
use super::{COMPONENTS_FILE, Version};

/// Where the layout's schema files say they live (`$id`), so `$ref`s between them resolve.
pub(super) const BASE: &str = "https://mfa-contract.invalid/schemas/";

/// Keywords whose value is one subschema.
const ONE: [&str; 10] = [
    "additionalProperties",
    "items",
    "not",
    "if",
    "then",
    "else",
    "contains",
    "propertyNames",
    "unevaluatedItems",
    "unevaluatedProperties",
];
/// Keywords whose value is a list of subschemas.
const LIST: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to subschemas.
const MAP: [&str; 4] = [
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];

const COMPONENT_SCHEMAS: &str = "#/components/schemas/";

/// `components.schemas`, translated, as one document's `$defs`.
pub(super) fn components(refs: &Refs<'_>, version: Version) -> Result<Value, ImportError> {
    let mut defs = Map::new();
    let mut notes = Vec::new();
    if let Some(schemas) = refs.at("/components/schemas").and_then(Value::as_object) {
        for (name, schema) in schemas {
            let at = format!(
                "/components/schemas/{}",
                jsonptr::Token::new(name).encoded()
            );
            defs.insert(
                name.clone(),
                translate(refs, version, schema, &at, &mut notes)?,
            );
        }
    }
    Ok(json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$comment": "components.schemas of the imported OpenAPI document",
        "$defs": defs,
    }))
}

/// `schema` (at `at` in the document) in 2020-12, with what could not be carried added to
/// `notes`.
pub(super) fn translate(
    refs: &Refs<'_>,
    version: Version,
    schema: &Value,
    at: &str,
    notes: &mut Vec<String>,
) -> Result<Value, ImportError> {
    let Value::Object(object) = schema else {
        // `true` and `false` are schemas too.
        return Ok(schema.clone());
    };
    if let Some(target) = object.get("$ref").and_then(Value::as_str) {
        let rewritten = reference(refs, target, at, notes)?;
        if rewritten.is_empty() {
            return Ok(json!({}));
        }
        let mut out = object.clone();
        out.insert("$ref".into(), Value::String(rewritten));
        return Ok(Value::Object(out));
    }
    let mut out = Map::new();
    for (key, value) in object {
        let here = format!("{at}/{}", jsonptr::Token::new(key).encoded());
        let translated = if ONE.contains(&key.as_str()) {
            translate(refs, version, value, &here, notes)?
        } else if LIST.contains(&key.as_str()) {
            let mut items = Vec::new();
            for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                items.push(translate(
                    refs,
                    version,
                    item,
                    &format!("{here}/{i}"),
                    notes,
                )?);
            }
            Value::Array(items)
        } else if MAP.contains(&key.as_str()) {
            let mut map = Map::new();
            for (name, sub) in value.as_object().into_iter().flatten() {
                let at = format!("{here}/{}", jsonptr::Token::new(name).encoded());
                map.insert(name.clone(), translate(refs, version, sub, &at, notes)?);
            }
            Value::Object(map)
        } else {
            value.clone()
        };
        out.insert(key.clone(), translated);
    }
    if version == Version::V30 {
        return Ok(from_30(out));
    }
    Ok(Value::Object(out))
}

/// A `$ref`, checked and rewritten: into the components document, or (another document) not
/// carried and noted.
fn reference(
    refs: &Refs<'_>,
    target: &str,
    at: &str,
    notes: &mut Vec<String>,
) -> Result<String, ImportError> {
    let Some(pointer) = target.strip_prefix('#') else {
        notes.push(format!(
            "{at}: $ref {target} is in another document (taken as any value)"
        ));
        return Ok(String::new());
    };
    if refs.at(pointer).is_none() {
        return Err(refs.broken(at, target));
    }
    match target.strip_prefix(COMPONENT_SCHEMAS) {
        Some(rest) => Ok(format!("{COMPONENTS_FILE}#/$defs/{rest}")),
        None => {
            notes.push(format!(
                "{at}: $ref {target} points outside components.schemas (taken as any value)"
            ));
            Ok(String::new())
        }
    }
}

/// OpenAPI 3.0's own keywords as 2020-12 says them.
fn from_30(mut schema: Map<String, Value>) -> Value {
    if let Some(example) = schema.remove("example") {
        schema.insert("examples".into(), json!([example]));
    }
    for (exclusive, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match schema.get(exclusive) {
            Some(Value::Bool(true)) => {
                let value = schema.remove(bound).unwrap_or(Value::Null);
                schema.insert(exclusive.into(), value);
            }
            Some(Value::Bool(false)) => {
                schema.remove(exclusive);
            }
            _ => {}
        }
    }
    let nullable = matches!(schema.remove("nullable"), Some(Value::Bool(true)));
    if !nullable {
        return Value::Object(schema);
    }
    if let Some(values) = schema.get_mut("enum").and_then(Value::as_array_mut)
        && !values.contains(&Value::Null)
    {
        values.push(Value::Null);
    }
    match schema.get_mut("type") {
        Some(Value::String(single)) => {
            let single = single.clone();
            schema.insert("type".into(), json!([single, "null"]));
            Value::Object(schema)
        }
        Some(Value::Array(types)) => {
            if !types.contains(&json!("null")) {
                types.push(json!("null"));
            }
            Value::Object(schema)
        }
        _ => json!({ "anyOf": [Value::Object(schema), { "type": "null" }] }),
    }
}

/// A parameter's schema, written inline in the manifest: its `$ref`s made absolute, since the
/// manifest is not beside the components.
pub(super) fn absolute_refs(schema: &Value) -> Value {
    match schema {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| match (k.as_str(), v.as_str()) {
                    ("$ref", Some(target)) if target.starts_with(COMPONENTS_FILE) => {
                        (k.clone(), json!(format!("{BASE}{target}")))
                    }
                    _ => (k.clone(), absolute_refs(v)),
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(absolute_refs).collect()),
        other => other.clone(),
    }
}

/// `/name` of the first top-level property with an `enum` (through one `$ref`).
pub(super) fn first_enum(schema: &Value, components: &Value) -> Option<String> {
    let resolve = |s: &Value| -> Option<Value> {
        let target = s
            .get("$ref")?
            .as_str()?
            .strip_prefix(COMPONENTS_FILE)?
            .strip_prefix('#')?;
        components.pointer(target).cloned()
    };
    schema
        .get("properties")?
        .as_object()?
        .iter()
        .find(|(_, s)| {
            s.get("enum").is_some() || resolve(s).is_some_and(|r| r.get("enum").is_some())
        })
        .map(|(name, _)| format!("/{}", name.replace('~', "~0").replace('/', "~1")))
}

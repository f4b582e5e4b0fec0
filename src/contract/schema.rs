//! A compiled JSON Schema and the one boundary where validator errors become our [`Violation`]s,
//! so that an upgrade of the `jsonschema` crate touches this file only.

use std::fmt;

use jsonschema::error::ValidationErrorKind;
use jsonschema::{Registry, ValidationError, Validator};
use serde::Serialize;
use serde_json::Value;

/// One way a JSON value breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// JSON pointer into the value ("" is the whole value).
    pub instance_path: String,
    /// JSON pointer into the schema, to the keyword that failed.
    pub schema_path: String,
    /// What is wrong, in words a frontend developer understands.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.instance_path.is_empty() {
            "(root)"
        } else {
            &self.instance_path
        };
        write!(f, "at {at}: {} (schema {})", self.message, self.schema_path)
    }
}

/// A schema file of the contract, compiled once.
pub struct Schema {
    /// The file's path relative to `schemas/`, as the manifest names it.
    pub file: String,
    /// The schema document as written.
    pub document: Value,
    /// The file's text, to find the line of a keyword.
    source: String,
    validator: Validator,
}

impl fmt::Debug for Schema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Schema").field("file", &self.file).finish()
    }
}

impl Schema {
    /// Compiles `document` (draft 2020-12, already checked against the meta-schema) against
    /// `registry`, which holds every schema of the contract so that `$ref`s between files
    /// resolve without any network access.
    pub(crate) fn compile(
        file: &str,
        source: String,
        document: Value,
        registry: &Registry<'_>,
    ) -> Result<Self, SchemaProblem> {
        let validator = jsonschema::draft202012::options()
            .with_registry(registry)
            .offline()
            .build(&document)
            .map_err(|e| SchemaProblem {
                pointer: e.schema_path().as_str().to_owned(),
                message: e.to_string(),
            })?;
        Ok(Self {
            file: file.to_owned(),
            document,
            source,
            validator,
        })
    }

    pub fn is_valid(&self, instance: &Value) -> bool {
        self.validator.is_valid(instance)
    }

    /// Every violation, in the validator's order.
    pub fn violations(&self, instance: &Value) -> Vec<Violation> {
        self.validator
            .iter_errors(instance)
            .map(|e| to_violation(&e))
            .collect()
    }

    /// The 1-based line in the file of the value at `pointer` (a schema path such as
    /// `/properties/success/type`), or of the deepest part of it the file holds: a path that
    /// goes on through a `$ref` stops at the `$ref`.
    pub fn line_of(&self, pointer: &str) -> Option<usize> {
        use jsonc_parser::ast::Value as Node;
        use jsonc_parser::common::Ranged as _;
        let parsed = jsonc_parser::parse_to_ast(
            &self.source,
            &jsonc_parser::CollectOptions::default(),
            &jsonc_parser::ParseOptions::default(),
        )
        .ok()?;
        let root = parsed.value?;
        let mut node = &root;
        let pointer = jsonptr::Pointer::parse(pointer).ok()?;
        for token in pointer.tokens() {
            let key = token.decoded();
            let next = match node {
                Node::Object(object) => object
                    .properties
                    .iter()
                    .find(|p| p.name.as_str() == key.as_ref())
                    .map(|p| &p.value),
                Node::Array(array) => key
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| array.elements.get(i)),
                _ => None,
            };
            let Some(next) = next else { break };
            node = next;
        }
        Some(self.source[..node.start()].matches('\n').count() + 1)
    }

    /// The `examples` the schema documents.
    pub fn examples(&self) -> &[Value] {
        self.document
            .get("examples")
            .and_then(Value::as_array)
            .map_or(&[], Vec::as_slice)
    }
}

/// Why a schema file cannot be used.
#[derive(Debug, Clone)]
pub struct SchemaProblem {
    pub pointer: String,
    pub message: String,
}

fn to_violation(e: &ValidationError<'_>) -> Violation {
    Violation {
        instance_path: e.instance_path().as_str().to_owned(),
        schema_path: e.schema_path().as_str().to_owned(),
        message: message_for(e),
    }
}

/// Rewords the common cases the way the mock's users need them; the rest keep the validator's text.
fn message_for(e: &ValidationError<'_>) -> String {
    let field = field_name(e.instance_path().as_str());
    match e.kind() {
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options
                .as_array()
                .map(|values| values.iter().map(plain).collect())
                .unwrap_or_default();
            format!(
                "{field} must be one of {}, got {}",
                allowed.join(", "),
                e.instance()
            )
        }
        ValidationErrorKind::Required { property } => {
            format!("required property `{}` is missing", plain(property))
        }
        ValidationErrorKind::Type { .. } => {
            format!(
                "{field} must be of type {}, got {} {}",
                expected_type(e),
                json_type(e.instance()),
                e.instance()
            )
        }
        _ => e.to_string(),
    }
}

/// `/kind` -> `kind`; `/users/0/account/1` -> `account[1]`; the root -> the body.
fn field_name(pointer: &str) -> String {
    let mut segments = pointer.rsplit('/').take_while(|s| !s.is_empty());
    let Some(last) = segments.next() else {
        return "the body".to_owned();
    };
    if last.bytes().all(|b| b.is_ascii_digit()) {
        match segments.next() {
            Some(parent) => format!("`{parent}[{last}]`"),
            None => format!("item {last}"),
        }
    } else {
        format!("`{last}`")
    }
}

fn expected_type(e: &ValidationError<'_>) -> String {
    // The validator's own text is "VALUE is not of type \"T\""; keep T only.
    let text = e.to_string();
    text.rsplit_once(" is not of type ")
        .map(|(_, t)| t.to_owned())
        .unwrap_or(text)
}

/// A string shown without quotes, anything else as JSON.
fn plain(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The JSON type name of a value, as JSON Schema spells it.
pub fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The JSON types a schema allows (its `type`, a string or a list); empty means any.
pub fn types_of(schema: &Value) -> Vec<String> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.clone()],
        Some(Value::Array(ts)) => ts
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

/// Field names and JSON types, values dropped (an array by its first item): what makes two
/// answers the same shape, for the checker's idempotence check and the proxy's recorder.
pub fn type_shape(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), type_shape(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().take(1).map(type_shape).collect()),
        other => Value::String(json_type(other).to_owned()),
    }
}

/// The property names a schema object lists under `required`.
pub fn required_names(schema: &Value) -> impl Iterator<Item = &str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

#[cfg(test)]
mod tests {
    use super::type_shape;

    #[test]
    fn type_shape_keeps_names_and_types_and_drops_values() {
        let a = type_shape(&serde_json::json!({"success": true, "at": "2026-01-01", "n": [1, 2]}));
        let b = type_shape(&serde_json::json!({"success": false, "at": "2027-02-02", "n": [3]}));
        assert_eq!(a, b);
        assert_ne!(a, type_shape(&serde_json::json!({"success": "yes"})));
    }
}

//! The part of a JSON Schema that case generation understands: an object with typed
//! properties, some required, some with an `enum`, and whether other properties are allowed.
//! Read from the request schema, so changing the schema changes the cases.

use serde_json::Value;

use crate::contract::types_of;

/// JSON types as JSON Schema names them, for wrong-type cases. `integer` is left out: a
/// property that refuses numbers refuses integers too, and one that allows only integers is
/// given a fractional number.
pub const WRONG_TYPES: [&str; 6] = ["string", "number", "boolean", "null", "array", "object"];

#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub name: String,
    /// Allowed JSON types; empty means any.
    pub types: Vec<String>,
    /// Allowed values, when the schema lists them.
    pub values: Option<Vec<Value>>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ObjectModel {
    pub properties: Vec<Property>,
    pub required: Vec<String>,
    /// Whether properties the schema does not name are accepted.
    pub additional_allowed: bool,
}

impl ObjectModel {
    /// Reads the root of an object schema. Anything it does not understand is left to the
    /// validator, which decides every case's verdict in the end.
    pub fn from_schema(schema: &Value) -> Self {
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .map(|props| {
                props
                    .iter()
                    .map(|(name, sub)| Property {
                        name: name.clone(),
                        types: types_of(sub),
                        values: sub.get("enum").and_then(Value::as_array).cloned(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let required = crate::contract::required_names(schema)
            .map(str::to_owned)
            .collect();
        let additional_allowed = !matches!(
            schema
                .get("additionalProperties")
                .or_else(|| schema.get("unevaluatedProperties")),
            Some(Value::Bool(false))
        );
        Self {
            properties,
            required,
            additional_allowed,
        }
    }

    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    pub fn required_properties(&self) -> impl Iterator<Item = &Property> {
        self.properties
            .iter()
            .filter(|p| self.required.contains(&p.name))
    }
}

impl Property {
    /// Whether a value of JSON type `ty` is allowed by `type` (integer counts as a number).
    pub fn allows_type(&self, ty: &str) -> bool {
        self.types.is_empty()
            || self
                .types
                .iter()
                .any(|t| t == ty || (t == "number" && ty == "integer"))
    }

    /// Values that stand for this property in valid payloads: its enum, or one plain value of
    /// its first type.
    pub fn sample_values(&self) -> Vec<Value> {
        if let Some(values) = &self.values {
            return values.clone();
        }
        let ty = self.types.first().map_or("string", String::as_str);
        vec![representative(ty, &Value::Null)]
    }
}

/// A plain value of JSON type `ty`; `inner` is wrapped for arrays and objects so the value still
/// resembles a real request.
pub fn representative(ty: &str, inner: &Value) -> Value {
    match ty {
        "string" => Value::String("text".into()),
        "number" => serde_json::json!(1.5),
        "integer" => serde_json::json!(1),
        "boolean" => Value::Bool(true),
        "null" => Value::Null,
        "array" => Value::Array(vec![inner.clone()]),
        _ => serde_json::json!({ "value": inner }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn reads_types_enums_required_and_additional_properties() {
        let model = ObjectModel::from_schema(&json!({
            "type": "object",
            "properties": {"a": {"type": "string", "enum": ["X", "Y"]}, "b": {"type": ["number", "null"]}},
            "required": ["a"],
            "additionalProperties": false
        }));
        assert_eq!(model.required, vec!["a"]);
        assert!(!model.additional_allowed);
        let b = model.property("b").expect("b");
        assert!(b.allows_type("integer") && b.allows_type("null") && !b.allows_type("string"));
        assert_eq!(
            model.property("a").expect("a").sample_values(),
            vec![json!("X"), json!("Y")]
        );
    }
}

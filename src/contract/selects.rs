//! The request value that selects (`request.selects`): the MFA method in the seed's body, or
//! nothing for an operation whose body selects nothing. Coverage enumerates its values and the
//! restore step builds a body holding one.

use serde_json::Value;

use super::Contract;

/// The subschema for the value at `pointer` in an instance: `/a/b` -> `/properties/a/properties/b`.
pub(crate) fn selector_schema<'a>(
    request_schema: &'a Value,
    pointer: &jsonptr::Pointer,
) -> Option<&'a Value> {
    pointer.tokens().try_fold(request_schema, |schema, token| {
        schema.get("properties")?.get(token.decoded().as_ref())
    })
}

impl Contract {
    /// The values the selected request value may take (its `enum`), with their documented
    /// meanings (for the built-in contract, the MFA methods).
    pub fn selectable(&self) -> Vec<(String, Option<String>)> {
        let document = self.resolve_properties(&self.request_schema().document);
        let Some(schema) =
            selector_schema(&document, &self.selects).filter(|_| !self.selects.is_root())
        else {
            // A view of an operation whose body selects nothing.
            return Vec::new();
        };
        let meanings = schema.get("x-enumDescriptions");
        schema["enum"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(|v| {
                let meaning = meanings
                    .and_then(|m| m.get(v))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                (v.to_owned(), meaning)
            })
            .collect()
    }

    /// The values of [`Contract::selectable`] alone.
    pub fn selectable_names(&self) -> Vec<String> {
        self.selectable().into_iter().map(|(m, _)| m).collect()
    }

    /// The selected value in a request body that the request schema accepted.
    pub fn selected_value<'a>(&self, body: &'a Value) -> Option<&'a str> {
        use jsonptr::resolve::Resolve as _;
        body.resolve(&self.selects).ok()?.as_str()
    }

    /// The name of the property `request.selects` points at (its last segment, unescaped).
    pub fn selected_property(&self) -> String {
        self.selects
            .last()
            .map(|t| t.decoded().into_owned())
            .unwrap_or_default()
    }

    /// A request body holding `value` at `request.selects` (other properties left to the caller).
    pub fn selecting(&self, value: Value) -> Value {
        let tokens: Vec<_> = self.selects.tokens().collect();
        tokens.into_iter().rev().fold(
            value,
            |inner, token| serde_json::json!({ token.decoded().as_ref(): inner }),
        )
    }
}

//! Each documented answer as the layout writes it: a schema file and its examples under
//! `fixtures/`, or, documented without a body, its description and headers alone.

use serde_json::{Map, Value, json};

use super::super::schema::absolute_refs;
use super::super::{Operation, Response};
use super::{Writer, slug};

impl Writer<'_> {
    /// Each status, range or `default`: with a JSON body, its schema file and its examples (the
    /// document's, or one made from the schema); documented without `content`, its description
    /// and headers alone. A body in no JSON media type is noted.
    pub(super) fn responses(&mut self, operation: &Operation, folder: &str) -> Value {
        let mut responses = Map::new();
        let mut used = std::collections::BTreeSet::new();
        for response in &operation.responses {
            let status = response.status.key();
            let Some(schema) = &response.schema else {
                if response.no_body {
                    let spec = json!({"description": description(response)});
                    responses.insert(status.clone(), with_headers(spec, response));
                } else {
                    self.notes.push(format!(
                        "{}: not carried: {status} has no JSON body to serve",
                        operation.id
                    ));
                }
                continue;
            };
            let valid = self.imported.validator(schema).ok();
            let mut examples: Vec<(String, Value)> = response
                .examples
                .iter()
                .filter(|(_, v)| valid.as_ref().is_some_and(|s| s.is_valid(v)))
                .map(|(n, v)| (slug(n), v.clone()))
                .collect();
            if examples.is_empty() {
                let made = super::super::example::make(schema, &self.imported.components);
                if valid.as_ref().is_some_and(|s| s.is_valid(&made)) {
                    examples.push(("generated".into(), made));
                }
            }
            if examples.is_empty() {
                self.notes.push(format!(
                    "{}: not carried: {status} (no example, and none could be made from its schema)",
                    operation.id
                ));
                continue;
            };
            let prefix = format!("{folder}/{status}");
            let mut default_file = None;
            for (name, example) in &examples {
                // Example names are unique per operation: a name taken by another status gets
                // this one's status added.
                let name = if used.insert(name.clone()) {
                    name.clone()
                } else {
                    format!("{name}-{status}")
                };
                used.insert(name.clone());
                default_file.get_or_insert_with(|| format!("{prefix}/{name}.json"));
                self.put(format!("fixtures/{prefix}/{name}.json"), example);
            }
            let schema_file = self.schema_file(
                format!("{}.{status}.schema.json", slug(&operation.id)),
                schema,
            );
            let spec = json!({
                "description": description(response),
                "schema": schema_file,
                "fixture": default_file,
            });
            responses.insert(status.clone(), with_headers(spec, response));
        }
        Value::Object(responses)
    }
}

/// A response's description, or its status key where the document gives none.
fn description(response: &Response) -> String {
    match response.description.is_empty() {
        true => response.status.key(),
        false => response.description.clone(),
    }
}

/// `spec` with the response's documented headers. OpenAPI says a documented Content-Type
/// header is ignored: the media type rules.
fn with_headers(mut spec: Value, response: &Response) -> Value {
    let headers: Vec<Value> = response.headers.iter()
        .filter(|(name, _)| !name.eq_ignore_ascii_case("content-type"))
        .map(|(name, h)| json!({"name": name, "required": h.required, "schema": absolute_refs(&h.schema), "example": h.example}))
        .collect();
    if !headers.is_empty() {
        spec["headers"] = json!(headers);
    }
    spec
}

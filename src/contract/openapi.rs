//! The OpenAPI 3.1 document generated from the contract files, for Prism, Schemathesis or a code
//! generator. Schemas become components (their `$id`s dropped, `$ref`s between files rewritten);
//! fixtures become named examples; the gap policy's statuses appear as responses marked
//! `x-documentation-gap`, and the whole policy is kept under `x-mfa-contract-gap-policy` (an
//! operation's changes to it under the same name on the operation).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::{Contract, Schema};

/// The OpenAPI version we emit.
pub const OPENAPI_VERSION: &str = "3.1.0";
const SECURITY_SCHEME: &str = "bearerAuth";

pub fn document(contract: &Contract) -> Value {
    let manifest = contract.manifest();
    let components = Components::collect(contract);
    let mut paths = Map::new();
    let mut schemes = Map::new();
    schemes.insert(SECURITY_SCHEME.into(), json!({
        "type": "http",
        "scheme": manifest.auth.scheme.to_ascii_lowercase(),
        "description": format!("{} header with the {} scheme", manifest.auth.header, manifest.auth.scheme),
    }));
    let seed = (
        contract.view_of_seed(),
        manifest.path.clone(),
        manifest.parameters.clone(),
        manifest.security.clone(),
        None,
    );
    let others = contract.operations().iter().enumerate().map(|(i, o)| {
        (
            contract.project(i),
            o.spec.path.clone(),
            o.spec.parameters.clone(),
            o.spec.security.clone(),
            o.spec.gap_policy.clone(),
        )
    });
    for (view, path, parameters, security, gap_policy) in std::iter::once(seed).chain(others) {
        let mut exported = operation(&view, &components);
        let object = exported.as_object_mut().expect("an operation is an object");
        if !parameters.is_empty() {
            object.insert("parameters".into(), parameters.iter().map(|p| json!({
                "name": p.name, "in": p.location, "required": p.required || p.location == super::ParameterLocation::Path, "schema": p.schema,
            })).collect());
        }
        if let Some(security) = &security {
            object.insert("security".into(), security_of(security, &mut schemes));
        }
        if let Some(changes) = &gap_policy {
            object.insert(super::import::GAP_POLICY_EXTENSION.into(), json!(changes));
        }
        if !view.takes_body() {
            object.remove("requestBody");
        } else if !view.body_required() {
            object["requestBody"]["required"] = json!(false);
        }
        let item = paths.entry(path).or_insert_with(|| json!({}));
        item[view.method().to_ascii_lowercase()] = exported;
    }
    let mut info = json!({
        "title": manifest.title,
        "description": manifest.description,
        "version": manifest.version,
    });
    if let Some(source) = &manifest.source {
        info["x-source"] = json!(source);
    }
    let mut gap_policy = json!(manifest.gap_policy);
    gap_policy["errorSchema"] = components.reference(&manifest.gap_policy.error_schema);
    json!({
        "openapi": OPENAPI_VERSION,
        "info": info,
        "servers": manifest.servers,
        "paths": paths,
        "components": {
            "schemas": components.schemas,
            "securitySchemes": schemes,
        },
        super::import::GAP_POLICY_EXTENSION: gap_policy,
    })
}

/// The endpoint's operation: the request body with the valid fixtures as examples, and every
/// response, documented or a gap.
fn operation(contract: &Contract, components: &Components) -> Value {
    let manifest = contract.manifest();
    let mut responses = documented_responses(contract, components);
    responses.extend(gap_responses(contract, components));
    let request_examples = named_examples(
        contract
            .valid_requests()
            .iter()
            .map(|f| (f.name.clone(), f.body.clone())),
    );
    let mut operation = json!({
        "operationId": manifest.operation_id,
        "summary": manifest.title,
        "description": manifest.description,
        "security": [{ SECURITY_SCHEME: [] }],
    });
    if let Some(schema) = &manifest.request.schema {
        operation["requestBody"] = json!({
            "required": true,
            "content": {
                contract.request_spec().content_type.as_str(): {
                    "schema": components.reference(schema),
                    "examples": request_examples,
                }
            }
        });
    }
    operation["responses"] = json!(responses);
    operation
}

/// Each documented status with its schema and its named examples.
fn documented_responses(contract: &Contract, components: &Components) -> Map<String, Value> {
    let mut responses = Map::new();
    for status in contract.documented_statuses() {
        let Some(spec) = contract.response_spec(status) else {
            continue;
        };
        let mut response = json!({"description": spec.description});
        // Documented without a body: no `content`, as OpenAPI says it.
        if let Some(schema) = &spec.schema {
            let examples = named_examples(
                contract
                    .examples()
                    .iter()
                    .filter(|e| e.status == status)
                    .map(|e| (e.name.clone(), e.body.clone())),
            );
            response["content"] = json!({
                contract.request_spec().content_type.as_str(): {
                    "schema": components.reference(schema),
                    "examples": examples,
                }
            });
        }
        if !spec.headers.is_empty() {
            let headers: Map<String, Value> = spec
                .headers
                .iter()
                .map(|h| {
                    let mut header = json!({"required": h.required, "schema": h.schema});
                    if let Some(example) = &h.example {
                        header["example"] = example.clone();
                    }
                    (h.name.clone(), header)
                })
                .collect();
            response["headers"] = Value::Object(headers);
        }
        let key = contract.response_key(status).unwrap_or_default().to_owned();
        responses.insert(key, response);
    }
    responses
}

/// The gap policy's statuses the documentation does not list, marked `x-documentation-gap`.
fn gap_responses(contract: &Contract, components: &Components) -> Map<String, Value> {
    let mut responses = Map::new();
    for (status, kinds) in contract.gap_statuses() {
        let kinds: Vec<_> = kinds.into_iter().filter(|k| k.is_on_operation()).collect();
        if kinds.is_empty() || contract.is_documented(status) {
            continue;
        }
        let whens: Vec<String> = kinds
            .iter()
            .map(|k| contract.rejection(*k).when.clone())
            .collect();
        let examples = named_examples(kinds.iter().map(|k| {
            let body = json!({"success": false, "error": contract.rejection(*k).error});
            (k.to_string(), body)
        }));
        let error_schema = &contract.manifest().gap_policy.error_schema;
        responses.insert(
            status.to_string(),
            json!({
                "description": format!("Documentation gap (not in the endpoint's documentation): {}", whens.join("; ")),
                "x-documentation-gap": true,
                "x-rejections": kinds,
                "content": {
                    contract.request_spec().content_type.as_str(): {
                        "schema": components.reference(error_schema),
                        "examples": examples,
                    }
                }
            }),
        );
    }
    responses
}

/// `{"name": {"value": body}}`, the OpenAPI form of named examples.
fn named_examples(examples: impl Iterator<Item = (String, Value)>) -> Value {
    let map: Map<String, Value> = examples
        .map(|(name, body)| (name, json!({ "value": body })))
        .collect();
    Value::Object(map)
}

/// The schema files the operation needs, as components, and how to refer to each.
struct Components {
    /// Schema file name -> component name.
    names: BTreeMap<String, String>,
    schemas: Map<String, Value>,
}

impl Components {
    fn collect(contract: &Contract) -> Self {
        let by_file: BTreeMap<&str, &Schema> =
            contract.schemas().map(|s| (s.file.as_str(), s)).collect();
        let manifest = contract.manifest();
        let mut wanted: Vec<String> = vec![manifest.gap_policy.error_schema.clone()];
        wanted.extend(manifest.request.schema.clone());
        wanted.extend(manifest.responses.values().flat_map(|r| r.schema.clone()));
        for operation in contract.operations() {
            wanted.extend(operation.spec.request.iter().map(|b| b.schema.clone()));
            wanted.extend(
                operation
                    .spec
                    .responses
                    .values()
                    .flat_map(|r| r.schema.clone()),
            );
        }
        // Follow $refs to other files, so every component a component needs is there too.
        let mut included = BTreeSet::new();
        while let Some(file) = wanted.pop() {
            if !included.insert(file.clone()) {
                continue;
            }
            if let Some(schema) = by_file.get(file.as_str()) {
                wanted.extend(
                    refs(&schema.document)
                        .into_iter()
                        .filter_map(|r| r.split('#').next().map(str::to_owned))
                        .filter(|f| by_file.contains_key(f.as_str())),
                );
            }
        }
        let names: BTreeMap<String, String> = included
            .iter()
            .map(|file| (file.clone(), component_name(file)))
            .collect();
        let schemas = included
            .iter()
            .filter_map(|file| {
                let schema = by_file.get(file.as_str())?;
                let mut doc = schema.document.clone();
                if let Some(map) = doc.as_object_mut() {
                    map.remove("$id");
                    map.remove("$schema");
                }
                rewrite_refs(&mut doc, &names[file], &names);
                Some((names[file].clone(), doc))
            })
            .collect();
        Self { names, schemas }
    }

    fn reference(&self, file: &str) -> Value {
        json!({ "$ref": format!("#/components/schemas/{}", self.names[file]) })
    }
}

/// `response-200.schema.json` -> `Response200`.
fn component_name(file: &str) -> String {
    // `mfa-setup.request.schema.json` -> `MfaSetupRequest`: every part but the suffix.
    let stem = file.strip_suffix(".schema.json").unwrap_or(file);
    stem.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|part| !part.is_empty())
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect()
}

fn refs(node: &Value) -> Vec<String> {
    match node {
        Value::Object(map) => map
            .iter()
            .flat_map(|(key, child)| match (key.as_str(), child) {
                ("$ref", Value::String(r)) => vec![r.clone()],
                _ => refs(child),
            })
            .collect(),
        Value::Array(items) => items.iter().flat_map(refs).collect(),
        _ => Vec::new(),
    }
}

/// Points `$ref`s at components: `#/x` inside `own` becomes `#/components/schemas/Own/x`, and
/// `other.schema.json#/x` becomes `#/components/schemas/Other/x`.
fn rewrite_refs(node: &mut Value, own: &str, names: &BTreeMap<String, String>) {
    match node {
        Value::Object(map) => {
            for (key, child) in map.iter_mut() {
                if key == "$ref"
                    && let Value::String(r) = child
                {
                    let (file, fragment) = r.split_once('#').unwrap_or((r.as_str(), ""));
                    let target = if file.is_empty() {
                        Some(own)
                    } else {
                        names.get(file).map(String::as_str)
                    };
                    if let Some(target) = target {
                        *r = format!("#/components/schemas/{target}{fragment}");
                    }
                } else {
                    rewrite_refs(child, own, names);
                }
            }
        }
        Value::Array(items) => {
            for child in items {
                rewrite_refs(child, own, names);
            }
        }
        _ => {}
    }
}

/// An operation's own security, each scheme it names added to `schemes` (under its own name
/// where it has one).
fn security_of(security: &[super::Security], schemes: &mut Map<String, Value>) -> Value {
    use super::Security;
    security
        .iter()
        .map(|scheme| {
            let (id, definition) = match scheme {
                Security::Bearer { scheme: None } => {
                    return json!({ SECURITY_SCHEME: [] });
                }
                Security::Bearer { scheme: Some(id) } => {
                    (id.clone(), json!({"type": "http", "scheme": "bearer"}))
                }
                Security::ApiKeyHeader { name, scheme } => (
                    scheme
                        .clone()
                        .unwrap_or_else(|| format!("apiKeyHeader_{name}")),
                    json!({"type": "apiKey", "in": "header", "name": name}),
                ),
                Security::ApiKeyQuery { name, scheme } => (
                    scheme
                        .clone()
                        .unwrap_or_else(|| format!("apiKeyQuery_{name}")),
                    json!({"type": "apiKey", "in": "query", "name": name}),
                ),
            };
            schemes.insert(id.clone(), definition);
            json!({ id: [] })
        })
        .collect()
}

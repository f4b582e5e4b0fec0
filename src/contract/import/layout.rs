//! `contract import`'s writing half: an imported document as the project's contract layout
//! (`schemas/`, `fixtures/`), which the loader then checks like any other. The first operation
//! with a JSON body and no parameters becomes the manifest's own (the checker's seed), else the
//! first with a JSON answer; the others go to `operations`. What a layout cannot carry is kept
//! as a note on its operation.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::{COMPONENTS_FILE, Credential, Imported, Location, Operation, Status};
use crate::contract::files::{ContractFiles, Origin};

/// Where every schema of a contract lives, as the loader names them.
use super::schema::{BASE, absolute_refs, first_enum};

/// The layout's files, and what it could not carry, one line each.
pub struct Layout {
    pub files: ContractFiles,
    pub notes: Vec<String>,
}

/// Why no layout could be made.
#[derive(Debug, thiserror::Error)]
#[error("{file}: {message}")]
pub struct LayoutError {
    pub file: String,
    pub message: String,
}

/// Writes `imported` (read from `file`) as a contract layout.
pub fn layout(imported: &Imported, file: &str, origin: Origin) -> Result<Layout, LayoutError> {
    let mut writer = Writer {
        imported,
        files: BTreeMap::new(),
        notes: Vec::new(),
    };
    let usable: Vec<&Operation> = imported.operations.iter().collect();
    // The first operation the seed's layout serves best: a JSON body and no parameters (what
    // coverage's enum values and the mock's fast path speak of), else any with an exact
    // status answered in JSON.
    let seed = usable
        .iter()
        .position(|o| o.body.is_some() && o.parameters.is_empty() && answers_json(o))
        .or_else(|| usable.iter().position(|o| answers_json(o)))
        .ok_or_else(|| LayoutError {
            file: file.to_owned(),
            message:
                "no operation has an exact status with a JSON answer, which the mock could send"
                    .into(),
        })?;
    let mut manifest = writer.seed(usable[seed], file);
    let mut others = Vec::new();
    for (i, operation) in usable.iter().enumerate() {
        if i != seed
            && let Some(spec) = writer.operation(operation)
        {
            others.push(spec);
        }
    }
    manifest["operations"] = Value::Array(others);
    for skipped in &imported.skipped {
        writer
            .notes
            .push(format!("{}: skipped: {}", skipped.operation, skipped.why));
    }
    writer.notes.extend(imported.not_carried.iter().cloned());
    writer.shared(manifest);
    Ok(Layout {
        files: ContractFiles::from_files(origin, writer.files),
        notes: writer.notes,
    })
}

mod responses;

struct Writer<'i> {
    imported: &'i Imported,
    files: BTreeMap<String, Vec<u8>>,
    notes: Vec<String>,
}

impl Writer<'_> {
    fn put(&mut self, rel: String, value: &Value) {
        let text = serde_json::to_string_pretty(value).expect("a JSON value always serializes");
        self.files.insert(rel, format!("{text}\n").into_bytes());
    }

    fn schema_file(&mut self, name: String, schema: &Value) -> String {
        let mut document = self.inlined(schema);
        if let Some(object) = document.as_object_mut() {
            object.insert(
                "$schema".into(),
                json!("https://json-schema.org/draft/2020-12/schema"),
            );
            // Its own URI, so `components.schema.json#/...` resolves beside it.
            object.insert("$id".into(), json!(format!("{BASE}{name}")));
        }
        self.put(format!("schemas/{name}"), &document);
        name
    }

    /// A schema that is only a `$ref` to a component, as that component: a file of its own
    /// shows its properties (and its enum, for `selects`) without a hop.
    fn inlined(&self, schema: &Value) -> Value {
        let target = schema
            .as_object()
            .filter(|o| o.len() == 1)
            .and_then(|o| o.get("$ref"))
            .and_then(Value::as_str)
            .and_then(|t| t.strip_prefix(COMPONENTS_FILE))
            .and_then(|t| t.strip_prefix('#'));
        target
            .and_then(|pointer| self.imported.components.pointer(pointer))
            .cloned()
            .unwrap_or_else(|| schema.clone())
    }

    /// The manifest's own operation: the seed, with the defaults every contract shares.
    fn seed(&mut self, operation: &Operation, file: &str) -> Value {
        let mut request =
            json!({"contentType": "application/json", "selects": "", "maxBodyBytes": 65536});
        if let Some(body) = &operation.body {
            let (schema, content_type) = self.body_schema(operation, body);
            let selects = first_enum(&self.inlined(&body.schema), &self.imported.components);
            for (name, example) in &body.examples {
                self.put(
                    format!("fixtures/requests/valid/{}.json", slug(name)),
                    example,
                );
            }
            request["contentType"] = json!(content_type);
            request["schema"] = json!(schema);
            request["selects"] = json!(selects.unwrap_or_default());
        }
        let responses = self.responses(operation, "responses");
        let info = self.imported;
        self.note_all(&operation.id, &operation.not_carried);
        let mut manifest = json!({
            "title": info.title,
            "description": format!("Imported from {file} (OpenAPI {})", info.openapi),
            "version": info.version,
            "source": file,
            "operationId": operation.id,
            "servers": info.servers.iter().map(|url| json!({"url": url})).collect::<Vec<_>>(),
            "method": operation.method,
            "path": operation.path,
            "auth": {"header": "Authorization", "scheme": "Bearer"},
            "request": request,
            "responses": responses,
        });
        // A bearer token alone is what `auth` says already.
        if !matches!(operation.security.as_slice(), [Credential::Bearer { .. }]) {
            manifest["security"] = operation.security.iter().map(security).collect();
        }
        if !operation.parameters.is_empty() {
            manifest["parameters"] = self.parameters(operation);
        }
        manifest
    }

    /// The body's schema file and media type, as the manifest names them.
    fn body_schema(&mut self, operation: &Operation, body: &super::Body) -> (String, String) {
        let name = format!("{}.request.schema.json", slug(&operation.id));
        let content_type = body
            .media_types
            .first()
            .map_or("application/json", String::as_str);
        (
            self.schema_file(name, &body.schema),
            content_type.to_owned(),
        )
    }

    /// An operation's parameters as the manifest writes them, each with a sample value.
    fn parameters(&self, operation: &Operation) -> Value {
        operation.parameters.iter().map(|p| json!({
            "name": p.name,
            "in": match p.location { Location::Path => "path", Location::Query => "query", Location::Header => "header" },
            "required": p.required,
            "schema": absolute_refs(&p.schema),
            "example": p.example.clone().unwrap_or_else(|| super::example::make(&p.schema, &self.imported.components)),
        })).collect()
    }

    /// Another operation, or `None` (with a note) when nothing of it can be served.
    fn operation(&mut self, operation: &Operation) -> Option<Value> {
        let responses = self.responses(operation, &format!("operations/{}", slug(&operation.id)));
        if responses.as_object().is_none_or(Map::is_empty) {
            self.notes.push(format!(
                "{}: skipped: no documented answer the layout can carry (a JSON body, or none at all)",
                operation.id
            ));
            return None;
        }
        let mut spec = json!({
            "operationId": operation.id,
            "method": operation.method,
            "path": operation.path,
            "security": operation.security.iter().map(security).collect::<Vec<_>>(),
            "responses": responses,
        });
        if let Some(changes) = &operation.gap_policy {
            spec["gapPolicy"] = changes.clone();
        }
        if !operation.parameters.is_empty() {
            spec["parameters"] = self.parameters(operation);
        }
        if let Some(body) = &operation.body {
            let (schema, content_type) = self.body_schema(operation, body);
            spec["request"] =
                json!({"contentType": content_type, "schema": schema, "required": body.required});
        }
        self.note_all(&operation.id, &operation.not_carried);
        Some(spec)
    }

    fn note_all(&mut self, id: &str, notes: &[String]) {
        self.notes
            .extend(notes.iter().map(|n| format!("{id}: {n}")));
    }

    /// What every contract has beside its operations: the components, the gap policy and its
    /// error shape, users (none but the default), the fixture folders.
    fn shared(&mut self, mut manifest: Value) {
        let embedded = ContractFiles::embedded();
        let builtin: Value = embedded
            .json("schemas/contract.json")
            .expect("the built-in manifest parses");
        manifest["gapPolicy"] = builtin["gapPolicy"].clone();
        manifest["gapPolicy"]["description"] = json!(
            "What the mock sends and the checker accepts for everything the document leaves out: documentation gaps, not violations."
        );
        manifest["gapPolicy"]["errorShape"] = json!(self.imported.error_shape);
        if self
            .imported
            .operations
            .iter()
            .flat_map(|o| &o.security)
            .any(|c| !matches!(c, super::Credential::Bearer { .. }))
        {
            // The built-in wording asks for a bearer token; the detail names the exact header or
            // query parameter each operation wants.
            manifest["gapPolicy"]["rejections"]["unauthorized"]["when"] = json!(
                "No credential where the operation's security asks for one (an empty one included), a scheme it does not offer, or (strict mode) an unknown one"
            );
            manifest["gapPolicy"]["rejections"]["unauthorized"]["error"] =
                json!("Unauthorized: send the credential this operation's security asks for");
        }
        manifest["fixtures"] = builtin["fixtures"].clone();
        self.put("schemas/contract.json".into(), &manifest);
        let mut components = self.imported.components.clone();
        components["$id"] = json!(format!("{BASE}{COMPONENTS_FILE}"));
        self.put(format!("schemas/{COMPONENTS_FILE}"), &components);
        // The built-in error shape, with the part it takes from the seed's 500 written in.
        let mut error = embedded
            .json("schemas/error.schema.json")
            .expect("the built-in error schema parses");
        let mut base = embedded
            .json("schemas/response-500.schema.json")
            .expect("the built-in 500 schema parses");
        if let Some(base) = base.as_object_mut() {
            for key in ["$schema", "$id", "title", "examples"] {
                base.remove(key);
            }
        }
        error["allOf"] = json!([base]);
        if self.imported.error_shape == crate::contract::ErrorShape::Mock {
            error["description"] = json!(
                "What the mock sends for a refusal the document does not describe ({\"success\": false, \"error\": \"...\"}, with `detail` and, where they apply, `violations`, `line` and `column`, `accepted`). The document describes no error shape, so a target's own refusal bodies are documentation gaps, not violations (gapPolicy.errorShape: mock)."
            );
        }
        self.put("schemas/error.schema.json".into(), &error);
        self.put("schemas/users.schema.json".into(), &json!({
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "title": "Users of the stateful mock",
            "description": "Bearer tokens mapped to account documents, for rules to read and change",
            "type": "object",
            "properties": {
                "defaultUser": {"type": "object"},
                "users": {"type": "array", "items": {
                    "type": "object",
                    "properties": {"token": {"type": "string", "minLength": 1}, "name": {"type": "string", "minLength": 1}, "purpose": {"type": "string"}, "account": {"type": "object"}},
                    "required": ["token", "name", "account"]
                }}
            },
            "required": ["defaultUser", "users"]
        }));
        self.put(
            "fixtures/users.json".into(),
            &json!({"defaultUser": {}, "users": []}),
        );
    }
}

/// Whether the operation documents an exact status with a JSON body, which the mock can send.
fn answers_json(operation: &Operation) -> bool {
    operation
        .responses
        .iter()
        .any(|r| matches!(r.status, Status::Exact(_)) && r.schema.is_some())
}

fn security(credential: &Credential) -> Value {
    serde_json::to_value(credential).expect("a credential serializes")
}

/// A file name from an example's name: letters, digits, `-` and `_`.
fn slug(name: &str) -> String {
    let slug: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if slug.is_empty() {
        "example".into()
    } else {
        slug
    }
}

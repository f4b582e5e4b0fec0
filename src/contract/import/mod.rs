//! Reading an OpenAPI 3.0 or 3.1 document (YAML or JSON) into the operations a contract is made
//! of: method, path template, parameters, body, documented responses, security, and their
//! schemas in JSON Schema 2020-12 with every `$ref` pointing into one bundled document of the
//! components. What an operation holds that a contract cannot carry is listed with it, never
//! dropped silently; an operation with nothing usable is skipped with the reason.
//!
//! This is the reading half of `contract import` (issue 23); writing the project's layout
//! follows the contract of many operations.

mod example;
mod layout;
mod operations;
mod schema;
mod source;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;
use serde_json::Value;

pub use layout::{Layout, LayoutError, layout};
pub use source::ImportError;

/// The name the bundled components get, and what every schema `$ref` points into.
pub const COMPONENTS_FILE: &str = "components.schema.json";
/// Where our OpenAPI export keeps the gap policy (the document's) and its changes (an
/// operation's), so an import of it gives them back.
pub const GAP_POLICY_EXTENSION: &str = "x-mfa-contract-gap-policy";

/// An OpenAPI document, read.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Imported {
    /// `3.0.3`, `3.1.0`, ...
    pub openapi: String,
    pub title: String,
    pub version: String,
    pub servers: Vec<String>,
    pub operations: Vec<Operation>,
    /// Operations with nothing a contract can use, and why.
    pub skipped: Vec<Skipped>,
    /// `components.schemas`, translated, as the `$defs` of one document.
    pub components: Value,
    /// What the document holds beyond its operations that a contract cannot carry (webhooks).
    pub not_carried: Vec<String>,
    /// The mock's own, unless the document is an export whose gap policy says its error shape
    /// is documented.
    pub error_shape: crate::contract::ErrorShape,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    /// The document's `operationId`, or one made of the method and the path.
    pub id: String,
    pub method: String,
    /// The path template, `/pets/{petId}`.
    pub path: String,
    pub parameters: Vec<Parameter>,
    pub body: Option<Body>,
    pub responses: Vec<Response>,
    /// Any one of these satisfies the operation; empty: no credentials needed.
    pub security: Vec<Credential>,
    /// What the document says of this operation that a contract cannot carry.
    pub not_carried: Vec<String>,
    /// `x-mfa-contract-gap-policy`: this operation's changes to the gap policy, as our
    /// OpenAPI export writes them.
    pub gap_policy: Option<Value>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Location {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    pub name: String,
    pub location: Location,
    pub required: bool,
    pub schema: Value,
    /// The document's `example`, or the first of its `examples`.
    pub example: Option<Value>,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Body {
    pub required: bool,
    /// The JSON media types it may come in (`application/json`, `application/merge-patch+json`).
    pub media_types: Vec<String>,
    pub schema: Value,
    /// Named examples (`example` is named `example`).
    pub examples: BTreeMap<String, Value>,
}

/// A documented status: exact, a range (`2XX`) or `default`, as OpenAPI allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Status {
    Exact(u16),
    /// The first digit of a range: 2 for `2XX`.
    Range(u8),
    Default,
}

impl Status {
    /// The key OpenAPI writes it with.
    pub fn key(self) -> String {
        match self {
            Self::Exact(status) => status.to_string(),
            Self::Range(digit) => format!("{digit}XX"),
            Self::Default => "default".to_owned(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub status: Status,
    pub description: String,
    /// `None`: no body, or none a contract can judge.
    pub media_type: Option<String>,
    pub schema: Option<Value>,
    /// Documented without `content`: an answer without a body (a 204, say).
    pub no_body: bool,
    pub examples: BTreeMap<String, Value>,
    /// Header name -> its schema, whether it is required, and its example.
    pub headers: BTreeMap<String, Header>,
}

/// A documented response header.
#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub schema: Value,
    pub required: bool,
    /// `example`, or the first of `examples`.
    pub example: Option<Value>,
}

/// One way to satisfy an operation's security.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase", tag = "kind")]
pub enum Credential {
    /// `Authorization: Bearer <token>` (http bearer, or OAuth 2 / OpenID Connect used that way).
    Bearer { scheme: String },
    /// An API key in a header.
    #[serde(rename = "apiKeyHeader")]
    Header { scheme: String, name: String },
    /// An API key in the query string.
    #[serde(rename = "apiKeyQuery")]
    Query { scheme: String, name: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub operation: String,
    pub why: String,
}

impl Imported {
    /// `schema` (one of this document's, its refs pointing into [`COMPONENTS_FILE`]) compiled
    /// beside the bundled components, as the contract's loader compiles its schema files.
    pub fn validator(&self, schema: &Value) -> Result<jsonschema::Validator, String> {
        const BASE: &str = "https://mfa-contract.invalid/schemas/";
        let registry = jsonschema::Registry::new()
            .extend([(format!("{BASE}{COMPONENTS_FILE}"), self.components.clone())])
            .and_then(|r| r.prepare())
            .map_err(|e| e.to_string())?;
        let mut schema = schema.clone();
        if let Some(object) = schema.as_object_mut() {
            object.insert(
                "$id".into(),
                Value::String(format!("{BASE}operation.schema.json")),
            );
        }
        jsonschema::draft202012::options()
            .with_registry(&registry)
            .offline()
            .build(&schema)
            .map_err(|e| e.to_string())
    }
}

/// A value `schema` accepts, made from its keywords (no `$ref` followed outside it).
pub fn example_value(schema: &Value) -> Value {
    example::make(schema, &Value::Null)
}

/// `path` read and written as a contract layout in memory.
pub fn layout_of(path: &Path) -> Result<Layout, crate::contract::ContractError> {
    let imported = read(path)?;
    let file = path.display().to_string();
    Ok(layout(
        &imported,
        &file,
        crate::contract::Origin::OpenApi(path.to_path_buf()),
    )?)
}

/// Reads and translates `path`; every problem names the file and a line or a JSON pointer.
pub fn read(path: &Path) -> Result<Imported, ImportError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|source| ImportError::Read {
        file: file.clone(),
        source,
    })?;
    from_text(&file, &text)
}

/// [`read`] for a document already in memory; `file` names it in errors.
pub fn from_text(file: &str, text: &str) -> Result<Imported, ImportError> {
    let document = source::parse(file, text)?;
    let version = source::version(file, &document)?;
    let refs = source::Refs::new(file, &document);
    let components = schema::components(&refs, version)?;
    let (operations, skipped) = operations::all(&refs, version)?;
    let info = document.get("info");
    let text_at = |key: &str| {
        info.and_then(|i| i.get(key))
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    let mut not_carried = Vec::new();
    if document.get("webhooks").is_some() {
        not_carried.push(
            "webhooks: a contract describes requests it receives, not ones it sends".to_owned(),
        );
    }
    Ok(Imported {
        openapi: document["openapi"].as_str().unwrap_or_default().to_owned(),
        title: text_at("title"),
        version: text_at("version"),
        servers: document
            .get("servers")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|s| s.get("url").and_then(Value::as_str).map(str::to_owned))
            .collect(),
        operations,
        skipped,
        components,
        not_carried,
        error_shape: document
            .pointer(&format!("/{GAP_POLICY_EXTENSION}/errorShape"))
            .and_then(|shape| serde_json::from_value(shape.clone()).ok())
            .unwrap_or(crate::contract::ErrorShape::Mock),
    })
}

/// OpenAPI 3.0 (schemas are its own dialect) or 3.1 (schemas are JSON Schema 2020-12).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    V30,
    V31,
}

#[cfg(test)]
mod tests;

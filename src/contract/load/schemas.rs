//! The schemas: each checked against the JSON Schema meta-schema and for `$ref`s that point
//! nowhere, then all compiled against one registry; their own examples must match them, and
//! `x-enumDescriptions` must describe exactly the enum's values.

use std::collections::BTreeMap;

use jsonschema::Registry;
use serde_json::Value;

use super::{FALLBACK_BASE, MANIFEST, SCHEMA_DIR};
use crate::contract::{ContractError, ContractFiles, Schema};

/// Every schema file compiled against one registry; a broken file is named, with a pointer.
/// Every schema under `schemas/`, compiled, and the registry that resolves `$ref`s between
/// them (for the schemas the manifest writes inline).
pub(super) fn compile(
    files: &ContractFiles,
) -> Result<(BTreeMap<String, Schema>, Registry<'static>), ContractError> {
    let mut documents = Vec::new();
    for rel in files.json_files_in(SCHEMA_DIR) {
        if rel == MANIFEST {
            continue;
        }
        let name = rel.trim_start_matches("schemas/").to_owned();
        let document = files.json(rel)?;
        let source = String::from_utf8_lossy(files.bytes(rel)?).into_owned();
        let uri = document
            .get("$id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{FALLBACK_BASE}{name}"));
        documents.push((rel, name, uri, document, source));
    }
    // Every document on its own first, so that a broken file is named rather than the first
    // file that refers to it.
    let known: Vec<&str> = documents
        .iter()
        .map(|(_, _, uri, _, _)| uri.as_str())
        .collect();
    for (rel, _, uri, document, _) in &documents {
        let invalid = |pointer: String, message: String| ContractError::InvalidSchema {
            file: files.display_path(rel),
            pointer,
            message,
        };
        if let Err(e) = jsonschema::meta::validate(document) {
            return Err(invalid(
                e.instance_path().as_str().to_owned(),
                e.to_string(),
            ));
        }
        if let Some((pointer, target)) = dangling_ref(document, uri, &known) {
            return Err(invalid(
                pointer,
                format!("$ref {target} points to no schema in {SCHEMA_DIR}/"),
            ));
        }
    }
    let registry = Registry::new()
        .extend(
            documents
                .iter()
                .map(|(_, _, uri, doc, _)| (uri.as_str(), doc.clone())),
        )
        .and_then(|builder| builder.prepare())
        .map_err(|e| ContractError::InvalidSchema {
            file: files.display_path(SCHEMA_DIR),
            pointer: String::new(),
            message: e.to_string(),
        })?;
    let mut schemas = BTreeMap::new();
    for (rel, name, _, document, source) in documents {
        let schema = Schema::compile(&name, source, document, &registry).map_err(|p| {
            ContractError::InvalidSchema {
                file: files.display_path(rel),
                pointer: p.pointer,
                message: p.message,
            }
        })?;
        schemas.insert(name, schema);
    }
    Ok((schemas, registry))
}

/// The first `$ref` to another document that is not among `known`, as (pointer to the `$ref`,
/// the reference). References are resolved against `base` the simple way our schemas use:
/// a file name next to the referring file, or an absolute URI.
fn dangling_ref(document: &Value, base: &str, known: &[&str]) -> Option<(String, String)> {
    let dir = base.rsplit_once('/').map_or("", |(dir, _)| dir);
    find_in_objects(document, |pointer, map| {
        let Some(Value::String(target)) = map.get("$ref") else {
            return None;
        };
        let file = target.split('#').next().unwrap_or("");
        let absolute = if file.is_empty() || file.contains("://") {
            file.to_owned()
        } else {
            format!("{dir}/{file}")
        };
        (!absolute.is_empty() && !known.contains(&absolute.as_str()))
            .then(|| (format!("{pointer}/$ref"), target.clone()))
    })
}

/// The first `Some` that `visit` returns for an object in `document`, depth first, with the
/// object's JSON pointer.
fn find_in_objects<T>(
    document: &Value,
    mut visit: impl FnMut(&str, &serde_json::Map<String, Value>) -> Option<T>,
) -> Option<T> {
    let mut stack = vec![(String::new(), document)];
    while let Some((pointer, node)) = stack.pop() {
        match node {
            Value::Object(map) => {
                if let Some(found) = visit(&pointer, map) {
                    return Some(found);
                }
                for (key, child) in map {
                    stack.push((
                        format!("{pointer}/{}", jsonptr::Token::new(key).encoded()),
                        child,
                    ));
                }
            }
            Value::Array(items) => {
                for (i, child) in items.iter().enumerate() {
                    stack.push((format!("{pointer}/{i}"), child));
                }
            }
            _ => {}
        }
    }
    None
}

/// A schema's own `examples` are the documentation's examples: each must match the schema.
pub(super) fn check_examples(files: &ContractFiles, schema: &Schema) -> Result<(), ContractError> {
    for (i, example) in schema.examples().iter().enumerate() {
        let violations = schema.violations(example);
        if !violations.is_empty() {
            let prefix = format!("/examples/{i}");
            return Err(ContractError::DoesNotMatch {
                file: files.display_path(&format!("{SCHEMA_DIR}/{}", schema.file)),
                schema: schema.file.clone(),
                violations: violations
                    .into_iter()
                    .map(|mut v| {
                        v.instance_path = format!("{prefix}{}", v.instance_path);
                        v
                    })
                    .collect(),
            });
        }
    }
    Ok(())
}

/// `x-enumDescriptions` gives each enum value its documented meaning; the two must list the
/// same values, or a reader of the contract sees a value without a meaning.
pub(super) fn check_enum_descriptions(
    files: &ContractFiles,
    schema: &Schema,
) -> Result<(), ContractError> {
    let mismatch = find_in_objects(&schema.document, |pointer, map| {
        let (Some(Value::Array(values)), Some(Value::Object(meanings))) =
            (map.get("enum"), map.get("x-enumDescriptions"))
        else {
            return None;
        };
        let listed: Vec<&str> = values.iter().filter_map(Value::as_str).collect();
        let message = listed
            .iter()
            .find(|v| !meanings.contains_key(**v))
            .map(|v| format!("enum value {v} has no entry in x-enumDescriptions"))
            .or_else(|| {
                meanings
                    .keys()
                    .find(|d| !listed.contains(&d.as_str()))
                    .map(|d| format!("x-enumDescriptions describes {d}, which is not in enum"))
            })?;
        Some((pointer.to_owned(), message))
    });
    match mismatch {
        None => Ok(()),
        Some((pointer, message)) => Err(ContractError::Inconsistent {
            file: files.display_path(&format!("{SCHEMA_DIR}/{}", schema.file)),
            pointer,
            message,
        }),
    }
}

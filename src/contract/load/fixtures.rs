//! The fixtures: named response bodies per status (each checked against its status's schema,
//! or kept as a recording that breaks the contract), each documented status's default, and the
//! named valid and invalid requests.

use std::collections::BTreeMap;

use serde_json::Value;

use super::{FIXTURE_DIR, MANIFEST};
use crate::contract::{ContractError, ContractFiles, Example, Manifest, RequestFixture, Schema};

type ResponseExamples = (Vec<Example>, BTreeMap<u16, String>);

/// Every named response body under `fixtures/responses/<status>/`, checked against the schema
/// of its status, and each documented status's default example.
pub(super) fn response_examples(
    files: &ContractFiles,
    manifest: &Manifest,
    schemas: &BTreeMap<String, Schema>,
) -> Result<ResponseExamples, ContractError> {
    let root = format!("{FIXTURE_DIR}/{}", manifest.fixtures.responses);
    let mut examples: Vec<Example> = Vec::new();
    for status_dir in files.subdirs_of(&root) {
        status_examples(files, manifest, schemas, &root, &status_dir, &mut examples)?;
    }
    let defaults = default_examples(files, manifest, &examples)?;
    Ok((examples, defaults))
}

/// The bodies of one status folder. A documented status has its schema; a status the gap
/// policy allows has the error shape; any other status may hold only bodies marked as
/// breaking the contract.
fn status_examples(
    files: &ContractFiles,
    manifest: &Manifest,
    schemas: &BTreeMap<String, Schema>,
    root: &str,
    status_dir: &str,
    examples: &mut Vec<Example>,
) -> Result<(), ContractError> {
    let dir = format!("{root}/{status_dir}");
    // A documented key's folder (`201`, `4XX`, `default`) holds what the mock sends for it.
    let status = crate::contract::status_key::representative(&manifest.responses, status_dir)
        .or_else(|| status_dir.parse::<u16>().ok());
    let allowed_by_policy = |status: u16| {
        manifest
            .gap_policy
            .rejections
            .values()
            .any(|p| p.accept.contains(&status))
    };
    let schema = match (manifest.responses.get(status_dir), status) {
        (Some(spec), _) => Some(&schemas[&spec.schema]),
        (None, Some(status)) if allowed_by_policy(status) => {
            Some(&schemas[&manifest.gap_policy.error_schema])
        }
        _ => None,
    };
    let unmarked = files
        .json_files_in(&dir)
        .into_iter()
        .any(|rel| !rel.ends_with(BREAKS_CONTRACT));
    let (Some(status), true) = (status, schema.is_some() || !unmarked) else {
        return Err(ContractError::Inconsistent {
            file: files.display_path(&dir),
            pointer: String::new(),
            message: format!(
                "status {status_dir} is neither documented in {MANIFEST} /responses nor allowed by its gap policy; only bodies named *{BREAKS_CONTRACT} may be kept for it"
            ),
        });
    };
    for rel in files.json_files_in(&dir) {
        let body = files.json(rel)?;
        let breaks = match (rel.strip_suffix(BREAKS_CONTRACT), schema) {
            (Some(_), _) => Some(why_it_breaks(schema, status, &body)),
            (None, Some(schema)) => {
                must_match(files, rel, schema, &body)?;
                None
            }
            (None, None) => None,
        };
        let name = file_stem(rel);
        if let Some(twin) = examples.iter().find(|e| e.name == name) {
            return Err(ContractError::Inconsistent {
                file: files.display_path(rel),
                pointer: String::new(),
                message: format!(
                    "example name {name} is already used for status {}; names pick examples, so they must be unique",
                    twin.status
                ),
            });
        }
        examples.push(Example {
            name,
            status,
            body,
            file: files.display_path(rel),
            breaks,
        });
    }
    Ok(())
}

/// Each documented status's `fixture`, which must name one of its examples.
fn default_examples(
    files: &ContractFiles,
    manifest: &Manifest,
    examples: &[Example],
) -> Result<BTreeMap<u16, String>, ContractError> {
    let mut defaults = BTreeMap::new();
    for (status, spec) in &manifest.responses {
        let expected_dir = format!("{}/{status}/", manifest.fixtures.responses);
        let found = spec
            .fixture
            .strip_prefix(&expected_dir)
            .and_then(|file| file.strip_suffix(".json"))
            .and_then(|name| {
                examples
                    .iter()
                    .find(|e| e.name == name && e.breaks.is_none())
            });
        let Some(example) = found else {
            return Err(ContractError::Inconsistent {
                file: files.display_path(MANIFEST),
                pointer: format!("/responses/{status}/fixture"),
                message: format!(
                    "{} is not an example file under fixtures/{expected_dir}",
                    spec.fixture
                ),
            });
        };
        defaults.insert(example.status, example.name.clone());
    }
    Ok(defaults)
}

/// The named requests in `fixtures/<dir>/`: each must match the request schema (`valid`) or
/// be refused by it.
pub(super) fn requests(
    files: &ContractFiles,
    dir: &str,
    schema: &Schema,
    valid: bool,
) -> Result<Vec<RequestFixture>, ContractError> {
    let mut fixtures = Vec::new();
    for rel in files.json_files_in(&format!("{FIXTURE_DIR}/{dir}")) {
        let body = files.json(rel)?;
        if valid {
            must_match(files, rel, schema, &body)?;
        } else if schema.is_valid(&body) {
            return Err(ContractError::UnexpectedlyValid {
                file: files.display_path(rel),
                schema: schema.file.clone(),
            });
        }
        fixtures.push(RequestFixture {
            name: file_stem(rel),
            body,
        });
    }
    Ok(fixtures)
}

pub(super) fn must_match(
    files: &ContractFiles,
    rel: &str,
    schema: &Schema,
    body: &Value,
) -> Result<(), ContractError> {
    let violations = schema.violations(body);
    if violations.is_empty() {
        Ok(())
    } else {
        Err(ContractError::DoesNotMatch {
            file: files.display_path(rel),
            schema: schema.file.clone(),
            violations,
        })
    }
}

/// How a response body that breaks the contract is named: kept (a recording of what a backend
/// really sent), served by name, never a default.
pub const BREAKS_CONTRACT: &str = ".breaks-contract.json";

pub(super) fn file_stem(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.strip_suffix(BREAKS_CONTRACT)
        .or_else(|| name.strip_suffix(".json"))
        .unwrap_or(name)
        .to_owned()
}

/// Why a body marked as breaking the contract breaks it, in one line.
fn why_it_breaks(schema: Option<&Schema>, status: u16, body: &Value) -> String {
    let Some(schema) = schema else {
        return format!("status {status} is neither documented nor allowed by the gap policy");
    };
    match schema.violations(body).first() {
        Some(v) => {
            let at = if v.instance_path.is_empty() {
                "(root)"
            } else {
                &v.instance_path
            };
            format!("does not match {} at {at}: {}", schema.file, v.message)
        }
        None => format!(
            "marked as breaking the contract, but it matches {}",
            schema.file
        ),
    }
}

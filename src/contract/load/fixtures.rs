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
    let defaults = default_examples(files, manifest, &mut examples)?;
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
    let schema = folder_schema(files, manifest, schemas, status_dir, status)?;
    let unmarked = files
        .json_files_in(&dir)
        .into_iter()
        .any(|rel| !rel.ends_with(BREAKS_CONTRACT));
    let (Some(status), true) = (status, schema.is_some() || !unmarked) else {
        return Err(ContractError::Inconsistent {
            file: files.display_path(&dir),
            pointer: String::new(),
            message: match manifest.responses.contains_key(status_dir) {
                true => format!(
                    "status {status_dir} is documented without a body; only bodies named *{BREAKS_CONTRACT} may be kept for it"
                ),
                false => format!(
                    "status {status_dir} is neither documented in {MANIFEST} /responses nor allowed by its gap policy; only bodies named *{BREAKS_CONTRACT} may be kept for it"
                ),
            },
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
            no_body: false,
        });
    }
    Ok(())
}

/// The schema the bodies of a status folder must match: its documented status's (none for one
/// documented without a body), else the error shape where the gap policy allows the status.
fn folder_schema<'s>(
    files: &ContractFiles,
    manifest: &Manifest,
    schemas: &'s BTreeMap<String, Schema>,
    status_dir: &str,
    status: Option<u16>,
) -> Result<Option<&'s Schema>, ContractError> {
    let allowed_by_policy = |status: u16| {
        manifest
            .gap_policy
            .rejections
            .values()
            .any(|p| p.accept.contains(&status))
    };
    Ok(match (manifest.responses.get(status_dir), status) {
        (Some(spec), _) => match super::body_files(spec) {
            Ok(named) => named.map(|(file, _)| &schemas[file]),
            Err(message) => {
                return Err(ContractError::Inconsistent {
                    file: files.display_path(MANIFEST),
                    pointer: format!("/responses/{status_dir}"),
                    message,
                });
            }
        },
        (None, Some(status)) if allowed_by_policy(status) => {
            Some(&schemas[&manifest.gap_policy.error_schema])
        }
        _ => None,
    })
}

/// Each documented status's `fixture`, which must name one of its examples; a status
/// documented without a body gets its empty answer as an example.
fn default_examples(
    files: &ContractFiles,
    manifest: &Manifest,
    examples: &mut Vec<Example>,
) -> Result<BTreeMap<u16, String>, ContractError> {
    let mut defaults = BTreeMap::new();
    for (status, spec) in &manifest.responses {
        let inconsistent = |pointer: &str, message: String| ContractError::Inconsistent {
            file: files.display_path(MANIFEST),
            pointer: format!("/responses/{status}{pointer}"),
            message,
        };
        let fixture = match super::body_files(spec) {
            Ok(Some((_, fixture))) => fixture,
            Ok(None) => {
                let Some(code) =
                    crate::contract::status_key::representative(&manifest.responses, status)
                else {
                    return Err(inconsistent("", "a response key must be an HTTP status code, a range such as 2XX, or default".into()));
                };
                let example = Example::no_body(status, code, files.display_path(MANIFEST));
                defaults.insert(code, example.name.clone());
                examples.push(example);
                continue;
            }
            Err(message) => return Err(inconsistent("", message)),
        };
        let expected_dir = format!("{}/{status}/", manifest.fixtures.responses);
        let found = fixture
            .strip_prefix(&expected_dir)
            .and_then(|file| file.strip_suffix(".json"))
            .and_then(|name| {
                examples
                    .iter()
                    .find(|e| e.name == name && e.breaks.is_none())
            });
        let Some(example) = found else {
            return Err(inconsistent(
                "/fixture",
                format!("{fixture} is not an example file under fixtures/{expected_dir}"),
            ));
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

//! Loading: parse every file, compile every schema once against one registry, then check that
//! each documented example and fixture agrees with its schema and that the files agree with each
//! other. Stops at the first problem, which names its file.

use std::collections::BTreeMap;

use jsonschema::Registry;
use serde_json::Value;

use super::files::parse;
use super::{
    Contract, ContractError, ContractFiles, Example, Manifest, RejectionKind, RequestFixture,
    Schema, Users,
};

pub const MANIFEST: &str = "schemas/contract.json";
const SCHEMA_DIR: &str = "schemas";
const FIXTURE_DIR: &str = "fixtures";
/// Base URI for schemas without an `$id`, so relative `$ref`s by file name still resolve.
const FALLBACK_BASE: &str = "https://mfa-contract.invalid/schemas/";

pub fn load(files: &ContractFiles) -> Result<Contract, ContractError> {
    let manifest: Manifest = files.parse(MANIFEST)?;
    check_manifest(files, &manifest)?;
    let schemas = compile_schemas(files)?;
    let in_manifest = |pointer: &str, message: String| ContractError::Inconsistent {
        file: files.display_path(MANIFEST),
        pointer: pointer.to_owned(),
        message,
    };
    let mut named = vec![
        ("/request/schema".to_owned(), &manifest.request.schema),
        (
            "/gapPolicy/errorSchema".to_owned(),
            &manifest.gap_policy.error_schema,
        ),
        (
            "/fixtures/usersSchema".to_owned(),
            &manifest.fixtures.users_schema,
        ),
    ];
    for (status, spec) in &manifest.responses {
        named.push((format!("/responses/{status}/schema"), &spec.schema));
    }
    for (pointer, file) in named {
        if !schemas.contains_key(file) {
            return Err(in_manifest(
                &pointer,
                format!("names schema {file}, which is not in {SCHEMA_DIR}/"),
            ));
        }
    }
    let selects = jsonptr::PointerBuf::parse(&manifest.request.selects).map_err(|e| {
        in_manifest(
            "/request/selects",
            format!("{:?} is not a JSON pointer: {e}", manifest.request.selects),
        )
    })?;
    let selected = super::selector_schema(&schemas[&manifest.request.schema].document, &selects);
    if !selected.is_some_and(|s| s.get("enum").is_some_and(Value::is_array)) {
        return Err(in_manifest(
            "/request/selects",
            format!(
                "{} must point at a property of {} that has an enum",
                manifest.request.selects, manifest.request.schema
            ),
        ));
    }
    for schema in schemas.values() {
        check_examples(files, schema)?;
        check_enum_descriptions(files, schema)?;
    }

    let (examples, default_examples) = response_examples(files, &manifest, &schemas)?;
    let request_schema = &schemas[&manifest.request.schema];
    let valid_requests = request_fixtures(
        files,
        &manifest.fixtures.valid_requests,
        request_schema,
        true,
    )?;
    let invalid_requests = request_fixtures(
        files,
        &manifest.fixtures.invalid_requests,
        request_schema,
        false,
    )?;

    let users_rel = format!("{FIXTURE_DIR}/{}", manifest.fixtures.users);
    let users = users(
        &files.display_path(&users_rel),
        files.bytes(&users_rel)?,
        &schemas[&manifest.fixtures.users_schema],
    )?;

    Ok(Contract {
        origin: files.origin().clone(),
        identity: super::Identity::new(files, &manifest),
        selects,
        manifest,
        schemas,
        default_examples,
        examples,
        valid_requests,
        invalid_requests,
        users,
    })
}

/// Checks a users file against its schema, then for what the schema cannot say.
pub fn users(file: &str, bytes: &[u8], schema: &Schema) -> Result<Users, ContractError> {
    let value: Value = parse(file, bytes)?;
    let violations = schema.violations(&value);
    if !violations.is_empty() {
        return Err(ContractError::DoesNotMatch {
            file: file.to_owned(),
            schema: schema.file.clone(),
            violations,
        });
    }
    let users: Users = parse(file, bytes)?;
    if let Some((pointer, message)) = users.inconsistencies().into_iter().next() {
        return Err(ContractError::Inconsistent {
            file: file.to_owned(),
            pointer,
            message,
        });
    }
    Ok(users)
}

fn check_manifest(files: &ContractFiles, manifest: &Manifest) -> Result<(), ContractError> {
    let problem = |pointer: String, message: String| ContractError::Inconsistent {
        file: files.display_path(MANIFEST),
        pointer,
        message,
    };
    if !manifest.path.starts_with('/') {
        return Err(problem("/path".into(), "must start with /".into()));
    }
    if manifest.method.is_empty() || !manifest.method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(problem(
            "/method".into(),
            format!("{:?} is not an HTTP method in capitals", manifest.method),
        ));
    }
    for status in manifest.responses.keys() {
        if !matches!(status.parse::<u16>(), Ok(100..=599)) {
            return Err(problem(
                format!("/responses/{status}"),
                "a response key must be an HTTP status code".into(),
            ));
        }
    }
    for kind in RejectionKind::ALL {
        let pointer = format!("/gapPolicy/rejections/{kind}");
        let Some(policy) = manifest.gap_policy.rejections.get(&kind) else {
            return Err(problem(
                pointer,
                format!("the policy for {kind} is missing"),
            ));
        };
        if !(400..=499).contains(&policy.status) {
            return Err(problem(
                format!("{pointer}/status"),
                format!("{} is not a 4xx status", policy.status),
            ));
        }
        if !policy.accept.contains(&policy.status) {
            return Err(problem(
                format!("{pointer}/accept"),
                format!("must include the status the mock sends ({})", policy.status),
            ));
        }
    }
    Ok(())
}

fn compile_schemas(files: &ContractFiles) -> Result<BTreeMap<String, Schema>, ContractError> {
    let mut documents = Vec::new();
    for rel in files.json_files_in(SCHEMA_DIR) {
        if rel == MANIFEST {
            continue;
        }
        let name = rel.trim_start_matches("schemas/").to_owned();
        let document = files.json(rel)?;
        let uri = document
            .get("$id")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .unwrap_or_else(|| format!("{FALLBACK_BASE}{name}"));
        documents.push((rel, name, uri, document));
    }
    // Every document on its own first, so that a broken file is named rather than the first
    // file that refers to it.
    let known: Vec<&str> = documents
        .iter()
        .map(|(_, _, uri, _)| uri.as_str())
        .collect();
    for (rel, _, uri, document) in &documents {
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
                .map(|(_, _, uri, doc)| (uri.as_str(), doc.clone())),
        )
        .and_then(|builder| builder.prepare())
        .map_err(|e| ContractError::InvalidSchema {
            file: files.display_path(SCHEMA_DIR),
            pointer: String::new(),
            message: e.to_string(),
        })?;
    let mut schemas = BTreeMap::new();
    for (rel, name, _, document) in documents {
        let schema = Schema::compile(&name, document, &registry).map_err(|p| {
            ContractError::InvalidSchema {
                file: files.display_path(rel),
                pointer: p.pointer,
                message: p.message,
            }
        })?;
        schemas.insert(name, schema);
    }
    Ok(schemas)
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
fn check_examples(files: &ContractFiles, schema: &Schema) -> Result<(), ContractError> {
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
fn check_enum_descriptions(files: &ContractFiles, schema: &Schema) -> Result<(), ContractError> {
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

type ResponseExamples = (Vec<Example>, BTreeMap<u16, String>);

fn response_examples(
    files: &ContractFiles,
    manifest: &Manifest,
    schemas: &BTreeMap<String, Schema>,
) -> Result<ResponseExamples, ContractError> {
    let root = format!("{FIXTURE_DIR}/{}", manifest.fixtures.responses);
    let mut examples: Vec<Example> = Vec::new();
    let policy_statuses: Vec<u16> = manifest
        .gap_policy
        .rejections
        .values()
        .flat_map(|p| p.accept.iter().copied())
        .collect();
    for status_dir in files.subdirs_of(&root) {
        let dir = format!("{root}/{status_dir}");
        let status = status_dir.parse::<u16>().ok();
        // A documented status has its schema; a status the gap policy allows has the error
        // shape; any other status may hold only bodies marked as breaking the contract.
        let schema = match (manifest.responses.get(&status_dir), status) {
            (Some(spec), _) => Some(&schemas[&spec.schema]),
            (None, Some(status)) if policy_statuses.contains(&status) => {
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
            let breaks = match rel.strip_suffix(BREAKS_CONTRACT) {
                Some(_) => Some(why_it_breaks(schema, status, &body)),
                None => {
                    must_match(files, rel, schema.expect("checked above"), &body)?;
                    None
                }
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
    }
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
    Ok((examples, defaults))
}

fn request_fixtures(
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

fn must_match(
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

fn file_stem(rel: &str) -> String {
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

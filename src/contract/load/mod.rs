//! Loading: parse every file, compile every schema once against one registry, then check that
//! each documented example and fixture agrees with its schema and that the files agree with each
//! other. Stops at the first problem, which names its file. `schemas.rs` compiles and checks the
//! schemas; `fixtures.rs` reads the examples and the request fixtures.

use std::collections::BTreeMap;

use serde_json::Value;

use super::files::parse;
use super::{
    Contract, ContractError, ContractFiles, Manifest, RejectionKind, ResponseSpec, Schema, Users,
};

mod fixtures;
mod operations;
mod schemas;

pub use fixtures::BREAKS_CONTRACT;

pub const MANIFEST: &str = "schemas/contract.json";
/// What the first operation's requests carry when it takes no body: anything (none is sent).
pub const NO_BODY: &str = "(no body)";
const SCHEMA_DIR: &str = "schemas";
const FIXTURE_DIR: &str = "fixtures";
/// Base URI for schemas without an `$id`, so relative `$ref`s by file name still resolve.
const FALLBACK_BASE: &str = "https://mfa-contract.invalid/schemas/";

pub fn load(files: &ContractFiles) -> Result<Contract, ContractError> {
    let manifest: Manifest = files.parse(MANIFEST)?;
    check_manifest(files, &manifest)?;
    let (schemas, registry) = schemas::compile(files)?;
    let selects = check_schema_names(files, &manifest, &schemas)?;
    for schema in schemas.values() {
        schemas::check_examples(files, schema)?;
        schemas::check_enum_descriptions(files, schema)?;
    }
    let (examples, default_examples) = fixtures::response_examples(files, &manifest, &schemas)?;
    let no_body = std::sync::Arc::new(
        Schema::compile(NO_BODY, "{}".into(), serde_json::json!({}), &registry)
            .expect("the empty schema compiles"),
    );
    let request_schema = match &manifest.request.schema {
        Some(file) => &schemas[file],
        None => &no_body,
    };
    let requests = &manifest.fixtures;
    let valid_requests = fixtures::requests(files, &requests.valid_requests, request_schema, true)?;
    let invalid_requests =
        fixtures::requests(files, &requests.invalid_requests, request_schema, false)?;
    operations::check_rules(&manifest.rules, |status, name| {
        default_examples.contains_key(&status)
            && name.is_none_or(|n| examples.iter().any(|e| e.name == n && e.status == status))
    })
    .map_err(|(pointer, message)| ContractError::Inconsistent {
        file: files.display_path(MANIFEST),
        pointer: format!("/rules{pointer}"),
        message,
    })?;
    let (operations, router) = operations::compile(files, &manifest, &schemas, &registry)?;
    let seed = operations::seed(files, &manifest, &registry, (&examples, &default_examples))?;
    let (path, query, headers) = seed.sample_parameters();
    let (credentials, _, scheme) =
        super::security::credentials(manifest.security.as_deref(), &manifest.auth, &|_| false);
    let users_rel = format!("{FIXTURE_DIR}/{}", manifest.fixtures.users);
    let users = users(
        &files.display_path(&users_rel),
        files.bytes(&users_rel)?,
        &schemas[&manifest.fixtures.users_schema],
        &manifest.accounts.invariants,
    )?;
    // Served by the seed's own pipeline unless it has parameters, no body or its own security.
    let plain = seed.spec.parameters.is_empty()
        && seed.spec.request.is_some()
        && manifest.security.is_none();
    Ok(Contract {
        takes_body: seed.spec.request.is_some(),
        query,
        headers,
        siblings: Vec::new(),
        template: manifest.path.clone(),
        sample_path: path,
        parameters: std::sync::Arc::clone(&seed.parameters),
        body_required: seed.spec.request.is_some(),
        credentials,
        security: manifest.security.clone(),
        scheme,
        response_headers: std::sync::Arc::clone(&seed.response_headers),
        seed_operation: (!plain).then(|| std::sync::Arc::new(seed)),
        seed_id: manifest.operation_id.clone(),
        origin: files.origin().clone(),
        identity: super::Identity::new(files, &manifest),
        selects,
        manifest,
        schemas: std::sync::Arc::new(schemas),
        no_body,
        default_examples,
        examples,
        valid_requests,
        invalid_requests,
        users,
        operations,
        router,
    })
}

/// Every schema the manifest names exists, and `request.selects` points at a property of the
/// request schema that has an enum; returns that pointer, parsed.
fn check_schema_names(
    files: &ContractFiles,
    manifest: &Manifest,
    schemas: &BTreeMap<String, Schema>,
) -> Result<jsonptr::PointerBuf, ContractError> {
    let in_manifest = |pointer: &str, message: String| ContractError::Inconsistent {
        file: files.display_path(MANIFEST),
        pointer: pointer.to_owned(),
        message,
    };
    let mut named = vec![
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
        if let Some(schema) = &spec.schema {
            named.push((format!("/responses/{status}/schema"), schema));
        }
    }
    if let Some(file) = &manifest.request.schema {
        named.push(("/request/schema".to_owned(), file));
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
    let body = manifest.request.schema.as_deref().unwrap_or(NO_BODY);
    let selected = schemas
        .get(body)
        .and_then(|schema| super::selector_schema(&schema.document, &selects))
        .map(|s| follow_ref(s, schemas));
    // Empty: the body selects nothing (an imported contract's first operation may have no enum).
    if !selects.is_root() && !selected.is_some_and(|s| s.get("enum").is_some_and(Value::is_array)) {
        return Err(in_manifest(
            "/request/selects",
            format!(
                "{} must point at a property of {body} that has an enum",
                manifest.request.selects
            ),
        ));
    }
    Ok(selects)
}

/// Checks a users file against its schema, then for what the schema cannot say.
pub fn users(
    file: &str,
    bytes: &[u8],
    schema: &Schema,
    invariants: &[crate::contract::rules::Invariant],
) -> Result<Users, ContractError> {
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
    if let Some((pointer, message)) = users.inconsistencies(invariants).into_iter().next() {
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
    if manifest.responses.is_empty() {
        return Err(problem(
            "/responses".into(),
            "documents no status: the mock would have nothing to answer with".into(),
        ));
    }
    if manifest.method.is_empty() || !manifest.method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(problem(
            "/method".into(),
            format!("{:?} is not an HTTP method in capitals", manifest.method),
        ));
    }
    for status in manifest.responses.keys() {
        if super::status_key::StatusKey::parse(status).is_none() {
            return Err(problem(
                format!("/responses/{status}"),
                "a response key must be an HTTP status code, a range such as 2XX, or default"
                    .into(),
            ));
        }
    }
    check_gap_policy(&manifest.gap_policy, "/gapPolicy")
        .map_err(|(pointer, message)| problem(pointer, message))?;
    Ok(())
}

/// `schema`, or what its `$ref` points at in another schema file (`file.json#/pointer`).
fn follow_ref<'s>(schema: &'s Value, schemas: &'s BTreeMap<String, Schema>) -> &'s Value {
    let Some(target) = schema.get("$ref").and_then(Value::as_str) else {
        return schema;
    };
    let (file, pointer) = target.split_once('#').unwrap_or((target, ""));
    let file = file.rsplit('/').next().unwrap_or(file);
    schemas
        .get(file)
        .and_then(|s| s.document.pointer(pointer))
        .unwrap_or(schema)
}

/// Every rejection kind has a policy whose mock status is a 4xx the checker accepts; `at`
/// is where the policy is (an operation's own is the manifest's with its changes).
pub(super) fn check_gap_policy(
    policy: &crate::contract::GapPolicy,
    at: &str,
) -> Result<(), (String, String)> {
    for kind in RejectionKind::ALL {
        let pointer = format!("{at}/rejections/{kind}");
        let Some(rule) = policy.rejections.get(&kind) else {
            return Err((pointer, format!("the policy for {kind} is missing")));
        };
        if !(400..=499).contains(&rule.status) {
            return Err((
                format!("{pointer}/status"),
                format!("{} is not a 4xx status", rule.status),
            ));
        }
        if !rule.accept.contains(&rule.status) {
            return Err((
                format!("{pointer}/accept"),
                format!("must include the status the mock sends ({})", rule.status),
            ));
        }
    }
    Ok(())
}

/// A response's schema and default fixture, or `None` for one documented without a body; one
/// of the two alone is an error.
fn body_files(spec: &ResponseSpec) -> Result<Option<(&str, &str)>, String> {
    match (spec.schema.as_deref(), spec.fixture.as_deref()) {
        (Some(schema), Some(fixture)) => Ok(Some((schema, fixture))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(
            "a response with a schema needs a fixture (its default body); give neither for one without a body".into(),
        ),
        (None, Some(_)) => Err(
            "a response with a fixture needs its schema; give neither for one without a body".into(),
        ),
    }
}

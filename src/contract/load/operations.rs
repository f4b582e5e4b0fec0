//! The manifest's other operations, checked and compiled: unique ids and routes, declared path
//! parameters, schemas that exist, examples that match their status's schema, and rules whose
//! statuses, examples and pointers all exist.

use std::collections::BTreeMap;

use super::fixtures::{file_stem, must_match};
use super::{FIXTURE_DIR, MANIFEST};
use crate::contract::operation::{Router, Target, template_params};
use crate::contract::rules::Rule;
use crate::contract::status_key;
use crate::contract::{
    ContractError, ContractFiles, Example, GapPolicy, Manifest, Operation, OperationSpec,
    Parameter, ParameterLocation, Schema,
};
use jsonschema::Registry;

type Schemas = BTreeMap<String, Schema>;
type ResponseHeaders = crate::contract::ResponseHeaders;

/// Every operation but the seed's, compiled, and the router over all of them.
pub(super) fn compile(
    files: &ContractFiles,
    manifest: &Manifest,
    schemas: &Schemas,
    registry: &Registry<'_>,
) -> Result<(Vec<Operation>, Router), ContractError> {
    let problem = |pointer: String, message: String| ContractError::Inconsistent {
        file: files.display_path(MANIFEST),
        pointer,
        message,
    };
    let mut router = Router::default();
    router.add(&manifest.method, &manifest.path, Target::Seed);
    let mut seen = vec![(
        manifest.operation_id.clone(),
        manifest.method.clone(),
        manifest.path.clone(),
    )];
    let mut operations = Vec::new();
    for (i, spec) in manifest.operations.iter().enumerate() {
        let at = format!("/operations/{i}");
        check_route(spec, &seen).map_err(|(field, m)| problem(format!("{at}/{field}"), m))?;
        seen.push((
            spec.operation_id.clone(),
            spec.method.clone(),
            spec.path.clone(),
        ));
        let parameters = parameters(files, spec, &at, registry)?;
        check_schema_names(spec, schemas).map_err(|(p, m)| problem(format!("{at}{p}"), m))?;
        if spec.responses.is_empty() {
            return Err(problem(
                format!("{at}/responses"),
                "documents no status: the mock would have nothing to answer with".into(),
            ));
        }
        let (examples, default_examples) = examples(files, spec, &at, schemas)?;
        let gap_policy = own_gap_policy(manifest, spec, &at).map_err(|(p, m)| problem(p, m))?;
        let operation = Operation {
            response_headers: response_headers(files, spec, &at, registry)?,
            gap_policy,
            spec: spec.clone(),
            parameters: std::sync::Arc::new(parameters),
            examples,
            default_examples,
        };
        check_rules(&spec.rules, |status, name| {
            operation.default_examples.contains_key(&status)
                && name.is_none_or(|n| operation.example(n).is_some_and(|e| e.status == status))
        })
        .map_err(|(p, m)| problem(format!("{at}/rules{p}"), m))?;
        router.add(&spec.method, &spec.path, Target::Other(i));
        operations.push(operation);
    }
    Ok((operations, router))
}

/// The manifest's gap policy with the operation's changes, when it has any.
fn own_gap_policy(
    manifest: &Manifest,
    spec: &OperationSpec,
    at: &str,
) -> Result<Option<GapPolicy>, (String, String)> {
    let Some(changes) = &spec.gap_policy else {
        return Ok(None);
    };
    let at = format!("{at}/gapPolicy");
    if let Some(kind) = changes.rejections.keys().find(|k| !k.is_on_operation()) {
        return Err((
            format!("{at}/rejections/{kind}"),
            format!(
                "{kind} concerns a path, not one operation: change it in the manifest's gapPolicy"
            ),
        ));
    }
    let policy = manifest.gap_policy.overridden(changes);
    super::check_gap_policy(&policy, &at)?;
    Ok(Some(policy))
}

/// A parameter (or a documented header) with its inline schema, at `pointer` in the manifest,
/// compiled.
fn inline_parameter(
    files: &ContractFiles,
    spec: crate::contract::ParameterSpec,
    pointer: &str,
    registry: &Registry<'_>,
) -> Result<Parameter, ContractError> {
    let file = format!("{MANIFEST}#{pointer}");
    let schema =
        Schema::compile(&file, String::new(), spec.schema.clone(), registry).map_err(|p| {
            ContractError::InvalidSchema {
                file: files.display_path(MANIFEST),
                pointer: format!("{pointer}{}", p.pointer),
                message: p.message,
            }
        })?;
    Ok(Parameter { spec, schema })
}

/// Each documented response's headers, compiled as header parameters are, by response key.
fn response_headers(
    files: &ContractFiles,
    spec: &OperationSpec,
    at: &str,
    registry: &Registry<'_>,
) -> Result<ResponseHeaders, ContractError> {
    let mut by_key = BTreeMap::new();
    for (key, response) in &spec.responses {
        let mut compiled = Vec::new();
        for (j, header) in response.headers.iter().enumerate() {
            let pointer = format!("{at}/responses/{key}/headers/{j}/schema");
            compiled.push(inline_parameter(
                files,
                header.as_parameter(),
                &pointer,
                registry,
            )?);
        }
        if !compiled.is_empty() {
            by_key.insert(key.clone(), compiled);
        }
    }
    Ok(std::sync::Arc::new(by_key))
}

/// The first operation compiled as the others are, with the examples `fixtures/responses/`
/// gave it.
pub(super) fn seed(
    files: &ContractFiles,
    manifest: &Manifest,
    registry: &Registry<'_>,
    (examples, default_examples): (&[Example], &BTreeMap<u16, String>),
) -> Result<Operation, ContractError> {
    let spec = manifest.seed_spec();
    let parameters = parameters(files, &spec, "", registry)?;
    Ok(Operation {
        response_headers: response_headers(files, &spec, "", registry)?,
        spec,
        parameters: std::sync::Arc::new(parameters),
        examples: examples.to_vec(),
        default_examples: default_examples.clone(),
        gap_policy: None,
    })
}

fn check_route(
    spec: &OperationSpec,
    seen: &[(String, String, String)],
) -> Result<(), (&'static str, String)> {
    if !spec.path.starts_with('/') {
        return Err(("path", "must start with /".into()));
    }
    if spec.method.is_empty() || !spec.method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err((
            "method",
            format!("{:?} is not an HTTP method in capitals", spec.method),
        ));
    }
    if let Some((id, _, _)) = seen.iter().find(|(id, _, _)| *id == spec.operation_id) {
        return Err((
            "operationId",
            format!("{id} names another operation already"),
        ));
    }
    if let Some((id, ..)) = seen
        .iter()
        .find(|(_, m, p)| *m == spec.method && *p == spec.path)
    {
        return Err((
            "path",
            format!("{} {} is operation {id} already", spec.method, spec.path),
        ));
    }
    Ok(())
}

fn parameters(
    files: &ContractFiles,
    spec: &OperationSpec,
    at: &str,
    registry: &Registry<'_>,
) -> Result<Vec<Parameter>, ContractError> {
    let problem = |pointer: String, message: String| ContractError::Inconsistent {
        file: files.display_path(MANIFEST),
        pointer,
        message,
    };
    for name in template_params(&spec.path) {
        let declared = spec
            .parameters
            .iter()
            .any(|p| p.name == name && p.location == ParameterLocation::Path);
        if !declared {
            return Err(problem(
                format!("{at}/path"),
                format!("{{{name}}} has no path parameter"),
            ));
        }
    }
    let mut compiled = Vec::new();
    for (j, parameter) in spec.parameters.iter().enumerate() {
        let pointer = format!("{at}/parameters/{j}/schema");
        compiled.push(inline_parameter(
            files,
            parameter.clone(),
            &pointer,
            registry,
        )?);
    }
    Ok(compiled)
}

fn check_schema_names(spec: &OperationSpec, schemas: &Schemas) -> Result<(), (String, String)> {
    let mut named: Vec<(String, &str)> = spec
        .responses
        .iter()
        .filter_map(|(status, r)| {
            Some((format!("/responses/{status}/schema"), r.schema.as_deref()?))
        })
        .collect();
    if let Some(body) = &spec.request {
        named.push(("/request/schema".into(), &body.schema));
    }
    for (pointer, file) in named {
        if !schemas.contains_key(file) {
            return Err((
                pointer,
                format!("names schema {file}, which is not in schemas/"),
            ));
        }
    }
    Ok(())
}

/// The examples of each documented status: every file in its `fixture`'s folder.
fn examples(
    files: &ContractFiles,
    spec: &OperationSpec,
    at: &str,
    schemas: &Schemas,
) -> Result<(Vec<Example>, BTreeMap<u16, String>), ContractError> {
    let mut examples: Vec<Example> = Vec::new();
    let mut defaults = BTreeMap::new();
    for (key, response) in &spec.responses {
        let pointer = format!("{at}/responses/{key}");
        let inconsistent = |message: String| ContractError::Inconsistent {
            file: files.display_path(MANIFEST),
            pointer: pointer.clone(),
            message,
        };
        let Some(status) = status_key::representative(&spec.responses, key) else {
            return Err(inconsistent(
                "a response key must be an HTTP status code, a range such as 2XX, or default"
                    .into(),
            ));
        };
        let (schema, fixture) = match super::body_files(response) {
            Ok(Some(named)) => named,
            Ok(None) => {
                let example = Example::no_body(key, status, files.display_path(MANIFEST));
                defaults.insert(status, example.name.clone());
                examples.push(example);
                continue;
            }
            Err(message) => return Err(inconsistent(message)),
        };
        let fixture = format!("{FIXTURE_DIR}/{fixture}");
        let dir = fixture.rsplit_once('/').map_or("", |(dir, _)| dir);
        if !files.json_files_in(dir).contains(&fixture.as_str()) {
            return Err(inconsistent(format!(
                "fixture {} is not a file under fixtures/",
                &fixture[FIXTURE_DIR.len() + 1..]
            )));
        }
        for rel in files.json_files_in(dir) {
            let body = files.json(rel)?;
            must_match(files, rel, &schemas[schema], &body)?;
            let name = file_stem(rel);
            if examples.iter().any(|e| e.name == name) {
                return Err(inconsistent(format!(
                    "example name {name} is used twice in this operation"
                )));
            }
            if rel == fixture {
                defaults.insert(status, name.clone());
            }
            examples.push(Example {
                name,
                status,
                body,
                file: files.display_path(rel),
                breaks: None,
                no_body: false,
            });
        }
    }
    Ok((examples, defaults))
}

/// Each rule answers a documented status (and an example of it, when it names one), and every
/// pointer in it parses. `documented(status, example)` says whether the operation has them.
pub(super) fn check_rules(
    rules: &[Rule],
    documented: impl Fn(u16, Option<&str>) -> bool,
) -> Result<(), (String, String)> {
    for (i, rule) in rules.iter().enumerate() {
        if !documented(rule.respond, rule.example.as_deref()) {
            return Err((
                format!("/{i}/respond"),
                format!(
                    "{} {} is not a documented answer of this operation",
                    rule.respond,
                    rule.example.as_deref().unwrap_or("")
                ),
            ));
        }
    }
    Ok(())
}

//! The pipeline of the contract's other operations: route (done by the caller), credentials
//! as the operation's security says, parameters typed and validated, the body when it has one,
//! a scenario, then the answer its rules pick from the caller's account. Each refusal is the
//! gap policy's, with pointers to what is wrong.

use std::sync::Arc;

use actix_web::HttpRequest;
use actix_web::http::header;
use actix_web::web;
use serde_json::{Map, Value};

use super::MockState;
use super::account::{Answers, answer};
use super::bodies::Bodies;
use super::choose::{Chosen, scenario};
use super::reply::{Reply, Step, stop};
use super::scenario::Rules;
use super::steps::{
    RequestFacts, authenticate, content_type, parse_json, read_body, refuse_violations, validate,
};
use crate::contract::rules::RequestValues;
use crate::contract::{
    Contract, Operation, ParameterLocation, RejectionKind, Security, Violation, status_key,
};

/// What the mock keeps for each of the contract's other operations.
pub(super) struct Served {
    pub(super) id: Arc<str>,
    /// The operation's own gap policy, when it changes the manifest's.
    pub(super) gap_policy: Option<crate::contract::GapPolicy>,
    pub(super) bodies: Bodies,
    pub(super) scenarios: Rules,
}

impl Served {
    /// A refusal of the manifest's gap policy, as this operation's own words it; where the
    /// operation documents the refusal's status (itself, its range or `default`) with a schema
    /// the error body does not match, the documented example's body instead: the mock never
    /// contradicts its own contract.
    pub(super) fn restyle(&self, refusal: &mut Reply, operation: &Operation, contract: &Contract) {
        let Some(kind) = refusal.rejected else {
            return;
        };
        if let Some(rule) = self
            .gap_policy
            .as_ref()
            .and_then(|p| p.rejections.get(&kind))
        {
            refusal.restyled(rule);
        }
        let status = refusal.status.as_u16();
        let responses = &operation.spec.responses;
        let Some(key) = status_key::documenting(responses, status) else {
            return;
        };
        let schema = contract.operation_schema(operation, status);
        let sent = serde_json::from_slice::<Value>(&refusal.body).ok();
        if sent.as_ref().is_some_and(|body| schema.is_valid(body)) {
            return;
        }
        let documented = status_key::representative(responses, key)
            .and_then(|representative| self.bodies.value_of(None, representative));
        let Some(documented) = documented else {
            return;
        };
        // Our diagnostics beside the documented fields where the schema lets them stay.
        let mut merged = match sent {
            Some(Value::Object(fields)) => fields,
            _ => Map::new(),
        };
        let body = match documented {
            Value::Object(fields) => {
                merged.extend(fields.clone());
                let merged = Value::Object(merged);
                if schema.is_valid(&merged) {
                    merged
                } else {
                    Value::Object(fields)
                }
            }
            other => other,
        };
        refusal.body = serde_json::to_vec(&body)
            .expect("a JSON value serializes")
            .into();
    }

    pub(super) fn new(operation: &Operation, max_delay: std::time::Duration) -> Self {
        Self {
            id: operation.id().into(),
            gap_policy: operation.gap_policy.clone(),
            bodies: Bodies::of_operation(operation),
            scenarios: Rules::of_operation(operation, max_delay),
        }
    }
}

/// Parameters by where they came from, typed as their schemas say.
#[derive(Default)]
struct Params {
    path: Map<String, Value>,
    query: Map<String, Value>,
    header: Map<String, Value>,
}

pub(super) async fn run<'r>(
    req: &'r HttpRequest,
    payload: &mut web::Payload,
    state: &MockState,
    seen: &mut RequestFacts<'r>,
    (operation, served): (&Operation, &Served),
    path: Map<String, Value>,
) -> Step<Reply> {
    let token = credentials(req, state, operation)?;
    seen.token = token;
    let params = parameters(req, state, operation, path)?;
    let body = match &operation.spec.request {
        Some(spec) if spec.required || has_body(req) => {
            content_type(req, state, &spec.content_type)?;
            seen.body = read_body(req, payload, state).await?;
            seen.body_complete = true;
            if !spec.required && seen.body.iter().all(u8::is_ascii_whitespace) {
                None
            } else {
                let body = parse_json(&seen.body, state)?;
                validate(
                    &body,
                    state,
                    state
                        .contract
                        .schema_named(&spec.schema)
                        .expect("load checks request schemas"),
                )?;
                Some(body)
            }
        }
        _ => None,
    };
    let chosen = scenario(req, state, &served.scenarios, token, operation.id())?;
    let request = RequestValues {
        body: body.as_ref(),
        path: Some(&params.path),
        query: Some(&params.query),
        headers: Some(&params.header),
    };
    Ok(respond(state, operation, served, token, request, chosen))
}

/// A request announces a body with a length or a chunked transfer.
fn has_body(req: &HttpRequest) -> bool {
    let length = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    length.is_some_and(|l| l > 0) || req.headers().contains_key(header::TRANSFER_ENCODING)
}

fn respond(
    state: &MockState,
    operation: &Operation,
    served: &Served,
    token: Option<&str>,
    request: RequestValues<'_>,
    chosen: Option<Chosen>,
) -> Reply {
    let from_account = || {
        let answers = Answers {
            rules: &operation.spec.rules,
            bodies: &served.bodies,
            fallback: operation
                .success_status()
                .expect("load checks every operation documents a status"),
            valid: &|status, body| {
                state
                    .contract
                    .operation_schema(operation, status)
                    .is_valid(body)
            },
        };
        answer(state, token, &answers, request)
    };
    let first_error = operation.documented_statuses().find(|s| *s >= 400);
    super::choose::shaped(chosen, &served.bodies, first_error, from_account)
}

/// The credential the operation's security asks for: the manifest's for an operation that says
/// nothing, none for `[]`, else the first of its schemes the request satisfies.
fn credentials<'r>(
    req: &'r HttpRequest,
    state: &MockState,
    operation: &Operation,
) -> Step<Option<&'r str>> {
    let Some(schemes) = &operation.spec.security else {
        return authenticate(req, state).map(Some);
    };
    if schemes.is_empty() {
        return Ok(None);
    }
    let mut wanted = Vec::new();
    for scheme in schemes {
        let found = match scheme {
            Security::Bearer { .. } => {
                if let Ok(token) = authenticate(req, state) {
                    return Ok(Some(token));
                }
                wanted.push("Authorization: Bearer <token>".to_owned());
                None
            }
            Security::ApiKeyHeader { name, .. } => {
                wanted.push(format!("a {name} header"));
                req.headers()
                    .get(name.as_str())
                    .and_then(|v| v.to_str().ok())
            }
            Security::ApiKeyQuery { name, .. } => {
                wanted.push(format!("a {name} query parameter"));
                query_value(req, name)
            }
        };
        if let Some(key) = found.filter(|k| !k.is_empty()) {
            if state.settings.strict_tokens && !state.users().is_known(key) {
                return stop(state.reject(
                    RejectionKind::Unauthorized,
                    "the key is not in the users file (the mock runs with --strict-tokens)",
                ));
            }
            return Ok(Some(key));
        }
    }
    stop(state.reject(
        RejectionKind::Unauthorized,
        format!("send {}", wanted.join(" or ")),
    ))
}

/// The raw value of a query parameter, as it appears in the URI (a key is not decoded).
fn query_value<'r>(req: &'r HttpRequest, name: &str) -> Option<&'r str> {
    req.uri().query()?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name).then_some(value)
    })
}

fn parameters(
    req: &HttpRequest,
    state: &MockState,
    operation: &Operation,
    path: Map<String, Value>,
) -> Step<Params> {
    let query: Vec<(String, String)> = url::form_urlencoded::parse(req.query_string().as_bytes())
        .into_owned()
        .collect();
    let mut params = Params::default();
    let mut violations = Vec::new();
    for parameter in operation.parameters.iter() {
        let name = &parameter.spec.name;
        let text = match parameter.location() {
            ParameterLocation::Path => path.get(name).and_then(Value::as_str).map(str::to_owned),
            ParameterLocation::Query => query
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone()),
            ParameterLocation::Header => req
                .headers()
                .get(name.as_str())
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()),
        };
        let place = match parameter.location() {
            ParameterLocation::Path => "path",
            ParameterLocation::Query => "query",
            ParameterLocation::Header => "header",
        };
        let pointer = format!("/{place}/{}", name.replace('~', "~0").replace('/', "~1"));
        let Some(text) = text else {
            if parameter.spec.required {
                violations.push(Violation {
                    instance_path: pointer,
                    schema_path: String::new(),
                    message: format!("the {place} parameter {name} is required"),
                });
            }
            continue;
        };
        let value = parameter.typed(&text);
        violations.extend(
            parameter
                .schema
                .violations(&value)
                .into_iter()
                .map(|v| Violation {
                    instance_path: format!("{pointer}{}", v.instance_path),
                    ..v
                }),
        );
        let into = match parameter.location() {
            ParameterLocation::Path => &mut params.path,
            ParameterLocation::Query => &mut params.query,
            ParameterLocation::Header => &mut params.header,
        };
        into.insert(
            if place == "header" {
                name.to_ascii_lowercase()
            } else {
                name.clone()
            },
            value,
        );
    }
    if violations.is_empty() {
        return Ok(params);
    }
    refuse_violations(state, RejectionKind::ParameterViolation, violations)
}

impl MockState {
    pub(super) fn operation_id(&self, target: crate::contract::Target) -> Arc<str> {
        match target {
            crate::contract::Target::Seed => self.seed_id.clone(),
            crate::contract::Target::Other(i) => self.operations[i].id.clone(),
        }
    }

    /// The operation `target` names and what the mock keeps for it, when this pipeline serves
    /// it (the seed's has its own unless it has parameters, no body or its own security).
    pub(super) fn served(&self, target: crate::contract::Target) -> Option<(&Operation, &Served)> {
        match target {
            crate::contract::Target::Seed => {
                Some((self.contract.seed_operation()?, self.seed.as_ref()?))
            }
            crate::contract::Target::Other(i) => {
                Some((&self.contract.operations()[i], &self.operations[i]))
            }
        }
    }

    /// What a 404 says is served instead.
    pub(super) fn served_hint(&self) -> String {
        match self.operations.len() {
            0 => format!(
                "the endpoint is {} {}",
                self.contract.method(),
                self.contract.path()
            ),
            n => format!(
                "the contract has {} operations; GET /__admin/state lists them",
                n + 1
            ),
        }
    }
}

//! The journal as a Pact V4 consumer contract: what the app really sent in its end-to-end run
//! and what it was answered, one interaction per distinct request and status, described as
//! the checker classes the request ("a valid request", "a request without a token").
//! Matching rules come from the contract's schemas (the enum as a regex, every documented
//! field of an answer by type), so the pact does not pin one example's values; the mock's
//! diagnostic fields are left out of the expected answers. A valid request carries the
//! provider state that makes its answer (the user's account document), which the mock sets up
//! at `POST /__admin/provider-states` when the Pact verifier replays it.

use std::collections::BTreeSet;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::cases::Expect;
use crate::check::ObservedRequest;
use crate::check::observed::{self, Violation, request_case};
use crate::contract::{Contract, RejectionKind};
use crate::credentials::Credentials;
use crate::har::write::Exchange;

/// Who the pact is between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub consumer: String,
    pub provider: String,
}

/// The defaults of `--pact-consumer` and `--pact-provider`, defined once.
pub mod defaults {
    pub const CONSUMER: &str = "frontend";
    pub const PROVIDER: &str = "flashback-backend";
}

impl Default for Names {
    fn default() -> Self {
        Self {
            consumer: defaults::CONSUMER.to_owned(),
            provider: defaults::PROVIDER.to_owned(),
        }
    }
}

/// A provider state: its name, and what the provider needs to set it up.
#[derive(Debug, Clone, PartialEq)]
pub struct ProviderState {
    pub name: String,
    pub params: Value,
}

/// The Pact V4 document of these exchanges, each with the states it was made in (if any).
pub fn document(
    contract: &Contract,
    names: &Names,
    exchanges: &[(Exchange, Vec<ProviderState>)],
) -> Value {
    let mut seen = BTreeSet::new();
    let mut interactions = Vec::new();
    let mut left_out = Vec::new();
    // Each exchange classed and matched by its own operation.
    let views: Vec<Contract> = contract.views().collect();
    for (exchange, states) in exchanges {
        match interaction(contract, &views, exchange, states) {
            Ok((key, value)) => {
                if seen.insert(key) {
                    interactions.push(value);
                }
            }
            Err(why) => left_out.push(format!("{} {}: {why}", exchange.method, exchange.url)),
        }
    }
    json!({
        "consumer": { "name": names.consumer },
        "provider": { "name": names.provider },
        "interactions": interactions,
        "metadata": {
            "pactSpecification": { "version": "4.0" },
            "mfa-contract": {
                "version": env!("CARGO_PKG_VERSION"),
                "contract": contract.identity().short(),
                "leftOut": left_out,
            },
        },
    })
}

fn header<'a>(exchange: &'a [(String, String)], name: &str) -> Option<&'a str> {
    exchange
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// One interaction and the key that makes it distinct, or why the exchange cannot be one.
fn interaction(
    contract: &Contract,
    views: &[Contract],
    exchange: &Exchange,
    states: &[ProviderState],
) -> Result<(String, Value), &'static str> {
    let status = exchange.status.ok_or("no answer went out")?;
    let path = url::Url::parse(&exchange.url)
        .map(|u| u.path().to_owned())
        .map_err(|_| "no URL")?;
    if exchange.method == "OPTIONS" {
        return Err("a CORS preflight");
    }
    let contract = contract
        .view_index(&exchange.method, &path)
        .and_then(|i| views.get(i))
        .ok_or("not an operation of the contract")?;
    if exchange.request_body.len() < exchange.request_body_size {
        return Err("the journal kept only part of the body");
    }
    let response_body: Option<Value> = match exchange.response_body.as_str() {
        "" => None,
        text => Some(serde_json::from_str(text).map_err(|_| "the answer is not JSON (a fault)")?),
    };
    let headers = &exchange.request_headers;
    let authorization = header(headers, &contract.auth().header);
    let token = authorization.and_then(|v| Credentials::parse(v).credential());
    let content_type = header(headers, "content-type");
    let body = exchange.request_body.as_bytes();
    let json = ObservedRequest::parse(body);
    let observed_request = ObservedRequest {
        method: &exchange.method,
        content_type,
        authorization,
        body,
        json: &json,
        accept: header(headers, "accept"),
    };
    let ctx = observed::ctx(contract, token);
    let (case, violations) = request_case(&ctx, &observed_request, token.is_some());
    let mut description = describe(
        contract,
        &observed_request,
        case.expect,
        &violations,
        status,
    );
    if let Some(prefer) = header(headers, "prefer") {
        description.push_str(&format!(" (Prefer: {prefer})"));
    }
    if !contract.is_seed_view() {
        // The seed's interactions keep the names 0.2 gave them; the others say where they go.
        description = format!("{} {path}: {description}", exchange.method);
    }
    // Who sent a refused request, and what was armed, does not change its answer.
    let states = match case.expect {
        Expect::Accept => states,
        Expect::Reject(_) => &[],
    };
    let names: Vec<&str> = states.iter().map(|s| s.name.as_str()).collect();
    let key = format!("{description}|{status}|{}", names.join("|"));
    let mut value = json!({
        "type": "Synchronous/HTTP",
        "description": description,
        "request": request(contract, exchange, &path, json.as_ref().ok(), case.expect),
        "response": response(contract, exchange, status, response_body),
    });
    if !states.is_empty() {
        value["providerStates"] = states
            .iter()
            .map(|s| json!({ "name": s.name, "params": s.params }))
            .collect();
    }
    Ok((key, value))
}

/// What the request is, in words, as the checker classes it.
fn describe(
    contract: &Contract,
    request: &ObservedRequest<'_>,
    expect: Expect,
    violations: &[Violation],
    status: u16,
) -> String {
    match expect {
        Expect::Accept => {
            let value = request
                .json
                .as_ref()
                .ok()
                .and_then(|b| contract.selected_value(b))
                .map(|v| format!("{v} "))
                .unwrap_or_default();
            match status {
                200..=299 => format!("a valid {value}request"),
                _ => format!("a valid {value}request answered {status}"),
            }
        }
        Expect::Reject(RejectionKind::Unauthorized) => match request.authorization {
            None => "a request without a token".to_owned(),
            Some(v) if Credentials::parse(v).credential().is_none() => {
                format!(
                    "a request without a usable {} token",
                    contract.auth().scheme
                )
            }
            Some(_) => "a request with a token the server does not know".to_owned(),
        },
        Expect::Reject(RejectionKind::MethodNotAllowed) => format!("a {} request", request.method),
        Expect::Reject(RejectionKind::UnsupportedMediaType) => match request.content_type {
            Some(ct) => format!("a request with Content-Type {ct}"),
            None => "a request without a Content-Type".to_owned(),
        },
        Expect::Reject(RejectionKind::PayloadTooLarge) => {
            "a request over the size limit".to_owned()
        }
        Expect::Reject(RejectionKind::MalformedJson) if request.body.is_empty() => {
            "a request without a body".to_owned()
        }
        Expect::Reject(RejectionKind::MalformedJson) => {
            "a request whose body is not JSON".to_owned()
        }
        Expect::Reject(_) => {
            let why = violations
                .iter()
                .find(|v| v.check == "request_schema_conformance")
                .map(|v| {
                    v.message
                        .rsplit(": ")
                        .next()
                        .unwrap_or(&v.message)
                        .to_owned()
                })
                .unwrap_or_default();
            format!("an invalid request: {why}")
        }
    }
}

fn request(
    contract: &Contract,
    exchange: &Exchange,
    path: &str,
    json: Option<&Value>,
    expect: Expect,
) -> Value {
    let mut headers = Map::new();
    for name in [contract.auth().header.as_str(), "Content-Type", "Prefer"] {
        if let Some(value) = header(&exchange.request_headers, name) {
            headers.insert(name.to_owned(), json!([value]));
        }
    }
    let mut request = json!({ "method": exchange.method, "path": path, "headers": headers });
    let content_type =
        header(&exchange.request_headers, "content-type").unwrap_or("application/octet-stream");
    match json {
        Some(body) => {
            request["body"] =
                json!({ "contentType": content_type, "encoded": false, "content": body });
        }
        None if !exchange.request_body.is_empty() => {
            let raw = base64::engine::general_purpose::STANDARD.encode(&exchange.request_body);
            request["body"] =
                json!({ "contentType": content_type, "encoded": "base64", "content": raw });
        }
        None => {}
    }
    let enum_values: Vec<String> = contract.selectable_names();
    // A body that selects a value matches any of them; one that selects nothing, as sent.
    if expect == Expect::Accept && !enum_values.is_empty() && json.is_some() {
        request["matchingRules"] = json!({ "body": {
            format!("$.{}", contract.selected_property()): rule(json!({
                "match": "regex",
                "regex": format!("^({})$", enum_values.join("|")),
            })),
        }});
    }
    request
}

fn response(contract: &Contract, exchange: &Exchange, status: u16, body: Option<Value>) -> Value {
    let mut response = json!({ "status": status });
    // A refusal whose body the documentation leaves open (an imported document's undocumented
    // status): the provider owes its status, not the mock's body or media type.
    if contract.body_left_open(status, false) {
        return response;
    }
    if let Some(ct) = header(&exchange.response_headers, "content-type") {
        response["headers"] = json!({ "Content-Type": [ct] });
    }
    let Some(Value::Object(body)) = body else {
        return response;
    };
    // What the contract says an answer of this status has; the mock's diagnostics are not.
    let documented = contract.body_properties(status);
    let mut expected = Map::new();
    let mut rules = Map::new();
    for (name, value) in body {
        let Some(schema) = documented.get(&name) else {
            continue;
        };
        if schema.get("x-mock-diagnostic") == Some(&Value::Bool(true)) {
            continue;
        }
        let matcher = match schema.get("enum").and_then(Value::as_array) {
            Some(values) => {
                let values: Vec<String> = values
                    .iter()
                    .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                    .collect();
                json!({ "match": "regex", "regex": format!("^({})$", values.join("|")) })
            }
            None => json!({ "match": "type" }),
        };
        rules.insert(format!("$.{name}"), rule(matcher));
        expected.insert(name, value);
    }
    let content_type =
        header(&exchange.response_headers, "content-type").unwrap_or("application/json");
    response["body"] =
        json!({ "contentType": content_type, "encoded": false, "content": expected });
    response["matchingRules"] = json!({ "body": rules });
    response
}

fn rule(matcher: Value) -> Value {
    json!({ "combine": "AND", "matchers": [matcher] })
}

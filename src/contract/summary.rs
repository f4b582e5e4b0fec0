//! The contract as a reviewer reads it: endpoint, auth, request and response schemas with
//! every enum value's meaning, the gap policy, and every fixture, in plain text. Snapshotted,
//! so any change to `schemas/` or `fixtures/` shows up as a diff that is accepted on purpose.
//! Users are listed by name: a token, even a demo one, is not printed.

use std::fmt::Write as _;

use serde_json::{Value, json};

use super::{Contract, Schema};

pub fn summary(contract: &Contract) -> String {
    let mut out = String::new();
    for section in [endpoint, responses, operations, gap_policy, fixtures] {
        section(&mut out, contract);
    }
    out
}

/// Title, source, description, the endpoint, and the request body.
fn endpoint(out: &mut String, contract: &Contract) {
    let m = contract.manifest();
    let _ = writeln!(out, "{} (version {})", m.title, m.version);
    if let Some(source) = &m.source {
        let _ = writeln!(out, "source: {source}");
    }
    let _ = writeln!(out, "{}", m.description);

    let _ = writeln!(out, "\nendpoint");
    let _ = writeln!(out, "  {} {}", m.method, m.path);
    match m.security.as_deref() {
        None => {
            let _ = writeln!(out, "  auth: {}: {} <token>", m.auth.header, m.auth.scheme);
        }
        Some(schemes) => {
            let _ = writeln!(out, "  credentials: {}", credentials(schemes));
        }
    }
    parameters(out, &m.parameters, "  ");
    let selects = match m.request.selects.as_str() {
        "" => String::new(),
        pointer => format!("; {pointer} selects the method"),
    };
    let _ = writeln!(
        out,
        "  request: {}, at most {} bytes{selects}",
        m.request.content_type, m.request.max_body_bytes
    );

    match &m.request.schema {
        Some(file) => {
            let _ = writeln!(out, "\nrequest body ({file})");
            describe(out, contract.request_schema(), "  ");
        }
        None => {
            let _ = writeln!(out, "\nrequest body: none");
        }
    }
}

/// Each documented status with its schema and examples.
fn responses(out: &mut String, contract: &Contract) {
    let _ = writeln!(out, "\nresponses");
    for status in contract.documented_statuses() {
        let spec = contract.response_spec(status).expect("documented");
        let key = contract.response_key(status).unwrap_or_default();
        let schema = spec.schema.as_deref().unwrap_or("no body");
        let _ = writeln!(out, "  {key} {} ({schema})", spec.description);
        describe(out, contract.schema_for_status(status), "    ");
        for example in contract.examples().iter().filter(|e| e.status == status) {
            let default = contract
                .default_example(status)
                .is_some_and(|d| d.name == example.name);
            let mark = if default { " (default)" } else { "" };
            let _ = writeln!(out, "    example {}{mark}: {}", example.name, example.body);
        }
    }
}

/// The seed's rules, then every other operation: route, credentials, body, parameters,
/// documented answers with their default examples, rules, and where a client disagrees.
fn operations(out: &mut String, contract: &Contract) {
    rules(out, contract.rules(), "  ");
    for note in &contract.manifest().disagreements {
        let _ = writeln!(out, "  disagreement: {note}");
    }
    if contract.operations().is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "
operations ({} besides the one above)",
        contract.operations().len()
    );
    for operation in contract.operations() {
        one_operation(out, operation);
    }
}

/// One operation: its route, credentials, own gap policy, body, parameters, answers, rules.
fn one_operation(out: &mut String, operation: &super::Operation) {
    let spec = &operation.spec;
    let _ = writeln!(
        out,
        "  {} {}: {}",
        spec.method, spec.path, spec.operation_id
    );
    if let Some(description) = &spec.description {
        let _ = writeln!(out, "    {description}");
    }
    let credentials = match spec.security.as_deref() {
        None => "as the endpoint above".to_owned(),
        Some(schemes) => credentials(schemes),
    };
    let _ = writeln!(out, "    credentials: {credentials}");
    for (kind, change) in spec.gap_policy.iter().flat_map(|p| &p.rejections) {
        let _ = writeln!(out, "    own gap policy for {kind}: {}", json!(change));
    }
    if let Some(body) = &spec.request {
        let required = if body.required {
            "required"
        } else {
            "optional"
        };
        let _ = writeln!(
            out,
            "    body ({required}): {} {}",
            body.content_type, body.schema
        );
    }
    parameters(out, &spec.parameters, "    ");
    for status in operation.documented_statuses() {
        let Some(key) = super::status_key::documenting(&spec.responses, status) else {
            continue;
        };
        let response = &spec.responses[key];
        let default = operation
            .default_example(status)
            .map_or("", |e| e.name.as_str());
        let _ = writeln!(
            out,
            "    {key} {} ({}), example {default}",
            response.description,
            response.schema.as_deref().unwrap_or("no body")
        );
    }
    rules(out, &spec.rules, "    ");
    for note in &spec.disagreements {
        let _ = writeln!(out, "    disagreement: {note}");
    }
}

fn rules(out: &mut String, rules: &[super::rules::Rule], indent: &str) {
    for rule in rules {
        let says = rule.says.as_deref().unwrap_or("(no description)");
        let _ = writeln!(out, "{indent}rule -> {}: {says}", rule.respond);
    }
}

/// What the documentation leaves out, rule by rule, and the error shape.
fn gap_policy(out: &mut String, contract: &Contract) {
    let m = contract.manifest();
    let policy = &m.gap_policy;
    let whose = match policy.error_shape {
        crate::contract::ErrorShape::Documented => "the documentation's",
        crate::contract::ErrorShape::Mock => {
            "the mock's own: a target's refusal bodies the documentation does not describe are gaps"
        }
    };
    let _ = writeln!(
        out,
        "\ngap policy (error shape {}, {whose})",
        policy.error_schema
    );
    let _ = writeln!(out, "  {}", policy.description);
    for (kind, rejection) in &policy.rejections {
        let accept: Vec<String> = rejection.accept.iter().map(u16::to_string).collect();
        let _ = writeln!(
            out,
            "  {:<24} mock sends {}, checker accepts {}: {}",
            kind.as_str(),
            rejection.status,
            accept.join("/"),
            rejection.when
        );
        let _ = writeln!(out, "  {:<24} error: {}", "", rejection.error);
    }
    let _ = writeln!(out, "  error shape:");
    describe(out, contract.error_schema(), "    ");
}

/// Named requests and the mock's users (by name; tokens are not printed).
fn fixtures(out: &mut String, contract: &Contract) {
    let _ = writeln!(out, "\nfixtures");
    for (label, fixtures) in [
        ("valid request", contract.valid_requests()),
        ("invalid request", contract.invalid_requests()),
    ] {
        for fixture in fixtures {
            let _ = writeln!(out, "  {label} {}: {}", fixture.name, fixture.body);
        }
    }
    let users = contract.users();
    let _ = writeln!(out, "  default user: {}", users.default_user);
    for user in &users.users {
        let _ = writeln!(
            out,
            "  user {}: {}{}",
            user.name,
            user.account,
            user.purpose
                .as_deref()
                .map(|p| format!(" ({p})"))
                .unwrap_or_default()
        );
    }
}

/// One schema: its references, then each property with type, whether required, description
/// and enum meanings, then whether other properties are allowed.
fn describe(out: &mut String, schema: &Schema, indent: &str) {
    let doc = &schema.document;
    if let Some(parts) = doc.get("allOf").and_then(Value::as_array) {
        for part in parts {
            if let Some(reference) = part.get("$ref").and_then(Value::as_str) {
                let _ = writeln!(out, "{indent}all of {reference}, and:");
            }
        }
    }
    let required: Vec<&str> = doc
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if let Some(props) = doc.get("properties").and_then(Value::as_object) {
        let width = props.keys().map(String::len).max().unwrap_or(0);
        for (name, prop) in props {
            let ty = match prop.get("type") {
                Some(Value::String(t)) => t.clone(),
                Some(other) => other.to_string(),
                None => "any".to_owned(),
            };
            let need = if required.contains(&name.as_str()) {
                "required"
            } else {
                "optional"
            };
            let description = prop
                .get("description")
                .and_then(Value::as_str)
                .unwrap_or("");
            let _ = writeln!(
                out,
                "{indent}{name:<width$}  {ty:<7}  {need}  {description}"
            );
            let meanings = prop.get("x-enumDescriptions");
            for value in prop
                .get("enum")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                let meaning = meanings
                    .and_then(|m| m.get(&text))
                    .and_then(Value::as_str)
                    .unwrap_or("");
                let _ = writeln!(out, "{indent}  = {text:<14} {meaning}");
            }
        }
    }
    let other = match doc.get("additionalProperties") {
        Some(Value::Bool(false)) => "forbidden",
        _ => "allowed",
    };
    let _ = writeln!(out, "{indent}other properties: {other}");
}

/// The schemes any of which an operation takes (`none` for `[]`).
fn credentials(schemes: &[crate::contract::Security]) -> String {
    if schemes.is_empty() {
        return "none".to_owned();
    }
    let described: Vec<String> = schemes.iter().map(described).collect();
    described.join(" or ")
}

fn parameters(out: &mut String, parameters: &[crate::contract::ParameterSpec], indent: &str) {
    for parameter in parameters {
        let required = if parameter.required {
            " (required)"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "{indent}{:?} parameter {}{required}: {}",
            parameter.location, parameter.name, parameter.schema
        );
    }
}

/// A security scheme as `--credential` names it, and where its credential goes.
fn described(scheme: &crate::contract::Security) -> String {
    use crate::contract::Security;
    let place = match scheme {
        Security::Bearer { .. } => "Authorization: Bearer".to_owned(),
        Security::ApiKeyHeader { name, .. } => format!("an API key in the {name} header"),
        Security::ApiKeyQuery { name, .. } => format!("an API key in the {name} query parameter"),
    };
    format!("{} ({place})", scheme.scheme_name())
}

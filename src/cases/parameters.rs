//! Cases about an operation's parameters, each breaking one parameter and nothing else: a value
//! its schema refuses (the wrong type, outside its enum, below its minimum), or a required
//! query or header parameter left out. The refused value is chosen by the parameter's own
//! validator, so a case never claims a value is wrong that the schema accepts.

use serde_json::Value;

use super::space::Space;
use super::{Auth, Case, Expect, Family};
use crate::contract::sample_parameters_with;
use crate::contract::{Contract, ParameterLocation, RejectionKind};

/// Values tried, in order, until the parameter's schema refuses one.
const CANDIDATES: [&str; 5] = ["not-a-valid-value", "-1", "0", "1.5", ""];

pub(super) fn parameter_cases(space: &Space<'_>, contract: &Contract) -> Vec<Case> {
    let (template, parameters) = contract.parameters();
    let body = Value::Object(space.base()).to_string().into_bytes();
    let mut cases = Vec::new();
    for parameter in parameters {
        let name = parameter.spec.name.as_str();
        let place = match parameter.location() {
            ParameterLocation::Path => "path",
            ParameterLocation::Query => "query",
            ParameterLocation::Header => "header",
        };
        // An empty path segment would be another path, not a wrong value.
        let refused = CANDIDATES
            .iter()
            .filter(|c| !(c.is_empty() && place == "path"))
            .find(|c| !parameter.schema.is_valid(&parameter.typed(c)));
        let mut variants = Vec::new();
        if let Some(text) = refused {
            variants.push(("refused", Some((*text).to_owned())));
        }
        if parameter.spec.required && parameter.location() != ParameterLocation::Path {
            variants.push(("missing", None));
        }
        for (what, text) in variants {
            let (path, query, headers) =
                sample_parameters_with(template, parameters, &[(name, text)]);
            let mut request = space.request(Auth::Token, body.clone());
            request.path = Some(match query {
                Some(query) => format!("{path}?{query}"),
                None => path,
            });
            request.headers = headers;
            cases.push(Case::new(
                format!("negative.parameter.{place}.{name}.{what}"),
                Family::Negative,
                Expect::Reject(RejectionKind::ParameterViolation),
                request,
            ));
        }
    }
    cases
}

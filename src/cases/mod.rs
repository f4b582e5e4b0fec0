//! Cases from the request schema: the finite part of the valid space enumerated, the unbounded
//! part sampled with proptest, and negatives that each break exactly one thing, each with a
//! class label. The request validator is the oracle: a candidate whose verdict does not match
//! its intent is discarded, never sent with the wrong expectation.

mod encode;
mod model;
mod negative;
mod parameters;
mod planner;
mod sample;
mod space;
mod variation;

use serde::Serialize;
use serde_json::Value;

pub use encode::{Spacing, Style, encode};
pub use model::{ObjectModel, Property, WRONG_TYPES, representative};

use crate::contract::{Contract, RejectionKind, Schema};
use sample::Sampled;
pub use sample::Shrinker;

/// Which credentials a request carries. The token itself never appears in a case: it is
/// filled in when the request is sent, and shown as `$MFA_CONTRACT_TOKEN` everywhere else.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Auth {
    /// The scheme and the token under test.
    Token,
    /// The scheme and `--second-token`.
    SecondToken,
    /// No credentials header.
    Missing,
    /// This whole header value, e.g. `Basic ...` (made up, never a secret).
    Raw(String),
}

/// What the target owes a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "rejection")]
pub enum Expect {
    /// A valid request: one of the documented statuses.
    Accept,
    /// A request the gap policy refuses for this reason.
    Reject(RejectionKind),
}

/// What kind of case it is, for the checks that only concern some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    Positive,
    /// A bad payload, content type or size, with good credentials.
    Negative,
    /// Good payload, bad or missing credentials.
    Auth,
    /// Good payload and credentials, another method.
    Method,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    pub method: String,
    pub auth: Auth,
    pub content_type: Option<String>,
    /// Headers sent besides the credentials and `Content-Type` (`Accept`, ...), as sent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<(String, String)>,
    /// Header names written in HTTP/1 title case (`Content-Type`) instead of lower case.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub title_case: bool,
    #[serde(serialize_with = "body_text")]
    pub body: Vec<u8>,
    /// The path and query sent instead of the operation's own (a case about a parameter).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
}

impl Request {
    /// The URL this request goes to: `endpoint` (the operation's URL), or with its path and
    /// query replaced by this request's own.
    /// `operation_path` is the path `endpoint` ends with (before its query).
    pub fn url(&self, endpoint: &str, operation_path: &str) -> String {
        let Some(path) = &self.path else {
            return endpoint.to_owned();
        };
        let without_query = endpoint.split('?').next().unwrap_or(endpoint);
        let base = without_query
            .strip_suffix(operation_path)
            .unwrap_or(without_query);
        format!("{base}{path}")
    }
}

fn body_text<S: serde::Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(body))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// e.g. `negative.not_in_enum.kind.case_variant`.
    pub class: String,
    pub family: Family,
    pub expect: Expect,
    pub request: Request,
    /// Index of the proptest value tree this case came from, when it was sampled.
    #[serde(skip)]
    pub generated: Option<usize>,
}

impl Case {
    /// The one constructor: a planned case, not sampled.
    pub fn new(class: impl Into<String>, family: Family, expect: Expect, request: Request) -> Self {
        Self {
            class: class.into(),
            family,
            expect,
            request,
            generated: None,
        }
    }

    /// What a `positive.variation.*` case varies, in words, for the messages that name it.
    pub fn variation(&self) -> Option<String> {
        let name = self.class.strip_prefix("positive.variation.")?;
        let request = &self.request;
        let said = if request.title_case {
            "header names in title case (Content-Type, Authorization)".to_owned()
        } else if let Some((header, value)) = request.headers.last() {
            format!("{header}: {value}")
        } else if name.starts_with("content_type") {
            format!(
                "Content-Type: {}",
                request.content_type.as_deref().unwrap_or("")
            )
        } else {
            format!("a body with an extra property ({name})")
        };
        Some(format!("{name}, {said}"))
    }

    /// The same case, marked as sampled from proptest value tree `index`.
    pub fn sampled(self, index: usize) -> Self {
        Self {
            generated: Some(index),
            ..self
        }
    }

    /// Whether the request validator agrees with what the case claims to be. Bodies that are
    /// not JSON are not the validator's to judge.
    pub fn agrees_with(&self, oracle: &Schema) -> bool {
        let Ok(value) = serde_json::from_slice::<Value>(&self.request.body) else {
            return true;
        };
        match self.expect {
            Expect::Accept => oracle.is_valid(&value),
            Expect::Reject(RejectionKind::SchemaViolation) => !oracle.is_valid(&value),
            // Those break something other than the schema, and only that.
            Expect::Reject(
                RejectionKind::PayloadTooLarge
                | RejectionKind::UnsupportedMediaType
                | RejectionKind::Unauthorized
                | RejectionKind::MethodNotAllowed,
            ) => oracle.is_valid(&value),
            Expect::Reject(_) => true,
        }
    }
}

/// Several requests whose answers are judged together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SequenceKind {
    /// The same valid request twice: both answers alike.
    Idempotence,
    /// The second account sets, the first account changes, the second sets again: alike.
    Isolation,
}

#[derive(Debug, Clone, Serialize)]
pub struct Sequence {
    pub kind: SequenceKind,
    pub class: String,
    pub steps: Vec<Case>,
}

#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PlanCoverage {
    /// The enumerated property, as a JSON pointer.
    pub enum_property: String,
    pub enum_values_total: usize,
    pub enum_values_covered: usize,
    pub generated_positive: usize,
    pub generated_negative: usize,
    /// Sampled candidates the validator classed otherwise than intended (not sent).
    pub discarded: usize,
}

#[derive(Debug, Clone)]
pub struct GenOptions {
    pub seed: u64,
    /// How many cases proptest samples (half valid variations, half invalid strings).
    pub generated: usize,
    /// Also send a random token that the target must refuse.
    pub random_token: bool,
    /// Plan the two-account isolation sequence.
    pub second_token: bool,
    pub max_body_bytes: usize,
}

/// A body proptest generated: the JSON it means and the bytes that say it.
#[derive(Debug, Clone)]
pub struct Generated {
    pub value: Value,
    pub body: Vec<u8>,
}

pub struct Plan<'c> {
    pub cases: Vec<Case>,
    pub sequences: Vec<Sequence>,
    pub coverage: PlanCoverage,
    sampled: Vec<Sampled>,
    oracle: &'c Schema,
}

impl std::fmt::Debug for Plan<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plan")
            .field("cases", &self.cases.len())
            .field("sequences", &self.sequences.len())
            .field("coverage", &self.coverage)
            .finish()
    }
}

pub fn plan<'c>(contract: &'c Contract, options: &GenOptions) -> Plan<'c> {
    planner::plan(contract, options)
}

impl<'c> Plan<'c> {
    /// One shrinker for each of these sampled cases (by index), to walk them side by side.
    pub fn shrinkers(
        &mut self,
        indices: &std::collections::BTreeSet<usize>,
    ) -> std::collections::BTreeMap<usize, Shrinker<'_, 'c>> {
        let oracle = self.oracle;
        self.sampled
            .iter_mut()
            .enumerate()
            .filter(|(index, _)| indices.contains(index))
            .map(|(index, sampled)| (index, Shrinker::new(sampled, oracle)))
            .collect()
    }
}

/// A valid body that selects `method` (the contract's `request.selects` set to it), or `None`
/// when `method` is not one of the allowed values.
pub fn body_selecting(contract: &Contract, method: &str) -> Option<Vec<u8>> {
    if !contract.selectable().iter().any(|(m, _)| m == method) {
        return None;
    }
    let model =
        ObjectModel::from_schema(&contract.resolve_properties(&contract.request_schema().document));
    let mut body = space::enumerate(&model)
        .into_iter()
        .next()
        .unwrap_or_default();
    body.insert(
        contract.selected_property(),
        Value::String(method.to_owned()),
    );
    let body = Value::Object(body);
    contract
        .request_schema()
        .is_valid(&body)
        .then(|| body.to_string().into_bytes())
}

//! `schemas/contract.json`: what the code must not hard-code about the endpoint: method, path,
//! auth, content type, each documented status with its schema and fixture, and the gap policy
//! for the statuses the documentation leaves out.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use super::gap_policy::{
    ErrorShape, GapPolicy, GapPolicyOverride, RejectionKind, RejectionOverride, RejectionPolicy,
};

use super::rules::{Invariant, Rule};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Manifest {
    pub title: String,
    pub description: String,
    pub version: String,
    #[serde(default)]
    pub source: Option<String>,
    pub operation_id: String,
    #[serde(default)]
    pub servers: Vec<Server>,
    pub method: String,
    /// A path template, as an operation's (`/pets/{petId}`).
    pub path: String,
    pub auth: Auth,
    /// As an operation's: absent, the `auth` above; `[]`, no credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Vec<Security>>,
    /// This operation's path, query and header parameters, as an operation's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ParameterSpec>,
    pub request: RequestSpec,
    /// Documented statuses, keyed by the status code as a string (JSON keys are strings).
    pub responses: BTreeMap<String, ResponseSpec>,
    pub gap_policy: GapPolicy,
    pub fixtures: FixtureDirs,
    /// How a mock under `--chaos` disturbs this operation; absent: the mock's defaults.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chaos: Option<ChaosSpec>,
    /// How this operation reads and changes the caller's account (docs/contract.md, "Rules").
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// What every account must be, and how a Pact provider state names one.
    #[serde(default)]
    pub accounts: AccountsSpec,
    /// The contract's other operations.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operations: Vec<OperationSpec>,
    /// Where the documentation and a client of the API disagree, beyond one operation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disagreements: Vec<String>,
}

impl Manifest {
    /// The first operation, written as the others are: what compiles its parameters and,
    /// where it has parameters, no body or its own security, serves it as they are served.
    pub fn seed_spec(&self) -> OperationSpec {
        OperationSpec {
            operation_id: self.operation_id.clone(),
            description: Some(self.description.clone()),
            method: self.method.clone(),
            path: self.path.clone(),
            security: self.security.clone(),
            parameters: self.parameters.clone(),
            request: self.request.schema.as_ref().map(|schema| BodySpec {
                content_type: self.request.content_type.clone(),
                schema: schema.clone(),
                required: true,
            }),
            responses: self.responses.clone(),
            rules: self.rules.clone(),
            chaos: self.chaos.clone(),
            disagreements: Vec::new(),
            gap_policy: None,
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AccountsSpec {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub invariants: Vec<Invariant>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_name: Option<StateName>,
}

/// A provider state's name for an account: the list at `from`, said with `none`, `one` or
/// `many` (`{}` is the list, "A, B and C").
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct StateName {
    pub from: String,
    pub none: String,
    pub one: String,
    pub many: String,
}

/// One more operation of the contract, described as the seed's is.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OperationSpec {
    pub operation_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub method: String,
    /// A path template: `/pets/{petId}`.
    pub path: String,
    /// Any one of these satisfies the operation; absent: the manifest's `auth`; `[]`: none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Vec<Security>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<ParameterSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<BodySpec>,
    pub responses: BTreeMap<String, ResponseSpec>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chaos: Option<ChaosSpec>,
    /// Where the documentation and a client of the API disagree about this operation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disagreements: Vec<String>,
    /// Where this operation's refusals differ from the manifest's `gapPolicy`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap_policy: Option<GapPolicyOverride>,
}

/// One way to present credentials. `scheme` is the security scheme's name in the OpenAPI
/// document (`--credential SCHEME=VALUE` names it); without one, the scheme is called
/// `bearer`, or by the API key's header or query parameter name.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(tag = "kind", rename_all = "camelCase", deny_unknown_fields)]
pub enum Security {
    /// `Authorization: Bearer <token>`.
    Bearer {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scheme: Option<String>,
    },
    /// An API key in a header.
    ApiKeyHeader {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scheme: Option<String>,
    },
    /// An API key in the query string.
    ApiKeyQuery {
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        scheme: Option<String>,
    },
}

impl Security {
    /// The name `--credential` takes for this scheme.
    pub fn scheme_name(&self) -> &str {
        match self {
            Self::Bearer { scheme } => scheme.as_deref().unwrap_or("bearer"),
            Self::ApiKeyHeader { name, scheme } | Self::ApiKeyQuery { name, scheme } => {
                scheme.as_deref().unwrap_or(name)
            }
        }
    }

    /// Whether `--credential KEY=...` is for this scheme: its name, or (for an API key) the
    /// header or query parameter it goes in, compared without regard to case.
    pub fn answers_to(&self, key: &str) -> bool {
        let placed = match self {
            Self::Bearer { .. } => "bearer",
            Self::ApiKeyHeader { name, .. } | Self::ApiKeyQuery { name, .. } => name,
        };
        self.scheme_name().eq_ignore_ascii_case(key) || placed.eq_ignore_ascii_case(key)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ParameterLocation {
    Path,
    Query,
    Header,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ParameterSpec {
    pub name: String,
    #[serde(rename = "in")]
    pub location: ParameterLocation,
    #[serde(default)]
    pub required: bool,
    /// Inline JSON Schema; a `$ref` may name a file under `schemas/`.
    pub schema: serde_json::Value,
    /// A valid value, sent by the checker and drift; absent: one made from the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
}

/// A request body: its media type and schema.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BodySpec {
    pub content_type: String,
    /// File name under `schemas/`.
    pub schema: String,
    /// Whether a request must have one.
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// An operation's chaos: the weight of each kind of disturbance a mock under `--chaos` draws
/// for it. A kind left out keeps the mock's default weight; 0 switches it off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChaosSpec {
    pub weights: ChaosWeights,
}

/// A weight per kind of disturbance (`None`: not said here).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ChaosWeights {
    /// One of the operation's documented error answers (a documented 4xx or 5xx example).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documented: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reset: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub empty: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub malformed: Option<u32>,
    /// The normal answer, late.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timeout: Option<u32>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Server {
    pub url: String,
    #[serde(default)]
    pub description: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Auth {
    /// The header that carries the credentials, e.g. `Authorization`.
    pub header: String,
    /// The scheme, e.g. `Bearer`; compared case-insensitively, as RFC 9110 says.
    pub scheme: String,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RequestSpec {
    pub content_type: String,
    /// File name under `schemas/`; absent, the first operation takes no body (`contentType`
    /// and `maxBodyBytes` are then only the other operations' defaults).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// JSON pointer to the request value that names the MFA method to make primary; the mock's
    /// users state and the checker's enumeration of the valid space both key on it.
    pub selects: String,
    /// Bodies larger than this are rejected with the `payload_too_large` policy.
    pub max_body_bytes: usize,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ResponseSpec {
    pub description: String,
    /// File name under `schemas/`. Absent, with `fixture`: an answer documented without a
    /// body (OpenAPI's response without `content`, such as a 204).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The default body, relative to `fixtures/`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixture: Option<String>,
    /// What makes a target answer this status, for a run that did not reach it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reach: Option<String>,
    /// Documented response headers: the mock sends each with its example, the checker judges
    /// each one sent by its schema and a required one's absence.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub headers: Vec<HeaderSpec>,
}

/// A documented response header.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct HeaderSpec {
    pub name: String,
    #[serde(default)]
    pub required: bool,
    /// Inline JSON Schema of the value, typed as a parameter's is (`"3"` is 3 for an integer).
    pub schema: serde_json::Value,
    /// What the mock sends; absent, a value made from the schema.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<serde_json::Value>,
}

impl HeaderSpec {
    /// The header as a parameter in a header, which is how it is typed and judged.
    pub fn as_parameter(&self) -> ParameterSpec {
        ParameterSpec {
            name: self.name.clone(),
            location: ParameterLocation::Header,
            required: self.required,
            schema: self.schema.clone(),
            example: self.example.clone(),
        }
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FixtureDirs {
    /// Relative to `fixtures/`.
    pub users: String,
    /// File name under `schemas/` that the users file must match.
    pub users_schema: String,
    pub valid_requests: String,
    pub invalid_requests: String,
    /// Holds one folder per status; each file in it is a named example body.
    pub responses: String,
}

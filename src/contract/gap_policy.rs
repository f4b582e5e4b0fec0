//! The gap policy: what the mock sends and the checker accepts where the documentation is
//! silent, defined once in the manifest, with an operation's changes to it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GapPolicy {
    pub description: String,
    /// File name under `schemas/` of the shape every rejection body has.
    pub error_schema: String,
    /// Whose shape that is: the documentation's, or the mock's own.
    #[serde(default)]
    pub error_shape: ErrorShape,
    pub rejections: BTreeMap<RejectionKind, RejectionPolicy>,
}

/// Whose error shape a contract's refusals have. A target's answers the documentation does
/// not describe (an undocumented status, another path or method) are judged by it only when it
/// is the documentation's; the mock's own shape is what the mock sends, and a target's body
/// there is what the documentation leaves open: a gap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorShape {
    /// The documentation describes its errors (the seed's 500), and refusals share that shape.
    #[default]
    Documented,
    /// The documentation describes none (what `contract import` writes for a document without
    /// one): the shape is what the mock sends.
    Mock,
}

/// The reasons to refuse a request that the documentation does not describe. The code decides
/// which reason applies (that is the request pipeline); the manifest decides what it looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectionKind {
    NotFound,
    MethodNotAllowed,
    Unauthorized,
    UnsupportedMediaType,
    PayloadTooLarge,
    MalformedJson,
    SchemaViolation,
    /// A path, query or header parameter its schema refuses, or a required one left out.
    ParameterViolation,
}

impl RejectionKind {
    pub const ALL: [RejectionKind; 8] = [
        RejectionKind::NotFound,
        RejectionKind::MethodNotAllowed,
        RejectionKind::Unauthorized,
        RejectionKind::UnsupportedMediaType,
        RejectionKind::PayloadTooLarge,
        RejectionKind::MalformedJson,
        RejectionKind::SchemaViolation,
        RejectionKind::ParameterViolation,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RejectionKind::NotFound => "not_found",
            RejectionKind::MethodNotAllowed => "method_not_allowed",
            RejectionKind::Unauthorized => "unauthorized",
            RejectionKind::UnsupportedMediaType => "unsupported_media_type",
            RejectionKind::PayloadTooLarge => "payload_too_large",
            RejectionKind::MalformedJson => "malformed_json",
            RejectionKind::SchemaViolation => "schema_violation",
            RejectionKind::ParameterViolation => "parameter_violation",
        }
    }

    /// Whether the status for such a request is the gap policy's alone: the documentation says
    /// nothing about credentials, content types, sizes or malformed JSON, so another status
    /// there is a documentation gap, not a violation (unless `--strict-gaps`).
    pub fn status_is_policy_only(self) -> bool {
        matches!(
            self,
            RejectionKind::Unauthorized
                | RejectionKind::UnsupportedMediaType
                | RejectionKind::PayloadTooLarge
                | RejectionKind::MalformedJson
                | RejectionKind::ParameterViolation
        )
    }

    /// Whether accepting such a request breaks nothing the documentation says: its body is
    /// valid, only the envelope (content type, size) is outside our policy. Lenient, a gap.
    pub fn may_be_accepted(self) -> bool {
        matches!(
            self,
            RejectionKind::UnsupportedMediaType | RejectionKind::PayloadTooLarge
        )
    }

    /// Whether the rejection concerns a request to the endpoint itself (not another path or method).
    pub fn is_on_operation(self) -> bool {
        !matches!(
            self,
            RejectionKind::NotFound | RejectionKind::MethodNotAllowed
        )
    }
}

impl std::fmt::Display for RejectionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RejectionPolicy {
    pub when: String,
    /// What the mock sends.
    pub status: u16,
    /// What the checker accepts from a target (must include `status`).
    pub accept: Vec<u16>,
    /// The `error` text of the body the mock sends.
    pub error: String,
}

/// An operation's own gap policy: for each kind it names, the fields that replace the
/// defaults' (the manifest's `gapPolicy`, defined once).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GapPolicyOverride {
    pub rejections: BTreeMap<RejectionKind, RejectionOverride>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RejectionOverride {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub when: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept: Option<Vec<u16>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl GapPolicy {
    /// This policy with `over`'s fields in place of its own, kind by kind.
    pub fn overridden(&self, over: &GapPolicyOverride) -> GapPolicy {
        let mut policy = self.clone();
        for (kind, change) in &over.rejections {
            if let Some(rule) = policy.rejections.get_mut(kind) {
                let pick = |new: &Option<String>, old: &String| new.clone().unwrap_or(old.clone());
                rule.when = pick(&change.when, &rule.when);
                rule.error = pick(&change.error, &rule.error);
                rule.status = change.status.unwrap_or(rule.status);
                if let Some(accept) = &change.accept {
                    rule.accept.clone_from(accept);
                }
            }
        }
        policy
    }
}

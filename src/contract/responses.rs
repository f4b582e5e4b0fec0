//! What a contract documents of its answers: the statuses and their keys (`201`, `2XX`,
//! `default`), their schemas (the error shape for an undocumented one, anything for one
//! documented without a body), and their headers.

use super::{Contract, Operation, Parameter, ResponseSpec, Schema, operation, status_key};

impl Contract {
    /// Documented statuses, ascending.
    pub fn documented_statuses(&self) -> impl Iterator<Item = u16> + '_ {
        self.default_examples.keys().copied()
    }

    /// The first documented success (else the first documented status): what the operation
    /// answers when no rule applies.
    pub fn success_status(&self) -> u16 {
        operation::first_success(|| self.documented_statuses()).unwrap_or(200)
    }

    /// The keys of `responses` as written: `201`, `2XX`, `default`.
    pub fn documented_keys(&self) -> impl Iterator<Item = &str> {
        self.manifest.responses.keys().map(String::as_str)
    }

    /// The headers documented for an answer of `status` (its key's), compiled.
    pub fn documented_headers(&self, status: u16) -> &[Parameter] {
        operation::documented_headers(&self.response_headers, &self.manifest.responses, status)
    }

    /// Whether a response key documents `status` (itself, its range, or `default`).
    pub fn is_documented(&self, status: u16) -> bool {
        self.response_key(status).is_some()
    }

    /// The key of `responses` that documents `status`: `201`, `2XX` or `default`.
    pub fn response_key(&self, status: u16) -> Option<&str> {
        status_key::documenting(&self.manifest.responses, status)
    }

    pub fn response_spec(&self, status: u16) -> Option<&ResponseSpec> {
        self.manifest.responses.get(self.response_key(status)?)
    }

    /// The schema a response with `status` must match: its documented schema, or the error shape.
    pub fn schema_for_status(&self, status: u16) -> &Schema {
        self.response_schema(self.response_spec(status))
    }

    /// A documented answer's schema (anything, for one documented without a body), or the
    /// error shape for an undocumented one.
    fn response_schema(&self, spec: Option<&ResponseSpec>) -> &Schema {
        match spec.map(|s| s.schema.as_deref()) {
            Some(Some(file)) => self.schema(file),
            Some(None) => &self.no_body,
            None => self.error_schema(),
        }
    }

    /// Whether the body of an answer of `status` is what the documentation leaves open: judged
    /// by the error shape (`by_error_shape`: another path or method; else an undocumented
    /// status) where that shape is the mock's own, not the documentation's.
    pub fn body_left_open(&self, status: u16, by_error_shape: bool) -> bool {
        self.manifest.gap_policy.error_shape == super::ErrorShape::Mock
            && (by_error_shape || self.response_spec(status).is_none())
    }

    /// Whether `status` is documented as an answer without a body.
    pub fn documents_no_body(&self, status: u16) -> bool {
        self.response_spec(status)
            .is_some_and(|s| s.schema.is_none())
    }

    /// The schema an answer of `status` from `operation` must match: its documented one, or
    /// the error shape.
    pub fn operation_schema(&self, operation: &Operation, status: u16) -> &Schema {
        let key = status_key::documenting(&operation.spec.responses, status);
        self.response_schema(key.and_then(|key| operation.spec.responses.get(key)))
    }
}

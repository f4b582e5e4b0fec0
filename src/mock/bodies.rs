//! What the mock answers with, serialized once at start-up: every example body from the
//! contract's fixtures by name, the default body of each documented status, and the cut-off
//! body `fault=malformed` sends.

use actix_web::http::StatusCode;
use actix_web::web::Bytes;

use super::reply::{Reply, status_code};
use crate::contract::{Contract, Example, Operation};

/// Bodies serialized once at start-up.
#[derive(Debug)]
pub(super) struct Bodies {
    /// Every example: name, status, serialized body. A handful, so a scan beats hashing.
    examples: Vec<(String, StatusCode, Bytes)>,
    /// Documented status -> index of its default example.
    defaults: Vec<(u16, usize)>,
    /// The default 200 body cut in half: `fault=malformed`.
    pub(super) malformed: Bytes,
}

impl Bodies {
    pub(super) fn new(contract: &Contract) -> Self {
        Self::of(
            contract.examples(),
            contract
                .documented_statuses()
                .filter_map(|s| Some((s, contract.default_example(s)?.name.as_str()))),
        )
    }

    /// The bodies of one of the contract's other operations.
    pub(super) fn of_operation(operation: &Operation) -> Self {
        Self::of(
            &operation.examples,
            operation
                .documented_statuses()
                .filter_map(|s| Some((s, operation.default_example(s)?.name.as_str()))),
        )
    }

    /// `examples`, and each documented status's default by name.
    fn of<'a>(examples: &[Example], defaults: impl Iterator<Item = (u16, &'a str)>) -> Self {
        let examples: Vec<(String, StatusCode, Bytes)> = examples
            .iter()
            .map(|e| {
                let bytes = match e.no_body {
                    true => Bytes::new(),
                    false => Bytes::from(
                        serde_json::to_vec(&e.body).expect("a JSON value always serializes"),
                    ),
                };
                (e.name.clone(), status_code(e.status), bytes)
            })
            .collect();
        let defaults: Vec<(u16, usize)> = defaults
            .filter_map(|(s, name)| Some((s, examples.iter().position(|(n, _, _)| n == name)?)))
            .collect();
        let ok = defaults
            .iter()
            .find(|(s, _)| *s == 200)
            .map(|(_, i)| examples[*i].2.clone());
        let malformed = ok.map_or_else(
            || Bytes::from_static(b"{\"success\":"),
            |b| b.slice(..b.len() / 2),
        );
        Self {
            examples,
            defaults,
            malformed,
        }
    }

    pub(super) fn example(&self, name: &str) -> Option<Reply> {
        self.examples
            .iter()
            .find(|(n, _, _)| n == name)
            .map(|(_, status, body)| Reply::json(*status, body.clone()))
    }

    pub(super) fn default_for(&self, status: u16) -> Option<Reply> {
        let (_, index) = self.defaults.iter().find(|(s, _)| *s == status)?;
        let (_, status, body) = &self.examples[*index];
        Some(Reply::json(*status, body.clone()))
    }

    /// The body of the example `name`, or else of `status`'s default, parsed again (to be
    /// filled from an account).
    pub(super) fn value_of(&self, name: Option<&str>, status: u16) -> Option<serde_json::Value> {
        let index = match name {
            Some(name) => self.examples.iter().position(|(n, _, _)| n == name)?,
            None => self.defaults.iter().find(|(s, _)| *s == status)?.1,
        };
        serde_json::from_slice(&self.examples[index].2).ok()
    }
}

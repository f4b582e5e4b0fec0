//! Sampled cases and their shrinking: proptest strategies for the unbounded part of the valid
//! space and for strings outside the enum, and the value trees a failing case shrinks with.

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde_json::{Value, json};

use super::space::Space;
use super::{Case, Generated, Request, Spacing, Style, encode};
use crate::contract::Schema;

pub(super) type Tree = Box<dyn ValueTree<Value = Generated>>;

pub(super) struct Sampled {
    pub(super) tree: Tree,
    pub(super) template: Case,
}

/// Valid bodies with extra properties of arbitrary JSON, any key order, any whitespace, and
/// `\u` escapes; all mean one of the enumerated bodies plus what was added.
pub(super) fn positive_strategy(space: &Space<'_>) -> BoxedStrategy<Generated> {
    let bases = space.bases.clone();
    let known: Vec<String> = space
        .model
        .properties
        .iter()
        .map(|p| p.name.clone())
        .collect();
    let extras = if space.model.additional_allowed {
        prop::collection::vec(
            (
                "[a-zA-Z_][a-zA-Z0-9_]{0,11}"
                    .prop_filter("not a schema property", move |k| !known.contains(k)),
                arbitrary_json(),
            ),
            0..4,
        )
        .boxed()
    } else {
        Just(Vec::new()).boxed()
    };
    let spacing = prop_oneof![
        Just(Spacing::Compact),
        Just(Spacing::Spaced),
        Just(Spacing::Pretty)
    ];
    (
        prop::sample::select(bases),
        extras,
        any::<u64>(),
        spacing,
        any::<bool>(),
    )
        .prop_map(|(base, extras, order, spacing, escape_letters)| {
            let mut entries: Vec<(String, Value)> = base.into_iter().collect();
            for (key, value) in extras {
                if !entries.iter().any(|(k, _)| *k == key) {
                    entries.push((key, value));
                }
            }
            permute(&mut entries, order);
            let value = Value::Object(entries.into_iter().collect());
            let body = encode(
                &value,
                &Style {
                    spacing,
                    escape_letters,
                },
            )
            .into_bytes();
            Generated { value, body }
        })
        .boxed()
}

/// The base body with the selected property set to a random string outside its enum.
pub(super) fn random_string_strategy(
    space: &Space<'_>,
    pattern: &'static str,
) -> BoxedStrategy<Generated> {
    let base = space.base();
    let name = space.selected.name.clone();
    let values = space.selected.values.clone().unwrap_or_default();
    pattern
        .prop_filter("outside the enum", move |s| {
            !values.contains(&Value::String(s.clone()))
        })
        .prop_map(move |s| {
            let mut body = base.clone();
            body.insert(name.clone(), Value::String(s));
            let value = Value::Object(body);
            Generated {
                body: value.to_string().into_bytes(),
                value,
            }
        })
        .boxed()
}

/// Walks a failing sampled case towards a minimal one, proptest's way: simplify while the
/// failure reproduces, complicate when it does not.
pub struct Shrinker<'p, 'c> {
    sampled: &'p mut Sampled,
    oracle: &'c Schema,
    started: bool,
}

impl<'p, 'c> Shrinker<'p, 'c> {
    pub(super) fn new(sampled: &'p mut Sampled, oracle: &'c Schema) -> Self {
        Self {
            sampled,
            oracle,
            started: false,
        }
    }

    /// The next candidate to try, given whether the previous one still failed. `None` ends it.
    pub fn next(&mut self, previous_failed: bool) -> Option<Case> {
        let mut moved = if !self.started || previous_failed {
            self.started = true;
            self.sampled.tree.simplify()
        } else {
            self.sampled.tree.complicate()
        };
        // Candidates the validator would class otherwise are not sent; they count as "passed".
        for _ in 0..256 {
            if !moved {
                return None;
            }
            let generated = self.sampled.tree.current();
            let case = Case {
                request: Request {
                    body: generated.body.clone(),
                    ..self.sampled.template.request.clone()
                },
                ..self.sampled.template.clone()
            };
            if case.agrees_with(self.oracle) {
                return Some(case);
            }
            moved = self.sampled.tree.complicate();
        }
        None
    }
}

pub(super) fn runner(seed: u64) -> TestRunner {
    let bytes: Vec<u8> = seed
        .to_le_bytes()
        .iter()
        .cycle()
        .take(32)
        .copied()
        .collect();
    TestRunner::new_with_rng(
        Config::default(),
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// Arbitrary JSON, a little nested: what a client might add next to the documented fields.
fn arbitrary_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i32>().prop_map(|n| json!(n)),
        "[a-zA-Z0-9 ]{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(2, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z]{1,6}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A deterministic permutation from a seed; 0 keeps the order, so shrinking ends there.
fn permute<T>(items: &mut [T], seed: u64) {
    let mut state = seed;
    for i in (1..items.len()).rev() {
        if state == 0 {
            break;
        }
        let j = (state % (i as u64 + 1)) as usize;
        items.swap(i, j);
        state /= i as u64 + 1;
    }
}

//! Cases from the request schema: the finite part of the valid space enumerated, the unbounded
//! part sampled with proptest, and negatives that each break exactly one thing, each with a
//! class label. The request validator is the oracle: a candidate whose verdict does not match
//! its intent is discarded, never sent with the wrong expectation.

mod encode;
mod model;

use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::Serialize;
use serde_json::{Map, Value, json};

pub use encode::{Spacing, Style, encode};
pub use model::{ObjectModel, Property, WRONG_TYPES, representative};

use crate::contract::{Contract, RejectionKind, Schema};

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
    #[serde(serialize_with = "body_text")]
    pub body: Vec<u8>,
}

fn body_text<S: serde::Serializer>(body: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&String::from_utf8_lossy(body))
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Case {
    /// e.g. `negative.not_in_enum.mfaType.case_variant`.
    pub class: String,
    pub family: Family,
    pub expect: Expect,
    pub request: Request,
    /// Index of the proptest value tree this case came from, when it was sampled.
    #[serde(skip)]
    pub generated: Option<usize>,
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
pub struct Coverage {
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

type Tree = Box<dyn ValueTree<Value = Generated>>;

struct Sampled {
    tree: Tree,
    template: Case,
}

pub struct Plan<'c> {
    pub cases: Vec<Case>,
    pub sequences: Vec<Sequence>,
    pub coverage: Coverage,
    sampled: Vec<Sampled>,
    oracle: Oracle<'c>,
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

/// The request validator decides whether a candidate body is valid.
type Oracle<'c> = &'c Schema;

pub fn plan<'c>(contract: &'c Contract, options: &GenOptions) -> Plan<'c> {
    Planner::new(contract, options).plan()
}

struct Planner<'c, 'o> {
    contract: &'c Contract,
    options: &'o GenOptions,
    model: ObjectModel,
    oracle: Oracle<'c>,
    /// The property `request.selects` points at, and its enum.
    selected: Property,
    /// One valid body per enumerated combination.
    bases: Vec<Map<String, Value>>,
    method: String,
    content_type: String,
}

impl<'c, 'o> Planner<'c, 'o> {
    fn new(contract: &'c Contract, options: &'o GenOptions) -> Self {
        let model = ObjectModel::from_schema(&contract.request_schema().document);
        let name = contract
            .request_spec()
            .selects
            .trim_start_matches('/')
            .to_owned();
        let selected = model.property(&name).cloned().unwrap_or(Property {
            name,
            types: vec!["string".into()],
            values: None,
        });
        let bases = enumerate(&model);
        Self {
            oracle: contract.request_schema(),
            contract,
            options,
            model,
            selected,
            bases,
            method: contract.method().to_owned(),
            content_type: contract.request_spec().content_type.clone(),
        }
    }

    fn plan(self) -> Plan<'c> {
        let mut cases = Vec::new();
        let mut coverage = Coverage {
            enum_property: self.contract.request_spec().selects.clone(),
            enum_values_total: self.selected.values.as_ref().map_or(0, Vec::len),
            ..Coverage::default()
        };
        let mut covered = std::collections::BTreeSet::new();
        for base in &self.bases {
            let value = Value::Object(base.clone());
            if let Some(v) = base.get(&self.selected.name) {
                covered.insert(v.to_string());
            }
            let label = base
                .get(&self.selected.name)
                .map(plain)
                .unwrap_or_else(|| "base".into());
            self.push(
                &mut cases,
                format!("positive.enum.{label}"),
                Family::Positive,
                Expect::Accept,
                &value,
            );
        }
        coverage.enum_values_covered = covered.len();
        for fixture in self.contract.valid_requests() {
            self.push(
                &mut cases,
                format!("positive.fixture.{}", fixture.name),
                Family::Positive,
                Expect::Accept,
                &fixture.body,
            );
        }
        for fixture in self.contract.invalid_requests() {
            self.push(
                &mut cases,
                format!("negative.fixture.{}", fixture.name),
                Family::Negative,
                Expect::Reject(RejectionKind::SchemaViolation),
                &fixture.body,
            );
        }
        self.negatives(&mut cases);
        self.auth_matrix(&mut cases);
        self.other_methods(&mut cases);
        cases.retain(|c| self.verdict_matches(c));

        let mut sampled = Vec::new();
        let mut runner = runner(self.options.seed);
        let half = self.options.generated / 2;
        let strategies = [
            (
                "positive.generated",
                Family::Positive,
                Expect::Accept,
                self.positive_strategy(),
                half,
            ),
            (
                "negative.not_in_enum.random",
                Family::Negative,
                Expect::Reject(RejectionKind::SchemaViolation),
                self.random_string_strategy("[ -~]{0,24}"),
                (self.options.generated - half).div_ceil(2),
            ),
            (
                "negative.not_in_enum.random_unicode",
                Family::Negative,
                Expect::Reject(RejectionKind::SchemaViolation),
                self.random_string_strategy("\\PC{1,12}"),
                (self.options.generated - half) / 2,
            ),
        ];
        for (class, family, expect, strategy, count) in strategies {
            let mut made = 0;
            let mut attempts = 0;
            while made < count && attempts < count * 4 + 8 {
                attempts += 1;
                let Ok(tree) = strategy.new_tree(&mut runner) else {
                    continue;
                };
                let generated = tree.current();
                let case = self.case_from(class, family, expect, &generated, Some(sampled.len()));
                if !self.verdict_matches(&case) {
                    coverage.discarded += 1;
                    continue;
                }
                if family == Family::Positive {
                    coverage.generated_positive += 1;
                } else {
                    coverage.generated_negative += 1;
                }
                sampled.push(Sampled {
                    tree,
                    template: case.clone(),
                });
                cases.push(case);
                made += 1;
            }
        }

        Plan {
            sequences: self.sequences(),
            cases,
            coverage,
            sampled,
            oracle: self.oracle,
        }
    }

    fn request(&self, auth: Auth, body: Vec<u8>) -> Request {
        Request {
            method: self.method.clone(),
            auth,
            content_type: Some(self.content_type.clone()),
            body,
        }
    }

    fn push(
        &self,
        cases: &mut Vec<Case>,
        class: String,
        family: Family,
        expect: Expect,
        value: &Value,
    ) {
        cases.push(Case {
            class,
            family,
            expect,
            request: self.request(Auth::Token, value.to_string().into_bytes()),
            generated: None,
        });
    }

    fn push_bytes(&self, cases: &mut Vec<Case>, class: &str, kind: RejectionKind, body: Vec<u8>) {
        cases.push(Case {
            class: class.to_owned(),
            family: Family::Negative,
            expect: Expect::Reject(kind),
            request: self.request(Auth::Token, body),
            generated: None,
        });
    }

    fn case_from(
        &self,
        class: &str,
        family: Family,
        expect: Expect,
        generated: &Generated,
        index: Option<usize>,
    ) -> Case {
        Case {
            class: class.to_owned(),
            family,
            expect,
            request: self.request(Auth::Token, generated.body.clone()),
            generated: index,
        }
    }

    /// Whether the validator agrees with what the case claims to be. Bodies that are not JSON
    /// are not the validator's to judge.
    fn verdict_matches(&self, case: &Case) -> bool {
        verdict_matches(self.oracle, case)
    }

    fn base(&self) -> Map<String, Value> {
        self.bases.first().cloned().unwrap_or_default()
    }

    fn negatives(&self, cases: &mut Vec<Case>) {
        let base = self.base();
        let schema_violation = Expect::Reject(RejectionKind::SchemaViolation);
        for property in self.model.required_properties() {
            let mut body = base.clone();
            body.remove(&property.name);
            self.push(
                cases,
                format!("negative.missing_required.{}", property.name),
                Family::Negative,
                schema_violation,
                &Value::Object(body),
            );
        }
        for property in &self.model.properties {
            let inner = base.get(&property.name).cloned().unwrap_or(Value::Null);
            for ty in WRONG_TYPES {
                if property.allows_type(ty) {
                    continue;
                }
                let mut body = base.clone();
                body.insert(property.name.clone(), representative(ty, &inner));
                self.push(
                    cases,
                    format!("negative.wrong_type.{}.{ty}", property.name),
                    Family::Negative,
                    schema_violation,
                    &Value::Object(body),
                );
            }
        }
        if let Some(values) = &self.selected.values {
            let first = values.iter().find_map(Value::as_str).unwrap_or("VALUE");
            let variants = [
                ("case_variant", swap_case(first)),
                ("padded_with_whitespace", format!(" {first} ")),
                ("empty", String::new()),
                ("very_long", first.repeat(10_000 / first.len().max(1) + 1)),
                ("unicode_lookalike", lookalike(first)),
                ("nul", format!("{first}\u{0}")),
            ];
            for (variant, text) in variants {
                let mut body = base.clone();
                body.insert(self.selected.name.clone(), Value::String(text));
                self.push(
                    cases,
                    format!("negative.not_in_enum.{}.{variant}", self.selected.name),
                    Family::Negative,
                    schema_violation,
                    &Value::Object(body),
                );
            }
        }
        let whole = Value::Object(base.clone());
        let first_value = base.values().next().cloned().unwrap_or(Value::Null);
        for (ty, value) in [
            ("array", json!([whole.clone()])),
            ("string", first_value.clone()),
            ("number", json!(1)),
            ("boolean", json!(true)),
            ("null", Value::Null),
        ] {
            if ty == "string" && !first_value.is_string() {
                continue;
            }
            self.push(
                cases,
                format!("negative.body_not_object.{ty}"),
                Family::Negative,
                schema_violation,
                &value,
            );
        }
        let text = whole.to_string();
        self.push_bytes(
            cases,
            "negative.malformed_json.truncated",
            RejectionKind::MalformedJson,
            text.as_bytes()[..text.len() - 1].to_vec(),
        );
        self.push_bytes(
            cases,
            "negative.malformed_json.trailing_garbage",
            RejectionKind::MalformedJson,
            format!("{text} x").into_bytes(),
        );
        let mut invalid_utf8 = text.clone().into_bytes();
        if let Some(quote) = invalid_utf8.iter().rposition(|b| *b == b'"') {
            invalid_utf8.insert(quote, 0xFF);
        }
        self.push_bytes(
            cases,
            "negative.malformed_json.invalid_utf8",
            RejectionKind::MalformedJson,
            invalid_utf8,
        );
        self.push_bytes(
            cases,
            "negative.empty_body",
            RejectionKind::MalformedJson,
            Vec::new(),
        );
        for (variant, content_type) in [
            ("text_plain", Some("text/plain")),
            ("form_urlencoded", Some("application/x-www-form-urlencoded")),
            ("missing", None),
        ] {
            cases.push(Case {
                class: format!("negative.wrong_content_type.{variant}"),
                family: Family::Negative,
                expect: Expect::Reject(RejectionKind::UnsupportedMediaType),
                request: Request {
                    content_type: content_type.map(str::to_owned),
                    ..self.request(Auth::Token, text.clone().into_bytes())
                },
                generated: None,
            });
        }
        // Valid JSON whose only fault is its size: twice the contract's limit, in whitespace.
        let padding = " ".repeat(self.options.max_body_bytes * 2);
        let oversize = format!("{}{padding}}}", &text[..text.len() - 1]);
        self.push_bytes(
            cases,
            "negative.oversize",
            RejectionKind::PayloadTooLarge,
            oversize.into_bytes(),
        );
    }

    fn auth_matrix(&self, cases: &mut Vec<Case>) {
        let body = Value::Object(self.base()).to_string().into_bytes();
        let scheme = &self.contract.auth().scheme;
        let mut variants = vec![
            ("auth.missing", Auth::Missing),
            (
                "auth.other_scheme",
                Auth::Raw("Basic bWZhLWNvbnRyYWN0OnByb2Jl".into()),
            ),
            ("auth.empty_token", Auth::Raw(format!("{scheme} "))),
        ];
        if self.options.random_token {
            let token = format!(
                "mfa-contract-random-{:016x}",
                self.options.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
            );
            variants.push(("auth.unknown_token", Auth::Raw(format!("{scheme} {token}"))));
        }
        for (class, auth) in variants {
            cases.push(Case {
                class: class.to_owned(),
                family: Family::Auth,
                expect: Expect::Reject(RejectionKind::Unauthorized),
                request: self.request(auth, body.clone()),
                generated: None,
            });
        }
    }

    fn other_methods(&self, cases: &mut Vec<Case>) {
        let body = Value::Object(self.base()).to_string().into_bytes();
        for method in ["GET", "PUT", "PATCH", "DELETE"] {
            if method == self.method {
                continue;
            }
            cases.push(Case {
                class: format!("method.{method}"),
                family: Family::Method,
                expect: Expect::Reject(RejectionKind::MethodNotAllowed),
                request: Request {
                    method: method.to_owned(),
                    ..self.request(Auth::Token, body.clone())
                },
                generated: None,
            });
        }
    }

    fn sequences(&self) -> Vec<Sequence> {
        let step = |auth: Auth, base: &Map<String, Value>, class: &str| Case {
            class: class.to_owned(),
            family: Family::Positive,
            expect: Expect::Accept,
            request: self.request(auth, Value::Object(base.clone()).to_string().into_bytes()),
            generated: None,
        };
        let mut sequences = Vec::new();
        if let Some(first) = self.bases.first() {
            let class = "metamorphic.idempotence";
            sequences.push(Sequence {
                kind: SequenceKind::Idempotence,
                class: class.into(),
                steps: vec![
                    step(Auth::Token, first, class),
                    step(Auth::Token, first, class),
                ],
            });
            if self.options.second_token {
                let other = self.bases.get(1).unwrap_or(first);
                let class = "metamorphic.isolation";
                sequences.push(Sequence {
                    kind: SequenceKind::Isolation,
                    class: class.into(),
                    steps: vec![
                        step(Auth::SecondToken, first, class),
                        step(Auth::Token, other, class),
                        step(Auth::SecondToken, first, class),
                    ],
                });
            }
        }
        sequences
    }

    /// Valid bodies with extra properties of arbitrary JSON, any key order, any whitespace, and
    /// `\u` escapes; all mean one of the enumerated bodies plus what was added.
    fn positive_strategy(&self) -> BoxedStrategy<Generated> {
        let bases = self.bases.clone();
        let known: Vec<String> = self
            .model
            .properties
            .iter()
            .map(|p| p.name.clone())
            .collect();
        let extras = if self.model.additional_allowed {
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
    fn random_string_strategy(&self, pattern: &'static str) -> BoxedStrategy<Generated> {
        let base = self.base();
        let name = self.selected.name.clone();
        let values = self.selected.values.clone().unwrap_or_default();
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
}

fn verdict_matches(oracle: Oracle<'_>, case: &Case) -> bool {
    let Ok(value) = serde_json::from_slice::<Value>(&case.request.body) else {
        return true;
    };
    match case.expect {
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

impl<'c> Plan<'c> {
    /// A shrinker for a sampled case, if it was sampled.
    pub fn shrinker(&mut self, case: &Case) -> Option<Shrinker<'_, 'c>> {
        let index = case.generated?;
        let oracle = self.oracle;
        let sampled = self.sampled.get_mut(index)?;
        Some(Shrinker {
            sampled,
            oracle,
            started: false,
        })
    }
}

/// Walks a failing sampled case towards a minimal one, proptest's way: simplify while the
/// failure reproduces, complicate when it does not.
pub struct Shrinker<'p, 'c> {
    sampled: &'p mut Sampled,
    oracle: Oracle<'c>,
    started: bool,
}

impl Shrinker<'_, '_> {
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
            if verdict_matches(self.oracle, &case) {
                return Some(case);
            }
            moved = self.sampled.tree.complicate();
        }
        None
    }
}

fn runner(seed: u64) -> TestRunner {
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

/// Every combination of the required properties' sample values (capped), as bodies.
fn enumerate(model: &ObjectModel) -> Vec<Map<String, Value>> {
    const CAP: usize = 256;
    let mut bodies = vec![Map::new()];
    for property in model.required_properties() {
        let mut next = Vec::new();
        for body in &bodies {
            for value in property.sample_values() {
                let mut extended = body.clone();
                extended.insert(property.name.clone(), value);
                next.push(extended);
                if next.len() >= CAP {
                    break;
                }
            }
        }
        bodies = next;
    }
    bodies
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

fn plain(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

fn swap_case(text: &str) -> String {
    let lower = text.to_lowercase();
    if lower != text {
        lower
    } else {
        text.to_uppercase()
    }
}

/// The text with its first Latin letter replaced by a look-alike from another script.
fn lookalike(text: &str) -> String {
    const PAIRS: [(char, char); 6] = [
        ('A', 'А'),
        ('E', 'Е'),
        ('O', 'О'),
        ('P', 'Р'),
        ('a', 'а'),
        ('o', 'о'),
    ];
    for (i, c) in text.char_indices() {
        if let Some((_, twin)) = PAIRS.iter().find(|(latin, _)| *latin == c) {
            return format!("{}{twin}{}", &text[..i], &text[i + c.len_utf8()..]);
        }
    }
    format!("{text}\u{301}")
}

/// A valid body that selects `method` (the contract's `request.selects` set to it), or `None`
/// when `method` is not one of the allowed values.
pub fn body_selecting(contract: &Contract, method: &str) -> Option<Vec<u8>> {
    if !contract.methods().iter().any(|(m, _)| m == method) {
        return None;
    }
    let model = ObjectModel::from_schema(&contract.request_schema().document);
    let name = contract.request_spec().selects.trim_start_matches('/');
    let mut body = enumerate(&model).into_iter().next().unwrap_or_default();
    body.insert(name.to_owned(), Value::String(method.to_owned()));
    let body = Value::Object(body);
    contract
        .request_schema()
        .is_valid(&body)
        .then(|| body.to_string().into_bytes())
}

//! The planner: enumerated positives, fixtures, the auth matrix, other methods and the
//! metamorphic sequences; negatives and sampled cases live next door.

use proptest::strategy::{Strategy, ValueTree};
use serde_json::{Map, Value};

use super::sample::{Sampled, runner};
use super::{
    Auth, Case, Coverage, Expect, Family, GenOptions, Generated, ObjectModel, Oracle, Plan,
    Property, Request, Sequence, SequenceKind,
};
use crate::contract::{Contract, RejectionKind};

pub(super) struct Planner<'c, 'o> {
    pub(super) contract: &'c Contract,
    pub(super) options: &'o GenOptions,
    pub(super) model: ObjectModel,
    pub(super) oracle: Oracle<'c>,
    /// The property `request.selects` points at, and its enum.
    pub(super) selected: Property,
    /// One valid body per enumerated combination.
    pub(super) bases: Vec<Map<String, Value>>,
    pub(super) method: String,
    pub(super) content_type: String,
}

impl<'c, 'o> Planner<'c, 'o> {
    pub(super) fn new(contract: &'c Contract, options: &'o GenOptions) -> Self {
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

    pub(super) fn plan(self) -> Plan<'c> {
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

    pub(super) fn request(&self, auth: Auth, body: Vec<u8>) -> Request {
        Request {
            method: self.method.clone(),
            auth,
            content_type: Some(self.content_type.clone()),
            body,
        }
    }

    pub(super) fn push(
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

    pub(super) fn push_bytes(
        &self,
        cases: &mut Vec<Case>,
        class: &str,
        kind: RejectionKind,
        body: Vec<u8>,
    ) {
        cases.push(Case {
            class: class.to_owned(),
            family: Family::Negative,
            expect: Expect::Reject(kind),
            request: self.request(Auth::Token, body),
            generated: None,
        });
    }

    pub(super) fn case_from(
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
    pub(super) fn verdict_matches(&self, case: &Case) -> bool {
        verdict_matches(self.oracle, case)
    }

    pub(super) fn base(&self) -> Map<String, Value> {
        self.bases.first().cloned().unwrap_or_default()
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
}

pub(super) fn verdict_matches(oracle: Oracle<'_>, case: &Case) -> bool {
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

/// Every combination of the required properties' sample values (capped), as bodies.
pub(super) fn enumerate(model: &ObjectModel) -> Vec<Map<String, Value>> {
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

fn plain(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

//! The planner: enumerated positives, fixtures, negatives, the auth matrix, other methods,
//! sampled cases and the metamorphic sequences, each from the request space and the options.

use proptest::strategy::{Strategy, ValueTree};
use serde_json::{Map, Value};

use super::negative::negatives;
use super::sample::{Sampled, positive_strategy, random_string_strategy, runner};
use super::space::Space;
use super::{
    Auth, Case, Expect, Family, GenOptions, Plan, PlanCoverage, Request, Sequence, SequenceKind,
};
use crate::contract::{Contract, Credentials, RejectionKind};

pub(super) fn plan<'c>(contract: &'c Contract, options: &GenOptions) -> Plan<'c> {
    let space = Space::new(contract);
    let mut coverage = PlanCoverage {
        enum_property: contract.request_spec().selects.clone(),
        enum_values_total: space.selected.values.as_ref().map_or(0, Vec::len),
        ..PlanCoverage::default()
    };
    let mut cases = enumerated(&space, &mut coverage);
    let variations = super::variation::variations(&space);
    if space.takes_body {
        cases.extend(variations);
        cases.extend(fixtures(&space, contract));
        cases.extend(negatives(&space, options.max_body_bytes));
    } else {
        // No body: what varies is the headers alone.
        cases.extend(
            variations
                .into_iter()
                .filter(|c| c.request.content_type.is_none()),
        );
    }
    match contract.credentials() {
        Credentials::Manifest => cases.extend(auth_matrix(&space, contract, options)),
        // A key has no scheme to get wrong: only its absence is a case.
        Credentials::ApiKeyHeader | Credentials::ApiKeyQuery => cases.extend(
            auth_matrix(&space, contract, options)
                .into_iter()
                .filter(|c| c.class == "auth.missing"),
        ),
        Credentials::None => {}
    }
    cases.extend(other_methods(&space, contract.sibling_methods()));
    cases.extend(super::parameters::parameter_cases(&space, contract));
    cases.retain(|c| c.agrees_with(space.oracle));
    let sampled = if space.takes_body {
        sample(&space, options, &mut coverage, &mut cases)
    } else {
        Vec::new()
    };
    // Sending the same request twice must give the same answer where HTTP promises it (safe
    // and idempotent methods) and where the seed's documentation implies it.
    let idempotent =
        contract.is_seed_view() || matches!(space.method.as_str(), "GET" | "PUT" | "DELETE");
    Plan {
        sequences: if idempotent {
            sequences(&space, options)
        } else {
            Vec::new()
        },
        cases,
        coverage,
        sampled,
        oracle: space.oracle,
    }
}

fn json_case(
    space: &Space<'_>,
    class: String,
    family: Family,
    expect: Expect,
    value: &Value,
) -> Case {
    Case::new(
        class,
        family,
        expect,
        space.request(Auth::Token, value.to_string().into_bytes()),
    )
}

/// One valid request per value of the selected property's enum.
fn enumerated(space: &Space<'_>, coverage: &mut PlanCoverage) -> Vec<Case> {
    let mut covered = std::collections::BTreeSet::new();
    let mut cases = Vec::new();
    // Without a body, every base is the same request: one is enough.
    let bases = if space.takes_body {
        &space.bases[..]
    } else {
        &space.bases[..space.bases.len().min(1)]
    };
    for base in bases {
        if let Some(v) = base.get(&space.selected.name) {
            covered.insert(v.to_string());
        }
        let label = base
            .get(&space.selected.name)
            .map(plain)
            .unwrap_or_else(|| "base".into());
        let body = Value::Object(base.clone());
        let class = if space.takes_body {
            format!("positive.enum.{label}")
        } else {
            "positive.no_body".to_owned()
        };
        cases.push(json_case(
            space,
            class,
            Family::Positive,
            Expect::Accept,
            &body,
        ));
    }
    coverage.enum_values_covered = covered.len();
    cases
}

/// The contract's named valid and invalid requests.
fn fixtures(space: &Space<'_>, contract: &Contract) -> Vec<Case> {
    let valid = contract.valid_requests().iter().map(|fixture| {
        let class = format!("positive.fixture.{}", fixture.name);
        json_case(
            space,
            class,
            Family::Positive,
            Expect::Accept,
            &fixture.body,
        )
    });
    let rejected = Expect::Reject(RejectionKind::SchemaViolation);
    let invalid = contract.invalid_requests().iter().map(|fixture| {
        let class = format!("negative.fixture.{}", fixture.name);
        json_case(space, class, Family::Negative, rejected, &fixture.body)
    });
    valid.chain(invalid).collect()
}

/// Sampled bodies, valid and invalid, from proptest strategies over the request space; each is
/// kept with its value tree for shrinking. Bodies the request schema classes otherwise than
/// intended are dropped and counted.
fn sample(
    space: &Space<'_>,
    options: &GenOptions,
    coverage: &mut PlanCoverage,
    cases: &mut Vec<Case>,
) -> Vec<Sampled> {
    let mut sampled = Vec::new();
    let mut runner = runner(options.seed);
    let half = options.generated / 2;
    let invalid = Expect::Reject(RejectionKind::SchemaViolation);
    let strategies = [
        (
            "positive.generated",
            Family::Positive,
            Expect::Accept,
            positive_strategy(space),
            half,
        ),
        (
            "negative.not_in_enum.random",
            Family::Negative,
            invalid,
            random_string_strategy(space, "[ -~]{0,24}"),
            (options.generated - half).div_ceil(2),
        ),
        (
            "negative.not_in_enum.random_unicode",
            Family::Negative,
            invalid,
            random_string_strategy(space, "\\PC{1,12}"),
            (options.generated - half) / 2,
        ),
    ];
    for (class, family, expect, strategy, count) in strategies {
        let (mut made, mut attempts) = (0, 0);
        while made < count && attempts < count * 4 + 8 {
            attempts += 1;
            let Ok(tree) = strategy.new_tree(&mut runner) else {
                continue;
            };
            let body = tree.current().body.clone();
            let case = Case::new(class, family, expect, space.request(Auth::Token, body))
                .sampled(sampled.len());
            if !case.agrees_with(space.oracle) {
                coverage.discarded += 1;
                continue;
            }
            match family {
                Family::Positive => coverage.generated_positive += 1,
                _ => coverage.generated_negative += 1,
            }
            sampled.push(Sampled {
                tree,
                template: case.clone(),
            });
            cases.push(case);
            made += 1;
        }
    }
    sampled
}

fn auth_matrix(space: &Space<'_>, contract: &Contract, options: &GenOptions) -> Vec<Case> {
    let body = Value::Object(space.base()).to_string().into_bytes();
    let scheme = &contract.auth().scheme;
    let mut variants = vec![
        ("auth.missing", Auth::Missing),
        (
            "auth.other_scheme",
            Auth::Raw("Basic bWZhLWNvbnRyYWN0OnByb2Jl".into()),
        ),
        ("auth.empty_token", Auth::Raw(format!("{scheme} "))),
    ];
    if options.random_token {
        let token = format!(
            "mfa-contract-random-{:016x}",
            options.seed.wrapping_mul(0x9E37_79B9_7F4A_7C15)
        );
        variants.push(("auth.unknown_token", Auth::Raw(format!("{scheme} {token}"))));
    }
    variants
        .into_iter()
        .map(|(class, auth)| {
            Case::new(
                class,
                Family::Auth,
                Expect::Reject(RejectionKind::Unauthorized),
                space.request(auth, body.clone()),
            )
        })
        .collect()
}

/// The methods no operation has on this path (another operation's method is not "another").
fn other_methods(space: &Space<'_>, siblings: &[String]) -> Vec<Case> {
    let body = Value::Object(space.base()).to_string().into_bytes();
    ["GET", "PUT", "PATCH", "DELETE"]
        .into_iter()
        .filter(|method| *method != space.method && !siblings.iter().any(|s| s == method))
        .map(|method| {
            Case::new(
                format!("method.{method}"),
                Family::Method,
                Expect::Reject(RejectionKind::MethodNotAllowed),
                Request {
                    method: method.to_owned(),
                    ..space.request(Auth::Token, body.clone())
                },
            )
        })
        .collect()
}

fn sequences(space: &Space<'_>, options: &GenOptions) -> Vec<Sequence> {
    let step = |auth: Auth, base: &Map<String, Value>, class: &str| {
        Case::new(
            class,
            Family::Positive,
            Expect::Accept,
            space.request(auth, Value::Object(base.clone()).to_string().into_bytes()),
        )
    };
    let mut sequences = Vec::new();
    if let Some(first) = space.bases.first() {
        let class = "metamorphic.idempotence";
        sequences.push(Sequence {
            kind: SequenceKind::Idempotence,
            class: class.into(),
            steps: vec![
                step(Auth::Token, first, class),
                step(Auth::Token, first, class),
            ],
        });
        if options.second_token {
            let other = space.bases.get(1).unwrap_or(first);
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

fn plain(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

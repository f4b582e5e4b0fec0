//! What a run reached, item by item: each documented status answered, each enum value accepted,
//! each negative class refused, each auth variant refused, each method answered. The items
//! are the contract's (statuses, enum values) and the plan's (classes); an item a run could
//! not reach says how to reach it. The checker and drift count the same way, from the
//! exchanges they judged.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cases::{Auth, Case, Expect, Family, PlanCoverage};
use crate::contract::Contract;
use crate::remote::{Exchange, Received};

/// What kind of thing an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Area {
    /// A documented response status, answered at least once.
    Status,
    /// A value of the enumerated request property, accepted (2xx) at least once.
    EnumValue,
    /// A family of invalid requests (`negative.<family>`), refused (4xx) at least once.
    NegativeClass,
    /// A credentials variant: refused (4xx) when it is a bad one, answered when it is an account.
    Auth,
    /// A method: the documented one answered, the others refused (4xx).
    Method,
    /// A variation a valid request may carry (`positive.variation.*`), accepted (2xx) at least
    /// once.
    Variation,
}

impl Area {
    pub fn label(self) -> &'static str {
        match self {
            Area::Status => "statuses",
            Area::EnumValue => "enum values",
            Area::NegativeClass => "negative classes",
            Area::Auth => "auth variants",
            Area::Method => "methods",
            Area::Variation => "allowed variations",
        }
    }

    /// One item's kind: `status`, `enum value`, ...
    pub fn singular(self) -> &'static str {
        match self {
            Area::Status => "status",
            Area::EnumValue => "enum value",
            Area::NegativeClass => "negative class",
            Area::Auth => "auth variant",
            Area::Method => "method",
            Area::Variation => "allowed variation",
        }
    }
}

/// One item and how the target answered it: status (or `no answer`) -> times.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Item {
    pub area: Area,
    pub name: String,
    pub reached: bool,
    pub answers: BTreeMap<String, usize>,
    /// For an item not reached: what would reach it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub how_to_reach: Option<String>,
}

/// The coverage section of every report.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Coverage {
    /// What the plan sampled (enum values enumerated, bodies generated).
    #[serde(flatten)]
    pub plan: PlanCoverage,
    pub reached: usize,
    pub total: usize,
    /// `reached / total`, in percent, rounded down to one decimal.
    pub percent: f64,
    /// `--min-coverage`, when given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_percent: Option<f64>,
    pub items: Vec<Item>,
}

impl Coverage {
    /// Whether `--min-coverage` (if any) is met.
    pub fn meets_minimum(&self) -> bool {
        self.min_percent.is_none_or(|min| self.percent >= min)
    }

    pub fn missing(&self) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(|i| !i.reached)
    }

    /// `17 of 20 reached (85.0%)`.
    pub fn headline(&self) -> String {
        format!(
            "{} of {} reached ({:.1}%)",
            self.reached, self.total, self.percent
        )
    }
}

/// An item the run did not plan, with what would plan it (a flag of the checker).
pub struct Optional {
    pub area: Area,
    pub name: &'static str,
    pub how_to_reach: String,
}

/// Counts answers per item as exchanges are judged.
#[derive(Debug, Clone, Default)]
pub struct Tracker {
    items: BTreeMap<(Area, String), BTreeMap<String, usize>>,
    /// Not planned, so never sent: how to plan them.
    unplanned: BTreeMap<(Area, String), String>,
}

/// The answer label of a request that got none.
const NO_ANSWER: &str = "no answer";

/// The item the second account's requests count for.
pub const SECOND_ACCOUNT: &str = "auth.second_account";

impl Tracker {
    /// Every item a run of these cases can reach, none reached yet.
    pub fn new<'c>(
        contract: &Contract,
        planned: impl IntoIterator<Item = &'c Case>,
        optional: Vec<Optional>,
    ) -> Self {
        let mut tracker = Self::default();
        for status in contract.documented_statuses() {
            tracker.add(Area::Status, status.to_string());
        }
        for (value, _) in contract.selectable() {
            tracker.add(Area::EnumValue, value);
        }
        for case in planned {
            for key in keys(contract, case) {
                tracker.add(key.0, key.1);
            }
        }
        for item in optional {
            let key = (item.area, item.name.to_owned());
            if !tracker.items.contains_key(&key) {
                tracker.items.insert(key.clone(), BTreeMap::new());
                tracker.unplanned.insert(key, item.how_to_reach);
            }
        }
        tracker
    }

    fn add(&mut self, area: Area, name: String) {
        self.items.entry((area, name)).or_default();
    }

    pub fn record(&mut self, contract: &Contract, exchange: &Exchange) {
        let answer = match &exchange.outcome {
            Received::Response(r) => r.status.to_string(),
            Received::Transport(_) => NO_ANSWER.to_owned(),
        };
        let mut keys = keys(contract, &exchange.case);
        if let Some(status) = exchange.response().map(|r| r.status) {
            keys.push((Area::Status, status.to_string()));
        }
        for key in keys {
            // Statuses outside the documentation are the checks' business, not items.
            if let Some(answers) = self.items.get_mut(&key) {
                *answers.entry(answer.clone()).or_default() += 1;
            }
        }
    }

    /// The section, with a way to reach each item left out.
    pub fn finish(
        self,
        contract: &Contract,
        plan: PlanCoverage,
        min_percent: Option<f64>,
    ) -> Coverage {
        let items: Vec<Item> = self
            .items
            .into_iter()
            .map(|((area, name), answers)| {
                let reached = reached(contract, area, &name, &answers);
                let how_to_reach = (!reached).then(|| {
                    self.unplanned
                        .get(&(area, name.clone()))
                        .cloned()
                        .unwrap_or_else(|| hint(contract, area, &name, &answers))
                });
                Item {
                    area,
                    name,
                    reached,
                    answers,
                    how_to_reach,
                }
            })
            .collect();
        let reached = items.iter().filter(|i| i.reached).count();
        let total = items.len();
        let percent = match total {
            0 => 100.0,
            _ => (reached as f64 * 1000.0 / total as f64).floor() / 10.0,
        };
        Coverage {
            plan,
            reached,
            total,
            percent,
            min_percent,
            items,
        }
    }
}

/// The items (besides its status) one case counts for.
fn keys(contract: &Contract, case: &Case) -> Vec<(Area, String)> {
    let mut keys = Vec::new();
    let request = &case.request;
    match case.family {
        Family::Negative => keys.push((Area::NegativeClass, negative_family(&case.class))),
        Family::Auth => keys.push((Area::Auth, case.class.clone())),
        Family::Method => keys.push((Area::Method, request.method.clone())),
        Family::Positive if case.variation().is_some() => {
            keys.push((Area::Variation, case.class.clone()));
        }
        Family::Positive => {}
    }
    if case.expect == Expect::Accept {
        keys.push((Area::Method, request.method.clone()));
        let body = serde_json::from_slice(&request.body).ok();
        let value = body.as_ref().and_then(|b| contract.selected_value(b));
        match (&request.auth, value) {
            (Auth::Token, Some(value)) => keys.push((Area::EnumValue, value.to_owned())),
            (Auth::SecondToken, _) => keys.push((Area::Auth, SECOND_ACCOUNT.to_owned())),
            _ => {}
        }
    }
    keys
}

/// `negative.wrong_type.kind.number` -> `negative.wrong_type`.
fn negative_family(class: &str) -> String {
    class.splitn(3, '.').take(2).collect::<Vec<_>>().join(".")
}

fn is_refusal(answer: &str) -> bool {
    answer.starts_with('4') && answer.len() == 3
}

fn reached(contract: &Contract, area: Area, name: &str, answers: &BTreeMap<String, usize>) -> bool {
    let any = |f: fn(&str) -> bool| answers.keys().any(|a| f(a));
    match area {
        Area::Status => !answers.is_empty(),
        Area::EnumValue => any(|a| a.starts_with('2') && a.len() == 3),
        // The second account and the documented method are reached when answered at all.
        Area::Auth if name == SECOND_ACCOUNT => any(|a| a != NO_ANSWER),
        Area::Method if name == contract.method() => any(|a| a != NO_ANSWER),
        Area::NegativeClass | Area::Auth | Area::Method => any(is_refusal),
        Area::Variation => any(|a| a.starts_with('2') && a.len() == 3),
    }
}

/// How to reach an item that was planned (or is the contract's) but not reached.
fn hint(contract: &Contract, area: Area, name: &str, answers: &BTreeMap<String, usize>) -> String {
    let documented = match area {
        Area::Status => name
            .parse()
            .ok()
            .and_then(|s| contract.response_spec(s))
            .and_then(|spec| spec.reach.clone()),
        _ => None,
    };
    if answers.is_empty() {
        return documented.unwrap_or_else(|| match area {
            Area::Status => format!(
                "no request was answered {name}, and the contract says nothing of what causes it (responses.{name}.reach in contract.json)"
            ),
            _ => "planned but not sent: the deadline or --max-requests ended the run first".to_owned(),
        });
    }
    let seen: Vec<String> = answers.iter().map(|(a, n)| format!("{a} ×{n}")).collect();
    let goal = match area {
        Area::Status => "answered",
        Area::EnumValue => "accepted",
        Area::Auth if name == SECOND_ACCOUNT => "answered",
        Area::Method if name == contract.method() => "answered",
        Area::NegativeClass | Area::Auth | Area::Method => "refused (4xx)",
        Area::Variation => "accepted (2xx)",
    };
    format!("sent, never {goal} (answered {})", seen.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cases::{GenOptions, plan};

    fn planned(contract: &Contract) -> Vec<Case> {
        let options = GenOptions {
            seed: 1,
            generated: 4,
            random_token: false,
            second_token: false,
            max_body_bytes: contract.request_spec().max_body_bytes,
        };
        plan(contract, &options).cases
    }

    #[test]
    fn nothing_sent_reaches_nothing_and_each_item_says_why() {
        let contract = Contract::embedded().expect("contract");
        let cases = planned(&contract);
        let optional = vec![Optional {
            area: Area::Auth,
            name: "auth.unknown_token",
            how_to_reach: "--expect-token-validation".into(),
        }];
        let coverage = Tracker::new(&contract, &cases, optional).finish(
            &contract,
            PlanCoverage::default(),
            Some(1.0),
        );
        assert_eq!(coverage.reached, 0);
        assert_eq!(coverage.percent, 0.0);
        assert!(!coverage.meets_minimum());
        let hint = |name: &str| {
            let item = coverage.items.iter().find(|i| i.name == name).expect(name);
            item.how_to_reach.clone().unwrap_or_default()
        };
        assert!(
            hint("500")
                == contract
                    .response_spec(500)
                    .and_then(|r| r.reach.clone())
                    .unwrap_or_default(),
            "the contract's reach text"
        );
        assert!(hint("negative.oversize").starts_with("planned but not sent"));
        assert_eq!(hint("auth.unknown_token"), "--expect-token-validation");
    }

    #[test]
    fn negative_classes_are_counted_by_family_and_the_percentage_rounds_down() {
        assert_eq!(
            negative_family("negative.wrong_type.kind.number"),
            "negative.wrong_type"
        );
        assert_eq!(negative_family("negative.oversize"), "negative.oversize");
        let mut answers = BTreeMap::new();
        answers.insert("422".to_owned(), 2);
        let contract = Contract::embedded().expect("contract");
        assert!(reached(
            &contract,
            Area::NegativeClass,
            "negative.x",
            &answers
        ));
        let value = contract
            .selectable_names()
            .pop()
            .expect("an enumerated value");
        assert!(!reached(&contract, Area::EnumValue, &value, &answers));
        assert!(!reached(
            &contract,
            Area::Method,
            "GET",
            &BTreeMap::from([("200".to_owned(), 1)])
        ));
        assert!(reached(
            &contract,
            Area::Method,
            "POST",
            &BTreeMap::from([("500".to_owned(), 1)])
        ));
        let coverage = Tracker::default().finish(&contract, PlanCoverage::default(), None);
        assert_eq!((coverage.total, coverage.percent), (0, 100.0));
        let accepted = BTreeMap::from([("200".to_owned(), 1)]);
        let tracker = Tracker {
            items: BTreeMap::from([
                ((Area::EnumValue, "A".to_owned()), accepted.clone()),
                ((Area::EnumValue, "B".to_owned()), accepted),
                ((Area::EnumValue, "C".to_owned()), BTreeMap::new()),
            ]),
            unplanned: BTreeMap::new(),
        };
        let coverage = tracker.finish(&contract, PlanCoverage::default(), Some(66.7));
        assert_eq!(coverage.percent, 66.6);
        assert!(!coverage.meets_minimum(), "66.6 is below 66.7");
    }
}

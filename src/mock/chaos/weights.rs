//! The kinds of disturbance and their weights: parsed from the command line and the admin
//! API, overlaid by an operation's contract, and drawn from.

use serde::Serialize;
use serde_json::{Value, json};

use crate::contract::ChaosWeights;

/// A kind of disturbance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// One of the operation's documented error answers.
    Documented,
    Reset,
    Empty,
    Malformed,
    /// The normal answer, late.
    Delay,
    Timeout,
}

impl Kind {
    pub const ALL: [Kind; 6] = [
        Kind::Documented,
        Kind::Reset,
        Kind::Empty,
        Kind::Malformed,
        Kind::Delay,
        Kind::Timeout,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Documented => "documented",
            Kind::Reset => "reset",
            Kind::Empty => "empty",
            Kind::Malformed => "malformed",
            Kind::Delay => "delay",
            Kind::Timeout => "timeout",
        }
    }

    fn index(self) -> usize {
        Kind::ALL
            .iter()
            .position(|k| *k == self)
            .expect("every kind is in ALL")
    }

    fn named(name: &str) -> Result<Kind, String> {
        Kind::ALL
            .into_iter()
            .find(|k| k.name().eq_ignore_ascii_case(name.trim()))
            .ok_or_else(|| format!("unknown kind {name:?} (kinds: {})", kind_names()))
    }
}

fn kind_names() -> String {
    Kind::ALL.map(Kind::name).join(", ")
}

/// A weight per kind, in the order of `Kind::ALL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Weights([u32; 6]);

impl Weights {
    /// `documented:3,reset:1`: the kinds to draw and their weights; a kind left out is never
    /// drawn, a kind without `:WEIGHT` weighs 1.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut weights = [0; 6];
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (name, weight) = item.split_once(':').unwrap_or((item, "1"));
            let weight: u32 = weight
                .trim()
                .parse()
                .map_err(|_| format!("{item}: the weight is not a whole number"))?;
            weights[Kind::named(name)?.index()] = weight;
        }
        Self::checked(weights)
    }

    /// From a JSON object such as `{"documented": 3, "reset": 1}` (the admin API).
    pub(super) fn from_json(value: &Value) -> Result<Self, String> {
        let object = value
            .as_object()
            .ok_or("weights: an object of kinds and weights, e.g. {\"documented\": 3}")?;
        let mut weights = [0; 6];
        for (name, weight) in object {
            let weight = weight
                .as_u64()
                .and_then(|w| u32::try_from(w).ok())
                .ok_or_else(|| format!("weights.{name}: not a whole number"))?;
            weights[Kind::named(name)?.index()] = weight;
        }
        Self::checked(weights)
    }

    fn checked(weights: [u32; 6]) -> Result<Self, String> {
        if weights.iter().all(|w| *w == 0) {
            return Err(format!("no kind has a weight (kinds: {})", kind_names()));
        }
        Ok(Self(weights))
    }

    /// These weights with what an operation's contract says in their place.
    pub(super) fn with(mut self, spec: &ChaosWeights) -> Self {
        let said = [
            spec.documented,
            spec.reset,
            spec.empty,
            spec.malformed,
            spec.delay,
            spec.timeout,
        ];
        for (weight, said) in self.0.iter_mut().zip(said) {
            if let Some(said) = said {
                *weight = said;
            }
        }
        self
    }

    /// The kind a roll lands on, or `None` when every weight is 0.
    pub(super) fn pick(&self, roll: u64) -> Option<Kind> {
        let total: u64 = self.0.iter().map(|w| u64::from(*w)).sum();
        let mut at = roll.checked_rem(total)?;
        for (kind, weight) in Kind::ALL.into_iter().zip(self.0) {
            if at < u64::from(weight) {
                return Some(kind);
            }
            at -= u64::from(weight);
        }
        None
    }

    /// These weights with `kind` never drawn.
    pub(super) fn without(mut self, kind: Kind) -> Self {
        self.0[kind.index()] = 0;
        self
    }

    pub fn to_json(self) -> Value {
        Value::Object(
            Kind::ALL
                .into_iter()
                .zip(self.0)
                .filter(|(_, w)| *w > 0)
                .map(|(k, w)| (k.name().to_owned(), json!(w)))
                .collect(),
        )
    }
}

impl std::fmt::Display for Weights {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = Kind::ALL
            .into_iter()
            .zip(self.0)
            .filter(|(_, w)| *w > 0)
            .map(|(k, w)| format!("{}:{w}", k.name()))
            .collect();
        f.write_str(&parts.join(","))
    }
}

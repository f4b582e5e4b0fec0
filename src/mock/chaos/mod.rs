//! Seeded chaos (`mock --chaos RATE --chaos-seed N`): about RATE of the requests the mock would
//! answer from its state get a disturbance instead, drawn from the operation's documented error
//! answers and the mock's faults. Each decision is a function of the seed, the operation and
//! that operation's request count alone, never of time or threads, so a failing UI run is
//! replayed by its seed. `Prefer: chaos=off` exempts a request (it is not counted either).

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::Serialize;
use serde_json::{Value, json};

use super::scenario::{Fault, Scenario};
use crate::contract::{ChaosWeights, Contract};
use rolls::{Rolls, unit};
pub use weights::{Kind, Weights};

mod rolls;
mod weights;

/// The chaos defaults, defined once: clap shows them and `ChaosConfig::default` uses them.
pub mod defaults {
    /// The longest delay a `delay` disturbance draws, in milliseconds (it draws from half of
    /// this up to this).
    pub const DELAY_MS: u64 = 1500;
    /// The weights when neither the command line nor the contract says: every kind but
    /// `timeout`, which holds a request until the client gives up and is used only when asked.
    pub const WEIGHTS: &str = "documented:3,reset:1,empty:1,malformed:1,delay:2";
}

/// How many disturbances the admin page lists.
const RECENT: usize = 20;

/// What `--chaos`, `--chaos-seed`, `--chaos-weights` and `--chaos-delay-ms` ask for.
#[derive(Debug, Clone, PartialEq)]
pub struct ChaosConfig {
    /// 0 (off) to 1.
    pub rate: f64,
    /// `None`: one is picked at start and shown.
    pub seed: Option<u64>,
    /// `None`: each operation's contract weights over the defaults.
    pub weights: Option<Weights>,
    pub delay_ms: u64,
}

impl Default for ChaosConfig {
    fn default() -> Self {
        Self {
            rate: 0.0,
            seed: None,
            weights: None,
            delay_ms: defaults::DELAY_MS,
        }
    }
}

/// A rate from the command line or the admin API: a number from 0 to 1.
pub fn parse_rate(rate: f64) -> Result<f64, String> {
    if rate.is_finite() && (0.0..=1.0).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!(
            "{rate}: a rate is a number from 0 (off) to 1 (every request)"
        ))
    }
}

/// A seed for a run that was given none: from the operating system, else from the clock (a
/// seed need not be secret, only shown). Below 2^32, so it is short to type and exact as a
/// JavaScript number on the admin page.
pub fn random_seed() -> u64 {
    let mut bytes = [0u8; 4];
    if getrandom::fill(&mut bytes).is_ok() {
        return u64::from(u32::from_le_bytes(bytes));
    }
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::from(d.subsec_nanos()))
}

/// One disturbance, as the admin page lists it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Disturbance {
    pub operation: String,
    /// The operation's request count it fell on (0 is its first request since the last reset).
    pub request: u64,
    pub kind: Kind,
    /// What was done, as a `Prefer` header would ask for it.
    pub injected: String,
}

/// The chaos of a running mock: its settings (the admin API may change them), the request
/// count of each operation, and the last disturbances.
pub struct Chaos {
    /// A request reads this alone while chaos is off.
    on: AtomicBool,
    inner: Mutex<Inner>,
    /// Since start, for the summary; a reset does not clear it.
    disturbed: AtomicU64,
    /// The documented error examples to draw from, by name.
    documented: Vec<String>,
    /// The contract's own weights for its operation.
    contract_weights: Option<ChaosWeights>,
    max_delay_ms: u64,
}

struct Inner {
    rate: f64,
    seed: u64,
    weights: Option<Weights>,
    delay_ms: u64,
    counts: BTreeMap<String, u64>,
    recent: VecDeque<Disturbance>,
}

/// A disturbance drawn for a request: the scenario that carries it out, and its label.
pub struct Drawn {
    pub scenario: Scenario,
    pub injected: String,
}

impl Chaos {
    /// `seed`: the one given, or the one picked at start.
    pub fn new(contract: &Contract, config: &ChaosConfig, seed: u64, max_delay_ms: u64) -> Self {
        let documented = contract
            .examples()
            .iter()
            .filter(|e| e.status >= 400 && e.breaks.is_none() && contract.is_documented(e.status))
            .map(|e| e.name.clone())
            .collect();
        Self {
            on: AtomicBool::new(config.rate > 0.0),
            inner: Mutex::new(Inner {
                rate: config.rate,
                seed,
                weights: config.weights,
                delay_ms: config.delay_ms,
                counts: BTreeMap::new(),
                recent: VecDeque::new(),
            }),
            disturbed: AtomicU64::new(0),
            documented,
            contract_weights: contract.manifest().chaos.as_ref().map(|c| c.weights),
            max_delay_ms,
        }
    }

    // Each update is a handful of assignments: a panic cannot leave it half done.
    fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The weights `operation` draws with: the command line's or the admin's, else its
    /// contract's over the defaults; `documented` weighs 0 where nothing is documented.
    fn weights(&self, inner: &Inner) -> Weights {
        let weights = inner.weights.unwrap_or_else(|| {
            let defaults = Weights::parse(defaults::WEIGHTS).expect("the default weights parse");
            self.contract_weights
                .as_ref()
                .map_or(defaults, |spec| defaults.with(spec))
        });
        if self.documented.is_empty() {
            return weights.without(Kind::Documented);
        }
        weights
    }

    /// Counts a request to `operation` and decides whether it is disturbed, and how.
    pub fn decide(&self, operation: &str) -> Option<Drawn> {
        if !self.on.load(Ordering::Relaxed) {
            return None;
        }
        let mut inner = self.inner();
        let count = inner.counts.entry(operation.to_owned()).or_insert(0);
        let request = *count;
        *count += 1;
        let rolls = Rolls::new(inner.seed, operation, request);
        if unit(rolls.draw(0)) >= inner.rate {
            return None;
        }
        let kind = self.weights(&inner).pick(rolls.draw(1))?;
        let scenario = self.scenario(kind, rolls.draw(2), inner.delay_ms);
        let injected = scenario.to_string();
        if inner.recent.len() == RECENT {
            inner.recent.pop_front();
        }
        inner.recent.push_back(Disturbance {
            operation: operation.to_owned(),
            request,
            kind,
            injected: injected.clone(),
        });
        self.disturbed.fetch_add(1, Ordering::Relaxed);
        Some(Drawn { scenario, injected })
    }

    fn scenario(&self, kind: Kind, roll: u64, delay_ms: u64) -> Scenario {
        let fault = |fault| Scenario {
            fault: Some(fault),
            ..Scenario::default()
        };
        match kind {
            Kind::Documented => Scenario {
                example: roll
                    .checked_rem(self.documented.len() as u64)
                    .map(|i| self.documented[i as usize].clone()),
                ..Scenario::default()
            },
            Kind::Delay => Scenario {
                delay: Some(delay_ms / 2 + roll % (delay_ms - delay_ms / 2 + 1)),
                ..Scenario::default()
            },
            Kind::Reset => fault(Fault::Reset),
            Kind::Empty => fault(Fault::Empty),
            Kind::Malformed => fault(Fault::Malformed),
            Kind::Timeout => fault(Fault::Timeout),
        }
    }

    /// `POST /__admin/reset`: every operation's count back to 0, so the sequence starts over.
    pub fn restart(&self) {
        let mut inner = self.inner();
        inner.counts.clear();
        inner.recent.clear();
    }

    pub fn seed(&self) -> u64 {
        self.inner().seed
    }

    /// Disturbances since start.
    pub fn disturbed(&self) -> u64 {
        self.disturbed.load(Ordering::Relaxed)
    }

    /// Rate, seed, weights, delay, counts and the last disturbances: the admin API's view.
    pub fn snapshot(&self) -> Value {
        let inner = self.inner();
        json!({
            "rate": inner.rate,
            "seed": inner.seed,
            "weights": self.weights(&inner).to_json(),
            "delayMs": inner.delay_ms,
            "requests": inner.counts,
            "disturbed": self.disturbed(),
            "recent": inner.recent,
        })
    }

    /// `POST /__admin/chaos`: any of `rate`, `seed`, `weights` (an object, or `null` for the
    /// contract's and the defaults) and `delayMs`. A new seed starts the sequence over.
    pub fn update(&self, change: &Value) -> Result<(), String> {
        let Some(change) = change.as_object() else {
            return Err("the body is a JSON object with rate, seed, weights or delayMs".into());
        };
        let rate = change
            .get("rate")
            .map(|r| r.as_f64().ok_or("rate: a number from 0 to 1"))
            .transpose()?;
        let rate = rate.map(parse_rate).transpose()?;
        let seed = change
            .get("seed")
            .map(|s| s.as_u64().ok_or("seed: a whole number"))
            .transpose()?;
        let weights = match change.get("weights") {
            None => None,
            Some(Value::Null) => Some(None),
            Some(value) => Some(Some(Weights::from_json(value)?)),
        };
        let delay_ms = change
            .get("delayMs")
            .map(|d| d.as_u64().ok_or("delayMs: a whole number"))
            .transpose()?;
        if let Some(delay) = delay_ms.filter(|d| *d > self.max_delay_ms) {
            return Err(format!(
                "delayMs: {delay} is over the maximum of {} ms (--max-delay-ms)",
                self.max_delay_ms
            ));
        }
        if let Some(unknown) = change
            .keys()
            .find(|k| !["rate", "seed", "weights", "delayMs"].contains(&k.as_str()))
        {
            return Err(format!(
                "{unknown}: not a chaos setting (rate, seed, weights, delayMs)"
            ));
        }
        let mut inner = self.inner();
        if let Some(rate) = rate {
            inner.rate = rate;
            self.on.store(rate > 0.0, Ordering::Relaxed);
        }
        if let Some(seed) = seed.filter(|s| *s != inner.seed) {
            inner.seed = seed;
            inner.counts.clear();
            inner.recent.clear();
        }
        if let Some(weights) = weights {
            inner.weights = weights;
        }
        if let Some(delay_ms) = delay_ms {
            inner.delay_ms = delay_ms;
        }
        Ok(())
    }

    /// One line for the start-up banner, when chaos is on.
    pub fn banner(&self) -> Option<String> {
        let inner = self.inner();
        (inner.rate > 0.0).then(|| {
            format!(
                "chaos: about {}% of valid requests disturbed ({}), seed {}; replay with --chaos {} --chaos-seed {}",
                (inner.rate * 1000.0).round() / 10.0,
                self.weights(&inner),
                inner.seed,
                inner.rate,
                inner.seed
            )
        })
    }
}

#[cfg(test)]
mod tests;

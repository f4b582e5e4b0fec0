//! Scenarios: what a client asks the mock to do instead of its normal answer, per request with
//! the `Prefer` header (Prism's convention, extended with faults) or armed on the server through
//! the admin API for clients that cannot add a header.

use std::collections::VecDeque;
use std::fmt;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::contract::Contract;
use crate::redact::fingerprint;

/// A failure a UI must survive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Fault {
    /// Close the connection without a response.
    Reset,
    /// 200 with an empty body.
    Empty,
    /// 200 with a body that is not JSON.
    Malformed,
    /// Hold the request until the client gives up (bounded by the mock's maximum delay).
    Timeout,
}

impl Fault {
    const ALL: [(&'static str, Fault); 4] = [
        ("reset", Fault::Reset),
        ("empty", Fault::Empty),
        ("malformed", Fault::Malformed),
        ("timeout", Fault::Timeout),
    ];

    fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(_, f)| *f == self)
            .map(|(n, _)| *n)
            .expect("every fault is listed in ALL")
    }
}

/// What to do instead of (or on top of) the normal answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Answer with the default example of this documented status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// Answer with this named example.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub example: Option<String>,
    /// Wait this many milliseconds before answering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delay: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(code) = self.code {
            parts.push(format!("code={code}"));
        }
        if let Some(example) = &self.example {
            parts.push(format!("example={example}"));
        }
        if let Some(delay) = self.delay {
            parts.push(format!("delay={delay}"));
        }
        if let Some(fault) = self.fault {
            parts.push(format!("fault={}", fault.name()));
        }
        f.write_str(&parts.join(", "))
    }
}

/// Why a scenario cannot be used, with the values that would have been accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScenarioError {
    pub detail: String,
    pub accepted: Vec<String>,
}

impl Scenario {
    /// Parses `Prefer` header values: `code=500, example=NAME, delay=MS, fault=KIND`.
    /// No header, or only empty values, is `None`.
    pub fn from_prefer<'a>(
        values: impl IntoIterator<Item = &'a str>,
        rules: &Rules,
    ) -> Result<Option<Self>, ScenarioError> {
        let mut scenario = Scenario::default();
        let mut any = false;
        for value in values {
            for item in value
                .split([',', ';'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                any = true;
                let Some((key, raw)) = item.split_once('=') else {
                    return Err(rules.error(format!("`{item}` is not of the form key=value")));
                };
                let raw = raw.trim().trim_matches('"');
                match key.trim().to_ascii_lowercase().as_str() {
                    "code" => {
                        let code = raw
                            .parse()
                            .map_err(|_| rules.error(format!("code={raw}: not a status code")))?;
                        scenario.code = Some(code);
                    }
                    "example" => scenario.example = Some(raw.to_owned()),
                    "delay" => {
                        let delay = raw.parse().map_err(|_| {
                            rules.error(format!("delay={raw}: not a whole number of milliseconds"))
                        })?;
                        scenario.delay = Some(delay);
                    }
                    "fault" => {
                        let fault = Fault::ALL
                            .iter()
                            .find(|(name, _)| name.eq_ignore_ascii_case(raw))
                            .map(|(_, f)| *f)
                            .ok_or_else(|| rules.error(format!("fault={raw}: unknown fault")))?;
                        scenario.fault = Some(fault);
                    }
                    other => {
                        return Err(rules.error(format!("unknown preference `{other}`")));
                    }
                }
            }
        }
        if !any {
            return Ok(None);
        }
        rules.check(&scenario)?;
        Ok(Some(scenario))
    }

    pub fn delay(&self) -> Option<Duration> {
        self.delay.map(Duration::from_millis)
    }
}

/// What a scenario may ask for, from the contract and the mock's settings.
#[derive(Debug, Clone)]
pub struct Rules {
    documented: Vec<u16>,
    /// Example name -> status.
    examples: Vec<(String, u16)>,
    pub max_delay: Duration,
}

impl Rules {
    pub fn new(contract: &Contract, max_delay: Duration) -> Self {
        Self {
            documented: contract.documented_statuses().collect(),
            examples: contract
                .examples()
                .iter()
                .map(|e| (e.name.clone(), e.status))
                .collect(),
            max_delay,
        }
    }

    /// Every accepted form, for error messages and the admin page.
    pub fn accepted(&self) -> Vec<String> {
        let mut accepted: Vec<String> = self
            .documented
            .iter()
            .map(|c| format!("code={c}"))
            .collect();
        accepted.extend(
            self.examples
                .iter()
                .map(|(name, status)| format!("example={name} ({status})")),
        );
        accepted.push(format!("delay=0..{}", self.max_delay.as_millis()));
        accepted.extend(Fault::ALL.iter().map(|(name, _)| format!("fault={name}")));
        accepted
    }

    fn error(&self, detail: String) -> ScenarioError {
        ScenarioError {
            detail,
            accepted: self.accepted(),
        }
    }

    /// Checks values that parse but make no sense here.
    pub fn check(&self, scenario: &Scenario) -> Result<(), ScenarioError> {
        if let Some(code) = scenario.code
            && !self.documented.contains(&code)
        {
            return Err(self.error(format!("code={code}: not a documented status")));
        }
        if let Some(name) = &scenario.example {
            let Some((_, status)) = self.examples.iter().find(|(n, _)| n == name) else {
                return Err(self.error(format!("example={name}: no such example")));
            };
            if let Some(code) = scenario.code
                && code != *status
            {
                return Err(self.error(format!(
                    "example={name} is a {status} example, but code={code} was asked for"
                )));
            }
        }
        if let Some(delay) = scenario.delay
            && u128::from(delay) > self.max_delay.as_millis()
        {
            return Err(self.error(format!(
                "delay={delay}: over the maximum of {} ms (see --max-delay-ms)",
                self.max_delay.as_millis()
            )));
        }
        if scenario == &Scenario::default() {
            return Err(self.error("the scenario asks for nothing".to_owned()));
        }
        Ok(())
    }
}

/// How many requests an armed scenario lasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Times {
    Count(u32),
    Keyword(UntilReset),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UntilReset {
    UntilReset,
}

/// A scenario armed on the server.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Armed {
    pub id: u64,
    pub scenario: Scenario,
    /// Only requests with this token trigger it (kept in memory, never shown).
    #[serde(skip)]
    pub token: Option<String>,
    /// What is shown in place of the token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token_fingerprint: Option<String>,
    /// Requests it still applies to; `None` until reset.
    pub remaining: Option<u32>,
    pub used: u32,
}

/// The armed scenarios, consumed in the order they were armed.
#[derive(Debug, Default)]
pub struct ArmedQueue {
    next_id: u64,
    queue: VecDeque<Armed>,
}

/// Armed scenarios beyond this are refused, so the queue cannot grow without bound.
pub const MAX_ARMED: usize = 1000;

impl ArmedQueue {
    pub fn arm(
        &mut self,
        scenario: Scenario,
        token: Option<String>,
        times: Times,
    ) -> Result<&Armed, String> {
        let remaining = match times {
            Times::Count(0) => return Err("times must be at least 1".to_owned()),
            Times::Count(n) => Some(n),
            Times::Keyword(UntilReset::UntilReset) => None,
        };
        if self.queue.len() >= MAX_ARMED {
            return Err(format!(
                "{MAX_ARMED} scenarios are armed already; clear some first"
            ));
        }
        self.next_id += 1;
        self.queue.push_back(Armed {
            id: self.next_id,
            scenario,
            token_fingerprint: token.as_deref().map(fingerprint),
            token,
            remaining,
            used: 0,
        });
        Ok(self.queue.back().expect("just pushed"))
    }

    /// Takes one use of the first scenario that applies to `token`.
    pub fn take(&mut self, token: &str) -> Option<(u64, Scenario)> {
        let index = self
            .queue
            .iter()
            .position(|a| a.token.as_deref().is_none_or(|t| t == token))?;
        let armed = &mut self.queue[index];
        armed.used += 1;
        let taken = (armed.id, armed.scenario.clone());
        if let Some(remaining) = &mut armed.remaining {
            *remaining -= 1;
            if *remaining == 0 {
                self.queue.remove(index);
            }
        }
        Some(taken)
    }

    pub fn list(&self) -> Vec<Armed> {
        self.queue.iter().cloned().collect()
    }

    pub fn len(&self) -> usize {
        self.queue.len()
    }

    pub fn clear(&mut self) {
        self.queue.clear();
    }
}

/// The armed queue shared by the handlers, with its length mirrored in an atomic so the hot
/// path skips the lock when nothing is armed. Every change goes through here, so the two never
/// disagree.
#[derive(Debug, Default)]
pub struct Sticky {
    queue: std::sync::Mutex<ArmedQueue>,
    count: std::sync::atomic::AtomicUsize,
}

impl Sticky {
    /// Runs `change` on the queue under its lock and mirrors the new length.
    fn update<T>(&self, change: impl FnOnce(&mut ArmedQueue) -> T) -> T {
        // A panic while holding the lock cannot leave the queue half-updated (each change is
        // one push, remove or clear), so a poisoned lock is still safe to use.
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        let result = change(&mut queue);
        self.count
            .store(queue.len(), std::sync::atomic::Ordering::Release);
        result
    }

    pub fn arm(
        &self,
        scenario: Scenario,
        token: Option<String>,
        times: Times,
    ) -> Result<Armed, String> {
        self.update(|q| q.arm(scenario, token, times).cloned())
    }

    /// One use of the first scenario that applies to `token`; no lock when none is armed.
    pub fn take(&self, token: &str) -> Option<(u64, Scenario)> {
        if self.count.load(std::sync::atomic::Ordering::Acquire) == 0 {
            return None;
        }
        self.update(|q| q.take(token))
    }

    pub fn list(&self) -> Vec<Armed> {
        self.update(|q| q.list())
    }

    pub fn clear(&self) {
        self.update(ArmedQueue::clear);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules() -> Rules {
        Rules::new(
            &Contract::embedded().expect("embedded contract loads"),
            Duration::from_secs(10),
        )
    }

    #[test]
    fn prefer_header_parses_every_key() {
        let s = Scenario::from_prefer(["code=500, delay=20", "fault=timeout"], &rules())
            .expect("valid")
            .expect("present");
        assert_eq!(s.code, Some(500));
        assert_eq!(s.delay, Some(20));
        assert_eq!(s.fault, Some(Fault::Timeout));
        assert_eq!(s.to_string(), "code=500, delay=20, fault=timeout");
    }

    #[test]
    fn prefer_header_rejects_unknown_keys_and_lists_what_is_accepted() {
        let e = Scenario::from_prefer(["dynamic=true"], &rules()).expect_err("unknown key");
        assert!(e.detail.contains("dynamic"), "{e:?}");
        assert!(e.accepted.contains(&"code=500".to_owned()));
        assert!(e.accepted.contains(&"fault=reset".to_owned()));
    }

    #[test]
    fn prefer_header_rejects_undocumented_codes_examples_of_another_status_and_long_delays() {
        let r = rules();
        assert!(Scenario::from_prefer(["code=418"], &r).is_err());
        assert!(Scenario::from_prefer(["code=500, example=updated"], &r).is_err());
        assert!(Scenario::from_prefer(["delay=10001"], &r).is_err());
        assert!(Scenario::from_prefer(["example=nope"], &r).is_err());
        assert!(Scenario::from_prefer(["code"], &r).is_err());
        assert_eq!(Scenario::from_prefer(["", " "], &r), Ok(None));
    }

    #[test]
    fn armed_scenarios_are_consumed_in_order_and_per_token() {
        let mut q = ArmedQueue::default();
        let five_hundred = Scenario {
            code: Some(500),
            ..Scenario::default()
        };
        let slow = Scenario {
            delay: Some(5),
            ..Scenario::default()
        };
        q.arm(
            five_hundred.clone(),
            Some("token-a".into()),
            Times::Count(1),
        )
        .expect("armed");
        q.arm(slow.clone(), None, Times::Count(2)).expect("armed");
        assert_eq!(q.take("token-b").map(|t| t.1), Some(slow.clone()));
        assert_eq!(q.take("token-a").map(|t| t.1), Some(five_hundred));
        assert_eq!(q.take("token-a").map(|t| t.1), Some(slow));
        assert_eq!(q.take("token-a"), None);
        assert_eq!(q.len(), 0);
    }

    #[test]
    fn until_reset_scenarios_stay_armed() {
        let mut q = ArmedQueue::default();
        let s = Scenario {
            fault: Some(Fault::Empty),
            ..Scenario::default()
        };
        q.arm(s, None, Times::Keyword(UntilReset::UntilReset))
            .expect("armed");
        for _ in 0..5 {
            assert!(q.take("t").is_some());
        }
        assert_eq!(q.list()[0].used, 5);
        assert!(q.arm(Scenario::default(), None, Times::Count(0)).is_err());
    }
}

//! Scenarios armed on the server (`POST /__admin/scenarios`) for clients that cannot send a
//! `Prefer` header: applied in the order they were armed, to any token or to one, once, N times
//! or until reset.

use std::collections::VecDeque;

use serde::{Deserialize, Serialize};

use super::scenario::Scenario;
use crate::redact::fingerprint;

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
pub struct ArmedScenarios {
    queue: std::sync::Mutex<ArmedQueue>,
    count: std::sync::atomic::AtomicUsize,
}

impl ArmedScenarios {
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
    use crate::mock::scenario::Fault;

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

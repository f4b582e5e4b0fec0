//! The limits a run keeps to against a real backend: a request budget shared by every phase,
//! and a pace for `--rate`.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

/// `--max-requests`: a hard cap on requests, shared by every phase.
pub struct Budget {
    limit: Option<usize>,
    used: Mutex<usize>,
}

impl Budget {
    pub fn new(limit: Option<usize>) -> Self {
        Self {
            limit,
            used: Mutex::new(0),
        }
    }

    /// Grants up to `wanted` requests and counts them as used.
    pub fn grant(&self, wanted: usize) -> usize {
        let mut used = self.used.lock().unwrap_or_else(|p| p.into_inner());
        let granted = self
            .limit
            .map_or(wanted, |limit| wanted.min(limit.saturating_sub(*used)));
        *used += granted;
        granted
    }

    pub fn take(&self) -> bool {
        self.grant(1) == 1
    }

    pub fn used(&self) -> usize {
        *self.used.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// `--rate`: requests start at least `1/rate` seconds apart.
pub struct Pace {
    interval: Option<Duration>,
    next: Mutex<Instant>,
}

impl Pace {
    pub fn new(rate: Option<f64>) -> Self {
        Self {
            interval: rate
                .filter(|r| *r > 0.0)
                .map(|r| Duration::from_secs_f64(1.0 / r)),
            next: Mutex::new(Instant::now()),
        }
    }

    pub async fn wait(&self) {
        let Some(interval) = self.interval else {
            return;
        };
        let at = {
            let mut next = self.next.lock().unwrap_or_else(|p| p.into_inner());
            let at = (*next).max(Instant::now());
            *next = at + interval;
            at
        };
        tokio::time::sleep_until(at).await;
    }
}

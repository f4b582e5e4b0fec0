//! What the proxy's handlers share: the judged exchanges it keeps (bounded), the violations
//! listed with their exchange, the totals since the start, and the summary when it stops.

use std::collections::{BTreeMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use actix_web::web;
use serde::Serialize;

use super::{ProxyConfig, Recorder, Side, Violation};
use crate::contract::Contract;
use crate::server::admin::Control;
use crate::server::{CorsPolicy, Logger, Upstream};

/// One judged exchange, as the journal keeps it. No field holds a token.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct JudgedExchange {
    pub id: u64,
    pub received_at_ms: u128,
    pub method: String,
    /// Path and query, the token replaced where a client put it there.
    pub path: String,
    /// `None` when the upstream sent no answer.
    pub upstream_status: Option<u16>,
    /// What the client got (a 502 or 504 when the upstream failed, or under `--strict`).
    pub status: u16,
    pub latency_ms: f64,
    /// The class the request amounts to, as the checker names it.
    pub class: String,
    pub violations: Vec<Violation>,
    /// The upstream's answer was the environment (a rate limit), not judged.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub environment: bool,
    /// The exchange as a HAR entry (`?format=har`, `--record-har`), credentials as fingerprints.
    #[serde(skip)]
    pub har: crate::har::write::Exchange,
}

/// A violation in the list at `/__admin/violations`: the violation, with its exchange.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListedViolation {
    #[serde(flatten)]
    pub violation: Violation,
    /// The journal id of its exchange.
    pub exchange: u64,
    pub status: Option<u16>,
}

/// Totals since the start (or the last clear), for the admin API and the summary at stop.
#[derive(Debug, Clone, Default, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    pub judged: u64,
    pub passed_through: u64,
    pub request_side: u64,
    pub response_side: u64,
    pub by_check: BTreeMap<&'static str, u64>,
    /// Upstream answers that were the environment (a rate limit: 429, or 503 with
    /// `Retry-After`), by status: passed on, never judged, as the checker counts them.
    pub environment: BTreeMap<u16, u64>,
}

/// Everything the handlers share.
pub struct ProxyState {
    pub(super) contract: Arc<Contract>,
    /// Each operation as a contract of its own, as the checker judges it: the seed's first,
    /// then the others in the contract's order.
    pub(super) views: Vec<Contract>,
    /// The template each worker copies its own client from.
    pub(super) upstream: Upstream,
    pub(super) cors: CorsPolicy,
    /// The admin API's gate; `None` without an admin API (`--no-admin`).
    pub(super) admin: Option<crate::server::AdminGate>,
    pub(super) strict: bool,
    journal_size: usize,
    pub(super) logger: Logger,
    next_id: AtomicU64,
    journal: Mutex<VecDeque<JudgedExchange>>,
    totals: Mutex<Totals>,
    pub(super) recorder: Option<Recorder>,
    /// `--record-har FILE`.
    pub(super) har_file: Option<crate::har::write::HarFile>,
    /// Who the Pact export is between.
    pub(super) pact: crate::pact::Names,
    /// What `/__admin/health` says, and the handle `/__admin/shutdown` stops.
    pub(super) control: web::Data<Control>,
}

impl ProxyState {
    pub fn new(contract: Arc<Contract>, config: &ProxyConfig) -> Result<Self, crate::Error> {
        let upstream = Upstream::new(
            config.upstream.clone(),
            config.upstream_timeout,
            &config.tls,
        )?;
        let recorder = match &config.record {
            Some(dir) => Some(Recorder::open(dir, &contract)?),
            None => None,
        };
        Ok(Self {
            upstream,
            cors: config.server.cors(),
            admin: config.server.admin_gate(),
            strict: config.strict,
            journal_size: config.server.journal_size,
            logger: Logger::new(config.server.log),
            control: web::Data::new(Control::new(&contract)),
            next_id: AtomicU64::new(0),
            journal: Mutex::new(VecDeque::new()),
            totals: Mutex::new(Totals::default()),
            recorder,
            har_file: match &config.record_har {
                Some(path) => Some(
                    crate::har::write::HarFile::create(path, "mfa-contract proxy").map_err(
                        |e| {
                            crate::Error::io(
                                format!("cannot write --record-har {}", path.display()),
                                e,
                            )
                        },
                    )?,
                ),
                None => None,
            },
            pact: config.pact.clone(),
            views: contract.views().collect(),
            contract,
        })
    }

    // A panic while holding these locks cannot leave them half-updated (each update is a push,
    // a pop or a sum), so a poisoned lock is still safe to use.
    fn journal(&self) -> MutexGuard<'_, VecDeque<JudgedExchange>> {
        self.journal.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(super) fn totals(&self) -> MutexGuard<'_, Totals> {
        self.totals.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Totals so far.
    pub fn totals_so_far(&self) -> Totals {
        self.totals().clone()
    }

    /// Every violation the journal still holds, oldest first.
    pub fn violations(&self) -> Vec<ListedViolation> {
        self.journal()
            .iter()
            .flat_map(|e| {
                e.violations.iter().map(|v| ListedViolation {
                    violation: v.clone(),
                    exchange: e.id,
                    status: e.upstream_status,
                })
            })
            .collect()
    }

    pub fn exchanges(&self) -> Vec<JudgedExchange> {
        self.journal().iter().cloned().collect()
    }

    /// The journal as HAR exchanges.
    pub fn har(&self) -> Vec<crate::har::write::Exchange> {
        self.journal().iter().map(|e| e.har.clone()).collect()
    }

    pub(super) fn clear(&self) {
        self.journal().clear();
        *self.totals() = Totals::default();
    }

    /// The summary printed when the proxy stops.
    pub fn summary(&self) -> String {
        let totals = self.totals_so_far();
        let mut out = format!(
            "mfa-contract proxy: {} exchanges with {} {} judged, {} passed through; {} violations ({} by clients, {} by the upstream)",
            totals.judged,
            self.contract.method(),
            self.contract.path(),
            totals.passed_through,
            totals.request_side + totals.response_side,
            totals.request_side,
            totals.response_side
        );
        for (check, count) in &totals.by_check {
            out.push_str(&format!("\n  {check}: {count}"));
        }
        if !totals.environment.is_empty() {
            let statuses: Vec<String> = totals
                .environment
                .iter()
                .map(|(status, n)| format!("{status} x{n}"))
                .collect();
            out.push_str(&format!(
                "\n  environment, not judged (rate limited or unavailable): {}",
                statuses.join(", ")
            ));
        }
        out
    }

    /// The next journal id.
    pub(super) fn next_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed) + 1
    }

    pub(super) fn keep(&self, exchange: JudgedExchange) {
        {
            let mut totals = self.totals();
            totals.judged += 1;
            if let (true, Some(status)) = (exchange.environment, exchange.upstream_status) {
                *totals.environment.entry(status).or_default() += 1;
            }
            for violation in &exchange.violations {
                match violation.side {
                    Side::Request => totals.request_side += 1,
                    Side::Response => totals.response_side += 1,
                }
                *totals.by_check.entry(violation.check).or_default() += 1;
            }
        }
        for violation in &exchange.violations {
            let side = match violation.side {
                Side::Request => "the client",
                Side::Response => "the upstream",
            };
            let at = violation
                .instance_pointer
                .as_deref()
                .map(|p| format!(" at {}", if p.is_empty() { "(root)" } else { p }))
                .unwrap_or_default();
            self.logger.warn(&format!(
                "contract violation by {side}: {}{at}: {} [{} {} exchange {}]",
                violation.check, violation.message, exchange.method, exchange.path, exchange.id
            ));
        }
        if let Some(file) = &self.har_file
            && let Err(e) = file.append(&exchange.har)
        {
            self.logger.warn(&format!(
                "--record-har {}: cannot append the exchange: {e}",
                file.path().display()
            ));
        }
        if self.journal_size == 0 {
            return;
        }
        let mut journal = self.journal();
        if journal.len() >= self.journal_size {
            journal.pop_front();
        }
        journal.push_back(exchange);
    }
}

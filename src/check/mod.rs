//! `mfa-contract check`: plan cases from the contract, send them to any target, judge every
//! response with the registered checks, shrink sampled failures to minimal ones, send each
//! failure again to tell deterministic from flaky, and report. What belongs to the
//! environment (no answer at all, a refused token, a rate limit that never lifts) ends the run
//! with exit 3 instead of a list of violations. This module never imports the mock: the mock
//! is only ever one target among others.
//!
//! `operations.rs` runs each operation of the contract in turn and merges their reports;
//! `run.rs` is one operation's run, phase by phase; `send.rs` sends; `liveness.rs` tells a
//! target that is gone from one that fails on one input; `shrink.rs` follows failures up
//! (shrinking, rechecks); `tally.rs` folds verdicts; `checks/` is the registry (`CHECKS` in
//! `checks/mod.rs`), which `observed.rs` also applies to exchanges seen rather than sent (the
//! proxy, `check --har`).

mod checks;
mod config;
mod liveness;
pub mod observed;
mod operations;
mod run;
mod send;
mod shrink;
mod tally;

/// What `plan` returns, for `check --dry-run`.
pub use crate::cases::{Auth, Plan};
pub use crate::text::excerpt;
pub use checks::{
    CHECKS, Check, Ctx, Failure, Gap, GapKind, ObservedRequest, Run, Verdict, by_name,
};
pub use config::{CheckConfig, CheckSelection, defaults};
pub use operations::{run, views_to_check};

use crate::cases;
use crate::contract::Contract;
use crate::remote::Exchange;

/// Told about progress, for a progress bar or plain lines.
pub trait Progress: Sync {
    /// The next operation's run begins (a contract of several), named `METHOD /path`.
    fn operation(&self, _endpoint: &str) {}
    fn start(&self, _total: usize) {}
    fn tick(&self, _exchange: &Exchange) {}
    fn finish(&self) {}
}

/// No progress output.
pub struct Silent;
impl Progress for Silent {}

/// The plan as it would be sent, for `--dry-run`.
pub fn plan<'c>(contract: &'c Contract, config: &CheckConfig) -> Plan<'c> {
    cases::plan(contract, &config.gen_options(contract))
}

//! What a check run needs, validated before the first request: how to reach the target, the
//! case counts, the limits, the checks selected.

use std::num::NonZeroUsize;
use std::time::Duration;

use super::{CHECKS, Check, by_name};
use crate::Error;
use crate::cases::GenOptions;
use crate::contract::Contract;
use crate::coverage::{Area, Optional, SECOND_ACCOUNT};
use crate::remote::{TargetConfig, TargetUrl};

/// The defaults, defined once: clap shows them in `--help` and [`CheckConfig::new`] uses them.
pub mod defaults {
    use std::num::NonZeroUsize;
    use std::time::Duration;

    pub const CASES: usize = 100;
    pub const CONCURRENCY: NonZeroUsize = NonZeroUsize::new(8).unwrap();
    pub const DEADLINE: Duration = Duration::from_secs(300);
    pub const MAX_RESPONSE_TIME: Duration = Duration::from_millis(2000);
    /// Transport failures in a row that end a run.
    pub const MAX_CONSECUTIVE_FAILURES: usize = 5;
    /// Times a failing case is sent again before it is reported.
    pub const RECHECK: usize = 1;
}

/// The checks a run applies: every check that judges answers, or those `--checks` names, less
/// those `--skip-checks` names. Made once from the flags, so a run cannot fail on them.
#[derive(Clone)]
pub struct CheckSelection(Vec<&'static Check>);

impl Default for CheckSelection {
    fn default() -> Self {
        Self(CHECKS.iter().filter(|c| !c.judges_clients()).collect())
    }
}

impl std::fmt::Debug for CheckSelection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|c| c.name))
            .finish()
    }
}

impl CheckSelection {
    /// `checks` (empty: all) less `skip`; a name that is no check, or a check of what clients
    /// send (the proxy's), is a usage error naming it.
    pub fn from_flags(checks: &[String], skip: &[String]) -> Result<Self, Error> {
        for name in checks {
            if by_name(name).is_some_and(|c| c.judges_clients()) {
                return Err(Error::Usage(format!(
                    "--checks {name}: that check judges what clients send; `mfa-contract proxy` runs it"
                )));
            }
        }
        for name in checks.iter().chain(skip) {
            if by_name(name).is_none() {
                let known: Vec<&str> = CHECKS.iter().map(|c| c.name).collect();
                return Err(Error::Usage(format!(
                    "unknown check {name:?}; the checks are: {}",
                    known.join(", ")
                )));
            }
        }
        let mut selection = Self::default();
        selection.0.retain(|c| {
            (checks.is_empty() || checks.iter().any(|n| n == c.name))
                && !skip.iter().any(|n| n == c.name)
        });
        Ok(selection)
    }

    pub fn checks(&self) -> &[&'static Check] {
        &self.0
    }
}

/// Everything a check run needs, validated by the CLI before the first request.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub target: TargetConfig,
    /// Sampled cases (half valid variations, half invalid strings).
    pub cases: usize,
    pub seed: u64,
    /// Requests in flight at once; zero cannot be given, so a run cannot stall on it.
    pub concurrency: NonZeroUsize,
    /// The whole run, shrinking included.
    pub deadline: Duration,
    pub max_requests: Option<usize>,
    pub max_response_time: Duration,
    pub restore_primary: Option<String>,
    /// The checks to run (`--checks`, `--skip-checks`), validated when it was made.
    pub checks: CheckSelection,
    pub expect_token_validation: bool,
    /// Judge what the gap policy adds to the documentation as violations.
    pub strict_gaps: bool,
    /// Transport failures in a row after which the run stops (exit 3).
    pub max_consecutive_failures: usize,
    /// Times each failing case is sent again before it is reported.
    pub recheck: usize,
    /// Flaky failures (passed on a recheck) do not fail the run.
    pub allow_flaky: bool,
    /// Less coverage than this, in percent, fails the run.
    pub min_coverage: Option<f64>,
    /// `--operation`: the operations to check, by operationId or `METHOD /path`; empty: all.
    pub operations: Vec<String>,
}

impl CheckConfig {
    /// A configuration with the documented defaults, for the target at `url`.
    pub fn new(url: TargetUrl) -> Self {
        Self::reaching(TargetConfig::new(url))
    }

    /// A configuration with the documented defaults, for a target reached as `target` says.
    pub fn reaching(target: TargetConfig) -> Self {
        Self {
            target,
            cases: defaults::CASES,
            seed: 0,
            concurrency: defaults::CONCURRENCY,
            deadline: defaults::DEADLINE,
            max_requests: None,
            max_response_time: defaults::MAX_RESPONSE_TIME,
            restore_primary: None,
            checks: CheckSelection::default(),
            operations: Vec::new(),
            expect_token_validation: false,
            strict_gaps: false,
            max_consecutive_failures: defaults::MAX_CONSECUTIVE_FAILURES,
            recheck: defaults::RECHECK,
            allow_flaky: false,
            min_coverage: None,
        }
    }

    /// Coverage items this configuration does not plan, with the flag that would.
    pub fn unplanned_items(&self) -> Vec<Optional> {
        let mut items = Vec::new();
        if !self.expect_token_validation {
            items.push(Optional {
                area: Area::Auth,
                name: "auth.unknown_token",
                how_to_reach:
                    "a made-up token, which the target must refuse: --expect-token-validation"
                        .into(),
            });
        }
        if !self.target.second_token.is_set() {
            items.push(Optional {
                area: Area::Auth,
                name: SECOND_ACCOUNT,
                how_to_reach: "a second account: --second-token-env VAR (or --second-token, --second-token-command)".into(),
            });
        }
        items
    }

    pub fn gen_options(&self, contract: &Contract) -> GenOptions {
        GenOptions {
            seed: self.seed,
            generated: self.cases,
            random_token: self.expect_token_validation,
            second_token: self.target.second_token.is_set(),
            max_body_bytes: contract.request_spec().max_body_bytes,
        }
    }
}

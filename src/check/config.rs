//! What a check run needs, validated before the first request: the target, the secrets, the
//! case counts, the limits, the checks selected.

use std::path::PathBuf;
use std::time::Duration;

use super::{CHECKS, Check, by_name};
use crate::Error;
use crate::cases::GenOptions;
use crate::contract::Contract;

/// A secret from the command line or the environment. Its `Debug` hides it, so it cannot
/// reach a log by accident; only the HTTP client reads it.
#[derive(Clone)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: String) -> Self {
        Self(value)
    }

    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

/// Everything a check run needs, validated by the CLI before the first request.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    /// Base URL of the target; the contract's path is appended.
    pub target: String,
    pub token: Option<Secret>,
    /// How the token is named in reproductions (`$NAME`).
    pub token_var: String,
    pub second_token: Option<Secret>,
    pub second_token_var: String,
    /// Extra request headers; their values are hidden in reports.
    pub headers: Vec<(String, String)>,
    /// Sampled cases (half valid variations, half invalid strings).
    pub cases: usize,
    pub seed: u64,
    pub concurrency: usize,
    /// Requests per second, at most.
    pub rate: Option<f64>,
    pub timeout: Duration,
    /// The whole run, shrinking included.
    pub deadline: Duration,
    pub max_requests: Option<usize>,
    pub max_response_time: Duration,
    pub max_response_bytes: usize,
    pub restore_primary: Option<String>,
    pub ca_cert: Option<PathBuf>,
    pub insecure: bool,
    /// Check names to run; empty means all.
    pub checks: Vec<String>,
    pub skip_checks: Vec<String>,
    pub expect_token_validation: bool,
}

pub const DEFAULT_MAX_RESPONSE_TIME: Duration = Duration::from_millis(2000);

impl CheckConfig {
    /// A configuration with the documented defaults, for `target`.
    pub fn new(target: impl Into<String>) -> Self {
        Self {
            target: target.into(),
            token: None,
            token_var: "MFA_CONTRACT_TOKEN".into(),
            second_token: None,
            second_token_var: "MFA_CONTRACT_SECOND_TOKEN".into(),
            headers: Vec::new(),
            cases: 100,
            seed: 0,
            concurrency: 8,
            rate: None,
            timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(300),
            max_requests: None,
            max_response_time: DEFAULT_MAX_RESPONSE_TIME,
            max_response_bytes: 1 << 20,
            restore_primary: None,
            ca_cert: None,
            insecure: false,
            checks: Vec::new(),
            skip_checks: Vec::new(),
            expect_token_validation: false,
        }
    }

    /// The checks to run, from `checks` and `skip_checks`; an unknown name is a usage error.
    pub fn selected_checks(&self) -> Result<Vec<&'static Check>, Error> {
        for name in self.checks.iter().chain(&self.skip_checks) {
            if by_name(name).is_none() {
                let known: Vec<&str> = CHECKS.iter().map(|c| c.name).collect();
                return Err(Error::Usage(format!(
                    "unknown check {name:?}; the checks are: {}",
                    known.join(", ")
                )));
            }
        }
        Ok(CHECKS
            .iter()
            .filter(|c| self.checks.is_empty() || self.checks.iter().any(|n| n == c.name))
            .filter(|c| !self.skip_checks.iter().any(|n| n == c.name))
            .collect())
    }

    /// The endpoint URL: the target with the contract's path, unless it already ends with it.
    pub fn endpoint_url(&self, contract: &Contract) -> Result<String, Error> {
        let target = self.target.trim_end_matches('/');
        let scheme_ok = target.starts_with("http://") || target.starts_with("https://");
        let has_host = target
            .split("://")
            .nth(1)
            .is_some_and(|rest| !rest.is_empty());
        if !scheme_ok || !has_host {
            return Err(Error::Usage(format!(
                "--target {target:?}: expected an http:// or https:// URL"
            )));
        }
        if target.ends_with(contract.path()) {
            Ok(target.to_owned())
        } else {
            Ok(format!("{target}{}", contract.path()))
        }
    }

    pub fn gen_options(&self, contract: &Contract) -> GenOptions {
        GenOptions {
            seed: self.seed,
            generated: self.cases,
            random_token: self.expect_token_validation,
            second_token: self.second_token.is_some(),
            max_body_bytes: contract.request_spec().max_body_bytes,
        }
    }

    /// The secrets no response and no report may contain.
    pub(crate) fn secrets(&self) -> Vec<&str> {
        self.token
            .iter()
            .chain(&self.second_token)
            .map(Secret::expose)
            .collect()
    }
}

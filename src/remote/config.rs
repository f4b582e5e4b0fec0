//! How to reach a target, validated before the first request: its URL, the credentials and
//! where fresh ones come from, extra headers, time and size limits, TLS trust.

use std::time::Duration;

use super::TargetUrl;
use crate::contract::{Contract, Security};

/// The defaults, defined once: clap shows them in `--help` and the configurations start from them.
pub mod defaults {
    use std::time::Duration;

    pub const TOKEN_VAR: &str = "MFA_CONTRACT_TOKEN";
    pub const SECOND_TOKEN_VAR: &str = "MFA_CONTRACT_SECOND_TOKEN";
    /// One request, connection included.
    pub const TIMEOUT: Duration = Duration::from_secs(10);
    pub const MAX_RESPONSE_BYTES: usize = 1 << 20;
    /// The longest a rate limit's `Retry-After` is obeyed.
    pub const MAX_RETRY_WAIT: Duration = Duration::from_secs(30);
}

/// A secret from the command line, the environment or a token command. Its `Debug` hides it,
/// so it cannot reach a log by accident; only the HTTP client reads it.
#[derive(Clone, PartialEq, Eq)]
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

/// Where one account's bearer token comes from.
#[derive(Debug, Clone, Default)]
pub struct Credential {
    /// The token to start with (flag or environment).
    pub token: Option<Secret>,
    /// How the token is named in reproductions (`$NAME`).
    pub var: String,
    /// A shell command that prints a fresh token (`--token-command`); run at the start when
    /// there is no token, and again when a valid request is refused with 401 or 403.
    pub command: Option<String>,
}

impl Credential {
    pub fn named(var: &str) -> Self {
        Self {
            token: None,
            var: var.to_owned(),
            command: None,
        }
    }

    /// Whether a token is at hand or can be fetched.
    pub fn is_set(&self) -> bool {
        self.token.is_some() || self.command.is_some()
    }
}

/// Everything needed to talk to one target.
#[derive(Debug, Clone)]
pub struct TargetConfig {
    /// Base URL of the target; the contract's path is appended.
    pub url: TargetUrl,
    pub token: Credential,
    pub second_token: Credential,
    /// `--credential SCHEME=VALUE`: a security scheme's own credential, which it takes
    /// instead of the token.
    pub scheme_credentials: Vec<(String, Credential)>,
    /// Extra request headers; their values are hidden in reports.
    pub headers: Vec<(String, String)>,
    pub timeout: Duration,
    /// Requests per second, at most.
    pub rate: Option<f64>,
    pub max_response_bytes: usize,
    /// The longest wait for a rate limit before the case is sent again.
    pub max_retry_wait: Duration,
    /// `--ca-cert` and `--insecure`, as every client here takes them.
    pub tls: crate::tls::TlsOptions,
}

impl TargetConfig {
    /// A configuration with the documented defaults, for the target at `url`.
    pub fn new(url: TargetUrl) -> Self {
        Self {
            url,
            token: Credential::named(defaults::TOKEN_VAR),
            second_token: Credential::named(defaults::SECOND_TOKEN_VAR),
            scheme_credentials: Vec::new(),
            headers: Vec::new(),
            timeout: defaults::TIMEOUT,
            rate: None,
            max_response_bytes: defaults::MAX_RESPONSE_BYTES,
            max_retry_wait: defaults::MAX_RETRY_WAIT,
            tls: crate::tls::TlsOptions::default(),
        }
    }

    /// Whether `--credential` gave `scheme` a credential of its own.
    pub fn holds(&self, scheme: &Security) -> bool {
        self.scheme_credentials
            .iter()
            .any(|(key, _)| scheme.answers_to(key))
    }

    /// The credential requests to `view` carry: its scheme's own (`--credential`), else the
    /// token. `None`: it needs one and neither is at hand, which is reported, not guessed.
    pub fn credential_for(&self, view: &Contract) -> Option<&Credential> {
        let own = view.security_scheme().and_then(|scheme| {
            self.scheme_credentials
                .iter()
                .find(|(key, _)| scheme.answers_to(key))
                .map(|(_, credential)| credential)
        });
        own.or_else(|| self.token.is_set().then_some(&self.token))
    }

    /// The endpoint of `contract`'s operation on this target.
    pub fn endpoint_url(&self, contract: &Contract) -> String {
        self.url.endpoint(contract)
    }

    /// Whether the target is on this machine (a made-up token is fine there).
    pub fn is_loopback(&self) -> bool {
        self.url.is_loopback()
    }
}

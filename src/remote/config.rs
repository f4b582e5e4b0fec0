//! How to reach a target, validated before the first request: its URL, the credentials and
//! where fresh ones come from, extra headers, time and size limits, TLS trust.

use std::time::Duration;

use url::Url;

use crate::Error;
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
    pub url: String,
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
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
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

    /// The endpoint URL: the target with the contract's path, unless it already ends with it.
    pub fn endpoint_url(&self, contract: &Contract) -> Result<String, Error> {
        let base = parse_http_url("--target", &self.url)?;
        let mut path = base.path().trim_end_matches('/').to_owned();
        if !path.ends_with(contract.path()) {
            path.push_str(contract.path());
        }
        let mut endpoint = base;
        endpoint.set_path(&path);
        if let Some(query) = contract.query() {
            endpoint.set_query(Some(query));
        }
        Ok(endpoint.to_string())
    }

    /// The target without the seed operation's path, when it ends with it: the base every
    /// operation's path is appended to.
    pub fn base_url(&self, contract: &Contract) -> Result<String, Error> {
        let mut base = parse_http_url("--target", &self.url)?;
        let path = base.path().trim_end_matches('/').to_owned();
        let path = path
            .strip_suffix(contract.path())
            .unwrap_or(&path)
            .to_owned();
        base.set_path(&path);
        Ok(base.to_string().trim_end_matches('/').to_owned())
    }

    /// Whether the target is on this machine (a made-up token is fine there).
    pub fn is_loopback(&self) -> bool {
        Url::parse(&self.url).is_ok_and(|u| crate::net::is_loopback_url(&u))
    }
}

/// An `http://` or `https://` URL with a host, or a usage error naming `flag`.
pub fn parse_http_url(flag: &str, text: &str) -> Result<Url, Error> {
    let problem = || {
        Error::Usage(format!(
            "{flag} {text:?}: expected an http:// or https:// URL"
        ))
    };
    let url = Url::parse(text.trim()).map_err(|_| problem())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(problem());
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_url_appends_the_contract_path_once() {
        let contract = Contract::embedded().expect("contract");
        for (base, endpoint) in [
            ("http://127.0.0.1:4010", "http://127.0.0.1:4010/mfa/primary"),
            (
                "http://127.0.0.1:4010/",
                "http://127.0.0.1:4010/mfa/primary",
            ),
            (
                "https://staging.example/api/",
                "https://staging.example/api/mfa/primary",
            ),
            (
                "http://127.0.0.1:4010/mfa/primary",
                "http://127.0.0.1:4010/mfa/primary",
            ),
        ] {
            assert_eq!(
                TargetConfig::new(base)
                    .endpoint_url(&contract)
                    .expect("valid"),
                endpoint
            );
        }
        for bad in ["ftp://x", "localhost:4010", "http://", ""] {
            assert!(
                TargetConfig::new(bad).endpoint_url(&contract).is_err(),
                "{bad}"
            );
        }
    }
}

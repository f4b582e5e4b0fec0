//! How `check` and `drift` reach a target: the flags they share, the built-in mock when no
//! target is given, and the token (from the environment or a command, never printed).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use mfa_contract::TlsOptions;
use mfa_contract::mock::{MockConfig, MockServer};
use mfa_contract::remote::{Credential, Secret, TargetConfig, TargetUrl, defaults};
use mfa_contract::server::ServerOptions;
use mfa_contract::{Contract, Error};

/// How to reach a target; shared by `check` and `drift`.
#[derive(Debug, Args)]
pub(super) struct TargetArgs {
    /// Base URL of the target, e.g. https://staging.example.com (the contract's path is appended).
    /// Default: the built-in mock, started on a free loopback port
    #[arg(long, value_name = "URL")]
    pub(super) target: Option<TargetUrl>,
    /// Read the bearer token from this environment variable
    #[arg(long, value_name = "VAR", default_value = defaults::TOKEN_VAR)]
    pub(super) token_env: String,
    /// The bearer token itself (prefer --token-env: a command line is visible to other users)
    #[arg(long, value_name = "TOKEN")]
    pub(super) token: Option<String>,
    /// Run CMD (through sh) for the token: its trimmed stdout. Run again when a valid request is
    /// refused with 401 or 403, and the request sent again (short-lived tokens)
    #[arg(long, value_name = "CMD")]
    pub(super) token_command: Option<String>,
    /// A security scheme's own credential, e.g. --credential api_key="$KEY" (repeatable).
    /// SCHEME is the scheme's name in the contract, or the header or query parameter its API
    /// key goes in; without =VALUE it is read from MFA_CONTRACT_CREDENTIAL_<SCHEME>. Other
    /// schemes take the token
    #[arg(long = "credential", value_name = "SCHEME=VALUE")]
    pub(super) credentials: Vec<String>,
    /// Extra request header, e.g. --header 'X-Tenant: acme' (repeatable; values are hidden in reports)
    #[arg(long = "header", value_name = "NAME: VALUE")]
    pub(super) headers: Vec<String>,
    /// Give up on one request after this many seconds
    #[arg(long, value_name = "SECONDS", default_value_t = defaults::TIMEOUT.as_secs_f64())]
    pub(super) timeout: f64,
    /// Wait at most this long for a rate limit (429, or 503 with Retry-After) before sending the
    /// case again (up to 3 times)
    #[arg(long, value_name = "SECONDS", default_value_t = defaults::MAX_RETRY_WAIT.as_secs_f64())]
    pub(super) max_retry_wait: f64,
    /// At most this many requests per second
    #[arg(long, value_name = "PER_SECOND")]
    pub(super) rate: Option<f64>,
    /// Read at most this many bytes of a response body
    #[arg(long, value_name = "BYTES", default_value_t = defaults::MAX_RESPONSE_BYTES)]
    pub(super) max_response_bytes: usize,
    /// After the run, set the account's primary method to METHOD and report whether that worked
    #[arg(long, value_name = "METHOD")]
    pub(super) restore_primary: Option<String>,
    /// Trust this CA certificate (PEM) as well as the system's
    #[arg(long, value_name = "FILE")]
    pub(super) ca_cert: Option<PathBuf>,
    /// Accept any TLS certificate (for a staging server with a self-signed one)
    #[arg(long)]
    pub(super) insecure: bool,
}

/// Without a target, the built-in mock is the target; it lives as long as the returned server.
pub(super) fn resolve_target(
    contract: &Arc<Contract>,
    target: Option<&TargetUrl>,
) -> Result<(TargetUrl, Option<MockServer>), Error> {
    match target {
        Some(target) => Ok((target.clone(), None)),
        None => {
            let server = MockServer::start(
                contract.clone(),
                MockConfig {
                    server: ServerOptions {
                        port: 0,
                        journal_size: 0,
                        ..ServerOptions::default()
                    },
                    ..MockConfig::default()
                },
            )
            .map_err(|e| Error::io("cannot start the built-in mock", e))?;
            let url = TargetUrl::parse("the built-in mock's URL", &server.url())?;
            Ok((url, Some(server)))
        }
    }
}

/// How to reach the target, from the shared flags.
pub(super) fn target_config(
    args: &TargetArgs,
    contract: &Contract,
    url: TargetUrl,
) -> Result<TargetConfig, Error> {
    let mut config = TargetConfig::new(url);
    config.token = credential(
        args.token.as_ref(),
        &args.token_env,
        args.token_command.as_ref(),
    );
    config.scheme_credentials = scheme_credentials(&args.credentials, contract)?;
    if !config.token.is_set() && config.scheme_credentials.is_empty() {
        if !config.is_loopback() {
            return Err(Error::Usage(format!(
                "no token: set {} (or --token-env VAR, or --token-command CMD) to the bearer token of a test account",
                args.token_env
            )));
        }
        // Any token works against a local mock; make one per run.
        config.token.token = Some(Secret::new(format!("mfa-contract-{:016x}", random_seed())));
    }
    for header in &args.headers {
        let Some((name, value)) = header.split_once(':') else {
            return Err(Error::Usage(format!(
                "--header {header:?}: expected NAME: VALUE"
            )));
        };
        config
            .headers
            .push((name.trim().to_owned(), value.trim().to_owned()));
    }
    config.timeout = seconds("--timeout", args.timeout)?;
    config.max_retry_wait = seconds("--max-retry-wait", args.max_retry_wait)?;
    config.rate = args.rate;
    config.max_response_bytes = args.max_response_bytes;
    config.tls = TlsOptions {
        ca_cert: args.ca_cert.clone(),
        insecure: args.insecure,
    };
    Ok(config)
}

/// `--credential SCHEME[=VALUE]`, each naming a scheme of `contract` and holding a value.
fn scheme_credentials(
    flags: &[String],
    contract: &Contract,
) -> Result<Vec<(String, Credential)>, Error> {
    let schemes = contract.security_schemes();
    let mut held = Vec::new();
    for flag in flags {
        let (key, value) = match flag.split_once('=') {
            Some((key, value)) => (key.trim(), Some(value.to_owned())),
            None => (flag.trim(), None),
        };
        if !schemes.iter().any(|s| s.answers_to(key)) {
            let names: Vec<&str> = schemes.iter().map(|s| s.scheme_name()).collect();
            return Err(Error::Usage(format!(
                "--credential {key}: no operation of the contract has a security scheme of that name (it has: {})",
                if names.is_empty() {
                    "none".to_owned()
                } else {
                    names.join(", ")
                }
            )));
        }
        let var = format!(
            "MFA_CONTRACT_CREDENTIAL_{}",
            key.to_ascii_uppercase()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        );
        let Some(value) = value.or_else(|| from_env(&var)).filter(|v| !v.is_empty()) else {
            return Err(Error::Usage(format!(
                "--credential {key}: no value (give {key}=VALUE, or set {var})"
            )));
        };
        let credential = Credential {
            token: Some(Secret::new(value)),
            var,
            command: None,
        };
        held.push((key.to_owned(), credential));
    }
    Ok(held)
}

/// One account's credential: the token given on the command line, else the one in `var`, and
/// the command that refreshes it.
pub(super) fn credential(
    token: Option<&String>,
    var: &str,
    command: Option<&String>,
) -> Credential {
    Credential {
        token: token.cloned().or_else(|| from_env(var)).map(Secret::new),
        var: var.to_owned(),
        command: command.cloned(),
    }
}

pub(super) fn from_env(var: &str) -> Option<String> {
    std::env::var(var).ok().filter(|v| !v.trim().is_empty())
}

pub(super) fn seconds(flag: &str, value: f64) -> Result<Duration, Error> {
    Duration::try_from_secs_f64(value)
        .ok()
        .filter(|d| !d.is_zero())
        .ok_or_else(|| {
            Error::Usage(format!(
                "{flag} {value}: expected a positive number of seconds"
            ))
        })
}

pub(super) fn random_seed() -> u64 {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    (nanos as u64) ^ u64::from(std::process::id()).rotate_left(32)
}

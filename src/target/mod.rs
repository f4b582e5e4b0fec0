//! Talking to a target, for everything that does: the checker, drift, and the proxy's
//! upstream. The HTTP client (TLS, timeouts, body caps, no redirects), pacing and the request
//! budget, the tokens and their refresh, and what the environment did (rate limits, refreshed
//! tokens). None of the users imports another's internals; they meet here.

mod client;
mod config;
mod limits;
mod token;

pub use client::{
    Body, Client, Environment, Exchange, Outcome, RATE_LIMIT_RETRIES, Response, TransportError,
    TransportKind, cause_chain, http_client_builder, names_tls,
};
pub use config::{Credential, Secret, TargetConfig, defaults, parse_http_url};
pub use limits::{Budget, Pace};
pub use token::TokenSource;

use crate::Error;
use crate::cases::{self, Auth, Case, Expect};
use crate::contract::Contract;
use crate::report::RestoreReport;

/// Sets the account's primary method back to `method` after a run (`--restore-primary`).
pub async fn restore(
    contract: &Contract,
    client: &Client,
    budget: &Budget,
    method: &str,
) -> Result<RestoreReport, Error> {
    let Some(body) = cases::body_selecting(contract, method) else {
        let methods: Vec<String> = contract.methods().into_iter().map(|(m, _)| m).collect();
        return Err(Error::Usage(format!(
            "--restore-primary {method}: not one of {}",
            methods.join(", ")
        )));
    };
    budget.take();
    let case = Case::new(
        "restore_primary",
        cases::Family::Positive,
        Expect::Accept,
        cases::Request {
            method: contract.method().to_owned(),
            auth: Auth::Token,
            content_type: Some(contract.request_spec().content_type.clone()),
            body,
        },
    );
    let exchange = client.send(case).await;
    Ok(match &exchange.outcome {
        Outcome::Response(r) => RestoreReport {
            method: method.to_owned(),
            status: Some(r.status),
            ok: (200..300).contains(&r.status),
            detail: format!("answered {}", r.status),
        },
        Outcome::Transport(e) => RestoreReport {
            method: method.to_owned(),
            status: None,
            ok: false,
            detail: crate::redact::redact(&e.message, client.secrets().iter().map(Secret::expose)),
        },
    })
}

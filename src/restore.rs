//! `--restore-primary METHOD`: after a run that changed the account's primary method, set it
//! back, and report whether that worked. Used by the checker and drift; it sends one request
//! through their client and judges nothing.

use serde::Serialize;

use crate::Error;
use crate::cases::{self, Auth, Case, Expect};
use crate::contract::Contract;
use crate::remote::{Budget, Client, Received};

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestoreReport {
    pub method: String,
    pub status: Option<u16>,
    pub ok: bool,
    pub detail: String,
}

impl std::fmt::Display for RestoreReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = if self.ok { "restored" } else { "NOT restored" };
        write!(
            f,
            "primary method {state}: {} ({})",
            self.method, self.detail
        )
    }
}

/// Sets the account's primary method back to `method` after a run (`--restore-primary`).
pub async fn restore(
    contract: &Contract,
    client: &Client,
    budget: &Budget,
    method: &str,
) -> Result<RestoreReport, Error> {
    let Some(body) = cases::body_selecting(contract, method) else {
        let methods: Vec<String> = contract.selectable_names();
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
            headers: Vec::new(),
            title_case: false,
            body,
            path: None,
        },
    );
    let exchange = client.send(case).await;
    Ok(match &exchange.outcome {
        Received::Response(r) => RestoreReport {
            method: method.to_owned(),
            status: Some(r.status),
            ok: (200..300).contains(&r.status),
            detail: format!("answered {}", r.status),
        },
        Received::Transport(e) => RestoreReport {
            method: method.to_owned(),
            status: None,
            ok: false,
            detail: client.redact(&e.message),
        },
    })
}

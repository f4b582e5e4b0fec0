//! The mock's side of Pact: the journal as a consumer contract whose valid requests carry
//! the state of the user who sent them (its account document, named as the contract's
//! `accounts.stateName` says), and `POST /__admin/provider-states`, where the Pact verifier
//! asks for that state before it replays an interaction, so the state is real.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::MockState;
use super::armed::Times;
use super::scenario::Scenario;
use crate::contract::{StateName, rules};
use crate::credentials::Credentials;
use crate::har::write::Exchange;
use crate::pact::{self, ProviderState};
use crate::server::admin;

/// `GET /__admin/requests?format=pact`.
pub(super) fn export(req: &HttpRequest, state: &MockState) -> HttpResponse {
    // One lock at a time: the journal's records first, then the users.
    let records = state.journal().har_with_users(&admin::base_url(req));
    let users = state.users();
    let exchanges: Vec<(Exchange, Vec<ProviderState>)> = records
        .into_iter()
        // A disturbance chaos drew is not what the consumer expects of the provider.
        .filter(|(_, record)| !record.chaos)
        .map(|(exchange, record)| {
            let Some(token) = credential(state, &exchange) else {
                return (exchange, Vec::new());
            };
            let mut states = Vec::new();
            if let Some(name) = &record.user {
                // The account as it was when the answer was made; else as it is now.
                let account = record
                    .account
                    .as_deref()
                    .unwrap_or_else(|| users.account_of(name));
                states.push(ProviderState {
                    name: state_name(
                        state.contract.manifest().accounts.state_name.as_ref(),
                        account,
                    ),
                    params: json!({ "token": token, "account": account }),
                });
            }
            // An armed scenario shaped the answer: the state arms it again for this token.
            if let Some(armed) = record.scenario.as_deref().and_then(armed_scenario) {
                states.push(ProviderState {
                    name: format!("the mock is armed to answer with {armed}"),
                    params: json!({ "token": token, "prefer": armed }),
                });
            }
            (exchange, states)
        })
        .collect();
    drop(users);
    let document = pact::document(&state.contract, &state.settings.pact, &exchanges);
    HttpResponse::Ok().json(document)
}

/// `armed #3: code=500` -> `code=500`, the scenario as a `Prefer` header says it.
fn armed_scenario(label: &str) -> Option<&str> {
    label
        .strip_prefix("armed #")?
        .split_once(": ")
        .map(|(_, s)| s)
}

/// The credential the exchange's request carries (a fingerprint, as the journal keeps it).
fn credential(state: &MockState, exchange: &Exchange) -> Option<String> {
    let header = &state.contract.auth().header;
    exchange
        .request_headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(header))
        .and_then(|(_, v)| Credentials::parse(v).credential())
        .map(str::to_owned)
}

/// The contract's name for a state with this account: its `stateName` template over the list
/// it names ("A, B and C"), or the account itself when the contract gives no template.
fn state_name(template: Option<&StateName>, account: &Value) -> String {
    let Some(template) = template else {
        return format!("the user's account is {account}");
    };
    let items: Vec<String> = rules::resolve(account, &template.from)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
        .collect();
    match items.as_slice() {
        [] => template.none.clone(),
        [one] => template.one.replace("{}", one),
        [rest @ .., last] => template
            .many
            .replace("{}", &format!("{} and {last}", rest.join(", "))),
    }
}

/// What the Pact verifier posts (`--state-change-url`).
#[derive(Debug, Deserialize)]
struct StateChange {
    #[serde(default)]
    state: String,
    #[serde(default)]
    params: Map<String, serde_json::Value>,
    #[serde(default)]
    action: Option<String>,
}

/// `POST /__admin/provider-states`: set up the named state from its params (teardown: nothing
/// to undo, the next setup replaces the user).
pub(super) async fn change(state: web::Data<MockState>, body: web::Bytes) -> HttpResponse {
    let change: StateChange = match serde_json::from_slice(&body) {
        Ok(change) => change,
        Err(e) => return refuse(&format!("the body is not a provider state change: {e}")),
    };
    // The verifier asks for an unnamed state before an interaction that has none.
    if change.action.as_deref() == Some("teardown") || change.state.is_empty() {
        return HttpResponse::Ok().json(json!({}));
    }
    let token = change.params.get("token").and_then(|t| t.as_str());
    let account = change.params.get("account");
    let prefer = change.params.get("prefer").and_then(|p| p.as_str());
    let token = match (token, account, prefer) {
        (Some(token), Some(_), _) | (Some(token), _, Some(_)) => token,
        _ => {
            return refuse(&format!(
                "state {:?}: params.token and params.account (an account document) or params.prefer (a scenario) are needed; the states of a pact exported with ?format=pact carry them",
                change.state
            ));
        }
    };
    if let Some(prefer) = prefer {
        let armed = Scenario::from_prefer([prefer], &state.rules)
            .map_err(|e| e.detail)
            .and_then(|p| p.scenario.ok_or_else(|| "no scenario".to_owned()))
            .and_then(|s| {
                state
                    .armed
                    .arm(s, Some(token.to_owned()), Times::Count(1))
                    .map(|_| ())
            });
        if let Err(detail) = armed {
            return refuse(&format!("state {:?}: {prefer}: {detail}", change.state));
        }
    }
    let Some(account) = account else {
        return HttpResponse::Ok().json(json!({ "state": change.state }));
    };
    if let Some(problem) = account_problem(&state.contract, account) {
        return refuse(&format!(
            "state {:?}: params.account{problem}",
            change.state
        ));
    }
    state.users().provide(token, account.clone());
    HttpResponse::Ok().json(json!({ "state": change.state }))
}

fn refuse(detail: &str) -> HttpResponse {
    admin::error(
        StatusCode::BAD_REQUEST,
        "Bad Request: cannot set up this provider state",
        detail,
        Map::new(),
    )
}

/// Why `account` cannot be a user's account, as the users file would be told: the first place
/// it breaks the users schema's account or one of the contract's invariants.
fn account_problem(contract: &crate::contract::Contract, account: &Value) -> Option<String> {
    let wrapped = json!({ "defaultUser": account, "users": [] });
    if let Some(v) = contract
        .users_schema()
        .violations(&wrapped)
        .into_iter()
        .next()
    {
        let at = v
            .instance_path
            .strip_prefix("/defaultUser")
            .unwrap_or(&v.instance_path);
        return Some(format!("{at}: {}", v.message));
    }
    crate::contract::broken_invariants(&contract.manifest().accounts.invariants, account)
        .next()
        .map(|(at, says)| format!("{at}: {says}"))
}

#[cfg(test)]
mod tests {
    use super::state_name;
    use crate::contract::StateName;
    use serde_json::json;

    #[test]
    fn states_are_named_as_the_contract_says_them() {
        let template = StateName {
            from: "/have".into(),
            none: "nothing is had".into(),
            one: "only {} is had".into(),
            many: "{} are had".into(),
        };
        let name = |e: &[&str]| state_name(Some(&template), &json!({ "have": e }));
        assert_eq!(name(&["a"]), "only a is had");
        assert_eq!(name(&["a", "b"]), "a and b are had");
        assert_eq!(name(&["a", "b", "c"]), "a, b and c are had");
        assert_eq!(name(&[]), "nothing is had");
        assert_eq!(
            state_name(None, &json!({"a": 1})),
            "the user's account is {\"a\":1}"
        );
    }
}

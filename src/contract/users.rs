//! The users of the stateful mock (`fixtures/users.json` or `--users FILE`): tokens mapped to
//! accounts. An account is a JSON document, shaped by `schemas/users.schema.json` and read and
//! changed by the operations' rules; the engine knows nothing of what it holds.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::rules::{Invariant, RequestValues, holds};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Users {
    /// The account an unknown, non-empty token gets unless the mock runs with `--strict-tokens`.
    pub default_user: Value,
    pub users: Vec<User>,
}

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
pub struct User {
    pub token: String,
    /// Shown in place of the token wherever a user is named.
    pub name: String,
    #[serde(default)]
    pub purpose: Option<String>,
    pub account: Value,
}

impl Users {
    /// Problems the schema cannot express, as (JSON pointer, message): an account breaking one
    /// of the contract's invariants, a token or a name given twice.
    pub(crate) fn inconsistencies(&self, invariants: &[Invariant]) -> Vec<(String, String)> {
        let mut found = Vec::new();
        let accounts = std::iter::once(("/defaultUser".to_owned(), &self.default_user)).chain(
            self.users
                .iter()
                .enumerate()
                .map(|(i, u)| (format!("/users/{i}/account"), &u.account)),
        );
        for (pointer, account) in accounts {
            found.extend(
                broken_invariants(invariants, account)
                    .map(|(at, says)| (format!("{pointer}{at}"), says)),
            );
        }
        for (i, user) in self.users.iter().enumerate() {
            if let Some(j) = self.users[..i].iter().position(|u| u.token == user.token) {
                found.push((
                    format!("/users/{i}/token"),
                    format!("the same token as /users/{j}"),
                ));
            }
            if let Some(j) = self.users[..i].iter().position(|u| u.name == user.name) {
                found.push((
                    format!("/users/{i}/name"),
                    format!("the same name as /users/{j}"),
                ));
            }
        }
        found
    }
}

/// The invariants `account` breaks, as (its pointer in the account, what it says).
pub(crate) fn broken_invariants<'i>(
    invariants: &'i [Invariant],
    account: &Value,
) -> impl Iterator<Item = (String, String)> + 'i {
    let account = account.clone();
    invariants
        .iter()
        .filter(move |i| !holds(&i.holds, RequestValues::default(), &account))
        .map(|i| (i.at.clone(), i.says.clone()))
}

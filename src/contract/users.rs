//! The users of the stateful mock (`fixtures/users.json` or `--users FILE`): tokens mapped to
//! enrolled MFA methods and a current primary. Mock data, validated by `schemas/users.schema.json`.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Users {
    /// What an unknown, non-empty token gets unless the mock runs with `--strict-tokens`.
    pub default_user: Account,
    pub users: Vec<User>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct Account {
    pub enrolled: Vec<String>,
    pub primary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
pub struct User {
    pub token: String,
    /// Shown in place of the token wherever a user is named.
    pub name: String,
    #[serde(default)]
    pub purpose: Option<String>,
    #[serde(flatten)]
    pub account: Account,
}

impl Users {
    /// Problems the schema cannot express, as (JSON pointer, message).
    pub(crate) fn inconsistencies(&self) -> Vec<(String, String)> {
        let mut found = Vec::new();
        let mut check_primary = |pointer: String, account: &Account| {
            if let Some(primary) = &account.primary
                && !account.enrolled.contains(primary)
            {
                found.push((
                    format!("{pointer}/primary"),
                    format!("primary {primary} is not among the enrolled methods"),
                ));
            }
        };
        check_primary("/defaultUser".to_owned(), &self.default_user);
        for (i, user) in self.users.iter().enumerate() {
            check_primary(format!("/users/{i}"), &user.account);
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

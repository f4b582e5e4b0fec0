//! The users the mock remembers: tokens mapped to account documents, which the operations'
//! rules read and change. One lock guards the whole map, so an update is never lost or torn;
//! the lock is held for a map lookup and the rules' work on one small document.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use serde::Serialize;

use serde_json::Value;

use crate::contract::Users;
use crate::redact::fingerprint;

/// Tokens not in the users file get a user of their own; past this many, the oldest of those
/// is forgotten, so random tokens cannot grow memory without bound.
pub const MAX_AUTO_USERS: usize = 10_000;

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UserState {
    /// The users file's name for it, or its token's fingerprint for a default user.
    pub name: Arc<str>,
    /// Shared, so the journal can show it on every request without hashing the token again.
    pub token_fingerprint: Arc<str>,
    pub from_users_file: bool,
    /// Shared with the journal's records of the requests it answered: copied on change only.
    pub account: Arc<Value>,
}

/// Who a request concerned: the user's name and its token's fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Caller {
    pub name: Arc<str>,
    pub fingerprint: Arc<str>,
}

/// Strict tokens and the token is not in the users file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownToken;

#[derive(Debug)]
pub struct UserStore {
    users: Users,
    strict: bool,
    by_token: HashMap<String, UserState>,
    /// Tokens of users made from the default user, oldest first.
    auto_created: VecDeque<String>,
}

impl UserStore {
    pub fn new(users: Users, strict: bool) -> Self {
        let mut store = Self {
            users,
            strict,
            by_token: HashMap::new(),
            auto_created: VecDeque::new(),
        };
        store.reset();
        store
    }

    /// Back to the users file, forgetting every default user.
    pub fn reset(&mut self) {
        self.auto_created.clear();
        self.by_token = self
            .users
            .users
            .iter()
            .map(|u| {
                let state = UserState {
                    name: u.name.as_str().into(),
                    token_fingerprint: fingerprint(&u.token).into(),
                    from_users_file: true,
                    account: Arc::new(u.account.clone()),
                };
                (u.token.clone(), state)
            })
            .collect();
    }

    /// Who `token` is, if the mock knows it already (nothing is created).
    pub fn who(&self, token: &str) -> Option<Caller> {
        self.by_token.get(token).map(UserState::caller)
    }

    pub fn is_known(&self, token: &str) -> bool {
        self.by_token.get(token).is_some_and(|u| u.from_users_file)
    }

    pub fn strict(&self) -> bool {
        self.strict
    }

    /// Runs `work` on the token's account (made from the default user for a new token, unless
    /// strict), under the store's lock.
    pub fn with_account<R>(
        &mut self,
        token: &str,
        work: impl FnOnce(&mut Arc<Value>) -> R,
    ) -> Result<(Caller, R), UnknownToken> {
        // One lookup for a token the store knows (every request but a new user's first).
        if let Some(user) = self.by_token.get_mut(token) {
            return Ok((user.caller(), work(&mut user.account)));
        }
        if self.strict {
            return Err(UnknownToken);
        }
        let user = self.create_default(token);
        Ok((user.caller(), work(&mut user.account)))
    }

    /// Users from the file first (in file order), then default users, oldest first.
    pub fn snapshot(&self) -> Vec<UserState> {
        let from_file = self
            .users
            .users
            .iter()
            .filter_map(|u| self.by_token.get(&u.token));
        let auto = self
            .auto_created
            .iter()
            .filter_map(|t| self.by_token.get(t));
        from_file.chain(auto).cloned().collect()
    }

    /// A provider state set up: the token's user has this account. Known from now on, as a
    /// users-file user is (so strict tokens accept it too), until a reset.
    pub fn provide(&mut self, token: &str, account: Value) {
        let fp = fingerprint(token);
        if !self.by_token.contains_key(token) {
            self.auto_created.push_back(token.to_owned());
        }
        self.by_token.insert(
            token.to_owned(),
            UserState {
                name: fp.as_str().into(),
                token_fingerprint: fp.into(),
                from_users_file: true,
                account: Arc::new(account),
            },
        );
    }

    /// The account of the user of this name; a name the store does not hold is a default
    /// user's.
    pub fn account_of(&self, name: &str) -> &Value {
        self.by_token
            .values()
            .find(|u| &*u.name == name)
            .map_or(&self.users.default_user, |u| &*u.account)
    }

    pub fn default_user(&self) -> &Value {
        &self.users.default_user
    }

    fn create_default(&mut self, token: &str) -> &mut UserState {
        if self.auto_created.len() >= MAX_AUTO_USERS
            && let Some(oldest) = self.auto_created.pop_front()
        {
            self.by_token.remove(&oldest);
        }
        let fp = fingerprint(token);
        self.auto_created.push_back(token.to_owned());
        self.by_token
            .entry(token.to_owned())
            .insert_entry(UserState {
                // The fingerprint is the name: a rejected request, which never reaches the
                // store, is logged with the same one.
                name: fp.as_str().into(),
                token_fingerprint: fp.into(),
                from_users_file: false,
                account: Arc::new(self.users.default_user.clone()),
            })
            .into_mut()
    }
}

impl UserState {
    fn caller(&self) -> Caller {
        Caller {
            name: self.name.clone(),
            fingerprint: self.token_fingerprint.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    //! The store with accounts and rules of its own (neutral names: the engine knows no
    //! endpoint): a value may be picked only from those the account has.

    use super::*;
    use crate::contract::rules::{self, Invariant, RequestValues, Rule};
    use proptest::prelude::*;
    use serde_json::json;
    use std::sync::Mutex;

    const VALUES: [&str; 3] = ["a", "b", "c"];
    const TOKENS: [&str; 4] = [
        "only-a",
        "a-and-b",
        "shared-default-token",
        "other-default-token",
    ];

    fn users() -> Users {
        serde_json::from_value(json!({
            "defaultUser": {"have": ["a", "b", "c"], "chosen": "a"},
            "users": [
                {"token": "only-a", "name": "only-a", "account": {"have": ["a"], "chosen": "a"}},
                {"token": "a-and-b", "name": "a-and-b", "account": {"have": ["a", "b"], "chosen": "b"}}
            ]
        }))
        .expect("users")
    }

    fn rules() -> Vec<Rule> {
        serde_json::from_value(json!([
            {"when": [{"op": "notIn", "left": {"request": "/pick"}, "right": {"account": "/have"}}], "respond": 500},
            {"respond": 200, "change": [{"op": "set", "path": "/chosen", "value": {"request": "/pick"}}]}
        ]))
        .expect("rules")
    }

    fn invariants() -> Vec<Invariant> {
        serde_json::from_value(json!([{"says": "chosen is had", "at": "/chosen", "holds":
            {"op": "in", "left": {"account": "/chosen"}, "right": {"account": "/have"}}}]))
        .expect("invariants")
    }

    /// The rules on `token`'s account for a request picking `value`: the status.
    fn choose(store: &mut UserStore, rules: &[Rule], token: &str, value: &str) -> Option<u16> {
        let body = json!({ "pick": value });
        let request = RequestValues {
            body: Some(&body),
            ..RequestValues::default()
        };
        let (_, applied) = store
            .with_account(token, |account| {
                rules::apply_shared(rules, request, account)
            })
            .ok()?;
        applied.map(|a| a.status)
    }

    fn chosen(state: &UserState) -> Option<&str> {
        state.account.get("chosen").and_then(Value::as_str)
    }

    fn had(token: &str) -> Vec<Value> {
        let users = users();
        let account = users
            .users
            .iter()
            .find(|u| u.token == token)
            .map_or(&users.default_user, |u| &u.account);
        account["have"].as_array().cloned().unwrap_or_default()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(32))]

        /// Writers on the same and on different tokens, with readers taking snapshots meanwhile:
        /// every snapshot meets the invariants, no update is lost, and each final choice is a
        /// value some writer sent to that token (or the initial one).
        #[test]
        fn parallel_writers_and_readers_never_see_or_leave_a_torn_state(
            writes in prop::collection::vec(prop::collection::vec((0..TOKENS.len(), 0..VALUES.len()), 1..40), 2..6)
        ) {
            let (rules, invariants) = (rules(), invariants());
            let store = Mutex::new(UserStore::new(users(), false));
            let done = std::sync::atomic::AtomicUsize::new(0);
            std::thread::scope(|scope| {
                for ops in &writes {
                    let (store, done, rules) = (&store, &done, &rules);
                    scope.spawn(move || {
                        for (t, v) in ops {
                            if choose(&mut store.lock().expect("lock"), rules, TOKENS[*t], VALUES[*v]) == Some(200) {
                                done.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                            }
                        }
                    });
                }
                for _ in 0..2 {
                    scope.spawn(|| {
                        for _ in 0..50 {
                            for user in store.lock().expect("lock").snapshot() {
                                let broken: Vec<_> = crate::contract::broken_invariants(&invariants, &user.account).collect();
                                assert!(broken.is_empty(), "torn: {user:?}: {broken:?}");
                            }
                        }
                    });
                }
            });
            let store = store.into_inner().expect("lock");
            let mut applicable = 0;
            for (t, token) in TOKENS.iter().enumerate() {
                let sent: Vec<&str> = writes.iter().flatten().filter(|(tt, _)| *tt == t).map(|(_, v)| VALUES[*v]).collect();
                let accepted: Vec<&str> = sent.iter().copied().filter(|v| had(token).contains(&json!(v))).collect();
                applicable += accepted.len();
                let Some(state) = store.by_token.get(*token) else {
                    prop_assert!(sent.is_empty(), "{token} was written but is unknown");
                    continue;
                };
                match chosen(state) {
                    Some(c) if !accepted.is_empty() => prop_assert!(accepted.contains(&c), "{token}: {c} was never sent"),
                    other => prop_assert!(accepted.is_empty() || other.is_some(), "{token}: lost its choice"),
                }
            }
            prop_assert_eq!(done.load(std::sync::atomic::Ordering::Relaxed), applicable, "an update was lost or invented");
        }
    }

    #[test]
    fn unknown_tokens_get_a_copy_of_the_default_account() {
        let mut s = UserStore::new(users(), false);
        for value in VALUES {
            assert_eq!(choose(&mut s, &rules(), "fresh-token-1", value), Some(200));
        }
        let snap = s.snapshot();
        let fresh = snap.iter().find(|u| !u.from_users_file).expect("created");
        assert_eq!(chosen(fresh), Some("c"));
        assert!(!fresh.name.contains("fresh-token"));
        assert_eq!(
            s.default_user()["chosen"],
            "a",
            "the default itself is unchanged"
        );
    }

    #[test]
    fn a_value_the_account_lacks_is_refused_and_changes_nothing() {
        let mut s = UserStore::new(users(), false);
        assert_eq!(choose(&mut s, &rules(), "only-a", "b"), Some(500));
        let user = s
            .snapshot()
            .into_iter()
            .find(|u| &*u.name == "only-a")
            .expect("in file");
        assert_eq!(chosen(&user), Some("a"));
    }

    #[test]
    fn strict_mode_refuses_unknown_tokens() {
        let mut s = UserStore::new(users(), true);
        assert!(s.with_account("stranger", |_| ()).is_err());
        assert_eq!(choose(&mut s, &rules(), "a-and-b", "a"), Some(200));
    }

    #[test]
    fn default_users_are_capped_and_reset_forgets_them() {
        let mut s = UserStore::new(users(), false);
        for i in 0..MAX_AUTO_USERS + 5 {
            let _ = s.with_account(&format!("token-{i}"), |_| ());
        }
        let file_users = s.users.users.len();
        assert_eq!(s.snapshot().len(), file_users + MAX_AUTO_USERS);
        assert!(!s.by_token.contains_key("token-0"));
        s.reset();
        assert_eq!(s.snapshot().len(), file_users);
    }
}

//! Answers that come from the caller's account: an operation's rules pick the documented
//! answer, change the account, and fill parts of the answer from it, all under the store's
//! lock so no update is lost or torn.

use actix_web::web::Bytes;
use serde_json::Value;

use super::MockState;
use super::bodies::Bodies;
use super::reply::{Reply, status_code};
use crate::contract::RejectionKind;
use crate::contract::rules::{self, RequestValues, Rule};

/// What one operation answers with when its rules decide.
pub(super) struct Answers<'a> {
    pub rules: &'a [Rule],
    pub bodies: &'a Bodies,
    /// What the operation answers when no rule applies.
    pub fallback: u16,
    /// Whether a filled body still matches the schema of its status.
    pub valid: &'a dyn Fn(u16, &Value) -> bool,
}

/// The answer for `request` from the account of `token` (no token: a blank account, whose
/// changes are forgotten).
pub(super) fn answer(
    state: &MockState,
    token: Option<&str>,
    answers: &Answers<'_>,
    request: RequestValues<'_>,
) -> Reply {
    let rules = answers.rules;
    // Kept for the journal's Pact export: the state the answer was made in.
    let keep = state.settings.journal_size > 0;
    let mut before = None;
    let mut work = |account: &mut std::sync::Arc<Value>| {
        if keep {
            // A reference, not a copy: the rules copy the account only if they change it.
            before = Some(std::sync::Arc::clone(account));
        }
        let applied = rules::apply_shared(rules, request, account)?;
        let rule = &rules[applied.rule];
        let filled = if rule.fill.is_empty() {
            None
        } else {
            answers
                .bodies
                .value_of(rule.example.as_deref(), rule.respond)
                .map(|mut body| {
                    rule.fill_answer(request, account, &mut body);
                    body
                })
        };
        Some((rule, filled))
    };
    let (who, outcome) = match token {
        Some(token) => match state.users().with_account(token, work) {
            Ok((who, outcome)) => (Some(who), outcome),
            Err(_) => {
                return state.reject(
                    RejectionKind::Unauthorized,
                    "the token is not in the users file",
                );
            }
        },
        None => (None, work(&mut std::sync::Arc::new(Value::Null))),
    };
    let reply = match outcome {
        None => answers.bodies.default_for(answers.fallback),
        Some((rule, Some(body))) if (answers.valid)(rule.respond, &body) => Some(Reply::json(
            status_code(rule.respond),
            Bytes::from(serde_json::to_vec(&body).expect("a JSON value always serializes")),
        )),
        Some((rule, _)) => rule
            .example
            .as_deref()
            .and_then(|name| answers.bodies.example(name))
            .or_else(|| answers.bodies.default_for(rule.respond)),
    };
    // Load checks that every rule answers a documented example and every operation documents
    // a status; should neither hold, the answer says so rather than the mock failing.
    let mut reply = reply.unwrap_or_else(|| {
        Reply::error(
            actix_web::http::StatusCode::INTERNAL_SERVER_ERROR,
            "Internal Server Error: the contract documents no answer for this request",
            "no documented example fits: see mfa-contract contract summary",
            serde_json::Map::new(),
        )
    });
    reply.user = who;
    reply.account = before;
    reply
}

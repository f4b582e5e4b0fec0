//! Judging one exchange that someone else made (a client through the proxy, a browser in a
//! HAR capture) with the checker's own registry: the request side (what the client sent) with
//! the request checks, the response side (what the server answered) with the checks of an
//! answer, against the case the request amounts to. The proxy and `check --har` both judge
//! here, so a capture gets the same verdicts as live traffic.

use serde::Serialize;

use super::{CHECKS, Ctx, Failure, ObservedRequest, Run, Verdict};
use crate::cases::{Auth, Case, Expect, Family, Request};
use crate::contract::{Contract, RejectionKind};
use crate::redact::replace_token;
use crate::remote::{Exchange, Received, Response};

/// Which party broke the contract.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// The client sent what the contract does not allow.
    Request,
    /// The upstream answered what the contract does not allow.
    Response,
}

/// One violation, as the journal, the admin API and the log show it. No field holds a token.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Violation {
    pub side: Side,
    pub check: &'static str,
    pub message: String,
    /// Where in the body, when a schema says so.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_pointer: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_pointer: Option<String>,
}

/// Violations of one failure: one per schema violation, or one for the whole.
fn violations_of(side: Side, check: &'static str, failure: Failure) -> Vec<Violation> {
    if failure.violations.is_empty() {
        return vec![Violation {
            side,
            check,
            message: failure.message,
            instance_pointer: None,
            schema_pointer: None,
        }];
    }
    failure
        .violations
        .into_iter()
        .map(|v| Violation {
            side,
            check,
            message: format!("{}: {}", failure.message, v.message),
            instance_pointer: Some(v.instance_path),
            schema_pointer: Some(v.schema_path),
        })
        .collect()
}

/// The request checks' violations, and the case the request amounts to: the first thing the
/// mock's pipeline would refuse it for, or a valid request. Without the body (`seen.request_body`
/// false) the checks that read it do not run, and the case is `None` unless something before
/// the body (method, credentials, content type) already decides it.
fn judge_request(
    ctx: &Ctx<'_>,
    request: &ObservedRequest<'_>,
    has_token: bool,
    seen: Captured,
) -> (Option<Case>, Vec<Violation>) {
    let mut violations = Vec::new();
    let mut failed = Vec::new();
    let runs =
        |c: &&crate::check::Check| seen.request_body || !matches!(c.run, Run::RequestBody(_));
    for check in CHECKS.iter().filter(|c| c.judges_clients()).filter(runs) {
        if let Verdict::Fail(failure) = check.judge_request(ctx, request) {
            failed.push(check.name);
            violations.extend(violations_of(Side::Request, check.name, failure));
        }
    }
    let contract = ctx.contract;
    let kind = if request.method != contract.method() {
        Some(RejectionKind::MethodNotAllowed)
    } else if failed.contains(&"request_auth_scheme") {
        Some(RejectionKind::Unauthorized)
    } else if failed.contains(&"request_content_type") {
        Some(RejectionKind::UnsupportedMediaType)
    } else if !seen.request_body {
        return (None, violations);
    } else if !contract.takes_body() || (!contract.body_required() && request.body.is_empty()) {
        // No body to judge: the operation takes none, or it is optional and not given.
        None
    } else if request.body.len() > contract.request_spec().max_body_bytes {
        Some(RejectionKind::PayloadTooLarge)
    } else if request.json.is_err() {
        Some(RejectionKind::MalformedJson)
    } else if failed.contains(&"request_schema_conformance") {
        Some(RejectionKind::SchemaViolation)
    } else {
        None
    };
    let (class, family, expect) = match kind {
        None => (
            "observed.valid".to_owned(),
            Family::Positive,
            Expect::Accept,
        ),
        Some(RejectionKind::MethodNotAllowed) => (
            format!("observed.method.{}", request.method),
            Family::Method,
            Expect::Reject(RejectionKind::MethodNotAllowed),
        ),
        Some(RejectionKind::Unauthorized) => (
            "observed.unauthorized".to_owned(),
            Family::Auth,
            Expect::Reject(RejectionKind::Unauthorized),
        ),
        Some(kind) => (
            format!("observed.{kind}"),
            Family::Negative,
            Expect::Reject(kind),
        ),
    };
    let case = Case::new(
        class,
        family,
        expect,
        as_sent(request, has_token, request.body.to_vec()),
    );
    (Some(case), violations)
}

/// The request a case holds for what a client sent (the token itself never: `Auth::Token`).
fn as_sent(request: &ObservedRequest<'_>, has_token: bool, body: Vec<u8>) -> Request {
    Request {
        method: request.method.to_owned(),
        auth: if has_token {
            Auth::Token
        } else {
            Auth::Missing
        },
        content_type: request.content_type.map(str::to_owned),
        headers: request
            .accept
            .map(|accept| ("Accept".to_owned(), accept.to_owned()))
            .into_iter()
            .collect(),
        title_case: false,
        body,
        path: None,
    }
}

/// The case a request amounts to, as the proxy would class it, and the request checks' verdicts.
pub fn request_case(
    ctx: &Ctx<'_>,
    request: &ObservedRequest<'_>,
    has_token: bool,
) -> (Case, Vec<Violation>) {
    let (case, violations) = judge_request(ctx, request, has_token, Captured::ALL);
    (
        case.expect("with the body seen, a request always has a case"),
        violations,
    )
}

/// How much of an answer there is to judge.
#[derive(Debug, Clone, Copy)]
pub struct Captured {
    /// The request's body was captured: the checks that read it, and every check of the
    /// answer that depends on what the request was, run only then.
    pub request_body: bool,
    /// The answer's body was captured (a HAR may omit it): checks that read it run only then.
    pub body: bool,
    /// The time is the server's (the proxy's upstream), not a browser's network as well.
    pub timing: bool,
}

impl Captured {
    /// Everything, as the proxy sees its upstream's answer.
    pub const ALL: Captured = Captured {
        request_body: true,
        body: true,
        timing: true,
    };
}

/// What judging one observed exchange found.
#[derive(Debug, Clone)]
pub struct Judged {
    pub exchange: Exchange,
    /// False when the request's body was not captured and would decide what the request is:
    /// then the answer was not judged (and the case's class says so).
    pub answer_judged: bool,
    /// Both sides', the token (`ctx.secrets`) replaced by `[token]` in every message.
    pub violations: Vec<Violation>,
    /// The answer was a rate limit: the environment, not judged.
    pub environment: bool,
}

/// Judges both sides of one exchange: what the client sent, and what it got back (or why not).
pub fn judge_observed(
    ctx: &Ctx<'_>,
    request: &ObservedRequest<'_>,
    has_token: bool,
    outcome: Received,
    seen: Captured,
) -> Judged {
    let (case, mut violations) = judge_request(ctx, request, has_token, seen);
    let answer_judged = case.is_some();
    let case = case.unwrap_or_else(|| {
        Case::new(
            "observed.request_body_not_captured",
            Family::Positive,
            Expect::Accept,
            as_sent(request, has_token, Vec::new()),
        )
    });
    let exchange = Exchange { case, outcome };
    // A rate limit is the environment, as the checker counts it.
    let environment = exchange.response().is_some_and(Response::is_rate_limit);
    if answer_judged && !environment {
        violations.extend(judge_response(ctx, &exchange, seen));
    }
    for secret in &ctx.secrets {
        for violation in &mut violations {
            violation.message = replace_token(&violation.message, secret, "[token]");
        }
    }
    Judged {
        exchange,
        answer_judged,
        violations,
        environment,
    }
}

/// The response checks' violations for what the server answered (or failed to).
pub fn judge_response(ctx: &Ctx<'_>, exchange: &Exchange, seen: Captured) -> Vec<Violation> {
    let exchange = token_refusal_as_auth(exchange);
    let exchange = exchange.as_ref();
    CHECKS
        .iter()
        .filter(|c| c.judges_answers())
        .filter(|c| match c.run {
            Run::Body(_) => seen.body,
            Run::Timing(_) => seen.timing,
            _ => true,
        })
        .filter_map(|check| match check.judge(ctx, exchange) {
            Verdict::Fail(failure) => Some(violations_of(Side::Response, check.name, failure)),
            _ => None,
        })
        .flatten()
        .collect()
}

/// A 401 or 403 to a request with a token means the upstream refused that token: an
/// environment matter (an expired session), which the gap policy allows, not a refused valid
/// request.
fn token_refusal_as_auth(exchange: &Exchange) -> std::borrow::Cow<'_, Exchange> {
    if !exchange.token_may_be_stale() {
        return std::borrow::Cow::Borrowed(exchange);
    }
    let mut exchange = exchange.clone();
    exchange.case.class = "observed.token_refused".to_owned();
    exchange.case.family = Family::Auth;
    exchange.case.expect = Expect::Reject(RejectionKind::Unauthorized);
    std::borrow::Cow::Owned(exchange)
}

/// The checks' context for one exchange: the client's token is the secret to look for.
pub fn ctx<'a>(contract: &'a Contract, token: Option<&str>) -> Ctx<'a> {
    Ctx {
        contract,
        secrets: token.map(str::to_owned).into_iter().collect(),
        max_response_time: crate::check::defaults::MAX_RESPONSE_TIME,
        strict_gaps: false,
    }
}

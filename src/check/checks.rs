//! The checks. Each is one function named as the assertion it makes, listed once in
//! [`CHECKS`]; `--checks` and `--skip-check` select them by name. A check returns a verdict and
//! never sends anything itself. Checks of one exchange take the case and a response already
//! parsed; only `response_received` sees transport failures.

use std::time::Duration;

use serde_json::Value;

use crate::cases::{Case, Expect, Family, Sequence, SequenceKind};
use crate::contract::{Contract, RejectionKind, type_shape};
use crate::credentials::{Credentials, wrong_scheme};
use crate::redact::MIN_SEARCHABLE_TOKEN;
use crate::remote::{Body, Exchange, Outcome, Response};
pub use crate::verdict::{Failure, Gap, GapKind, Verdict};

/// What a check needs besides the exchange.
pub struct Ctx<'a> {
    pub contract: &'a Contract,
    /// Every secret that must not come back in a response.
    pub secrets: Vec<String>,
    pub max_response_time: Duration,
    /// The gap policy binds: what it adds to the documentation is judged as violations.
    pub strict_gaps: bool,
}

fn fail(message: impl Into<String>) -> Verdict {
    Verdict::Fail(Failure {
        message: message.into(),
        violations: Vec::new(),
    })
}

/// A request a client sent to the endpoint, as the proxy saw it.
#[derive(Debug, Clone, Copy)]
pub struct ObservedRequest<'a> {
    pub method: &'a str,
    pub content_type: Option<&'a str>,
    /// The credentials header's value (never shown: it holds the token).
    pub authorization: Option<&'a str>,
    pub body: &'a [u8],
    /// The body as JSON, parsed once for every check that reads it.
    pub json: &'a Result<Value, serde_json::Error>,
}

impl<'a> ObservedRequest<'a> {
    /// Parses `body` for [`ObservedRequest::json`].
    pub fn parse(body: &[u8]) -> Result<Value, serde_json::Error> {
        serde_json::from_slice(body)
    }
}

/// A check of one answer: the case sent and the response, parsed.
pub type SingleCheck = fn(&Ctx<'_>, &Case, &Response) -> Verdict;
/// A check of what a client sent (the proxy's request side).
pub type RequestCheck = fn(&Ctx<'_>, &ObservedRequest<'_>) -> Verdict;
/// A check of whether an answer came at all.
pub type TransportCheck = fn(&Ctx<'_>, &Exchange) -> Verdict;
pub type SequenceCheck = fn(&Ctx<'_>, &Sequence, &[Exchange]) -> Verdict;

#[derive(Clone, Copy)]
pub enum Run {
    Transport(TransportCheck),
    Single(SingleCheck),
    Sequence(SequenceKind, SequenceCheck),
    Request(RequestCheck),
}

impl Check {
    /// This check's verdict on one exchange; a check of answers skips a missing one.
    pub fn judge(&self, ctx: &Ctx<'_>, exchange: &Exchange) -> Verdict {
        match (self.run, &exchange.outcome) {
            (Run::Transport(run), _) => run(ctx, exchange),
            (Run::Single(run), Outcome::Response(response)) => run(ctx, &exchange.case, response),
            (Run::Single(_), Outcome::Transport(_)) | (Run::Sequence(..) | Run::Request(_), _) => {
                Verdict::Skip
            }
        }
    }

    /// This check's verdict on a request a client sent; only request checks apply.
    pub fn judge_request(&self, ctx: &Ctx<'_>, request: &ObservedRequest<'_>) -> Verdict {
        match self.run {
            Run::Request(run) => run(ctx, request),
            _ => Verdict::Skip,
        }
    }

    /// Whether the check judges what a client sent rather than what a target answered; the
    /// checker makes its own requests, so only the proxy runs these.
    pub fn judges_clients(&self) -> bool {
        matches!(self.run, Run::Request(_))
    }
}

#[derive(Clone, Copy)]
pub struct Check {
    pub name: &'static str,
    /// One line, as README and `--help` show it.
    pub description: &'static str,
    pub run: Run,
}

/// Every check, in the order reports list them.
pub const CHECKS: &[Check] = &[
    Check {
        name: "response_received",
        description: "every request gets a complete HTTP response in time",
        run: Run::Transport(response_received),
    },
    Check {
        name: "status_code_conformance",
        description: "statuses are documented, or allowed by the gap policy for the case's class",
        run: Run::Single(status_code_conformance),
    },
    Check {
        name: "positive_data_acceptance",
        description: "a valid payload with valid auth is never answered with 4xx",
        run: Run::Single(positive_data_acceptance),
    },
    Check {
        name: "negative_data_rejection",
        description: "an invalid payload is never answered with 2xx",
        run: Run::Single(negative_data_rejection),
    },
    Check {
        name: "not_a_server_error",
        description: "bad input never causes a 5xx",
        run: Run::Single(not_a_server_error),
    },
    Check {
        name: "content_type_conformance",
        description: "every response body is application/json",
        run: Run::Single(content_type_conformance),
    },
    Check {
        name: "response_schema_conformance",
        description: "the body validates against the schema for its status (the error shape for rejections)",
        run: Run::Single(response_schema_conformance),
    },
    Check {
        name: "success_flag_consistency",
        description: "`success` is true on 2xx and false otherwise, when present",
        run: Run::Single(success_flag_consistency),
    },
    Check {
        name: "ignored_auth",
        description: "requests with missing or wrong credentials are never accepted",
        run: Run::Single(ignored_auth),
    },
    Check {
        name: "no_token_echo",
        description: "no response contains the token",
        run: Run::Single(no_token_echo),
    },
    Check {
        name: "max_response_time",
        description: "every response arrives within --max-response-time",
        run: Run::Single(max_response_time),
    },
    Check {
        name: "unsupported_method",
        description: "other methods on the path are not answered with 2xx",
        run: Run::Single(unsupported_method),
    },
    Check {
        name: "idempotent_repeat",
        description: "setting the same method twice gets the same answer twice",
        run: Run::Sequence(SequenceKind::Idempotence, idempotent_repeat),
    },
    Check {
        name: "account_isolation",
        description: "one account's change never alters another account's answers (needs --second-token)",
        run: Run::Sequence(SequenceKind::Isolation, account_isolation),
    },
    Check {
        name: "request_auth_scheme",
        description: "(proxy, the client's side) requests carry the contract's auth scheme and a token",
        run: Run::Request(request_auth_scheme),
    },
    Check {
        name: "request_content_type",
        description: "(proxy, the client's side) request bodies are sent as the contract's content type",
        run: Run::Request(request_content_type),
    },
    Check {
        name: "request_schema_conformance",
        description: "(proxy, the client's side) request bodies validate against the request schema",
        run: Run::Request(request_schema_conformance),
    },
];

pub fn by_name(name: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.name == name)
}

fn status_class(status: u16) -> u16 {
    status / 100
}

fn response_received(_: &Ctx<'_>, exchange: &Exchange) -> Verdict {
    match &exchange.outcome {
        Outcome::Response(_) => Verdict::Pass,
        Outcome::Transport(error) => {
            fail(format!("no response ({:?}): {}", error.kind, error.message))
        }
    }
}

fn status_code_conformance(ctx: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
    let status = response.status;
    match case.expect {
        Expect::Accept => match status_class(status) {
            // 4xx is positive_data_acceptance's to report.
            4 => Verdict::Skip,
            _ if ctx.contract.is_documented(status) => Verdict::Pass,
            3 => fail(format!(
                "{status} redirect{}: redirects are not followed and not documented",
                location(response)
            )),
            _ => {
                let documented: Vec<String> = ctx
                    .contract
                    .documented_statuses()
                    .map(|s| s.to_string())
                    .collect();
                fail(format!(
                    "{status} is not a documented status (documented: {})",
                    documented.join(", ")
                ))
            }
        },
        Expect::Reject(kind) => {
            let policy = ctx.contract.rejection(kind);
            let gap = |how| Verdict::Gap(Gap { status, kind, how });
            match status_class(status) {
                // 2xx and 5xx are negative_data_rejection's, ignored_auth's, unsupported_method's and not_a_server_error's.
                2 | 5 => Verdict::Skip,
                _ if policy.accept.contains(&status) => {
                    if ctx.contract.is_documented(status) {
                        Verdict::Pass
                    } else {
                        gap(GapKind::AllowedStatus)
                    }
                }
                4 if kind.status_is_policy_only() && !ctx.strict_gaps => gap(GapKind::OtherStatus),
                _ => fail(format!(
                    "{status}{} for a {kind} case; the gap policy allows {}",
                    location(response),
                    list(&policy.accept)
                )),
            }
        }
    }
}

fn location(response: &Response) -> String {
    response
        .header("location")
        .map(|l| format!(" to {l}"))
        .unwrap_or_default()
}

fn list(statuses: &[u16]) -> String {
    statuses
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

fn positive_data_acceptance(_: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
    if case.expect != Expect::Accept {
        return Verdict::Skip;
    }
    if status_class(response.status) == 4 {
        let hint = if matches!(response.status, 401 | 403) {
            " (is the token right? set it with --token-env or --token-command)"
        } else {
            ""
        };
        return fail(format!(
            "a valid request was refused with {}{hint}",
            response.status
        ));
    }
    Verdict::Pass
}

fn negative_data_rejection(ctx: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
    if case.family != Family::Negative {
        return Verdict::Skip;
    }
    let Expect::Reject(kind) = case.expect else {
        return Verdict::Skip;
    };
    if status_class(response.status) != 2 {
        return Verdict::Pass;
    }
    if kind.may_be_accepted() && !ctx.strict_gaps {
        return Verdict::Gap(Gap {
            status: response.status,
            kind,
            how: GapKind::Lenient,
        });
    }
    let why = match kind {
        RejectionKind::PayloadTooLarge => format!(
            "a body of {} bytes, over the contract's request.maxBodyBytes of {}, was accepted",
            case.request.body.len(),
            ctx.contract.request_spec().max_body_bytes
        ),
        kind => format!("an invalid request ({kind}) was accepted"),
    };
    fail(format!("{why} with {}", response.status))
}

fn not_a_server_error(_: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
    if case.expect == Expect::Accept {
        return Verdict::Skip;
    }
    if status_class(response.status) == 5 {
        return fail(format!(
            "bad input caused a server error: {}",
            response.status
        ));
    }
    Verdict::Pass
}

fn content_type_conformance(ctx: &Ctx<'_>, _: &Case, response: &Response) -> Verdict {
    if response.body.is_empty() && matches!(response.status, 204 | 304) {
        return Verdict::Skip;
    }
    let expected = &ctx.contract.request_spec().content_type;
    match response.media_type.as_deref() {
        Some(media) if media.eq_ignore_ascii_case(expected) => Verdict::Pass,
        Some(media) => fail(format!("Content-Type is {media}, not {expected}")),
        None => fail(format!("no Content-Type; expected {expected}")),
    }
}

fn response_schema_conformance(ctx: &Ctx<'_>, _: &Case, response: &Response) -> Verdict {
    let schema = ctx.contract.schema_for_status(response.status);
    let body = match &response.parsed {
        Body::Json(body) => body,
        Body::Empty => {
            return fail(format!(
                "the {} response has an empty body; {} expects JSON",
                response.status, schema.file
            ));
        }
        Body::NotJson(reason) => {
            return fail(format!(
                "the {} response body is not JSON ({reason}); {} expects JSON",
                response.status, schema.file
            ));
        }
    };
    let violations = schema.violations(body);
    if violations.is_empty() {
        return Verdict::Pass;
    }
    Verdict::Fail(Failure {
        message: format!(
            "the {} response body does not match {}",
            response.status, schema.file
        ),
        violations,
    })
}

fn success_flag_consistency(_: &Ctx<'_>, _: &Case, response: &Response) -> Verdict {
    // A missing or non-boolean `success` is response_schema_conformance's to report.
    let Some(flag) = response
        .json()
        .and_then(|b| b.get("success"))
        .and_then(Value::as_bool)
    else {
        return Verdict::Skip;
    };
    let ok = status_class(response.status) == 2;
    if flag == ok {
        Verdict::Pass
    } else {
        fail(format!(
            "\"success\": {flag} on a {} response",
            response.status
        ))
    }
}

fn ignored_auth(_: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
    if case.family != Family::Auth {
        return Verdict::Skip;
    }
    if status_class(response.status) == 2 {
        return fail(format!(
            "a request with {} was accepted with {}",
            auth_words(case),
            response.status
        ));
    }
    Verdict::Pass
}

fn auth_words(case: &Case) -> &'static str {
    match case.class.as_str() {
        "auth.missing" => "no credentials",
        "auth.other_scheme" => "another auth scheme",
        "auth.empty_token" => "an empty token",
        "auth.unknown_token" => "a made-up token",
        _ => "wrong credentials",
    }
}

fn no_token_echo(ctx: &Ctx<'_>, _: &Case, response: &Response) -> Verdict {
    let secrets: Vec<&str> = ctx
        .secrets
        .iter()
        .map(String::as_str)
        .filter(|s| s.len() >= MIN_SEARCHABLE_TOKEN)
        .collect();
    if secrets.is_empty() {
        return Verdict::Skip;
    }
    let in_body = secrets
        .iter()
        .any(|s| memchr::memmem::find(&response.body, s.as_bytes()).is_some());
    let in_header = response
        .headers
        .iter()
        .find(|(_, v)| secrets.iter().any(|s| v.contains(s)))
        .map(|(n, _)| n.clone());
    match (in_body, in_header) {
        (true, _) => fail("the response body contains the token"),
        (false, Some(header)) => fail(format!("the response header {header} contains the token")),
        (false, None) => Verdict::Pass,
    }
}

fn max_response_time(ctx: &Ctx<'_>, _: &Case, response: &Response) -> Verdict {
    if response.elapsed > ctx.max_response_time {
        return fail(format!(
            "answered in {} ms, over the limit of {} ms",
            response.elapsed.as_millis(),
            ctx.max_response_time.as_millis()
        ));
    }
    Verdict::Pass
}

fn unsupported_method(_: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
    if case.family != Family::Method {
        return Verdict::Skip;
    }
    if status_class(response.status) == 2 {
        return fail(format!(
            "{} was answered with {}",
            case.request.method, response.status
        ));
    }
    Verdict::Pass
}

fn request_auth_scheme(ctx: &Ctx<'_>, request: &ObservedRequest<'_>) -> Verdict {
    if request.method != ctx.contract.method() {
        return Verdict::Skip;
    }
    let auth = ctx.contract.auth();
    let Some(value) = request.authorization else {
        return fail(format!(
            "no {} header; the endpoint needs {} {{token}}",
            auth.header, auth.scheme
        ));
    };
    let credentials = Credentials::parse(value);
    if !credentials.has_scheme(&auth.scheme) {
        return fail(format!(
            "{}: {}",
            auth.header,
            wrong_scheme(value, &auth.scheme)
        ));
    }
    match credentials.token_for(&auth.scheme) {
        Some(_) => Verdict::Pass,
        None => fail(format!("an empty {} token", auth.scheme)),
    }
}

fn request_content_type(ctx: &Ctx<'_>, request: &ObservedRequest<'_>) -> Verdict {
    if request.method != ctx.contract.method() {
        return Verdict::Skip;
    }
    let expected = &ctx.contract.request_spec().content_type;
    match request.content_type {
        Some(given) if crate::media_type::same(given, expected) => Verdict::Pass,
        Some(given) => fail(format!(
            "Content-Type is {}, not {expected}",
            crate::media_type::essence(given)
        )),
        None => fail(format!("no Content-Type; the endpoint takes {expected}")),
    }
}

fn request_schema_conformance(ctx: &Ctx<'_>, request: &ObservedRequest<'_>) -> Verdict {
    if request.method != ctx.contract.method() {
        return Verdict::Skip;
    }
    let schema = ctx.contract.request_schema();
    let body = match request.json {
        Ok(body) => body,
        Err(_) if request.body.is_empty() => {
            return fail(format!("an empty body; {} expects JSON", schema.file));
        }
        Err(e) => {
            return fail(format!(
                "the body is not JSON (line {} column {}: {}); {} expects JSON",
                e.line(),
                e.column(),
                crate::contract::strip_position(e),
                schema.file
            ));
        }
    };
    let violations = schema.violations(body);
    if violations.is_empty() {
        return Verdict::Pass;
    }
    Verdict::Fail(Failure {
        message: format!("the request body does not match {}", schema.file),
        violations,
    })
}

/// Status and body shape of an answer, the part that must not change between equal requests.
fn answer_shape(exchange: &Exchange) -> Option<(u16, Value)> {
    let response = exchange.response()?;
    let body = response.json().map_or(Value::Null, type_shape);
    Some((response.status, body))
}

/// Field names and JSON types, values dropped (timestamps and ids may differ legitimately).
fn idempotent_repeat(_: &Ctx<'_>, _: &Sequence, exchanges: &[Exchange]) -> Verdict {
    let shapes: Option<Vec<(u16, Value)>> = exchanges.iter().map(answer_shape).collect();
    let Some(shapes) = shapes else {
        return Verdict::Skip;
    };
    match shapes.as_slice() {
        [first, second] if first == second => Verdict::Pass,
        [first, second] => fail(format!(
            "the same request was answered {} {} and then {} {}",
            first.0, first.1, second.0, second.1
        )),
        _ => Verdict::Skip,
    }
}

fn account_isolation(_: &Ctx<'_>, _: &Sequence, exchanges: &[Exchange]) -> Verdict {
    let shapes: Option<Vec<(u16, Value)>> = exchanges.iter().map(answer_shape).collect();
    let Some(shapes) = shapes else {
        return Verdict::Skip;
    };
    match shapes.as_slice() {
        [before, _, after] if before == after => Verdict::Pass,
        [before, _, after] => fail(format!(
            "the second account's answer changed from {} {} to {} {} after the first account's change",
            before.0, before.1, after.0, after.1
        )),
        _ => Verdict::Skip,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_check_has_a_unique_snake_case_name() {
        let mut names: Vec<&str> = CHECKS.iter().map(|c| c.name).collect();
        assert!(
            names
                .iter()
                .all(|n| n.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        );
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), CHECKS.len());
    }
}

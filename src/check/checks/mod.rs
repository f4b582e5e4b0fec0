//! The checks. Each is one function named as the assertion it makes, listed once in
//! [`CHECKS`]; `--checks` and `--skip-check` select them by name. A check returns a verdict and
//! never sends anything itself. Checks of one exchange take the case and a response already
//! parsed; only `response_received` sees transport failures. One file per family: `answers`
//! (statuses), `bodies`, `auth`, `arrival`, `requests` (the proxy's client side), `sequences`.

mod answers;
mod arrival;
mod auth;
mod bodies;
mod requests;
mod sequences;

use std::time::Duration;

use serde_json::Value;

use answers::{
    negative_data_rejection, not_a_server_error, positive_data_acceptance, status_code_conformance,
    unsupported_method,
};
use arrival::{max_response_time, response_received};
use auth::{ignored_auth, no_token_echo};
use bodies::{
    content_encoding_conformance, content_type_conformance, response_schema_conformance,
    success_flag_consistency,
};
use requests::{request_auth_scheme, request_content_type, request_schema_conformance};
use sequences::{account_isolation, idempotent_repeat};

use crate::cases::{Case, Sequence, SequenceKind};
use crate::contract::Contract;
use crate::remote::{Exchange, Received, Response};
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

pub(super) fn fail(message: impl Into<String>) -> Verdict {
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
    /// The `Accept` header: a 406 to one that leaves out the operation's media type is right.
    pub accept: Option<&'a str>,
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
    /// A check of when an answer came rather than what it says. Latency does not depend on
    /// which body was sent, so its failures make one finding over every input, with the
    /// latency distribution, and are never shrunk.
    Timing(SingleCheck),
    /// A check of one answer that reads its body: not run where the body was not captured.
    Body(SingleCheck),
    Sequence(SequenceKind, SequenceCheck),
    Request(RequestCheck),
    /// A check of what a client sent that reads the body: not run where it was not captured.
    RequestBody(RequestCheck),
}

impl Check {
    /// This check's verdict on one exchange; a check of answers skips a missing one.
    pub fn judge(&self, ctx: &Ctx<'_>, exchange: &Exchange) -> Verdict {
        match (self.run, &exchange.outcome) {
            (Run::Transport(run), _) => run(ctx, exchange),
            (Run::Single(_) | Run::Body(_), Received::Response(response))
                if !JUDGED_AFTER_NEGOTIATION.contains(&self.name)
                    && negotiated_refusal(ctx, &exchange.case, response) =>
            {
                Verdict::Pass
            }
            (
                Run::Single(run) | Run::Timing(run) | Run::Body(run),
                Received::Response(response),
            ) => run(ctx, &exchange.case, response),
            (Run::Single(_) | Run::Timing(_) | Run::Body(_), Received::Transport(_))
            | (Run::Sequence(..) | Run::Request(_) | Run::RequestBody(_), _) => Verdict::Skip,
        }
    }

    /// This check's verdict on a request a client sent; only request checks apply.
    pub fn judge_request(&self, ctx: &Ctx<'_>, request: &ObservedRequest<'_>) -> Verdict {
        match self.run {
            Run::Request(run) | Run::RequestBody(run) => run(ctx, request),
            _ => Verdict::Skip,
        }
    }

    /// Whether the check judges each exchange on its own (not a sequence, not a request).
    pub fn judges_answers(&self) -> bool {
        matches!(
            self.run,
            Run::Transport(_) | Run::Single(_) | Run::Timing(_) | Run::Body(_)
        )
    }

    /// Whether the check judges what a client sent rather than what a target answered; the
    /// checker makes its own requests, so only the proxy runs these.
    pub fn judges_clients(&self) -> bool {
        matches!(self.run, Run::Request(_) | Run::RequestBody(_))
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
        description: "a valid payload with valid auth is never answered with a 4xx its operation does not document",
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
        name: "content_encoding_conformance",
        description: "every body is in the coding its Content-Encoding names, and compressed only where it says so",
        run: Run::Body(content_encoding_conformance),
    },
    Check {
        name: "response_schema_conformance",
        description: "the body validates against the schema for its status (the error shape for rejections), and the documented headers against theirs",
        run: Run::Body(response_schema_conformance),
    },
    Check {
        name: "success_flag_consistency",
        description: "`success` is true on 2xx and false otherwise, when present",
        run: Run::Body(success_flag_consistency),
    },
    Check {
        name: "ignored_auth",
        description: "requests with missing or wrong credentials are never accepted",
        run: Run::Single(ignored_auth),
    },
    Check {
        name: "no_token_echo",
        description: "no response contains the token",
        run: Run::Body(no_token_echo),
    },
    Check {
        name: "max_response_time",
        description: "every response arrives within --max-response-time",
        run: Run::Timing(max_response_time),
    },
    Check {
        name: "unsupported_method",
        description: "other methods on the path are not answered with 2xx",
        run: Run::Single(unsupported_method),
    },
    Check {
        name: "idempotent_repeat",
        description: "the same valid request twice gets the same answer twice",
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
        run: Run::RequestBody(request_schema_conformance),
    },
];

/// What is still judged in a 406 that negotiation explains: what any answer must not do.
const JUDGED_AFTER_NEGOTIATION: [&str; 1] = ["no_token_echo"];

/// A 406 to a request whose `Accept` leaves out the media type the operation answers with is
/// correct HTTP (RFC 9110 15.5.7) whatever the documentation lists: never a violation, in the
/// checker and the proxy alike.
pub fn negotiated_refusal(ctx: &Ctx<'_>, case: &Case, response: &Response) -> bool {
    let answers_with = &ctx.contract.request_spec().content_type;
    response.status == 406
        && case.request.headers.iter().any(|(name, value)| {
            name.eq_ignore_ascii_case("accept") && !crate::media_type::accepts(value, answers_with)
        })
}

pub fn by_name(name: &str) -> Option<&'static Check> {
    CHECKS.iter().find(|c| c.name == name)
}

pub(super) fn status_class(status: u16) -> u16 {
    status / 100
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

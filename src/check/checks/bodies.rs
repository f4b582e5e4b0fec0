//! Checks of what an answer's body says: JSON, valid against the schema of its status, and a
//! `success` flag that agrees with the status.

use serde_json::Value;

use super::{Ctx, fail, status_class};
use crate::cases::{Case, Expect};
use crate::remote::{Body, Response};
use crate::verdict::{Failure, Verdict};

pub(super) fn content_type_conformance(ctx: &Ctx<'_>, _: &Case, response: &Response) -> Verdict {
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
/// The body is in the coding its `Content-Encoding` names (gzip, deflate, br, zstd), compressed
/// only where it says so, and decodes within the cap: otherwise a browser cannot read it.
pub(super) fn content_encoding_conformance(_: &Ctx<'_>, _: &Case, response: &Response) -> Verdict {
    match response.coding_problem() {
        None => Verdict::Pass,
        Some(problem) => fail(problem.to_string()),
    }
}

pub(super) fn response_schema_conformance(
    ctx: &Ctx<'_>,
    case: &Case,
    response: &Response,
) -> Verdict {
    // Another method or path is not this operation: its `default` or ranges do not cover it.
    let schema = match case.expect {
        Expect::Reject(kind) if !kind.is_on_operation() => ctx.contract.error_schema(),
        _ => ctx.contract.schema_for_status(response.status),
    };
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
pub(super) fn success_flag_consistency(_: &Ctx<'_>, _: &Case, response: &Response) -> Verdict {
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

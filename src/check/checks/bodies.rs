//! Checks of what an answer's body says: JSON, valid against the schema of its status, and a
//! `success` flag that agrees with the status.

use serde_json::Value;

use super::{Ctx, fail, status_class};
use crate::cases::{Case, Expect};
use crate::remote::{Body, Response};
use crate::verdict::{Failure, Gap, GapKind, Verdict};

pub(super) fn content_type_conformance(ctx: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
    left_open(
        ctx,
        case,
        response.status,
        media_type_verdict(ctx, response),
    )
}

/// A failure about a body the documentation does not describe (see
/// `Contract::body_left_open`) is a gap instead, unless the gap policy binds.
fn left_open(ctx: &Ctx<'_>, case: &Case, status: u16, verdict: Verdict) -> Verdict {
    let open = !ctx.strict_gaps
        && ctx
            .contract
            .body_left_open(status, other_path_or_method(case));
    match (verdict, case.expect) {
        (Verdict::Fail(_), Expect::Reject(kind)) if open => Verdict::Gap(Gap {
            status,
            kind,
            how: GapKind::UndocumentedBody,
        }),
        // A valid request answered with a status nothing documents: the status checks'.
        (Verdict::Fail(_), Expect::Accept) if open => Verdict::Skip,
        (verdict, _) => verdict,
    }
}

/// Whether the case goes to another path or method: not this operation, so judged by the
/// error shape whatever its `default` or ranges say.
fn other_path_or_method(case: &Case) -> bool {
    matches!(case.expect, Expect::Reject(kind) if !kind.is_on_operation())
}

fn media_type_verdict(ctx: &Ctx<'_>, response: &Response) -> Verdict {
    let bodiless = response.body.is_empty() && matches!(response.status, 204 | 304);
    // Documented without a body, the answer has no media type the documentation speaks of.
    if bodiless || ctx.contract.documents_no_body(response.status) {
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
    left_open(
        ctx,
        case,
        response.status,
        schema_verdict(ctx, case, response),
    )
}

fn schema_verdict(ctx: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
    let status = response.status;
    let (schema, headers) = if other_path_or_method(case) {
        (ctx.contract.error_schema(), &[][..])
    } else if ctx.contract.documents_no_body(status) {
        // Documented without a body: only the headers to judge (a body sent anyway is what
        // the documentation leaves open).
        return header_conformance(ctx.contract.documented_headers(status), response);
    } else {
        (
            ctx.contract.schema_for_status(status),
            ctx.contract.documented_headers(status),
        )
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
        return header_conformance(headers, response);
    }
    Verdict::Fail(Failure {
        message: format!(
            "the {} response body does not match {}",
            response.status, schema.file
        ),
        violations,
    })
}

/// Each documented header the answer carries matches its schema (typed as a parameter is),
/// and each required one is there.
fn header_conformance(headers: &[crate::contract::Parameter], response: &Response) -> Verdict {
    let mut violations = Vec::new();
    for header in headers {
        let name = &header.spec.name;
        match response.header(name) {
            Some(text) => violations.extend(
                header
                    .schema
                    .violations(&header.typed(text))
                    .into_iter()
                    .map(|mut v| {
                        v.instance_path = format!("/headers/{name}{}", v.instance_path);
                        v
                    }),
            ),
            None if header.spec.required => violations.push(crate::contract::Violation {
                instance_path: format!("/headers/{name}"),
                schema_path: String::new(),
                message: format!("the documented header {name} is required and missing"),
            }),
            None => {}
        }
    }
    if violations.is_empty() {
        return Verdict::Pass;
    }
    Verdict::Fail(Failure {
        message: format!(
            "the {} response's headers do not match their documentation",
            response.status
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

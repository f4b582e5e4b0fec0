//! Checks of what a client sent (the proxy's request side): the contract's auth scheme and a
//! token, its content type, a body the request schema accepts.

use super::{Ctx, ObservedRequest, fail};
use crate::credentials::{Credentials, wrong_scheme};
use crate::verdict::{Failure, Verdict};

pub(super) fn request_auth_scheme(ctx: &Ctx<'_>, request: &ObservedRequest<'_>) -> Verdict {
    if request.method != ctx.contract.method()
        || ctx.contract.credentials() != crate::contract::Credentials::Manifest
    {
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
pub(super) fn request_content_type(ctx: &Ctx<'_>, request: &ObservedRequest<'_>) -> Verdict {
    if request.method != ctx.contract.method() || !sends_body(ctx, request) {
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
pub(super) fn request_schema_conformance(ctx: &Ctx<'_>, request: &ObservedRequest<'_>) -> Verdict {
    if request.method != ctx.contract.method() || !sends_body(ctx, request) {
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

/// Whether the request's body is the operation's to judge: it takes one, and it is required
/// or given.
fn sends_body(ctx: &Ctx<'_>, request: &ObservedRequest<'_>) -> bool {
    ctx.contract.takes_body() && (ctx.contract.body_required() || !request.body.is_empty())
}

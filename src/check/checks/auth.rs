//! Checks about credentials: wrong ones are never accepted, and the token never comes back.

use super::{Ctx, fail, status_class};
use crate::cases::{Case, Family};
use crate::redact::MIN_SEARCHABLE_TOKEN;
use crate::remote::Response;
use crate::verdict::Verdict;

pub(super) fn ignored_auth(_: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
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
pub(super) fn no_token_echo(ctx: &Ctx<'_>, _: &Case, response: &Response) -> Verdict {
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

//! Checks of the status an answer carries: documented or allowed by the gap policy for the
//! case's class, a valid payload never refused, an invalid one never accepted, no 5xx for bad
//! input, no other method accepted.

use super::{Ctx, fail, status_class};
use crate::cases::{Case, Expect, Family};
use crate::contract::RejectionKind;
use crate::remote::Response;
use crate::verdict::{Gap, GapKind, Verdict};

pub(super) fn status_code_conformance(ctx: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
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
                let documented: Vec<&str> = ctx.contract.documented_keys().collect();
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
                    if kind.is_on_operation() && ctx.contract.is_documented(status) {
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
pub(super) fn positive_data_acceptance(ctx: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
    if case.expect != Expect::Accept {
        return Verdict::Skip;
    }
    // A documented 4xx is an answer the documentation gives to valid requests (a code that does
    // not verify, a role that may not): the state decides it, not the body.
    if status_class(response.status) == 4 && !ctx.contract.is_documented(response.status) {
        let hint = if matches!(response.status, 401 | 403) {
            " (is the token right? set it with --token-env or --token-command)"
        } else {
            ""
        };
        let variation = case
            .variation()
            .map(|v| format!(" (it varies what the contract allows: {v})"))
            .unwrap_or_default();
        return fail(format!(
            "a valid request was refused with {}{hint}{variation}",
            response.status
        ));
    }
    Verdict::Pass
}
pub(super) fn negative_data_rejection(ctx: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
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
pub(super) fn not_a_server_error(_: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
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
pub(super) fn unsupported_method(_: &Ctx<'_>, case: &Case, response: &Response) -> Verdict {
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

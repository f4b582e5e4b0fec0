//! Checks of whether and when an answer arrived: the only checks that see transport
//! failures.

use super::{Ctx, fail};
use crate::cases::Case;
use crate::remote::{Exchange, Received, Response};
use crate::verdict::Verdict;

pub(super) fn response_received(_: &Ctx<'_>, exchange: &Exchange) -> Verdict {
    match &exchange.outcome {
        Received::Response(_) => Verdict::Pass,
        Received::Transport(error) => {
            fail(format!("no response ({:?}): {}", error.kind, error.message))
        }
    }
}
pub(super) fn max_response_time(ctx: &Ctx<'_>, _: &Case, response: &Response) -> Verdict {
    if response.elapsed > ctx.max_response_time {
        return fail(format!(
            "answered in {} ms, over the limit of {} ms",
            response.elapsed.as_millis(),
            ctx.max_response_time.as_millis()
        ));
    }
    Verdict::Pass
}

//! Checks of a sequence of requests: the same change twice answers the same, and one account's
//! change never shows in another's answers.

use serde_json::Value;

use super::{Ctx, fail};
use crate::cases::Sequence;
use crate::contract::type_shape;
use crate::remote::Exchange;
use crate::verdict::Verdict;

/// Status and body shape of an answer, the part that must not change between equal requests.
fn answer_shape(exchange: &Exchange) -> Option<(u16, Value)> {
    let response = exchange.response()?;
    let body = response.json().map_or(Value::Null, type_shape);
    Some((response.status, body))
}

/// Field names and JSON types, values dropped (timestamps and ids may differ legitimately).
pub(super) fn idempotent_repeat(_: &Ctx<'_>, _: &Sequence, exchanges: &[Exchange]) -> Verdict {
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

pub(super) fn account_isolation(_: &Ctx<'_>, _: &Sequence, exchanges: &[Exchange]) -> Verdict {
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

//! Is the target gone, or did it fail on one input? A request that gets no answer is the
//! environment only when a request shaped like one the target answered also gets none;
//! otherwise it is a `response_received` failure of that input, judged, shrunk and rechecked
//! like any other, and the run goes on.

use crate::cases::{Case, Expect};
use crate::remote::{Exchange, Received, TransportKind};

/// Whether a failure of this kind could depend on the request sent. A refused connection or
/// a failed TLS handshake happens before any byte of the request is read.
pub(super) fn input_may_matter(kind: TransportKind) -> bool {
    !matches!(kind, TransportKind::Connect | TransportKind::Tls)
}

/// A planned case shaped otherwise than `probe` (a valid one if there is one), taken out of
/// `cases` to ask whether the target answers anything at all.
pub(super) fn take_witness(cases: &mut Vec<Case>, probe: &Case) -> Option<Case> {
    let differs = |c: &Case| c.request.body != probe.request.body;
    let index = cases
        .iter()
        .position(|c| c.expect == Expect::Accept && differs(c))
        .or_else(|| cases.iter().position(differs))?;
    Some(cases.remove(index))
}

/// The most recent case the target answered, to send again when answers stop coming.
pub(super) fn last_answered<'e>(
    exchanges: impl DoubleEndedIterator<Item = &'e Exchange>,
) -> Option<Case> {
    exchanges
        .rev()
        .find(|e| matches!(e.outcome, Received::Response(_)))
        .map(|e| e.case.clone())
}

/// Why the run stopped: failures in a row, and whether anything was ever answered.
pub(super) fn stopped_answering(
    in_a_row: usize,
    answered_before: bool,
    cause: &str,
    not_sent: usize,
) -> String {
    let then = if answered_before {
        "and a request it answered earlier in the run got none either: the target stopped answering"
    } else {
        "and no request in this run got one"
    };
    format!(
        "{in_a_row} requests in a row got no complete answer (--max-consecutive-failures), {then}; \
         the last: {cause}; {not_sent} planned cases were not sent"
    )
}

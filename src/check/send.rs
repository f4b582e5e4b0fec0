//! Sending: the planned cases `--concurrency` at a time, paced by `--rate`, stopped early by
//! what only the environment explains (a refused token, a rate limit, answers that stopped
//! coming); and a sequence's steps one after another.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use futures_util::StreamExt;
use tokio::time::Instant;

use super::{CheckConfig, Progress};
use crate::cases::{Case, Sequence};
use crate::remote::{Client, Exchange, Pace, Received};

/// Why the concurrent phase stopped early.
pub(super) enum Halt {
    /// A valid request with the token was refused: confirm before blaming the token.
    TokenSuspect,
    /// Transport failures in a row; the last one's cause.
    TransportFailures(String),
    RateLimit,
}

/// Sends cases from the front of `remaining`, `--concurrency` at a time, until none is left,
/// the deadline passes, or something halts the phase. Cases not started stay in `remaining`.
pub(super) async fn send_concurrently(
    client: &Client,
    pace: &Pace,
    remaining: &mut VecDeque<Case>,
    config: &CheckConfig,
    deadline: Instant,
    progress: &dyn Progress,
    halt_on_refused_token: bool,
) -> (Vec<Exchange>, Option<Halt>, usize) {
    let halt: Mutex<Option<Halt>> = Mutex::new(None);
    let halted = AtomicBool::new(false);
    let in_a_row = AtomicUsize::new(0);
    let cases: Vec<Case> = remaining.drain(..).collect();
    let started = AtomicUsize::new(0);
    let stop = |why: Halt| {
        halted.store(true, Ordering::Release);
        halt.lock()
            .unwrap_or_else(|p| p.into_inner())
            .get_or_insert(why);
    };
    let mut pending = cases.into_iter();
    let sent: Vec<Exchange> = futures_util::stream::iter(
        std::iter::from_fn(|| {
            if halted.load(Ordering::Acquire) {
                return None;
            }
            let case = pending.next()?;
            started.fetch_add(1, Ordering::Relaxed);
            Some(case)
        })
        .map(|case| {
            let stop = &stop;
            let in_a_row = &in_a_row;
            async move {
                pace.wait().await;
                let exchange = client.send(case).await;
                progress.tick(&exchange);
                match &exchange.outcome {
                    Received::Transport(error) => {
                        if in_a_row.fetch_add(1, Ordering::AcqRel) + 1
                            >= config.max_consecutive_failures.max(1)
                        {
                            stop(Halt::TransportFailures(error.to_string()));
                        }
                    }
                    Received::Response(response) => {
                        in_a_row.store(0, Ordering::Release);
                        if response.is_rate_limit() {
                            stop(Halt::RateLimit);
                        }
                    }
                }
                if halt_on_refused_token && client.token_refused(&exchange) {
                    stop(Halt::TokenSuspect);
                }
                exchange
            }
        }),
    )
    .buffer_unordered(config.concurrency.get())
    .take_until(tokio::time::sleep_until(deadline))
    .collect()
    .await;
    remaining.extend(pending);
    // Started, but cut off by the deadline before an answer: not run either.
    let cut_off = started.load(Ordering::Relaxed) - sent.len();
    let halt = halt.into_inner().unwrap_or_else(|p| p.into_inner());
    (sent, halt, cut_off)
}

pub(super) async fn send_sequence(
    client: &Client,
    sequence: &Sequence,
    progress: &dyn Progress,
) -> Vec<Exchange> {
    let mut exchanges = Vec::new();
    for step in &sequence.steps {
        let exchange = client.send(step.clone()).await;
        progress.tick(&exchange);
        exchanges.push(exchange);
    }
    exchanges
}

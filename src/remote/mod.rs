//! Talking to a target, for the checker and drift: the HTTP client (TLS, timeouts, body caps,
//! no redirects), pacing and the request budget, the tokens and their refresh, and what the
//! environment did (rate limits, refreshed tokens). It reads the contract and the cases and
//! nothing above them: no check, no report.

mod client;
mod config;
mod exchange;
mod http;
mod limits;
mod refusal;
mod target_url;
mod token;

pub use crate::transport::{TransportError, TransportKind, cause_chain, names_tls};
pub use client::{Client, Environment, RATE_LIMIT_RETRIES};
pub use config::{Credential, Secret, TargetConfig, defaults};
pub use exchange::{Body, Exchange, Received, Response};
pub use http::http_client_builder;
pub use limits::{Budget, Pace};
pub use target_url::TargetUrl;
pub use token::TokenSource;

#![forbid(unsafe_code)]
//! `mfa-contract`: a contract-testing and mock-server harness for one documented endpoint of the
//! Flashback backend, `POST /mfa/primary`. Everything reads the [`contract::Contract`], loaded once
//! from `schemas/` and `fixtures/`.
//!
//! From the bottom up: the `contract`; plumbing, each written once (`tls`, `credentials`,
//! `redact`, `media_type`, `net`, `text`); `cases` from the request schema; `remote` (talking to
//! a target); `verdict`; `coverage`; `restore`; `report`; `check` (the registry, the run, and
//! judging observed exchanges); `har` (captures in and out) and `pact` (the journal as a
//! consumer contract); `drift`; the `server` layer; the `mock` and the `proxy` on top of it. No module imports one above it, the
//! mock and the proxy import nothing from each other, and the checker nothing from either.

pub mod cases;
pub mod check;
pub mod coding;
pub mod contract;
pub mod coverage;
pub mod credentials;
pub mod drift;
pub mod error;
pub mod har;
pub mod media_type;
pub mod mock;
pub mod named_contract;
pub mod net;
pub mod pact;
pub mod proxy;
pub mod redact;
pub mod remote;
pub mod report;
pub mod restore;
pub mod server;
pub mod text;
pub mod tls;
pub mod transport;
pub mod verdict;

pub use contract::{Contract, ContractError};
pub use error::{Error, exit};

#![forbid(unsafe_code)]
//! `mfa-contract`: a contract-testing and mock-server harness for one documented endpoint of the
//! Flashback backend, `POST /mfa/primary`. Everything reads the [`contract::Contract`], loaded once
//! from `schemas/` and `fixtures/`. The mock and the checker never import each other.

pub mod cases;
pub mod check;
pub mod contract;
pub mod drift;
pub mod error;
pub mod forward;
pub mod media_type;
pub mod mock;
pub mod net;
pub mod proxy;
pub mod redact;
pub mod report;
pub mod serve;
pub mod target;
pub mod text;

pub use contract::{Contract, ContractError};
pub use error::{Error, exit};

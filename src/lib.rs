#![forbid(unsafe_code)]
//! `mfa-contract`: a contract-testing and mock-server harness for the Flashback backend's
//! documented API. Everything reads the [`Contract`], loaded once from `schemas/` and
//! `fixtures/` or imported from an OpenAPI document.
//!
//! What the library offers is one module per job, each a facade over private parts (its
//! `mod.rs` says what it exports): [`contract`] (load, validate, import, export, diff),
//! [`check`] (judge a target), [`drift`], [`har`] and [`pact`] (captures in and out),
//! [`report`] (every rendering), [`remote`] (how a target is reached), [`server`] (the shell
//! the [`mock`] and the [`proxy`] run in), and [`named_contract`] (a contract by name). The
//! plumbing below them is private; the tests reach it through [`internals`].
//!
//! From the bottom up: the contract; plumbing, each written once (`tls`, `credentials`,
//! `redact`, `media_type`, `net`, `text`, `transport`); `cases` from the request schema;
//! `remote`; `verdict`; `coverage`; `restore`; `report`; `check`; `har` and `pact`; `drift`; the
//! `server` layer; the `mock` and the `proxy` on top of it. No module imports one above it, the
//! mock and the proxy import nothing from each other, and the checker nothing from either.

pub mod check;
pub mod contract;
pub mod drift;
pub mod har;
pub mod mock;
pub mod named_contract;
pub mod pact;
pub mod proxy;
pub mod remote;
pub mod report;
pub mod server;

mod cases;
mod coding;
mod coverage;
mod credentials;
mod error;
mod media_type;
mod net;
mod redact;
mod restore;
mod text;
mod tls;
mod transport;
mod verdict;

pub use contract::{Contract, ContractError};
pub use error::{Error, exit};
pub use tls::TlsOptions;

/// Plumbing the tests and benchmarks exercise directly. Not the library's API: no promise of
/// stability, and nothing outside `tests/` and `bench/` should use it.
#[doc(hidden)]
pub mod internals {
    pub mod cases {
        pub use crate::cases::*;
    }
    pub mod coding {
        pub use crate::coding::*;
    }
    pub mod coverage {
        pub use crate::coverage::*;
    }
    pub mod media_type {
        pub use crate::media_type::*;
    }
    pub mod redact {
        pub use crate::redact::*;
    }
}

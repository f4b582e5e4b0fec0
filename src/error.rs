//! Problems of the harness itself, as opposed to contract violations found in a target (those
//! are data in a report). Each kind maps to one exit code, in one place.

use crate::ContractError;

/// Exit codes, as documented in README.
pub mod exit {
    /// Clean: no violation, no drift.
    pub const CLEAN: u8 = 0;
    /// Violations (check) or drift (drift) found.
    pub const FOUND: u8 = 1;
    /// A usage or configuration error: bad flag, unreadable or broken file.
    pub const USAGE: u8 = 2;
    /// The target is unreachable or unusable: not answering, the token refused, a rate limit
    /// that never lifts.
    pub const UNREACHABLE: u8 = 3;
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Occurs when the contract files, or a users file, cannot be loaded.
    #[error(transparent)]
    Contract(#[from] ContractError),

    /// Occurs when flags or their values do not make sense together.
    #[error("{0}")]
    Usage(String),

    /// Occurs when a file we must read or write, or a socket we must bind, fails. The cause is
    /// printed once, as the next link of the chain.
    #[error("{context}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    /// Occurs when not one request reached the target.
    #[error("{url}: unreachable: {cause}")]
    Unreachable { url: String, cause: String },

    /// Occurs when the target answers in a way no check can judge: it sends no HTTP answer,
    /// refuses the token, or rate-limits without end. The environment, not the contract.
    #[error("{url}: {reason}")]
    Unusable { url: String, reason: String },
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Self::Io {
            context: context.into(),
            source,
        }
    }

    pub fn exit_code(&self) -> u8 {
        match self {
            Error::Contract(_) | Error::Usage(_) | Error::Io { .. } => exit::USAGE,
            Error::Unreachable { .. } | Error::Unusable { .. } => exit::UNREACHABLE,
        }
    }
}

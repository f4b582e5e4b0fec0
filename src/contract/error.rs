//! Why a contract cannot be loaded. Every variant names the file; the CLI exits 2 on any of them.

use std::path::PathBuf;

use super::Violation;

#[derive(Debug, thiserror::Error)]
pub enum ContractError {
    /// Occurs when `--contract PATH` names nothing.
    #[error("{}: no contract there: neither a directory holding schemas/ and fixtures/ nor an OpenAPI file", path.display())]
    NoSuchContract { path: PathBuf },

    /// Occurs when an OpenAPI document given as the contract cannot be read or translated.
    #[error(transparent)]
    Import(#[from] super::import::ImportError),

    /// Occurs when an imported document cannot be written as a contract layout.
    #[error(transparent)]
    Layout(#[from] super::import::LayoutError),

    /// Occurs when `--contract-dir` does not hold `schemas/` and `fixtures/`.
    #[error("{}: not a contract directory: there is no {missing}/ folder in it", dir.display())]
    NotAContractDir { dir: PathBuf, missing: &'static str },

    /// Occurs when a file or folder cannot be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },

    /// Occurs when a file that the manifest names, or that every contract has, does not exist.
    #[error("{file}: no such file")]
    Missing { file: String },

    /// Occurs when a file is not JSON, or the manifest or users file lacks or mistypes a field.
    #[error("{file}:{line}:{column}: {message}")]
    Json {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },

    /// Occurs when a schema is not valid JSON Schema (draft 2020-12) or a `$ref` in it does not resolve.
    #[error(
        "{file}: not a valid JSON Schema, at {}: {message}",
        pointer_or_root(pointer)
    )]
    InvalidSchema {
        file: String,
        pointer: String,
        message: String,
    },

    /// Occurs when a fixture or a documented example breaks the schema it must match.
    #[error("{file}: does not match {schema}:{}", list(violations))]
    DoesNotMatch {
        file: String,
        schema: String,
        violations: Vec<Violation>,
    },

    /// Occurs when a fixture filed as invalid is accepted by its schema.
    #[error("{file}: filed as an invalid request, but {schema} accepts it")]
    UnexpectedlyValid { file: String, schema: String },

    /// Occurs when files match their schemas but not each other (a name that points nowhere,
    /// a status that is not a number, an account that breaks an invariant...).
    #[error("{file}: at {}: {message}", pointer_or_root(pointer))]
    Inconsistent {
        file: String,
        pointer: String,
        message: String,
    },
}

fn pointer_or_root(pointer: &str) -> &str {
    if pointer.is_empty() {
        "(root)"
    } else {
        pointer
    }
}

fn list(violations: &[Violation]) -> String {
    violations.iter().map(|v| format!("\n  - {v}")).collect()
}

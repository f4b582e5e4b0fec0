//! One integration-test binary (one link, shared helpers); each module names its scope.

mod support;

/// The command line: exit codes and messages of `contract validate` and `openapi`.
mod cli;
/// Loading the contract: examples, fixtures, and a precise error for every kind of broken file.
mod contract;
/// The OpenAPI 3.1 export: valid against the official schema, and snapshotted.
mod openapi;

//! The document as read: YAML or JSON (JSON is YAML, but its errors read better from
//! serde_json), its version, and its local `$ref`s followed, each problem named by file and
//! line or JSON pointer.

use serde_json::Value;

use super::Version;

/// Why a document cannot be imported. Each names the file, and a line or a JSON pointer.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// Occurs when the file cannot be read.
    #[error("{file}: cannot read it")]
    Read {
        file: String,
        #[source]
        source: std::io::Error,
    },
    /// Occurs when the file is neither JSON nor YAML.
    #[error("{file}:{line}:{column}: {message}")]
    Syntax {
        file: String,
        line: usize,
        column: usize,
        message: String,
    },
    /// Occurs when the file parses but is not an OpenAPI 3.0 or 3.1 document.
    #[error("{file}: {pointer}: {message}")]
    NotOpenApi {
        file: String,
        pointer: String,
        message: String,
    },
    /// Occurs when a `$ref` points nowhere in the document.
    #[error("{file}: {pointer}: $ref {target} points nowhere in the document")]
    BrokenRef {
        file: String,
        pointer: String,
        target: String,
    },
}

pub(super) fn parse(file: &str, text: &str) -> Result<Value, ImportError> {
    if text.trim_start().starts_with('{') {
        return serde_json::from_str(text).map_err(|e| ImportError::Syntax {
            file: file.to_owned(),
            line: e.line(),
            column: e.column(),
            message: crate::contract::strip_position(&e),
        });
    }
    yaml_serde::from_str(text).map_err(|e| {
        let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
        ImportError::Syntax {
            file: file.to_owned(),
            line,
            column,
            message: e.to_string(),
        }
    })
}

pub(super) fn version(file: &str, document: &Value) -> Result<Version, ImportError> {
    let not = |pointer: &str, message: String| ImportError::NotOpenApi {
        file: file.to_owned(),
        pointer: pointer.to_owned(),
        message,
    };
    if !document.is_object() {
        return Err(not(
            "",
            "not an OpenAPI document: the top level is not an object".into(),
        ));
    }
    if let Some(swagger) = document.get("swagger") {
        return Err(not(
            "/swagger",
            format!("Swagger {swagger} is not supported: convert it to OpenAPI 3 first"),
        ));
    }
    let Some(openapi) = document.get("openapi") else {
        return Err(not(
            "/openapi",
            "not an OpenAPI document: it has no `openapi` version".into(),
        ));
    };
    match openapi.as_str() {
        Some(v) if v.starts_with("3.0.") || v == "3.0" => Ok(Version::V30),
        Some(v) if v.starts_with("3.1.") || v == "3.1" => Ok(Version::V31),
        _ => Err(not(
            "/openapi",
            format!("OpenAPI {openapi} is not supported (3.0 and 3.1 are)"),
        )),
    }
}

/// The document, for following local `$ref`s.
pub(super) struct Refs<'d> {
    pub(super) file: &'d str,
    pub(super) document: &'d Value,
}

/// How deep a chain of `$ref`s to `$ref`s may go before it is taken as a loop.
const MAX_CHAIN: usize = 32;

impl<'d> Refs<'d> {
    pub(super) fn new(file: &'d str, document: &'d Value) -> Self {
        Self { file, document }
    }

    /// The object at `node`, its `$ref`s followed (`at` is where `node` is, for errors).
    /// `Ok(None)` for a reference to another document: not carried.
    pub(super) fn follow(
        &self,
        node: &'d Value,
        at: &str,
    ) -> Result<Option<&'d Value>, ImportError> {
        let mut node = node;
        let mut at = at.to_owned();
        for _ in 0..MAX_CHAIN {
            let Some(target) = node.get("$ref").and_then(Value::as_str) else {
                return Ok(Some(node));
            };
            let Some(pointer) = target.strip_prefix('#') else {
                return Ok(None);
            };
            node = self.at(pointer).ok_or_else(|| self.broken(&at, target))?;
            at = pointer.to_owned();
        }
        Err(ImportError::BrokenRef {
            file: self.file.to_owned(),
            pointer: at,
            target: format!("(a chain of more than {MAX_CHAIN} references, or a loop)"),
        })
    }

    pub(super) fn at(&self, pointer: &str) -> Option<&'d Value> {
        self.document.pointer(pointer)
    }

    pub(super) fn broken(&self, at: &str, target: &str) -> ImportError {
        ImportError::BrokenRef {
            file: self.file.to_owned(),
            pointer: format!("{at}/$ref"),
            target: target.to_owned(),
        }
    }
}

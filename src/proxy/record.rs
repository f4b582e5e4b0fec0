//! `proxy --record DIR`: each distinct response shape the upstream gives at the endpoint
//! (status and body structure) is written once as a fixture of the contract copy in DIR,
//! `fixtures/responses/<status>/recorded-<N>.json`, with tokens and volatile values replaced,
//! so `mfa-contract --contract-dir DIR mock` serves it by name (`Prefer: example=recorded-N`).
//! A body that breaks the contract is kept as `recorded-<N>.breaks-contract.json`: served by
//! name, never a default, and `contract validate DIR` says why.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde_json::Value;

use crate::Error;
use crate::contract::{BREAKS_CONTRACT, Contract, ContractFiles, Origin, type_shape};
use crate::redact::replace_token;
use crate::remote::{Body, Response};
use crate::server::Logger;

pub struct Recorder {
    dir: PathBuf,
    seen: Mutex<KnownShapes>,
}

#[derive(Default)]
struct KnownShapes {
    shapes: BTreeSet<(u16, String)>,
    next: usize,
}

impl Recorder {
    /// Uses the contract copy in `dir`, exporting the contract in use there when `dir` is
    /// missing or empty; shapes recorded before are known, so a second run adds only new ones.
    pub fn open(dir: &Path, contract: &Contract) -> Result<Self, Error> {
        let empty = std::fs::read_dir(dir).map_or(true, |mut entries| entries.next().is_none());
        if empty {
            let files = match contract.origin() {
                Origin::Embedded => ContractFiles::embedded(),
                Origin::Dir(from) => ContractFiles::from_dir(from)?,
                Origin::OpenApi(file) => crate::contract::import::layout_of(file)?.files,
            };
            files.write_to(dir).map_err(|e| {
                Error::io(
                    format!("--record {}: cannot write the contract", dir.display()),
                    e,
                )
            })?;
        }
        let copy = Contract::from_dir(dir)?;
        let mut seen = KnownShapes::default();
        for example in copy.examples() {
            if let Some(n) = example
                .name
                .strip_prefix("recorded-")
                .and_then(|n| n.parse::<usize>().ok())
            {
                seen.next = seen.next.max(n);
                seen.shapes
                    .insert((example.status, type_shape(&example.body).to_string()));
            }
        }
        Ok(Self {
            dir: dir.to_path_buf(),
            seen: Mutex::new(seen),
        })
    }

    /// Writes the answer as a fixture if its shape is new. Bodies that are not JSON cannot be
    /// fixtures; they are skipped with a note.
    pub fn record(
        &self,
        contract: &Contract,
        response: &Response,
        token: Option<&str>,
        logger: &Logger,
    ) {
        let Body::Json(body) = &response.parsed else {
            return;
        };
        let status = response.status;
        let key = (status, type_shape(body).to_string());
        let n = {
            let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
            if !seen.shapes.insert(key) {
                return;
            }
            seen.next += 1;
            seen.next
        };
        let body = scrub(body, token);
        let conforms = (contract.is_documented(status)
            || contract.gap_statuses().contains_key(&status))
            && contract
                .schema_for_status(status)
                .violations(&body)
                .is_empty();
        let name = if conforms {
            format!("recorded-{n}.json")
        } else {
            format!("recorded-{n}{BREAKS_CONTRACT}")
        };
        let path = self
            .dir
            .join("fixtures")
            .join(contract.manifest().fixtures.responses.as_str())
            .join(status.to_string())
            .join(&name);
        let written = path
            .parent()
            .map_or(Ok(()), std::fs::create_dir_all)
            .and_then(|()| {
                std::fs::write(
                    &path,
                    serde_json::to_string_pretty(&body).expect("a JSON value serializes") + "\n",
                )
            });
        match written {
            Ok(()) => logger.note(&format!(
                "recorded a new {status} shape as {}{}",
                path.display(),
                if conforms {
                    ""
                } else {
                    " (it breaks the contract)"
                }
            )),
            Err(e) => logger.warn(&format!("cannot record {}: {e}", path.display())),
        }
    }
}

/// The body with the token and volatile values (timestamps, UUIDs, long opaque ids) replaced,
/// so a fixture holds no secret and does not change from one recording to the next.
fn scrub(value: &Value, token: Option<&str>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), scrub(v, token)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(|v| scrub(v, token)).collect()),
        Value::String(text) => {
            let text = match token {
                Some(token) => replace_token(text, token, "[token]"),
                None => text.clone(),
            };
            Value::String(volatile(&text).map_or(text, str::to_owned))
        }
        other => other.clone(),
    }
}

/// A stable stand-in for a value that changes on every answer, if `text` is one.
fn volatile(text: &str) -> Option<&'static str> {
    let bytes = text.as_bytes();
    let is_hex = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_hexdigit());
    let uuid = text.len() == 36
        && text.split('-').map(str::len).eq([8, 4, 4, 4, 12])
        && text.split('-').all(is_hex);
    if uuid {
        return Some("00000000-0000-0000-0000-000000000000");
    }
    let timestamp = text.len() >= 20
        && bytes[..4].iter().all(u8::is_ascii_digit)
        && bytes[4] == b'-'
        && bytes[7] == b'-'
        && matches!(bytes[10], b'T' | b' ');
    if timestamp {
        return Some("2026-01-01T00:00:00Z");
    }
    let opaque = text.len() >= 20
        && !text.contains(' ')
        && text.bytes().any(|b| b.is_ascii_digit())
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    opaque.then_some("<volatile id>")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scrub_replaces_the_token_and_volatile_values_and_keeps_words() {
        let body = json!({
            "success": true,
            "message": "Primary MFA method updated",
            "requestId": "3f2b8c1e-9a4d-4b7e-8c2a-1d5e6f7a8b9c",
            "at": "2026-11-29T08:30:00.123Z",
            "trace": "a1b2c3d4e5f6a7b8c9d0e1f2",
            "echo": "for tok-secret-value-9"
        });
        let scrubbed = scrub(&body, Some("tok-secret-value-9"));
        assert_eq!(scrubbed["message"], "Primary MFA method updated");
        assert_eq!(
            scrubbed["requestId"],
            "00000000-0000-0000-0000-000000000000"
        );
        assert_eq!(scrubbed["at"], "2026-01-01T00:00:00Z");
        assert_eq!(scrubbed["trace"], "<volatile id>");
        assert_eq!(scrubbed["echo"], "for [token]");
        assert_eq!(type_shape(&body), type_shape(&scrubbed));
    }
}

//! The raw contract files, embedded in the binary or read from a directory, as one map from a
//! path relative to the contract root (`schemas/...`, `fixtures/...`) to bytes. Loading works on
//! this map only, so the embedded copy and an edited copy on disk go through the same checks.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::ContractError;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

/// The folders that make up a contract, relative to its root.
pub const CONTRACT_DIRS: [&str; 2] = ["schemas", "fixtures"];

/// Where a contract's files came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Compiled into the binary from the crate's own `schemas/` and `fixtures/`.
    Embedded,
    /// Read at run time from a directory holding `schemas/` and `fixtures/`.
    Dir(PathBuf),
    /// Imported in memory from an OpenAPI document.
    OpenApi(PathBuf),
}

impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Origin::Embedded => f.write_str("embedded contract"),
            Origin::Dir(dir) => write!(f, "{}", dir.display()),
            Origin::OpenApi(file) => write!(f, "{} (imported)", file.display()),
        }
    }
}

/// Every file of one contract, keyed by its path relative to the contract root.
#[derive(Debug, Clone)]
pub struct ContractFiles {
    origin: Origin,
    files: BTreeMap<String, Vec<u8>>,
}

impl ContractFiles {
    /// The contract compiled into this binary.
    pub fn embedded() -> Self {
        let files = embedded::FILES
            .iter()
            .map(|(path, bytes)| ((*path).to_owned(), bytes.to_vec()))
            .collect();
        Self {
            origin: Origin::Embedded,
            files,
        }
    }

    /// Reads `schemas/` and `fixtures/` under `dir`.
    pub fn from_dir(dir: &Path) -> Result<Self, ContractError> {
        let mut files = BTreeMap::new();
        for sub in CONTRACT_DIRS {
            let path = dir.join(sub);
            if !path.is_dir() {
                return Err(ContractError::NotAContractDir {
                    dir: dir.to_path_buf(),
                    missing: sub,
                });
            }
            read_tree(dir, &path, &mut files)?;
        }
        Ok(Self {
            origin: Origin::Dir(dir.to_path_buf()),
            files,
        })
    }

    /// Files made in memory (an imported document's layout).
    pub fn from_files(origin: Origin, files: BTreeMap<String, Vec<u8>>) -> Self {
        Self { origin, files }
    }

    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// Every file, in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.files.iter().map(|(p, b)| (p.as_str(), b.as_slice()))
    }

    pub fn len(&self) -> usize {
        self.files.len()
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// How a file is named in messages: the real path for a directory, a marked one when embedded.
    pub fn display_path(&self, rel: &str) -> String {
        match &self.origin {
            Origin::Embedded => format!("{rel} (embedded)"),
            Origin::Dir(dir) => dir.join(rel).display().to_string(),
            Origin::OpenApi(file) => format!("{rel} (imported from {})", file.display()),
        }
    }

    /// Parses one file as JSON; syntax errors carry line and column.
    pub fn json(&self, rel: &str) -> Result<Value, ContractError> {
        self.parse(rel)
    }

    /// One file's bytes.
    pub fn bytes(&self, rel: &str) -> Result<&[u8], ContractError> {
        self.files
            .get(rel)
            .map(Vec::as_slice)
            .ok_or_else(|| ContractError::Missing {
                file: self.display_path(rel),
            })
    }

    /// Parses one file into `T`; syntax errors and missing or mistyped fields carry line and column.
    pub fn parse<T: DeserializeOwned>(&self, rel: &str) -> Result<T, ContractError> {
        parse(&self.display_path(rel), self.bytes(rel)?)
    }

    /// The `.json` files directly under `dir` (relative to the root), sorted by name.
    pub fn json_files_in(&self, dir: &str) -> Vec<&str> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.files
            .keys()
            .filter_map(|path| {
                let rest = path.strip_prefix(&prefix)?;
                (!rest.contains('/') && rest.ends_with(".json")).then_some(path.as_str())
            })
            .collect()
    }

    /// The sub-folders directly under `dir` that hold at least one file, sorted by name.
    pub fn subdirs_of(&self, dir: &str) -> Vec<String> {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        let mut subdirs: Vec<String> = self
            .files
            .keys()
            .filter_map(|path| {
                let rest = path.strip_prefix(&prefix)?;
                let (sub, _) = rest.split_once('/')?;
                Some(sub.to_owned())
            })
            .collect();
        subdirs.dedup();
        subdirs
    }

    /// Writes every file under `dir`, so a user can start editing a copy of the contract.
    pub fn write_to(&self, dir: &Path) -> std::io::Result<()> {
        for (rel, bytes) in &self.files {
            let path = dir.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent)?;
            }
            fs::write(path, bytes)?;
        }
        Ok(())
    }
}

/// Parses JSON bytes into `T`, naming `file` and the line and column of the problem.
pub fn parse<T: DeserializeOwned>(file: &str, bytes: &[u8]) -> Result<T, ContractError> {
    serde_json::from_slice(bytes).map_err(|e| ContractError::Json {
        file: file.to_owned(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e),
    })
}

/// serde_json appends " at line L column C" to its messages; we print the position our own way.
pub(crate) fn strip_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    match text.rfind(" at line ") {
        Some(at) => text[..at].to_owned(),
        None => text,
    }
}

fn read_tree(
    root: &Path,
    dir: &Path,
    files: &mut BTreeMap<String, Vec<u8>>,
) -> Result<(), ContractError> {
    let read_error = |path: &Path, source| ContractError::Read {
        file: path.display().to_string(),
        source,
    };
    let entries = fs::read_dir(dir).map_err(|e| read_error(dir, e))?;
    for entry in entries {
        let path = entry.map_err(|e| read_error(dir, e))?.path();
        if path.is_dir() {
            read_tree(root, &path, files)?;
        } else {
            let bytes = fs::read(&path).map_err(|e| read_error(&path, e))?;
            let rel = path
                .strip_prefix(root)
                .expect("read_tree only walks below root")
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, bytes);
        }
    }
    Ok(())
}

//! Helpers shared by the test modules.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mfa_contract::contract::ContractFiles;

/// A temporary copy of the built-in contract, to corrupt or edit.
pub struct ContractCopy {
    pub dir: tempfile::TempDir,
}

impl ContractCopy {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        ContractFiles::embedded()
            .write_to(dir.path())
            .expect("write contract copy");
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn read_json(&self, rel: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.file(rel)).expect("read fixture");
        serde_json::from_str(&text).expect("fixture is JSON")
    }

    pub fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.file(rel), text).expect("write fixture");
    }

    pub fn write_json(&self, rel: &str, value: &serde_json::Value) {
        self.write(
            rel,
            &serde_json::to_string_pretty(value).expect("serialize"),
        );
    }

    /// Every file of the copy, relative to its root.
    pub fn files(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut stack = vec![self.dir.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).expect("read dir") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let rel = path.strip_prefix(self.dir.path()).expect("under root");
                    out.push(rel.to_string_lossy().into_owned());
                }
            }
        }
        out.sort();
        out
    }
}

/// Runs the `mfa-contract` binary with `args` and returns its output.
pub fn mfa_contract(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mfa-contract"))
        .args(args)
        .output()
        .expect("run mfa-contract")
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

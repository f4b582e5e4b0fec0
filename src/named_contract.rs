//! A contract as `contract diff` names one: `embedded`, a folder or an OpenAPI file, or
//! `git:REV`, the contract files of the current repository at a revision (relative to the
//! current folder), written to a temporary folder for as long as the caller keeps it.

use std::path::Path;

use crate::{Contract, Error};

/// The contract `spec` names; for `git:REV` the files are written to a temporary folder that
/// lives as long as the returned guard.
pub fn load(spec: &str) -> Result<(Contract, Option<tempfile::TempDir>), Error> {
    if spec == "embedded" {
        return Ok((Contract::embedded()?, None));
    }
    let Some(rev) = spec.strip_prefix("git:") else {
        return Ok((Contract::from_path(Path::new(spec))?, None));
    };
    let git = |args: &[&str]| -> Result<Vec<u8>, Error> {
        let output = std::process::Command::new("git")
            .args(args)
            .output()
            .map_err(|e| Error::io("cannot run git", e))?;
        if !output.status.success() {
            return Err(Error::Usage(format!(
                "{spec}: git {} failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&output.stderr).trim()
            )));
        }
        Ok(output.stdout)
    };
    // Paths relative to the current folder, as `contract diff git:REV .` means.
    let prefix = String::from_utf8_lossy(&git(&["rev-parse", "--show-prefix"])?)
        .trim()
        .to_owned();
    // Pathspecs are relative to the current folder; --full-name lists paths from the root,
    // as `git show REV:PATH` wants them.
    let listing = git(&[
        "ls-tree",
        "-r",
        "--name-only",
        "--full-name",
        rev,
        "--",
        "schemas",
        "fixtures",
    ])?;
    let dir = tempfile::tempdir().map_err(|e| Error::io("cannot make a temporary folder", e))?;
    let mut files = 0;
    for path in String::from_utf8_lossy(&listing).lines() {
        let bytes = git(&["show", &format!("{rev}:{path}")])?;
        let local = dir.path().join(path.strip_prefix(&prefix).unwrap_or(path));
        if let Some(parent) = local.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::io(format!("cannot write {}", parent.display()), e))?;
        }
        std::fs::write(&local, bytes)
            .map_err(|e| Error::io(format!("cannot write {}", local.display()), e))?;
        files += 1;
    }
    if files == 0 {
        return Err(Error::Usage(format!(
            "{spec}: no schemas/ or fixtures/ at that revision under ./{prefix}"
        )));
    }
    let contract = Contract::from_dir(dir.path())?;
    Ok((contract, Some(dir)))
}

//! Which contract ran: the manifest's title and version, the endpoint, and a digest of every
//! file under `schemas/` and `fixtures/`. `mfa-contract --version` prints it for the embedded
//! contract and the checker's reports carry it, so a CI log names the contract, not only the
//! binary. Two contracts with the same digest have byte-for-byte the same files.

use sha2::{Digest as _, Sha256};

use super::files::ContractFiles;
use super::manifest::Manifest;

/// Hex digits of the digest that are shown: 48 bits, plenty to tell contract edits apart.
const SHOWN_HEX: usize = 12;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub title: String,
    pub version: String,
    /// `POST /mfa/primary`, or `POST /mfa/primary and 13 more operations`.
    pub endpoint: String,
    /// `sha256:` and the first hex digits of the digest over every file.
    pub digest: String,
    pub files: usize,
}

impl Identity {
    pub fn new(files: &ContractFiles, manifest: &Manifest) -> Self {
        Self {
            title: manifest.title.clone(),
            version: manifest.version.clone(),
            endpoint: match manifest.operations.len() {
                0 => format!("{} {}", manifest.method, manifest.path),
                more => format!(
                    "{} {} and {more} more operations",
                    manifest.method, manifest.path
                ),
            },
            digest: digest(files),
            files: files.len(),
        }
    }

    /// `Set Primary MFA Method 1.0.0 (POST /mfa/primary), sha256:0123456789ab`
    pub fn short(&self) -> String {
        format!(
            "{} {} ({}), {}",
            self.title, self.version, self.endpoint, self.digest
        )
    }
}

impl std::fmt::Display for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} over {} files of schemas/ and fixtures/",
            self.short(),
            self.files
        )
    }
}

/// SHA-256 over each file's path and bytes, in path order; a file's length goes first so no
/// two different sets of files hash the same bytes.
fn digest(files: &ContractFiles) -> String {
    let mut hasher = Sha256::new();
    for (path, bytes) in files.iter() {
        hasher.update((path.len() as u64).to_le_bytes());
        hasher.update(path.as_bytes());
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("sha256:{}", &hex[..SHOWN_HEX])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn any_edit_to_any_file_changes_the_digest_and_a_copy_keeps_it() {
        let embedded = ContractFiles::embedded();
        let dir = tempfile::tempdir().expect("a temporary directory");
        embedded.write_to(dir.path()).expect("export");
        let copy = ContractFiles::from_dir(dir.path()).expect("read back");
        assert_eq!(digest(&copy), digest(&embedded));

        let fixture = dir.path().join("fixtures/responses/200/updated.json");
        let mut bytes = std::fs::read(&fixture).expect("the 200 fixture");
        bytes.push(b'\n');
        std::fs::write(&fixture, bytes).expect("edit");
        let edited = ContractFiles::from_dir(dir.path()).expect("read the edit");
        assert_ne!(digest(&edited), digest(&embedded));
        assert!(digest(&edited).starts_with("sha256:"));
        assert_eq!(digest(&edited).len(), "sha256:".len() + SHOWN_HEX);
    }
}

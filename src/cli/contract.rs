//! `mfa-contract openapi` and `mfa-contract contract validate | summary | export`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use mfa_contract::contract::{self, ContractFiles};
use mfa_contract::{Contract, Error, exit};

#[derive(Debug, Args)]
pub(super) struct OpenapiArgs {
    /// Write to FILE instead of standard output
    #[arg(long, short, value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub(super) enum ContractCommand {
    /// Load every file, compile every schema, and check every fixture and example against its schema
    Validate {
        /// Contract directory (holding schemas/ and fixtures/); default: the built-in contract
        dir: Option<PathBuf>,
    },
    /// Print the contract as a reviewer reads it: endpoint, schemas, enum meanings, gap policy, fixtures
    Summary,
    /// Write the built-in contract to DIR, to edit and use with --contract-dir
    Export {
        /// A directory that does not exist yet, or is empty
        dir: PathBuf,
    },
}

pub(super) fn run_openapi(contract: &Contract, args: OpenapiArgs) -> Result<u8, Error> {
    let document = contract::openapi::document(contract);
    let text =
        serde_json::to_string_pretty(&document).expect("a JSON value always serializes") + "\n";
    match args.output {
        Some(path) => std::fs::write(&path, text)
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))?,
        None => out!("{text}"),
    }
    Ok(exit::CLEAN)
}

pub(super) fn validate(contract: &Contract) -> Result<u8, Error> {
    let manifest = contract.manifest();
    outln!("contract OK: {}", contract.origin());
    outln!(
        "  endpoint   {} {} ({} auth, {}, body up to {} bytes)",
        manifest.method,
        manifest.path,
        manifest.auth.scheme,
        manifest.request.content_type,
        manifest.request.max_body_bytes
    );
    let methods: Vec<String> = contract.methods().into_iter().map(|(m, _)| m).collect();
    outln!("  methods    {}", methods.join(", "));
    let schemas: Vec<&str> = contract.schemas().map(|s| s.file.as_str()).collect();
    outln!(
        "  schemas    {} compiled: {}",
        schemas.len(),
        schemas.join(", ")
    );
    let documented: Vec<String> = contract
        .documented_statuses()
        .map(|s| s.to_string())
        .collect();
    let examples: usize = contract.schemas().map(|s| s.examples().len()).sum();
    outln!(
        "  responses  documented {}; gap policy {}",
        documented.join(", "),
        contract
            .gap_statuses()
            .keys()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    outln!("  examples   {examples} schema examples match their schemas");
    outln!(
        "  fixtures   {} response bodies, {} valid requests accepted, {} invalid requests rejected, {} users",
        contract.examples().len(),
        contract.valid_requests().len(),
        contract.invalid_requests().len(),
        contract.users().users.len()
    );
    for example in contract.examples() {
        if let Some(why) = &example.breaks {
            outln!(
                "  breaking   {} ({}): {why}; kept as recorded, served only by name, never a default",
                example.name,
                example.file
            );
        }
    }
    Ok(exit::CLEAN)
}

pub(super) fn export(dir: &Path) -> Result<u8, Error> {
    let occupied = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        return Err(Error::Usage(format!(
            "{}: not empty; export writes only into a new or empty directory, so nothing there is overwritten",
            dir.display()
        )));
    }
    ContractFiles::embedded()
        .write_to(dir)
        .map_err(|e| Error::io(format!("cannot write the contract to {}", dir.display()), e))?;
    outln!(
        "wrote the built-in contract to {}; edit it, then run with --contract-dir {}",
        dir.display(),
        dir.display()
    );
    Ok(exit::CLEAN)
}

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
    /// Compare two contracts and grade each change by whom it breaks (clients, the backend, or nobody)
    #[command(
        long_about = "Compare two contracts as the loader sees them (endpoint, auth, request schema, each \
        status's schema, gap policy, examples) and grade each change: breaking for clients (frontends must \
        change), breaking for the server (the backend must change), or compatible.\n\n\
        OLD and NEW are contract folders (as `contract export` writes them), `embedded` for the built-in \
        contract, or `git:REV` for the contract files at a revision of the current repository, e.g. \
        `mfa-contract contract diff git:origin/main .`\n\n\
        Exit codes: 0 nothing that --fail-on names, 1 such a change, 2 a broken contract or bad argument."
    )]
    Diff(DiffArgs),
}

#[derive(Debug, Args)]
pub(super) struct DiffArgs {
    /// The contract before: a folder, `embedded`, or `git:REV`
    old: String,
    /// The contract after: a folder, `embedded`, or `git:REV`
    new: String,
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    /// Exit 1 when a change of this kind is found
    #[arg(long, value_enum, default_value_t = FailOn::Breaking)]
    fail_on: FailOn,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum DiffFormat {
    Human,
    Json,
    Markdown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(super) enum FailOn {
    /// Breaking for clients or for the server
    Breaking,
    Client,
    Server,
    /// Any change, compatible ones too
    Any,
}

pub(super) fn run_diff(args: &DiffArgs) -> Result<u8, Error> {
    let (old, _old_dir) = contract_at(&args.old)?;
    let (new, _new_dir) = contract_at(&args.new)?;
    let changes = contract::diff::diff(&old, &new);
    let count =
        |f: fn(contract::diff::Breaks) -> bool| changes.iter().filter(|c| f(c.breaks)).count();
    let clients = count(contract::diff::Breaks::breaks_clients);
    let server = count(contract::diff::Breaks::breaks_server);
    let compatible = count(|b| b == contract::diff::Breaks::Compatible);
    let summary = format!(
        "{} changes: {clients} breaking for clients, {server} breaking for the server, {compatible} compatible",
        changes.len()
    );
    match args.format {
        DiffFormat::Json => outln!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "old": args.old,
                "new": args.new,
                "changes": changes,
                "breakingForClients": clients,
                "breakingForServer": server,
                "compatible": compatible,
            }))
            .expect("a diff serializes")
        ),
        DiffFormat::Markdown => {
            outln!("## Contract diff: `{}` -> `{}`\n", args.old, args.new);
            outln!("**{summary}**\n");
            if !changes.is_empty() {
                outln!("| grade | where | what changed | why |");
                outln!("|---|---|---|---|");
                for c in &changes {
                    outln!(
                        "| {} | `{}` | {} | {} |",
                        c.breaks.as_str(),
                        c.pointer,
                        cell(&c.what),
                        cell(&c.why)
                    );
                }
            }
        }
        DiffFormat::Human => {
            outln!("contract diff: {} -> {}", args.old, args.new);
            let width = changes.iter().map(|c| c.pointer.len()).max().unwrap_or(0);
            for c in &changes {
                outln!(
                    "  {:<17}  {:<width$}  {}: {}",
                    c.breaks.as_str(),
                    c.pointer,
                    c.what,
                    c.why
                );
            }
            outln!("{summary}");
        }
    }
    let fail = match args.fail_on {
        FailOn::Breaking => clients + server > 0,
        FailOn::Client => clients > 0,
        FailOn::Server => server > 0,
        FailOn::Any => !changes.is_empty(),
    };
    Ok(if fail { exit::FOUND } else { exit::CLEAN })
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|")
}

/// A contract named on the command line; for `git:REV` the files are written to a temporary
/// folder that lives as long as the returned guard.
fn contract_at(spec: &str) -> Result<(Contract, Option<tempfile::TempDir>), Error> {
    if spec == "embedded" {
        return Ok((Contract::embedded()?, None));
    }
    let Some(rev) = spec.strip_prefix("git:") else {
        return Ok((Contract::from_dir(Path::new(spec))?, None));
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

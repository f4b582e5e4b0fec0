//! `mfa-contract openapi` and `mfa-contract contract validate | summary | export`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use mfa_contract::contract::diff::Breaks;
use mfa_contract::contract::{self, ContractFiles};
use mfa_contract::{Contract, Error, exit, report};

use super::ci;

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
    /// Write the built-in contract to DIR, to edit and use with --contract
    Export {
        /// A directory that does not exist yet, or is empty
        dir: PathBuf,
    },
    /// Write an OpenAPI 3.0/3.1 document (YAML or JSON) as a contract in DIR (schemas/ and
    /// fixtures/), listing per operation what it could not carry
    Import {
        /// The OpenAPI document
        spec: PathBuf,
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
    /// Also append the diff as markdown to FILE (under GitHub Actions: "$GITHUB_STEP_SUMMARY"
    /// unless this names another file)
    #[arg(long, value_name = "FILE")]
    summary_file: Option<PathBuf>,
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
    let (old, _old_dir) = mfa_contract::named_contract::load(&args.old)?;
    let (new, new_dir) = mfa_contract::named_contract::load(&args.new)?;
    let changes = contract::diff::diff(&old, &new);
    let fails = |b: Breaks| match args.fail_on {
        FailOn::Breaking => b != Breaks::Compatible,
        FailOn::Client => b.breaks_clients(),
        FailOn::Server => b.breaks_server(),
        FailOn::Any => true,
    };
    let result = report::DiffReport {
        old: &args.old,
        new: &args.new,
        changes: &changes,
        failing: changes.iter().filter(|c| fails(c.breaks)).collect(),
        // Lines only where NEW is a folder of this repository (not embedded, not git:REV).
        folder: (new_dir.is_none() && args.new != "embedded").then_some(&new),
    };
    let shown = match args.format {
        DiffFormat::Human => ci::Shown::Human,
        DiffFormat::Json => ci::Shown::Json,
        DiffFormat::Markdown => ci::Shown::Markdown,
    };
    let written = ci::Written {
        summary_file: args.summary_file.as_deref(),
        ..ci::Written::default()
    };
    ci::emit(&result, shown, written)
}

/// The diff for `$GITHUB_STEP_SUMMARY` or a pull-request comment.
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

/// The first operation in one line: method, path, credentials, body.
fn endpoint(manifest: &mfa_contract::contract::Manifest) -> String {
    let auth = match manifest.security.as_deref() {
        None => format!("{} auth", manifest.auth.scheme),
        Some([]) => "no auth".to_owned(),
        Some(schemes) => {
            let names: Vec<&str> = schemes.iter().map(|s| s.scheme_name()).collect();
            format!("{} auth", names.join(" or "))
        }
    };
    let body = match manifest.request.schema {
        Some(_) => format!(
            "{}, body up to {} bytes",
            manifest.request.content_type, manifest.request.max_body_bytes
        ),
        None => "no body".to_owned(),
    };
    format!("{} {} ({auth}, {body})", manifest.method, manifest.path)
}

pub(super) fn validate(contract: &Contract) -> Result<u8, Error> {
    let manifest = contract.manifest();
    outln!("contract OK: {}", contract.origin());
    outln!("  endpoint   {}", endpoint(manifest));
    let methods: Vec<String> = contract.selectable_names();
    if methods.is_empty() {
        outln!("  selects    nothing (the first operation's body has no enumerated property)");
    } else {
        outln!(
            "  selects    {}: {}",
            manifest.request.selects,
            methods.join(", ")
        );
    }
    if !contract.operations().is_empty() {
        let others: Vec<String> = contract.operations().iter().map(|o| o.label()).collect();
        // Bodies: an answer documented without one is not counted.
        let examples = contract
            .operations()
            .iter()
            .flat_map(|o| &o.examples)
            .filter(|e| !e.no_body)
            .count();
        let rules: usize = contract
            .operations()
            .iter()
            .map(|o| o.spec.rules.len())
            .sum();
        outln!(
            "  operations {} more, {examples} example bodies and {rules} rules: {}",
            others.len(),
            others.join(", ")
        );
    }
    let schemas: Vec<&str> = contract.schemas().map(|s| s.file.as_str()).collect();
    outln!(
        "  schemas    {} compiled: {}",
        schemas.len(),
        schemas.join(", ")
    );
    let documented: Vec<&str> = contract.documented_keys().collect();
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
        contract.examples().iter().filter(|e| !e.no_body).count(),
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

/// Refuses a directory that holds anything: nothing a user has is overwritten.
pub(super) fn must_be_empty(dir: &Path, command: &str) -> Result<(), Error> {
    let occupied = std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some());
    if occupied {
        return Err(Error::Usage(format!(
            "{}: not empty; {command} writes only into a new or empty directory, so nothing there is overwritten",
            dir.display()
        )));
    }
    Ok(())
}

pub(super) fn export(dir: &Path) -> Result<u8, Error> {
    must_be_empty(dir, "export")?;
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

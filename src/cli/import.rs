//! `mfa-contract contract import SPEC DIR`: an OpenAPI document written as a contract folder,
//! loaded and checked as `contract validate` would before anything is written.

use std::path::Path;

use mfa_contract::contract::import::layout_of;
use mfa_contract::{Contract, Error, exit};

pub(super) fn run_import(spec: &Path, dir: &Path) -> Result<u8, Error> {
    super::contract::must_be_empty(dir, "import")?;
    let layout = layout_of(spec)?;
    // What is written must load: the same checks as `contract validate`, in memory first.
    let contract = Contract::load(&layout.files)?;
    layout
        .files
        .write_to(dir)
        .map_err(|e| Error::io(format!("cannot write the contract to {}", dir.display()), e))?;
    let operations = contract.operations().len() + 1;
    outln!(
        "imported {operations} operations from {} into {} ({} files)",
        spec.display(),
        dir.display(),
        layout.files.len()
    );
    outln!(
        "  {} {} (the first operation: the checker's seed)",
        contract.method(),
        contract.path()
    );
    for operation in contract.operations() {
        outln!("  {} ({})", operation.label(), operation.id());
    }
    for note in &layout.notes {
        outln!("  note: {note}");
    }
    outln!(
        "serve it: mfa-contract --contract {} mock; check it: mfa-contract contract validate {}",
        dir.display(),
        dir.display()
    );
    Ok(exit::CLEAN)
}

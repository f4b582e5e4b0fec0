//! Captured traffic: a HAR 1.2 file (a browser's DevTools export, Playwright's `recordHar`)
//! judged offline, each entry by its operation, with the check registry's judgement of an
//! observed exchange (`check::observed`, as the proxy judges) (`check --har FILE`), whose
//! reports are `report::har_*`; and `write`, the mock's and the proxy's journals as HAR.

mod judge;
mod model;
mod read;
pub mod write;

use std::path::Path;

pub use judge::{EntryRef, HarFinding, HarReport, KEPT, Skipped};

use crate::Error;
use crate::contract::Contract;

/// Reads `path` entry by entry and judges each one for the contract's endpoint. A file that
/// is not a HAR is a usage error naming the line and column.
pub fn judge_file(contract: &Contract, path: &Path) -> Result<HarReport, Error> {
    let shown = path.display().to_string();
    let file = std::fs::File::open(path)
        .map_err(|e| Error::io(format!("cannot read --har {shown}"), e))?;
    let mut report = HarReport::new(shown.clone(), contract);
    // Each entry judged with its operation, as the proxy judges an exchange.
    let views: Vec<Contract> = contract.views().collect();
    let log = read::for_each_entry(std::io::BufReader::new(file), &mut |index, entry, pages| {
        report.add(contract, &views, index, entry, pages);
    })
    .map_err(|e| {
        // serde's message ends with "at line L column C".
        Error::Usage(format!("--har {shown}: not a HAR file: {e}"))
    })?;
    if !log.has_log {
        return Err(Error::Usage(format!(
            "--har {shown}: not a HAR file: no \"log\" object (a HAR 1.2 export has {{\"log\": {{\"entries\": [...]}}}})"
        )));
    }
    report.entries = log.entries;
    Ok(report)
}

//! `mfa-contract proxy`: flags to a `ProxyConfig`, the banner, the foreground server, and the
//! summary when it stops.

use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use mfa_contract::proxy::{self, ProxyConfig};
use mfa_contract::remote::TargetUrl;
use mfa_contract::server::ServerOptions;
use mfa_contract::{Contract, Error, exit};

use super::server::{ServerArgs, UpstreamArgs};

#[derive(Debug, Args)]
pub(super) struct ProxyArgs {
    #[command(flatten)]
    server: ServerArgs,
    #[command(flatten)]
    upstream: UpstreamArgs,
    /// Replace an upstream answer that breaks the contract with a 502 that lists the violations
    #[arg(long)]
    strict: bool,
    /// Write each new response shape at the endpoint as a fixture of the contract copy in DIR
    /// (exported there if DIR is missing or empty); serve them with `--contract-dir DIR mock`
    #[arg(long, value_name = "DIR")]
    record: Option<PathBuf>,
    /// Append each judged exchange at the endpoint to FILE as HAR 1.2 (a whole document after
    /// every exchange; credentials as fingerprints), for DevTools or `check --har`
    #[arg(long, value_name = "FILE")]
    record_har: Option<PathBuf>,
}

pub(super) fn run_proxy(contract: Contract, args: ProxyArgs) -> Result<u8, Error> {
    let Some(upstream) = &args.upstream.upstream else {
        return Err(Error::Usage(
            "proxy needs --upstream URL: the backend to pass requests to".into(),
        ));
    };
    let mut config = ProxyConfig::new(upstream.url().clone());
    config.upstream_timeout =
        super::target::seconds("--upstream-timeout", args.upstream.upstream_timeout)?;
    config.tls = args.upstream.tls();
    config.server = args.server.options()?;
    let server = config.server.clone();
    config.strict = args.strict;
    config.record = args.record.clone();
    config.record_har = args.record_har.clone();
    config.pact = args.server.pact_names();
    let ready_file = args.server.ready_file()?;
    let contract = Arc::new(contract);
    let banner_contract = contract.clone();
    let summary = proxy::serve(contract, config, |addr| {
        print_banner(&banner_contract, &args, &server, upstream, addr);
        ready_file
            .as_ref()
            .map_or(Ok(()), |file| file.announce(&format!("http://{addr}")))
    })?;
    drop(ready_file);
    outln!("{summary}");
    Ok(exit::CLEAN)
}

fn print_banner(
    contract: &Contract,
    args: &ProxyArgs,
    server: &ServerOptions,
    upstream: &TargetUrl,
    addr: std::net::SocketAddr,
) {
    let base = format!("http://{addr}");
    outln!(
        "mfa-contract proxy: {base} -> {upstream} ({})",
        contract.origin()
    );
    if let Some(warning) = args.server.exposure_warning("proxy") {
        outln!("{warning}");
    }
    let more = match contract.operations().len() {
        0 => String::new(),
        n => format!(" and {n} more operations"),
    };
    outln!(
        "  judged on both sides: {} {}{more}; every other path passed through{}",
        contract.method(),
        contract.path(),
        if args.strict {
            "; --strict: an answer that breaks the contract becomes a 502"
        } else {
            ""
        }
    );
    let page = format!("violations: {base}/__admin/ (page), {base}/__admin/violations (JSON)");
    for line in args.server.admin_banner(server, &page) {
        outln!("{line}");
    }
    if let Some(dir) = &args.record {
        outln!(
            "  recording new response shapes into {} (serve them: mfa-contract --contract-dir {} mock)",
            dir.display(),
            dir.display()
        );
    }
    if let Some(file) = &args.record_har {
        outln!(
            "  recording each judged exchange into {} (HAR; judge it later: mfa-contract check --har {})",
            file.display(),
            file.display()
        );
    }
    outln!("  press Ctrl-C to stop and print the summary");
}

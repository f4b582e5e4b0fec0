//! `mfa-contract proxy`: flags to a `ProxyConfig`, the banner, the foreground server, and the
//! summary when it stops.

use std::io::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;
use mfa_contract::proxy::{self, ProxyConfig};
use mfa_contract::{Contract, Error, exit};

use super::mock::{ServerArgs, UpstreamArgs};

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
}

pub(super) fn run_proxy(contract: Contract, args: ProxyArgs) -> Result<u8, Error> {
    args.server.check()?;
    let Some(upstream) = args.upstream.upstream.as_deref() else {
        return Err(Error::Usage(
            "proxy needs --upstream URL: the backend to pass requests to".into(),
        ));
    };
    let mut config = ProxyConfig::new(mfa_contract::target::parse_http_url(
        "--upstream",
        upstream,
    )?);
    config.upstream_timeout =
        super::target::seconds("--upstream-timeout", args.upstream.upstream_timeout)?;
    config.ca_cert = args.upstream.ca_cert.clone();
    config.insecure = args.upstream.insecure;
    config.host = args.server.host.clone();
    config.port = args.server.port;
    config.cors_origins = args.server.cors_origins.clone();
    config.admin = !args.server.no_admin;
    config.log = args.server.log();
    config.journal_size = args.server.journal_size;
    config.workers = args.server.workers;
    config.strict = args.strict;
    config.record = args.record.clone();
    let ready_file = args.server.ready_file()?;
    let contract = Arc::new(contract);
    let banner_contract = contract.clone();
    let summary = proxy::serve(contract, config, |addr| {
        print_banner(&banner_contract, &args, upstream, addr);
        ready_file
            .as_ref()
            .map_or(Ok(()), |file| file.announce(&format!("http://{addr}")))
    })?;
    drop(ready_file);
    outln!("{summary}");
    Ok(exit::CLEAN)
}

fn print_banner(contract: &Contract, args: &ProxyArgs, upstream: &str, addr: std::net::SocketAddr) {
    let base = format!("http://{addr}");
    let mut out = std::io::stdout().lock();
    let _ = writeln!(
        out,
        "mfa-contract proxy: {base} -> {upstream} ({})",
        contract.origin()
    );
    if let Some(warning) = args.server.exposure_warning("proxy") {
        let _ = writeln!(out, "{warning}");
    }
    let _ = writeln!(
        out,
        "  judged on both sides: {} {}; every other path passed through{}",
        contract.method(),
        contract.path(),
        if args.strict {
            "; --strict: an answer that breaks the contract becomes a 502"
        } else {
            ""
        }
    );
    if !args.server.no_admin {
        let _ = writeln!(
            out,
            "  violations: {base}/__admin/ (page), {base}/__admin/violations (JSON)"
        );
    }
    if let Some(dir) = &args.record {
        let _ = writeln!(
            out,
            "  recording new response shapes into {} (serve them: mfa-contract --contract-dir {} mock)",
            dir.display(),
            dir.display()
        );
    }
    let _ = writeln!(out, "  press Ctrl-C to stop and print the summary");
    let _ = out.flush();
}

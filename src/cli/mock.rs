//! `mfa-contract mock`: flags to a `MockConfig`, the banner, and the foreground server.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use mfa_contract::mock::{self, ChaosConfig, ChaosWeights, MockConfig};
use mfa_contract::server::ServerOptions;
use mfa_contract::{Contract, Error, exit};

use super::server::{ServerArgs, UpstreamArgs};

#[derive(Debug, Args)]
pub(super) struct MockArgs {
    #[command(flatten)]
    server: ServerArgs,
    /// Users file (tokens and their account documents) instead of the contract's fixtures/users.json
    #[arg(long, value_name = "FILE")]
    users: Option<PathBuf>,
    /// Answer 401 to tokens that are not in the users file (default: unknown tokens get a fresh user)
    #[arg(long)]
    strict_tokens: bool,
    /// Largest request body accepted, in bytes (default: the contract's request.maxBodyBytes)
    #[arg(long, value_name = "BYTES")]
    max_body_bytes: Option<usize>,
    /// Longest `delay=` a scenario may ask for, and how long `fault=timeout` holds a request
    #[arg(long, value_name = "MS", default_value_t = mock::defaults::MAX_DELAY.as_millis() as u64)]
    max_delay_ms: u64,
    #[command(flatten)]
    upstream: UpstreamArgs,
    /// Disturb about RATE (0 to 1) of the valid requests with a documented error answer or a
    /// fault, replayable with --chaos-seed; 0 (the default) is off
    #[arg(long, value_name = "RATE", default_value_t = 0.0)]
    chaos: f64,
    /// The seed of --chaos's draws: the same seed and requests give the same disturbances
    /// (default: picked at start and printed)
    #[arg(long, value_name = "N")]
    chaos_seed: Option<u64>,
    /// The kinds of disturbance to draw and their weights, e.g. documented:3,reset:1,timeout:1
    /// (kinds: documented, reset, empty, malformed, delay, timeout). Default: each operation's
    /// contract weights over documented:3,reset:1,empty:1,malformed:1,delay:2
    #[arg(long, value_name = "KIND:WEIGHT,...")]
    chaos_weights: Option<String>,
    /// The longest delay a `delay` disturbance draws (from half of it up to it)
    #[arg(long, value_name = "MS", default_value_t = mock::chaos_defaults::DELAY_MS)]
    chaos_delay_ms: u64,
    /// Send answers uncompressed even when a request's Accept-Encoding asks for gzip, br, zstd
    /// or deflate (by default the mock compresses as real servers do)
    #[arg(long)]
    no_compress: bool,
}

impl MockArgs {
    /// The chaos flags, checked, with a seed picked when none is given.
    fn chaos(&self) -> Result<ChaosConfig, Error> {
        let rate =
            mock::parse_chaos_rate(self.chaos).map_err(|e| Error::Usage(format!("--chaos {e}")))?;
        let weights = match &self.chaos_weights {
            None => None,
            Some(text) => Some(
                ChaosWeights::parse(text)
                    .map_err(|e| Error::Usage(format!("--chaos-weights {text}: {e}")))?,
            ),
        };
        if u128::from(self.chaos_delay_ms) > u128::from(self.max_delay_ms) {
            return Err(Error::Usage(format!(
                "--chaos-delay-ms {} is over --max-delay-ms {}",
                self.chaos_delay_ms, self.max_delay_ms
            )));
        }
        Ok(ChaosConfig {
            rate,
            seed: Some(self.chaos_seed.unwrap_or_else(mock::random_chaos_seed)),
            weights,
            delay_ms: self.chaos_delay_ms,
        })
    }
}

pub(super) fn run_mock(contract: Contract, args: MockArgs) -> Result<u8, Error> {
    let users = match &args.users {
        Some(path) => Some(contract.load_users(path)?),
        None => None,
    };
    let server = args.server.options()?;
    let config = MockConfig {
        server: server.clone(),
        upstream: args.upstream.upstream()?.map(Arc::new),
        users,
        strict_tokens: args.strict_tokens,
        max_body_bytes: args.max_body_bytes,
        max_delay: Duration::from_millis(args.max_delay_ms),
        chaos: args.chaos()?,
        compress: !args.no_compress,
        pact: args.server.pact_names(),
    };
    let chaos_banner = mock::chaos_banner(&contract, &config);
    let ready_file = args.server.ready_file()?;
    let contract = Arc::new(contract);
    let banner_contract = contract.clone();
    let summary = mock::serve(contract, config, |addr| {
        print_banner(
            &banner_contract,
            &args,
            &server,
            chaos_banner.as_deref(),
            addr,
        );
        ready_file
            .as_ref()
            .map_or(Ok(()), |file| file.announce(&format!("http://{addr}")))
    })
    .map_err(|e| {
        Error::io(
            format!("cannot serve on {}:{}", args.server.host, args.server.port),
            e,
        )
    })?;
    drop(ready_file);
    outln!("{summary}");
    Ok(exit::CLEAN)
}

pub(super) fn print_banner(
    contract: &Contract,
    args: &MockArgs,
    server: &ServerOptions,
    chaos: Option<&str>,
    addr: std::net::SocketAddr,
) {
    let base = format!("http://{addr}");
    outln!(
        "mfa-contract mock: {} {base}{} ({})",
        contract.method(),
        contract.path(),
        contract.origin()
    );
    if !contract.operations().is_empty() {
        // A few by name; a document of hundreds would otherwise fill the screen.
        const NAMED: usize = 8;
        let operations = contract.operations();
        let mut named: Vec<String> = operations
            .iter()
            .take(NAMED)
            .map(|o| format!("{} {}", o.spec.method, o.spec.path))
            .collect();
        if operations.len() > NAMED {
            named.push("...".to_owned());
        }
        outln!(
            "  and {} more operations: {} (mfa-contract contract summary lists them)",
            operations.len(),
            named.join(", ")
        );
    }
    if let Some(warning) = args.server.exposure_warning("mock") {
        outln!("{warning}");
    }
    for line in args
        .server
        .admin_banner(server, &format!("admin page: {base}/__admin/"))
    {
        outln!("{line}");
    }
    let token = if args.strict_tokens {
        "<a token from the users file>"
    } else {
        "any-token"
    };
    let method = contract
        .selectable()
        .first()
        .map(|(m, _)| m.clone())
        .unwrap_or_default();
    let body = match contract.valid_requests().first() {
        // A body that selects nothing: a documented example of it, else an empty object.
        Some(fixture) if method.is_empty() => fixture.body.clone(),
        None if method.is_empty() => serde_json::json!({}),
        _ => contract.selecting(serde_json::Value::String(method)),
    };
    outln!(
        "  try: curl -i -X {} {base}{} -H '{}: {} {token}' -H 'Content-Type: {}' -d '{body}'",
        contract.method(),
        contract.path(),
        contract.auth().header,
        contract.auth().scheme,
        contract.request_spec().content_type,
    );
    if let Some(upstream) = &args.upstream.upstream {
        outln!("  every other path goes to {upstream} (--upstream)");
    }
    if let Some(chaos) = chaos {
        outln!("  {chaos}");
    }
    outln!("  press Ctrl-C to stop");
}

//! One integration-test binary (one link, shared helpers); each module names its scope.

mod support;

/// The GitHub Action's scripts: installing a verified release, the run step's summary, JUnit,
/// outputs, annotations and exit codes.
mod action;
/// The admin API closed to other machines and websites: rebound hosts, cross-site requests,
/// the admin token beyond loopback; the mock and the proxy alike.
mod admin_gate;
/// Any OpenAPI document as the contract: import, serve, check.
mod any_openapi;
/// Answers documented without a body: imported, served empty, checked by their headers.
mod bodiless;
/// A real browser (headless Chromium over WebDriver) against the mock, across origins.
mod browser;
/// Case generation: the validator as the oracle, determinism, coverage of the classes.
mod cases;
/// Seeded chaos: the rate, replay by seed, only documented answers and named faults, marks in
/// the journal and the exports, exemptions, weights from the contract and the admin API.
mod chaos;
/// The checker: clean against the mock and against allowed variations, every fault caught by
/// the right check with a minimal reproduction, reports, budgets and exit codes.
mod check;
/// CI-native reports: CTRF validated by the reference implementation, GitHub annotations and
/// step summaries for check, drift and contract diff.
mod ci_reports;
/// The command line: exit codes and messages of `contract validate` and `openapi`.
mod cli;
/// Loading the contract: examples, fixtures, and a precise error for every kind of broken file.
mod contract;
/// `contract diff`: one rule per test, graded by whom it breaks; formats, exit codes, git:REV.
mod contract_diff;
/// Coverage: each item reached or not in every format, --min-coverage, drift's probes.
mod coverage;
/// One credential per security scheme, sent where the scheme puts it.
mod credentials;
/// The documentation's examples, run: each marked block prints what it shows.
mod docs;
/// Drift: the contract summary and the mock's behaviour as snapshots; diffs, --accept, --against.
mod drift;
/// A first operation with parameters, no body and its own API key, like any other.
mod first_operation;
/// A bounded fuzz run of the mock's request pipeline (longer on demand, see the module).
mod fuzz;
/// Captured traffic: `check --har` on a browser-style export.
mod har;
/// The mock under attack over a real socket: garbage, huge input, slow and many clients, memory.
mod hostile_mock;
/// The checker against hostile targets: silence, hang-ups, floods, garbage, deep JSON,
/// redirects, bad TLS.
mod hostile_target;
/// The OpenAPI reader on the MFA area's own document: every operation, status and example.
mod import;
/// Flashback's MFA area: a settings page's calls in order, state across endpoints and accounts.
mod mfa_area;
/// The mock in-process (actix test service): pipeline, state, scenarios, CORS, admin, journal.
mod mock;
/// The mock binary over a real socket: pipeline, faults, concurrency, logs, signals.
mod mock_binary;
/// The request table that the in-process and the over-the-socket mock tests share.
mod mock_cases;
/// The npm packages, packed and installed offline: npx runs the mock and the checker, signals
/// and exit codes pass through, a missing platform binary is explained.
mod npm;
/// The OpenAPI 3.1 export: valid against the official schema, and snapshotted.
mod openapi;
/// One operation's own gap policy, beside the manifest's defaults.
mod operation_policy;
/// The journal as a Pact V4 consumer contract, replayed by the real Pact verifier.
mod pact;
/// The proxy over real sockets: both sides judged, pass-through, failing upstreams, --strict,
/// recording, and mock --upstream.
mod proxy;
/// docs/mock.md's frontend recipes as run: Vite's proxy, Playwright's webServer, a CI step.
mod recipes;
/// The release configuration: targets, `cargo binstall` metadata, one repository URL.
mod release;
/// Every command, every output, every written file: no token anywhere.
mod secrets;
/// One TLS configuration: `--ca-cert` and `--insecure` mean the same in check, drift, proxy.
mod tls_flags;
/// The checker unattended in CI: lenient, rate-limited, token-expiring and flaky backends.
mod unattended;
/// The right verdict for the right reason: per-input failures, dead and slow targets.
mod verdicts;
/// On the wire as browsers speak it: content codings, negotiation, allowed variations, big
/// header blocks and a compression bomb, in the proxy and the checker.
mod wire;

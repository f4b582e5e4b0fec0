//! Helpers shared by the test modules.

#![allow(dead_code)]

pub mod npm;
pub mod reference;
pub mod tls;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use mfa_contract::contract::ContractFiles;

/// A temporary copy of the built-in contract, to corrupt or edit.
pub struct ContractCopy {
    pub dir: tempfile::TempDir,
}

impl ContractCopy {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        ContractFiles::embedded()
            .write_to(dir.path())
            .expect("write contract copy");
        Self { dir }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn file(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn read_json(&self, rel: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.file(rel)).expect("read fixture");
        serde_json::from_str(&text).expect("fixture is JSON")
    }

    pub fn write(&self, rel: &str, text: &str) {
        std::fs::write(self.file(rel), text).expect("write fixture");
    }

    pub fn write_json(&self, rel: &str, value: &serde_json::Value) {
        self.write(
            rel,
            &serde_json::to_string_pretty(value).expect("serialize"),
        );
    }

    /// Every file of the copy, relative to its root.
    pub fn files(&self) -> Vec<String> {
        let mut out: Vec<String> = files_under(self.dir.path())
            .iter()
            .map(|path| {
                let rel = path.strip_prefix(self.dir.path()).expect("under root");
                rel.to_string_lossy().into_owned()
            })
            .collect();
        out.sort();
        out
    }
}

/// Runs the `mfa-contract` binary with `args` and returns its output.
pub fn mfa_contract(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_mfa-contract"))
        .args(args)
        .output()
        .expect("run mfa-contract")
}

/// `check --format json` of `contract` (a folder or an OpenAPI file) against `url`, with
/// `extra` flags: the report, and the exit code.
pub fn check_report(contract: &str, url: &str, extra: &[&str]) -> (serde_json::Value, Option<i32>) {
    let mut args = vec![
        "--contract",
        contract,
        "check",
        "--target",
        url,
        "--format",
        "json",
    ];
    args.extend_from_slice(extra);
    let output = mfa_contract(&args);
    (report_of(&output), output.status.code())
}

/// The JSON report a command printed (`--format json`); its stderr in the panic if none.
pub fn report_of(output: &Output) -> serde_json::Value {
    serde_json::from_str(&stdout(output)).unwrap_or_else(|e| panic!("{e}: {}", stderr(output)))
}

/// That a report has failures and every one of them is `operation`'s.
pub fn assert_only_operation_fails(report: &serde_json::Value, operation: &str) {
    let failures = report["failures"].as_array().expect("failures");
    assert!(
        !failures.is_empty() && failures.iter().all(|f| f["operation"] == operation),
        "{failures:#?}"
    );
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The one assertion every mock response goes through: JSON content type, a body that parses,
/// and a body that validates against the contract's schema for its status.
pub fn assert_conforms(
    contract: &mfa_contract::Contract,
    status: u16,
    content_type: Option<&str>,
    body: &[u8],
) {
    let content_type = content_type.unwrap_or("(none)");
    assert!(
        mfa_contract::internals::media_type::same(content_type, "application/json"),
        "status {status}: content type {content_type}"
    );
    let value: serde_json::Value = serde_json::from_slice(body).unwrap_or_else(|e| {
        panic!(
            "status {status}: body is not JSON ({e}): {}",
            String::from_utf8_lossy(body)
        )
    });
    let violations = contract.schema_for_status(status).violations(&value);
    assert!(
        violations.is_empty(),
        "status {status}: {value} breaks {}: {violations:?}",
        contract.schema_for_status(status).file
    );
    if !contract.is_documented(status) {
        assert_eq!(value["success"], false, "status {status}: {value}");
        assert!(value["error"].is_string(), "status {status}: {value}");
    }
}

/// Every file below `dir`, at any depth.
pub fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read dir") {
            let path = entry.expect("entry").path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out
}

/// Says that a test did not run, where `cargo test` shows it: libtest captures `eprintln!`
/// (shown only for a failing test), not a direct write to stderr.
pub fn skipped(test: &str, why: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "SKIPPED {test}: {why}");
}

/// Whether a test whose tool is missing must fail instead of skipping: where `flag` is `1`, and
/// on any CI (`CI` or `GITHUB_ACTIONS` set to true), so that no CI run passes by skipping.
pub fn required(flag: &str) -> bool {
    let set = |name: &str, values: &[&str]| {
        std::env::var(name).is_ok_and(|v| values.contains(&v.to_ascii_lowercase().as_str()))
    };
    set(flag, &["1"]) || set("CI", &["true", "1"]) || set("GITHUB_ACTIONS", &["true"])
}

/// A token no fixture, log or report would contain by chance.
pub const DISTINCTIVE_TOKEN: &str = "tok-Zq81xVv0-distinctive-7c1e";

/// Asserts that `text` nowhere contains `token`, nor any 10 characters of it in a row: a shown
/// prefix of a credential is a leak too.
pub fn assert_no_token(what: &str, text: &str, token: &str) {
    let chars: Vec<char> = token.chars().collect();
    for piece in chars.windows(10.min(chars.len())) {
        let piece: String = piece.iter().collect();
        let lines: Vec<&str> = text.lines().filter(|l| l.contains(&piece)).collect();
        assert!(
            lines.is_empty(),
            "{what} contains {piece:?}, a piece of the token:\n{}",
            lines.join("\n")
        );
    }
}

/// The `mfa-contract` binary running as a child process, with its stdout collected. Killed on
/// drop, so no test leaves a process behind.
pub struct Process {
    pub child: std::process::Child,
    pub url: String,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    stderr_lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
}

impl Process {
    /// Starts `mfa-contract mock --port 0 ARGS...` and waits (bounded) for its banner.
    pub fn mock(args: &[&str]) -> Self {
        Self::server("mock", args)
    }

    /// Starts `mfa-contract proxy --port 0 ARGS...` and waits (bounded) for its banner.
    pub fn proxy(args: &[&str]) -> Self {
        Self::server("proxy", args)
    }

    fn server(command: &str, args: &[&str]) -> Self {
        Self::server_with_env(command, args, &[])
    }

    /// Starts `mfa-contract COMMAND --port 0 ARGS...` with `env` added to its environment, and
    /// waits (bounded) for its banner; a banner URL on 0.0.0.0 is reached through 127.0.0.1.
    pub fn server_with_env(command: &str, args: &[&str], env: &[(&str, &str)]) -> Self {
        let mut all = vec![command, "--port", "0"];
        all.extend_from_slice(args);
        let mut process = Self::spawn_with_env(&all, env);
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let first = process.stdout_lines().into_iter().next();
            if let Some(url) = first.as_deref().and_then(banner_url) {
                process.url = url.replace("://0.0.0.0:", "://127.0.0.1:");
                return process;
            }
            if let Ok(Some(status)) = process.child.try_wait() {
                panic!(
                    "{command} exited with {status}: {}",
                    process.stderr_lines().join("\n")
                );
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no banner within 20 s"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
    }

    /// Starts `mfa-contract ARGS...` with stdout and stderr collected line by line.
    pub fn spawn(args: &[&str]) -> Self {
        Self::spawn_with_env(args, &[])
    }

    /// As [`Process::spawn`], with `env` added to the environment.
    pub fn spawn_with_env(args: &[&str], env: &[(&str, &str)]) -> Self {
        use std::io::BufRead;
        use std::process::Stdio;
        let mut child = Command::new(env!("CARGO_BIN_EXE_mfa-contract"))
            .args(args)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn mfa-contract");
        let collect = |reader: Box<dyn std::io::Read + Send>| {
            let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
            let sink = lines.clone();
            std::thread::spawn(move || {
                for line in std::io::BufReader::new(reader)
                    .lines()
                    .map_while(Result::ok)
                {
                    sink.lock().expect("lines").push(line);
                }
            });
            lines
        };
        let lines = collect(Box::new(child.stdout.take().expect("stdout")));
        let stderr_lines = collect(Box::new(child.stderr.take().expect("stderr")));
        Self {
            child,
            url: String::new(),
            lines,
            stderr_lines,
        }
    }

    pub fn child_is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Resident memory of the process, from /proc (Linux).
    pub fn resident_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("read /proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmRSS in /proc status")
    }

    pub fn stdout_lines(&self) -> Vec<String> {
        self.lines.lock().expect("lines").clone()
    }

    pub fn stderr_lines(&self) -> Vec<String> {
        self.stderr_lines.lock().expect("lines").clone()
    }

    /// Sends `signal` (e.g. "TERM") and waits up to `within` for the exit status.
    pub fn signal_and_wait(
        &mut self,
        signal: &str,
        within: std::time::Duration,
    ) -> Option<std::process::ExitStatus> {
        let sent = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(sent.success(), "kill -{signal} failed");
        self.wait(within)
    }

    /// Waits up to `within` for the process to exit.
    pub fn wait(&mut self, within: std::time::Duration) -> Option<std::process::ExitStatus> {
        let deadline = std::time::Instant::now() + within;
        while std::time::Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The base URL in the mock's first banner line: `mfa-contract mock: POST http://HOST:PORT/path (...)`.
fn banner_url(line: &str) -> Option<String> {
    let word = line.split_whitespace().find(|w| w.starts_with("http://"))?;
    let url = url::Url::parse(word).ok()?;
    Some(url.origin().ascii_serialization())
}

/// The first stdout line of `process` that contains `needle`, waited for (bounded): the
/// reader thread may be a moment behind the exit.
pub async fn wait_for_line(process: &Process, needle: &str) -> String {
    for _ in 0..250 {
        if let Some(line) = process
            .stdout_lines()
            .into_iter()
            .find(|l| l.contains(needle))
        {
            return line;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("no line with {needle:?}: {:?}", process.stdout_lines());
}

/// A reqwest client for loopback tests: no proxy, no redirects, bounded time.
pub fn http_client(timeout: std::time::Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(timeout)
        .build()
        .expect("client")
}

/// What a test server does with one request.
pub enum Answer {
    Now(actix_web::HttpResponse),
    /// Answer after a pause (the server keeps serving others meanwhile).
    After(std::time::Duration, actix_web::HttpResponse),
    /// Hold the request for this long, then drop the connection without answering.
    Hang(std::time::Duration),
    /// Close the connection at once, without a complete answer.
    HangUp,
}

impl From<actix_web::HttpResponse> for Answer {
    fn from(response: actix_web::HttpResponse) -> Self {
        Answer::Now(response)
    }
}

/// A small HTTP server on a free loopback port, answering every request with `handler`; for
/// pages in browser tests and for purpose-built faulty targets. Stopped on drop.
pub struct TestServer {
    pub url: String,
    pub requests: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

pub type Handler = std::sync::Arc<dyn Fn(&actix_web::HttpRequest, &[u8]) -> Answer + Send + Sync>;

impl TestServer {
    pub fn start(
        handler: impl Fn(&actix_web::HttpRequest, &[u8]) -> Answer + Send + Sync + 'static,
    ) -> Self {
        use actix_web::{App, HttpServer, web};
        use std::sync::atomic::{AtomicUsize, Ordering};
        let handler: Handler = std::sync::Arc::new(handler);
        let requests = std::sync::Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let (sender, receiver) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(web::Data::new(handler.clone()))
                        .app_data(web::Data::new(counter.clone()))
                        .app_data(web::PayloadConfig::new(64 << 20))
                        .default_service(web::to(
                            |req: actix_web::HttpRequest,
                             body: web::Bytes,
                             h: web::Data<Handler>,
                             count: web::Data<std::sync::Arc<AtomicUsize>>| async move {
                                count.fetch_add(1, Ordering::SeqCst);
                                match (h.get_ref())(&req, &body) {
                                    Answer::Now(response) => Ok(response),
                                    Answer::After(pause, response) => {
                                        actix_web::rt::time::sleep(pause).await;
                                        Ok(response)
                                    }
                                    Answer::Hang(pause) => {
                                        actix_web::rt::time::sleep(pause).await;
                                        Err(actix_web::error::ErrorInternalServerError("hung up"))
                                    }
                                    // A body that fails: actix drops the connection mid-answer.
                                    Answer::HangUp => Ok(actix_web::HttpResponse::Ok().streaming(
                                        futures_util::stream::once(async {
                                            Err::<web::Bytes, _>(std::io::Error::other("hang up"))
                                        }),
                                    )),
                                }
                            },
                        ))
                })
                .workers(2)
                .disable_signals()
                .shutdown_timeout(1)
                .listen(listener)
                .expect("listen")
                .run();
                sender.send(server.handle()).expect("handle");
                let _ = server.await;
            });
        });
        let handle = receiver.recv().expect("server started");
        Self {
            url,
            requests,
            handle,
            thread: Some(thread),
        }
    }

    pub fn request_count(&self) -> usize {
        self.requests.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        drop(self.handle.stop(false));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// The release targets in `dist-workspace.toml` (cargo-dist's configuration), sorted.
pub fn release_targets() -> Vec<String> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("dist-workspace.toml");
    let config: toml_edit::DocumentMut = std::fs::read_to_string(&path)
        .expect("dist-workspace.toml")
        .parse()
        .expect("dist-workspace.toml is TOML");
    let mut targets: Vec<String> = config["dist"]["targets"]
        .as_array()
        .expect("[dist] targets")
        .iter()
        .map(|t| t.as_str().expect("a target triple").to_owned())
        .collect();
    targets.sort();
    targets
}

/// An account document as `fixtures/users.json` writes one: these methods set up and enabled,
/// `primary` the primary (none: absent), an ordinary member with an email address.
pub fn account(enabled: &[&str], primary: Option<&str>) -> serde_json::Value {
    let mut account = serde_json::json!({
        "enabledMethods": enabled,
        "configuredMethods": enabled,
        "pendingSetups": [],
        "isEnabled": !enabled.is_empty(),
        "isRequired": false,
        "isEnforced": false,
        "role": "MEMBER",
        "email": "member@example.com",
    });
    if let Some(primary) = primary {
        account["primaryMethod"] = primary.into();
    }
    account
}

/// The built-in contract's seed operation alone: what the reference backends here serve.
pub fn seed_contract() -> mfa_contract::Contract {
    mfa_contract::Contract::embedded()
        .expect("contract")
        .view_of_seed()
}

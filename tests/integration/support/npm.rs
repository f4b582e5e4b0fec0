//! The npm packages as users get them: packed once per test run by `npm/pack.sh` from the
//! binary under test (or `MFA_CONTRACT_NPM_BINARY`, which CI points at the release build),
//! installed into empty temporary projects, run through `npx`. Every process is started in its
//! own process group and the whole group is killed on drop, so no test leaves a server behind.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Whether node and npm are here. Without them the npm tests say SKIPPED, except where
/// `MFA_CONTRACT_REQUIRE_NPM=1` or on CI (`super::required`), where they fail.
pub fn available(test: &str) -> bool {
    let found = ["node", "npm", "npx"].iter().all(|tool| {
        Command::new(tool)
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    });
    if !found {
        assert!(
            !super::required("MFA_CONTRACT_REQUIRE_NPM"),
            "node, npm or npx is missing, and MFA_CONTRACT_REQUIRE_NPM=1 or CI says it must run"
        );
        super::skipped(test, "node, npm or npx not installed");
    }
    found
}

/// The repository root.
pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The two tarballs `npm/pack.sh BINARY DIR` wrote: the launcher and this platform's package.
pub struct Packed {
    pub launcher: PathBuf,
    pub platform: PathBuf,
}

/// Packs once per test run, into cargo's temporary folder for integration tests.
pub fn packed() -> &'static Packed {
    static PACKED: OnceLock<Packed> = OnceLock::new();
    PACKED.get_or_init(|| {
        let binary = std::env::var("MFA_CONTRACT_NPM_BINARY")
            .unwrap_or_else(|_| env!("CARGO_BIN_EXE_mfa-contract").to_owned());
        let out =
            Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("npm-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&out);
        let output = run(
            Command::new(root().join("npm/pack.sh")).args([Path::new(&binary), &out]),
            Duration::from_secs(300),
        );
        assert!(
            output.status.success(),
            "npm/pack.sh failed: {}",
            text(&output)
        );
        let written: Vec<PathBuf> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(PathBuf::from)
            .collect();
        let version = env!("CARGO_PKG_VERSION");
        let find = |name: &str| {
            written
                .iter()
                .find(|p| p.file_name().is_some_and(|f| f == name))
                .unwrap_or_else(|| panic!("pack.sh wrote no {name}: {written:?}"))
                .clone()
        };
        Packed {
            launcher: find(&format!("mfa-contract-{version}.tgz")),
            platform: find(&format!("mfa-contract-{}-{version}.tgz", npm_platform())),
        }
    })
}

/// `linux-x64`, as npm names this machine's platform.
pub fn npm_platform() -> String {
    let os = match std::env::consts::OS {
        "macos" => "darwin",
        "windows" => "win32",
        other => other,
    };
    let cpu = match std::env::consts::ARCH {
        "x86_64" => "x64",
        "aarch64" => "arm64",
        other => other,
    };
    format!("{os}-{cpu}")
}

/// An empty project with `npm install ARGS` done in it; removed on drop.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    /// `npm install --offline` of `packages` (and `extra` flags) into an empty project.
    pub fn offline(packages: &[&Path], extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(
            dir.path().join("package.json"),
            r#"{"name": "app", "private": true}"#,
        )
        .expect("package.json");
        let project = Self { dir };
        let mut args = vec!["install", "--offline", "--no-audit", "--no-fund"];
        args.extend_from_slice(extra);
        let output = project.npm(&args, packages);
        assert!(
            output.status.success(),
            "npm install failed: {}",
            text(&output)
        );
        project
    }

    /// A copy of `folder` (the recipes), with its own dependencies from the registry exactly
    /// as its `package-lock.json` has them (`npm ci`), then the packed tarballs.
    pub fn copy_of(folder: &Path, packages: &[&Path]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        for entry in std::fs::read_dir(folder).expect("read recipes") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, dir.path().join(path.file_name().expect("name")))
                .expect("copy recipe");
        }
        let project = Self { dir };
        for (args, packages) in [
            (&["ci", "--no-audit", "--no-fund"][..], &[][..]),
            (
                &["install", "--no-save", "--no-audit", "--no-fund"],
                packages,
            ),
        ] {
            let output = project.npm(args, packages);
            assert!(
                output.status.success(),
                "npm {args:?} failed: {}",
                text(&output)
            );
        }
        project
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    fn npm(&self, args: &[&str], packages: &[&Path]) -> Output {
        let mut command = Command::new("npm");
        command.args(args).args(packages).current_dir(self.path());
        run(&mut command, Duration::from_secs(300))
    }

    /// `npx --offline mfa-contract ARGS`, in the project.
    pub fn npx(&self, args: &[&str]) -> Command {
        let mut command = Command::new("npx");
        command
            .args(["--offline", "mfa-contract"])
            .args(args)
            .current_dir(self.path());
        command
    }
}

/// Runs `command` to its end, bounded by `limit` (its process group is killed then).
pub fn run(command: &mut Command, limit: Duration) -> Output {
    let child = Group::spawn(command);
    child.wait_output(limit)
}

/// A child in a process group of its own: `kill -SIG -PGID` reaches it and everything it
/// started (npx, sh, the launcher, the binary), as Ctrl-C in a terminal does.
pub struct Group {
    child: Option<std::process::Child>,
    /// The pipes, read from the start on threads, so a chatty child never blocks on a full one.
    stdout: Option<std::thread::JoinHandle<Vec<u8>>>,
    stderr: Option<std::thread::JoinHandle<Vec<u8>>>,
}

impl Group {
    pub fn spawn(command: &mut Command) -> Self {
        use std::os::unix::process::CommandExt as _;
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0)
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {command:?}: {e}"));
        Self {
            stdout: Some(reader(child.stdout.take())),
            stderr: Some(reader(child.stderr.take())),
            child: Some(child),
        }
    }

    pub fn id(&self) -> u32 {
        self.child.as_ref().expect("running").id()
    }

    /// Sends `signal` (e.g. "INT") to the whole group.
    pub fn signal_group(&self, signal: &str) {
        signal_pid(&format!("-{}", self.id()), signal);
    }

    /// Waits up to `limit` for the exit, then collects the output; kills the group if it does
    /// not end in time (and fails the test).
    pub fn wait_output(mut self, limit: Duration) -> Output {
        let mut child = self.child.take().expect("running");
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = child.try_wait().expect("try_wait") {
                break status;
            }
            if Instant::now() > deadline {
                signal_pid(&format!("-{}", child.id()), "KILL");
                let _ = child.wait();
                panic!("still running after {limit:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The group's other members (a server the child started) may hold the pipes open.
        signal_pid(&format!("-{}", child.id()), "KILL");
        let collect = |handle: Option<std::thread::JoinHandle<Vec<u8>>>| {
            handle
                .map(|h| h.join().expect("pipe reader"))
                .unwrap_or_default()
        };
        Output {
            status,
            stdout: collect(self.stdout.take()),
            stderr: collect(self.stderr.take()),
        }
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            signal_pid(&format!("-{}", child.id()), "KILL");
            let _ = child.wait();
        }
    }
}

/// `kill -SIGNAL PID` (a negative PID is a process group).
pub fn signal_pid(pid: &str, signal: &str) {
    let _ = Command::new("kill")
        .args([format!("-{signal}"), "--".to_owned(), pid.to_owned()])
        .status();
}

fn reader(pipe: Option<impl std::io::Read + Send + 'static>) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        if let Some(mut pipe) = pipe {
            let _ = pipe.read_to_end(&mut bytes);
        }
        bytes
    })
}

/// stdout and stderr, for assertion messages.
pub fn text(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Waits (bounded) for a `--ready-file` and returns the URL in it.
pub fn ready_url(file: &Path, limit: Duration) -> String {
    let deadline = Instant::now() + limit;
    loop {
        if let Ok(text) = std::fs::read_to_string(file)
            && text.ends_with('\n')
        {
            return text.trim().to_owned();
        }
        assert!(
            Instant::now() < deadline,
            "{} not written within {limit:?}",
            file.display()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A validator installed from npm (`.ci/run` puts `ctrf` and `har-validator` under
/// `MFA_CONTRACT_NODE_TOOLS`): the path of `node_modules/PACKAGE`. Missing, the test says
/// SKIPPED, except where `MFA_CONTRACT_REQUIRE_NPM=1` or on CI (`super::required`), where it fails.
pub fn node_tool(test: &str, package: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("MFA_CONTRACT_NODE_TOOLS")
        .map(|d| PathBuf::from(d).join("node_modules").join(package))
        .filter(|d| d.join("package.json").is_file());
    if dir.is_none() {
        assert!(
            !super::required("MFA_CONTRACT_REQUIRE_NPM"),
            "MFA_CONTRACT_REQUIRE_NPM=1 but MFA_CONTRACT_NODE_TOOLS holds no node_modules/{package}"
        );
        super::skipped(
            test,
            &format!("{package} is not installed (MFA_CONTRACT_NODE_TOOLS)"),
        );
    }
    dir
}

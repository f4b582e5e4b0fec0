//! The GitHub Action's scripts (`action.yml` runs them): the installer against a release laid
//! out as cargo-dist lays it out (served from a folder, through curl's file://), its checksum
//! and error paths; and the run step: summary, JUnit, outputs, annotations, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

use crate::support::npm::{run, text};

const LIMIT: Duration = Duration::from_secs(120);
const LINUX_X64: &str = "x86_64-unknown-linux-musl";

fn script(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(".github/action")
        .join(name)
}

/// A GitHub runner's environment, in a temporary folder.
struct Runner {
    dir: tempfile::TempDir,
}

impl Runner {
    fn new() -> Self {
        Self {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn command(&self, script_name: &str) -> Command {
        let mut command = Command::new(script(script_name));
        command
            .current_dir(self.dir.path())
            .env("RUNNER_OS", "Linux")
            .env("RUNNER_ARCH", "X64")
            .env("RUNNER_TOOL_CACHE", self.path("toolcache"))
            .env("GITHUB_OUTPUT", self.path("github_output"))
            .env("GITHUB_STEP_SUMMARY", self.path("step_summary"))
            .env("GITHUB_ACTIONS", "true")
            .env_remove("MFA_CONTRACT_TOKEN");
        command
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.path(rel)).unwrap_or_default()
    }

    /// `name=value` lines written to $GITHUB_OUTPUT.
    fn output(&self, name: &str) -> Option<String> {
        self.read("github_output")
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{name}=")).map(str::to_owned))
    }
}

/// `releases/v<version>/mfa-contract-<target>.tar.xz` and its `.sha256`, as cargo-dist's
/// archives are: a folder named after the archive, holding the binary and the docs.
fn release(runner: &Runner) -> PathBuf {
    let version = env!("CARGO_PKG_VERSION");
    let stem = format!("mfa-contract-{LINUX_X64}");
    let staging = runner.path("staging").join(&stem);
    std::fs::create_dir_all(&staging).expect("staging");
    std::fs::copy(
        env!("CARGO_BIN_EXE_mfa-contract"),
        staging.join("mfa-contract"),
    )
    .expect("binary");
    std::fs::write(staging.join("README.md"), "readme\n").expect("readme");
    let folder = runner.path("releases").join(format!("v{version}"));
    std::fs::create_dir_all(&folder).expect("release folder");
    let archive = folder.join(format!("{stem}.tar.xz"));
    let tar = run(
        Command::new("tar")
            .arg("-cJf")
            .arg(&archive)
            .arg("-C")
            .arg(runner.path("staging"))
            .arg(&stem),
        LIMIT,
    );
    assert!(tar.status.success(), "{}", text(&tar));
    let sum = run(
        Command::new("sha256sum")
            .arg(format!("{stem}.tar.xz"))
            .current_dir(&folder),
        LIMIT,
    );
    std::fs::write(folder.join(format!("{stem}.tar.xz.sha256")), &sum.stdout).expect("sha256");
    runner.path("releases")
}

fn install(runner: &Runner, releases: &Path, version: &str) -> Output {
    run(
        runner
            .command("install.sh")
            .arg("install")
            .env("MFA_CONTRACT_VERSION", version)
            .env(
                "MFA_CONTRACT_RELEASES_URL",
                format!("file://{}", releases.display()),
            ),
        LIMIT,
    )
}

#[test]
fn the_installer_names_the_release_the_action_is_pinned_to() {
    let runner = Runner::new();
    let output = run(runner.command("install.sh").arg("resolve"), LIMIT);
    assert!(output.status.success(), "{}", text(&output));
    assert_eq!(
        runner.output("version").as_deref(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(runner.output("target").as_deref(), Some(LINUX_X64));
    let dir = runner.output("dir").expect("dir output");
    assert!(dir.ends_with(&format!(
        "mfa-contract/{}/{LINUX_X64}",
        env!("CARGO_PKG_VERSION")
    )));

    // Each runner its own archive; a runner with none is told how else to install.
    for (os, arch, target) in [
        ("Linux", "ARM64", "aarch64-unknown-linux-musl"),
        ("macOS", "ARM64", "aarch64-apple-darwin"),
        ("Windows", "X64", "x86_64-pc-windows-msvc"),
    ] {
        let runner = Runner::new();
        let output = run(
            runner
                .command("install.sh")
                .arg("resolve")
                .env("RUNNER_OS", os)
                .env("RUNNER_ARCH", arch),
            LIMIT,
        );
        assert!(output.status.success(), "{}", text(&output));
        assert_eq!(runner.output("target").as_deref(), Some(target));
    }
    let output = run(
        runner
            .command("install.sh")
            .arg("resolve")
            .env("RUNNER_OS", "Windows")
            .env("RUNNER_ARCH", "ARM64"),
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("cargo install mfa-contract"));
}

#[test]
fn the_installer_unpacks_a_verified_archive_and_refuses_a_tampered_or_missing_one() {
    let runner = Runner::new();
    let releases = release(&runner);
    let version = env!("CARGO_PKG_VERSION");
    let output = install(&runner, &releases, version);
    assert!(output.status.success(), "{}", text(&output));
    let binary = runner
        .path("toolcache")
        .join(format!("mfa-contract/{version}/{LINUX_X64}/mfa-contract"));
    let ran = run(Command::new(&binary).arg("--version"), LIMIT);
    assert!(
        String::from_utf8_lossy(&ran.stdout).starts_with(&format!("mfa-contract {version}")),
        "{}",
        text(&ran)
    );

    let missing = install(&Runner::new(), &releases, "9.9.9");
    assert_eq!(missing.status.code(), Some(2), "{}", text(&missing));
    assert!(String::from_utf8_lossy(&missing.stdout).contains("is v9.9.9 released?"));

    let archive = releases.join(format!("v{version}/mfa-contract-{LINUX_X64}.tar.xz"));
    let mut bytes = std::fs::read(&archive).expect("archive");
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&archive, bytes).expect("tamper");
    let tampered = install(&Runner::new(), &releases, version);
    assert_eq!(tampered.status.code(), Some(2), "{}", text(&tampered));
    assert!(
        String::from_utf8_lossy(&tampered.stdout).contains("but the release says"),
        "{}",
        text(&tampered)
    );
}

/// The run step, with the binary under test as the installed one.
fn run_step(runner: &Runner, command: &str) -> Output {
    let dir = runner.path("bin");
    std::fs::create_dir_all(&dir).expect("bin");
    let binary = dir.join("mfa-contract");
    if !binary.exists() {
        std::fs::copy(env!("CARGO_BIN_EXE_mfa-contract"), &binary).expect("binary");
    }
    run(
        runner
            .command("run.sh")
            .env("MFA_CONTRACT_DIR", &dir)
            .env("MFA_CONTRACT_COMMAND", command)
            .env("MFA_CONTRACT_JUNIT", "contract-junit.xml")
            .env("MFA_CONTRACT_SUMMARY", "true"),
        LIMIT,
    )
}

#[test]
fn a_clean_check_writes_the_summary_and_the_junit_file_and_exits_0() {
    let runner = Runner::new();
    let output = run_step(&runner, "check --cases 20 --seed 3");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let summary = runner.read("step_summary");
    assert_eq!(
        summary.matches("## ✅ mfa-contract check").count(),
        1,
        "{summary}"
    );
    assert!(runner.read("contract-junit.xml").contains("<testsuites"));
    assert_eq!(runner.output("exit-code").as_deref(), Some("0"));
    assert_eq!(
        runner.output("junit").as_deref(),
        Some("contract-junit.xml")
    );
    assert!(!String::from_utf8_lossy(&output.stdout).contains("::error"));
}

#[test]
fn an_unreachable_target_is_exit_3_with_an_annotation_that_says_environment() {
    let runner = Runner::new();
    let output = run_step(&runner, "check --target http://127.0.0.1:1 --timeout 2");
    assert_eq!(output.status.code(), Some(3), "{}", text(&output));
    assert_eq!(runner.output("exit-code").as_deref(), Some("3"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains(
            "::error title=mfa-contract check::exit 3: the environment, not the contract"
        ),
        "{stdout}"
    );
    let summary = runner.read("step_summary");
    assert!(summary.contains("mfa-contract check (exit 3)"), "{summary}");
    assert!(summary.contains("unreachable"), "{summary}");
}

#[test]
fn contract_diff_puts_its_markdown_in_the_summary_and_quoted_words_stay_whole() {
    let runner = Runner::new();
    let output = run_step(&runner, "contract diff embedded embedded");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let summary = runner.read("step_summary");
    assert!(summary.starts_with('#'), "markdown expected: {summary}");

    let exported = run_step(&runner, "contract export 'a copy with spaces'");
    assert_eq!(exported.status.code(), Some(0), "{}", text(&exported));
    assert!(
        runner
            .path("a copy with spaces/schemas/contract.json")
            .is_file()
    );

    // Nothing in the command is expanded or run by a shell.
    let literal = run_step(&runner, "contract export '$(touch pwned)'");
    assert_eq!(literal.status.code(), Some(0), "{}", text(&literal));
    assert!(!runner.path("pwned").exists());
    assert!(runner.path("$(touch pwned)/schemas").is_dir());
}

#[test]
fn drift_output_lands_in_the_summary_as_text() {
    let runner = Runner::new();
    let output = run_step(&runner, "drift");
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let summary = runner.read("step_summary");
    assert!(
        summary.starts_with("## ✅ mfa-contract drift (exit 0)"),
        "{summary}"
    );
    assert!(summary.contains("```text"), "{summary}");
    // Written by the binary, once: the step adds no second copy.
    assert_eq!(
        summary.matches("mfa-contract drift").count(),
        1,
        "{summary}"
    );
}

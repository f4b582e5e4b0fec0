//! The npm packages: packed by `npm/pack.sh`, installed offline into an empty project, run with
//! `npx`: the mock answers, the checker passes against it, Ctrl-C stops it with its summary,
//! exit codes pass through, and without a binary for the platform the launcher says what to do.

use std::path::Path;
use std::time::Duration;

use crate::support::npm::{self, Group, Project, packed, ready_url, text};

const LIMIT: Duration = Duration::from_secs(120);

/// The launcher and this platform's package, installed offline and with `--ignore-scripts`
/// (README says no install script is needed: every test below runs on such an install).
fn installed() -> Project {
    let packed = packed();
    Project::offline(&[&packed.launcher, &packed.platform], &["--ignore-scripts"])
}

/// `npx mfa-contract mock --port 0 --ready-file F`, in its own process group; its URL.
fn mock(project: &Project) -> (Group, String) {
    let ready = project.path().join("mock.url");
    let group =
        Group::spawn(&mut project.npx(&["mock", "--port", "0", "--ready-file", "mock.url"]));
    let url = ready_url(&ready, Duration::from_secs(60));
    (group, url)
}

fn post_passkey(url: &str) -> (u16, serde_json::Value) {
    let output = npm::run(
        std::process::Command::new("curl").args([
            "-sS",
            "-w",
            "\n%{http_code}",
            "-X",
            "POST",
            &format!("{url}/mfa/primary"),
            "-H",
            "Authorization: Bearer npx-user",
            "-H",
            "Content-Type: application/json",
            "-d",
            r#"{"mfaType":"PASSKEY"}"#,
        ]),
        Duration::from_secs(30),
    );
    let out = String::from_utf8_lossy(&output.stdout);
    let (body, status) = out.rsplit_once('\n').expect("curl wrote the status");
    (
        status.trim().parse().expect("a status"),
        serde_json::from_str(body).expect("a JSON body"),
    )
}

#[test]
fn npx_runs_the_mock_the_checker_passes_and_ctrl_c_stops_it_with_its_summary() {
    if !npm::available("npx_runs_the_mock") {
        return;
    }
    let project = installed();
    let version = npm::run(&mut project.npx(&["--version"]), LIMIT);
    assert!(version.status.success(), "{}", text(&version));
    assert!(
        String::from_utf8_lossy(&version.stdout).starts_with(&format!(
            "mfa-contract {}\ncontract: ",
            env!("CARGO_PKG_VERSION")
        )),
        "{}",
        text(&version)
    );

    let (group, url) = mock(&project);
    let (status, body) = post_passkey(&url);
    assert_eq!((status, &body["success"]), (200, &serde_json::json!(true)));

    let check = npm::run(&mut project.npx(&["check", "--target", &url]), LIMIT);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check));
    assert!(
        String::from_utf8_lossy(&check.stdout).contains("Result: clean"),
        "{}",
        text(&check)
    );

    // What Ctrl-C does in a terminal: SIGINT to every process of the foreground group.
    group.signal_group("INT");
    let output = group.wait_output(Duration::from_secs(20));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("mfa-contract mock: stopped after ") && stdout.contains("200 x"),
        "{}",
        text(&output)
    );
    assert!(
        !project.path().join("mock.url").exists(),
        "the ready file outlived the mock"
    );
}

#[test]
fn sigint_sent_to_the_launcher_alone_reaches_the_binary() {
    if !npm::available("sigint_sent_to_the_launcher_alone") {
        return;
    }
    let project = installed();
    // The launcher itself (node_modules/.bin), not npx: only its own process gets the signal.
    let launcher = project.path().join("node_modules/.bin/mfa-contract");
    let mut command = std::process::Command::new(&launcher);
    command
        .args(["mock", "--port", "0", "--ready-file", "mock.url"])
        .current_dir(project.path());
    let group = Group::spawn(&mut command);
    let url = ready_url(&project.path().join("mock.url"), Duration::from_secs(60));
    assert_eq!(post_passkey(&url).0, 200);
    npm::signal_pid(&group.id().to_string(), "INT");
    let output = group.wait_output(Duration::from_secs(20));
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("stopped after 1 requests: 200 x1"),
        "{}",
        text(&output)
    );
}

#[test]
fn the_launcher_passes_arguments_and_exit_codes_through() {
    if !npm::available("the_launcher_passes_exit_codes") {
        return;
    }
    let project = installed();
    // 3: the environment (nothing listens on port 1).
    let unreachable = npm::run(
        &mut project.npx(&["check", "--target", "http://127.0.0.1:1", "--timeout", "2"]),
        LIMIT,
    );
    assert_eq!(unreachable.status.code(), Some(3), "{}", text(&unreachable));
    // 2: a usage error, with clap's message through stderr.
    let usage = npm::run(&mut project.npx(&["check", "--no-such-flag"]), LIMIT);
    assert_eq!(usage.status.code(), Some(2), "{}", text(&usage));
    assert!(String::from_utf8_lossy(&usage.stderr).contains("--no-such-flag"));
    // Arguments with spaces and quotes arrive as they were given.
    let export = project.path().join("a folder with spaces");
    let exported = npm::run(
        &mut project.npx(&["contract", "export", export.to_str().expect("utf-8")]),
        LIMIT,
    );
    assert_eq!(exported.status.code(), Some(0), "{}", text(&exported));
    assert!(export.join("schemas/contract.json").is_file());
}

#[test]
fn without_the_platform_package_the_launcher_says_which_platform_and_what_to_do() {
    if !npm::available("without_the_platform_package") {
        return;
    }
    let project = Project::offline(&[&packed().launcher], &["--omit=optional"]);
    let output = npm::run(&mut project.npx(&["--version"]), LIMIT);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    let platform = npm::npm_platform();
    assert!(
        err.contains(&format!("this platform ({platform}) is not installed")),
        "{err}"
    );
    assert!(err.contains("--omit=optional"), "{err}");
    assert!(
        err.contains(&format!(
            "npm install @mfa-contract/{platform}@{}",
            env!("CARGO_PKG_VERSION")
        )),
        "{err}"
    );
    assert!(err.contains("#install"), "{err}");
}

#[test]
fn on_a_platform_without_a_prebuilt_binary_the_launcher_lists_those_that_have_one() {
    if !npm::available("on_a_platform_without_a_prebuilt_binary") {
        return;
    }
    let project = Project::offline(&[&packed().launcher], &["--omit=optional"]);
    // Node on a 32-bit x86 machine, as far as the launcher can tell.
    std::fs::write(
        project.path().join("ia32.cjs"),
        "Object.defineProperty(process, 'arch', { value: 'ia32' });\n",
    )
    .expect("preload");
    let launcher = project
        .path()
        .join("node_modules/mfa-contract/bin/mfa-contract.js");
    let output = npm::run(
        std::process::Command::new("node")
            .args(["--require", "./ia32.cjs"])
            .arg(&launcher)
            .arg("--version")
            .current_dir(project.path()),
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    let err = String::from_utf8_lossy(&output.stderr);
    let os = npm::npm_platform();
    let os = os.split('-').next().expect("os");
    assert!(
        err.contains(&format!("no prebuilt binary for this platform ({os}-ia32)")),
        "{err}"
    );
    assert!(
        err.contains("darwin-arm64, darwin-x64, linux-arm64, linux-x64, win32-x64"),
        "{err}"
    );
    assert!(err.contains("cargo install mfa-contract"), "{err}");
}

#[test]
fn the_packages_carry_the_version_license_and_repository_of_cargo_toml() {
    if !npm::available("the_packages_carry_the_version") {
        return;
    }
    let project = installed();
    let manifest = |dir: &str| -> serde_json::Value {
        let path = project
            .path()
            .join("node_modules")
            .join(dir)
            .join("package.json");
        serde_json::from_str(&std::fs::read_to_string(path).expect("package.json")).expect("JSON")
    };
    let launcher = manifest("mfa-contract");
    let platform = manifest(&format!("@mfa-contract/{}", npm::npm_platform()));
    let repository = format!("git+{}.git", env!("CARGO_PKG_REPOSITORY"));
    for package in [&launcher, &platform] {
        assert_eq!(package["version"], env!("CARGO_PKG_VERSION"));
        assert_eq!(package["license"], env!("CARGO_PKG_LICENSE"));
        assert_eq!(package["repository"]["url"], repository.as_str());
    }
    let (os, cpu) = npm::npm_platform()
        .split_once('-')
        .map(|(o, c)| (o.to_owned(), c.to_owned()))
        .expect("os-cpu");
    assert_eq!(platform["os"], serde_json::json!([os]));
    assert_eq!(platform["cpu"], serde_json::json!([cpu]));
    // One optional dependency per release target, each pinned to this version.
    let optional = launcher["optionalDependencies"]
        .as_object()
        .expect("optionalDependencies");
    assert_eq!(optional.len(), crate::support::release_targets().len());
    assert!(optional.values().all(|v| v == env!("CARGO_PKG_VERSION")));
    assert!(Path::new(&project.path().join("node_modules/.bin/mfa-contract")).exists());
}

//! The frontend recipes of docs/mock.md, run as written (`tests/recipes/`, installed with the packed npm
//! packages and, from the registry, Vite and Playwright as its package-lock.json has them):
//! Vite's `server.proxy` forwards the app's call to the mock, Playwright's `webServer` starts
//! the mock and waits for its health URL, and the CI step starts it in the background, waits
//! for `--ready-file`, runs the e2e suite and stops it. docs/mock.md shows these files; the last
//! test checks that it still shows them as they are.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use crate::support::npm::{self, Group, Project, packed, ready_url, text};

const LIMIT: Duration = Duration::from_secs(180);

fn recipes() -> &'static Path {
    static DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/recipes");
    Path::new(DIR)
}

fn project() -> Project {
    let packed = packed();
    Project::copy_of(recipes(), &[&packed.launcher, &packed.platform])
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port()
}

#[test]
fn playwright_starts_the_mock_waits_for_its_health_url_and_the_tests_pass() {
    if !npm::available("playwright_starts_the_mock") {
        return;
    }
    let project = project();
    let port = free_port().to_string();
    let output = npm::run(
        Command::new("npx")
            .args(["--offline", "playwright", "test", "--reporter=line"])
            .env("MFA_CONTRACT_PORT", &port)
            .env("CI", "1")
            .current_dir(project.path()),
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("2 passed"),
        "{}",
        text(&output)
    );
    // Playwright stopped the mock it started: the port is free again.
    assert!(std::net::TcpListener::bind(("127.0.0.1", port.parse::<u16>().expect("port"))).is_ok());
}

/// `npx playwright test --config playwright.chaos.config.js` with `env`: its exit code and output.
fn chaos_run(project: &Project, env: &[(&str, &str)]) -> (Option<i32>, String) {
    let port = free_port().to_string();
    let output = npm::run(
        Command::new("npx")
            .args([
                "--offline",
                "playwright",
                "test",
                "--config",
                "playwright.chaos.config.js",
                "--reporter=line",
            ])
            .env("MFA_CONTRACT_PORT", &port)
            .env("CI", "1")
            .envs(env.iter().copied())
            .current_dir(project.path()),
        LIMIT,
    );
    (output.status.code(), text(&output))
}

#[test]
fn a_ui_test_under_chaos_passes_and_a_failing_run_prints_the_seed_that_replays_it() {
    if !npm::available("a_ui_test_under_chaos") {
        return;
    }
    let project = project();
    // The UI's retries ride out seed 4242's disturbances.
    let (code, output) = chaos_run(&project, &[("MFA_CONTRACT_CHAOS_SEED", "4242")]);
    assert_eq!(code, Some(0), "{output}");
    assert!(output.contains("1 passed"), "{output}");
    // Without retries the first disturbance fails the test, which names the seed...
    let env = [
        ("MFA_CONTRACT_CHAOS_SEED", "4242"),
        ("MFA_CONTRACT_RETRIES", "0"),
    ];
    let (code, failed) = chaos_run(&project, &env);
    assert_eq!(code, Some(1), "{failed}");
    assert!(
        failed.contains("replay with MFA_CONTRACT_CHAOS_SEED=4242 npx playwright test"),
        "{failed}"
    );
    let failing_call = |output: &str| {
        let at = output
            .find("Error: call ")
            .expect("the failing call is named");
        output[at..].split(" failed").next().map(str::to_owned)
    };
    // ...and the seed replays it: the same call fails again.
    let (code, replayed) = chaos_run(&project, &env);
    assert_eq!(code, Some(1), "{replayed}");
    assert_eq!(failing_call(&failed), failing_call(&replayed));
}

#[test]
fn vite_forwards_the_apps_call_to_the_mock() {
    if !npm::available("vite_forwards_the_apps_call") {
        return;
    }
    let project = project();
    let mock = Group::spawn(&mut project.npx(&["mock", "--port", "0", "--ready-file", "mock.url"]));
    let mock_url = ready_url(&project.path().join("mock.url"), Duration::from_secs(60));
    let port = free_port().to_string();
    let vite = Group::spawn(
        Command::new("node")
            .args([
                "node_modules/vite/bin/vite.js",
                "--host",
                "127.0.0.1",
                "--strictPort",
                "--port",
                &port,
            ])
            .env("MFA_CONTRACT_MOCK_URL", &mock_url)
            .current_dir(project.path()),
    );
    let vite_url = format!("http://127.0.0.1:{port}");
    let mut answer = None;
    for _ in 0..300 {
        let output = npm::run(
            Command::new("curl").args([
                "-sS",
                "-X",
                "POST",
                &format!("{vite_url}/mfa/primary"),
                "-H",
                "Authorization: Bearer vite-user",
                "-H",
                "Content-Type: application/json",
                "-d",
                r#"{"mfaType":"GOOGLE_AUTH"}"#,
            ]),
            Duration::from_secs(10),
        );
        if output.status.success() && !output.stdout.is_empty() {
            answer = Some(String::from_utf8_lossy(&output.stdout).into_owned());
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let answer = answer.expect("Vite answered within 30 s");
    assert!(answer.contains(r#""success":true"#), "{answer}");
    drop(vite);
    // The mock saw the call Vite forwarded.
    let shutdown = npm::run(
        Command::new("curl").args(["-sS", "-X", "POST", &format!("{mock_url}/__admin/shutdown")]),
        Duration::from_secs(10),
    );
    assert!(shutdown.status.success(), "{}", text(&shutdown));
    let output = mock.wait_output(Duration::from_secs(20));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("stopped after 1 requests: 200 x1"),
        "{}",
        text(&output)
    );
}

#[test]
fn the_ci_step_runs_the_e2e_suite_against_the_mock_and_stops_it() {
    if !npm::available("the_ci_step_runs") {
        return;
    }
    let project = project();
    let output = npm::run(
        Command::new("bash")
            .arg("ci-step.sh")
            .current_dir(project.path()),
        LIMIT,
    );
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("e2e: http://127.0.0.1:"), "{stdout}");
    assert!(
        stdout.contains("stopped after 1 requests: 200 x1"),
        "{stdout}"
    );
}

#[test]
fn the_mock_docs_show_the_chaos_recipe_as_it_is_run() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mock.md"))
            .expect("docs/mock.md");
    let shown: Vec<&str> = readme.lines().map(str::trim).collect();
    let mut checked = 0;
    for file in ["playwright.chaos.config.js", "chaos.spec.js"] {
        let recipe = std::fs::read_to_string(recipes().join(file)).expect("recipe");
        for line in recipe
            .lines()
            .map(str::trim)
            .filter(|l| !l.starts_with("//"))
            .filter(|l| l.contains("MFA_CONTRACT_CHAOS_SEED") || l.contains("--chaos"))
        {
            assert!(
                shown.contains(&line),
                "docs/mock.md does not show this line of {file}: {line}"
            );
            checked += 1;
        }
    }
    assert!(
        checked >= 4,
        "the seed and the flags are shown ({checked} lines)"
    );
}

#[test]
fn the_mock_reference_shows_the_recipes_as_they_are_run() {
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mock.md"))
        .expect("docs/mock.md");
    for file in [
        "vite.config.js",
        "playwright.config.js",
        "ci-step.sh",
        "playwright.chaos.config.js",
        "chaos.spec.js",
    ] {
        let recipe = std::fs::read_to_string(recipes().join(file)).expect("recipe");
        for line in recipe
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("set -"))
        {
            assert!(
                docs.lines().any(|r| r.trim() == line),
                "docs/mock.md does not show this line of tests/recipes/{file}: {line}"
            );
        }
    }
}

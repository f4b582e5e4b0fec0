//! The examples in README.md and docs/*.md, run: a fenced block preceded by `<!-- example: mock
//! -->` runs against a fresh mock on a free port (its `localhost:4010` and `127.0.0.1:4010`
//! rewritten to it), `<!-- example: standalone -->` without one. Each `$ ` line is a command,
//! run through bash with `mfa-contract` on the PATH; the lines after it are what it must print,
//! and it must exit 0 (a command meant to fail shows its status with `; echo "exit $?"`).
//! Ports, times, latencies and durations are compared as placeholders; a `...` line stands for
//! any number of lines.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::Process;
use crate::support::npm::{run, text};

#[derive(Debug)]
struct Example {
    file: String,
    line: usize,
    needs_mock: bool,
    steps: Vec<Step>,
}

#[derive(Debug)]
struct Step {
    command: String,
    expected: Vec<String>,
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn documents() -> Vec<PathBuf> {
    let mut files = vec![root().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(root().join("docs"))
        .expect("docs/")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

/// The marked blocks of one document.
fn examples(path: &Path) -> Vec<Example> {
    let text = std::fs::read_to_string(path).expect("document");
    let file = path
        .strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string();
    let lines: Vec<&str> = text.lines().collect();
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let needs_mock = match line.trim() {
            "<!-- example: mock -->" => true,
            "<!-- example: standalone -->" => false,
            _ => continue,
        };
        let start = i + 2;
        assert!(
            lines.get(i + 1).is_some_and(|l| l.starts_with("```")),
            "{file}:{}: an example marker must sit right above a fenced block",
            i + 1
        );
        let end = (start..lines.len())
            .find(|&j| lines[j].starts_with("```"))
            .unwrap_or_else(|| panic!("{file}:{}: the block never closes", i + 1));
        found.push(Example {
            file: file.clone(),
            line: i + 1,
            needs_mock,
            steps: steps(&lines[start..end]),
        });
    }
    found
}

fn steps(block: &[&str]) -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    let mut continued = false;
    for line in block {
        if let Some(command) = line.strip_prefix("$ ") {
            steps.push(Step {
                command: command.to_owned(),
                expected: Vec::new(),
            });
            continued = command.ends_with('\\');
        } else if continued && let Some(step) = steps.last_mut() {
            step.command.push('\n');
            step.command.push_str(line);
            continued = line.ends_with('\\');
        } else if let Some(step) = steps.last_mut() {
            step.expected.push((*line).to_owned());
        }
    }
    steps
}

/// Ports, times, latencies and durations as placeholders, in what is shown and what ran.
fn normalize(text: &str, port: Option<u16>) -> String {
    let mut text = text.to_owned();
    if let Some(port) = port {
        text = text.replace(&format!(":{port}"), ":4010");
    }
    let rules = [
        (r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", "<time>"),
        (r"latency_ms=[\d.]+", "latency_ms=<ms>"),
        (r#""latencyMs":[\d.]+"#, r#""latencyMs":<ms>"#),
        (r#""receivedAtMs":\d+"#, r#""receivedAtMs":<ms>"#),
        (r"\([\d.]+s\)", "(<s>)"),
        (r"in [\d.]+ s\b", "in <s> s"),
        (r"\([\d,]+ cases/s\)", "(<n> cases/s)"),
    ];
    for (pattern, replacement) in rules {
        let pattern = regex_lite::Regex::new(pattern).expect("pattern");
        text = pattern.replace_all(&text, replacement).into_owned();
    }
    text
}

/// `mfa-contract` on the PATH: the binary under test.
fn bin_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::os::unix::fs::symlink(
        env!("CARGO_BIN_EXE_mfa-contract"),
        dir.path().join("mfa-contract"),
    )
    .expect("symlink");
    dir
}

fn check(example: &Example, bin: &Path) {
    let mock = example.needs_mock.then(|| Process::mock(&[]));
    let port = mock.as_ref().map(|m| {
        url::Url::parse(&m.url)
            .expect("mock url")
            .port()
            .expect("port")
    });
    let work = tempfile::tempdir().expect("work dir");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for step in &example.steps {
        let command = match port {
            Some(port) => step
                .command
                .replace("localhost:4010", &format!("127.0.0.1:{port}"))
                .replace("127.0.0.1:4010", &format!("127.0.0.1:{port}")),
            None => step.command.clone(),
        };
        let output = run(
            Command::new("bash")
                .args(["-c", &command])
                .env("PATH", &path)
                .env_remove("MFA_CONTRACT_TOKEN")
                .current_dir(work.path()),
            Duration::from_secs(60),
        );
        let printed = normalize(&String::from_utf8_lossy(&output.stdout), port);
        let mut printed: Vec<&str> = printed.lines().collect();
        let mut shown: Vec<String> = step.expected.iter().map(|l| normalize(l, None)).collect();
        // A blank line after an output is layout, not output.
        while printed.last().is_some_and(|l| l.trim().is_empty()) {
            printed.pop();
        }
        while shown.last().is_some_and(|l| l.trim().is_empty()) {
            shown.pop();
        }
        let at = format!("{}:{} `{}`", example.file, example.line, step.command);
        // A command that is meant to fail shows its status (`; echo "exit $?"`); any other
        // must succeed, not merely print the right lines.
        assert!(
            output.status.success(),
            "{at} exited with {}:\n{}",
            output.status,
            text(&output)
        );
        assert!(
            matches(&shown, &printed),
            "{at} printed something else.\n--- shown\n{}\n--- printed\n{}\n{}",
            shown.join("\n"),
            printed.join("\n"),
            text(&output)
        );
    }
}

/// Whether `printed` is `shown`, where a `...` line in `shown` stands for any lines.
fn matches(shown: &[String], printed: &[&str]) -> bool {
    match shown.split_first() {
        None => printed.is_empty(),
        Some((first, rest)) if first.trim() == "..." => {
            (0..=printed.len()).any(|skip| matches(rest, &printed[skip..]))
        }
        Some((first, rest)) => printed
            .split_first()
            .is_some_and(|(line, more)| first.trim_end() == line.trim_end() && matches(rest, more)),
    }
}

#[test]
fn every_marked_example_prints_what_the_documentation_shows() {
    let bin = bin_dir();
    let examples: Vec<Example> = documents().iter().flat_map(|p| examples(p)).collect();
    assert!(
        examples.len() >= 8,
        "the documentation runs only {} examples",
        examples.len()
    );
    for example in &examples {
        assert!(
            !example.steps.is_empty(),
            "{}:{}: no `$ ` command",
            example.file,
            example.line
        );
        check(example, bin.path());
    }
}

#[test]
fn a_dots_line_skips_lines_and_anything_else_must_match() {
    let shown = |lines: &[&str]| lines.iter().map(|l| (*l).to_owned()).collect::<Vec<_>>();
    assert!(matches(&shown(&["a", "...", "d"]), &["a", "b", "c", "d"]));
    assert!(matches(&shown(&["a", "..."]), &["a"]));
    assert!(!matches(&shown(&["a", "d"]), &["a", "b", "d"]));
    assert!(!matches(&shown(&["a", "...", "e"]), &["a", "b", "d"]));
    assert_eq!(
        normalize(
            "at http://127.0.0.1:40123 in 0.10 s (1551 cases/s)",
            Some(40123)
        ),
        "at http://127.0.0.1:4010 in <s> s (<n> cases/s)"
    );
}

//! The release pipeline's configuration agrees with itself: the targets cargo-dist builds are
//! the ones the npm packages and the Action know, `cargo binstall`'s metadata names the archives
//! cargo-dist writes, and the repository URL is written in Cargo.toml only. The workflows and
//! the Dockerfile are linted in CI by actionlint and hadolint.
//!
//! `tests/data/dist-manifest.json` is cargo-dist's own account of its archives, regenerated when
//! the targets change: `dist manifest --artifacts=all --output-format=json --no-local-paths |
//! jq '{artifacts: (.artifacts | with_entries(select(.value.kind == "executable-zip")))}'`.

use std::path::Path;

use crate::support::release_targets;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn toml(rel: &str) -> toml_edit::DocumentMut {
    read(rel)
        .parse()
        .unwrap_or_else(|e| panic!("{rel} is not TOML: {e}"))
}

/// The target triple on each line of `text` that holds `marker`: the first word that looks like
/// one (`x86_64-unknown-linux-musl`), quotes and shell syntax around it ignored.
fn triples(text: &str, marker: &str) -> Vec<String> {
    let mut found: Vec<String> = text
        .lines()
        .filter(|line| line.contains(marker))
        .filter_map(|line| {
            line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
                .find(|word| word.matches('-').count() >= 2)
                .map(str::to_owned)
        })
        .collect();
    found.sort();
    found
}

#[test]
fn npm_and_the_action_know_exactly_the_targets_cargo_dist_builds() {
    let targets = release_targets();
    assert_eq!(targets.len(), 5, "{targets:?}");
    let npm = triples(&read("npm/stage.mjs"), "': { os: '");
    assert_eq!(npm, targets, "npm/stage.mjs PLATFORMS");
    let action = triples(&read(".github/action/install.sh"), ") echo ");
    assert_eq!(action, targets, ".github/action/install.sh target_triple");
    let manifest: serde_json::Value =
        serde_json::from_str(&read("tests/data/dist-manifest.json")).expect("manifest JSON");
    let mut built: Vec<String> = manifest["artifacts"]
        .as_object()
        .expect("artifacts")
        .values()
        .filter(|a| a["kind"] == "executable-zip")
        .flat_map(|a| a["target_triples"].as_array().expect("triples").clone())
        .map(|t| t.as_str().expect("triple").to_owned())
        .collect();
    built.sort();
    assert_eq!(
        built, targets,
        "the archives in tests/data/dist-manifest.json"
    );
}

/// binstall's template with `{ name }`-style placeholders filled in.
fn render(template: &str, fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .fold(template.to_owned(), |text, (key, value)| {
            text.replace(&format!("{{ {key} }}"), value)
        })
}

#[test]
fn cargo_binstall_metadata_names_each_archive_and_the_binary_inside_it() {
    let cargo = toml("Cargo.toml");
    let binstall = &cargo["package"]["metadata"]["binstall"];
    let manifest: serde_json::Value =
        serde_json::from_str(&read("tests/data/dist-manifest.json")).expect("manifest JSON");
    let repo = env!("CARGO_PKG_REPOSITORY");
    for target in release_targets() {
        let overrides = binstall
            .get("overrides")
            .and_then(|o| o.get(target.as_str()));
        let field = |key: &str| {
            overrides
                .and_then(|o| o.get(key))
                .or_else(|| binstall.get(key))
                .and_then(|v| v.as_str())
                .unwrap_or_else(|| panic!("binstall {key} for {target}"))
                .to_owned()
        };
        let (suffix, binary_ext) = match field("pkg-fmt").as_str() {
            "txz" => (".tar.xz", ""),
            "zip" => (".zip", ".exe"),
            other => panic!("{target}: pkg-fmt {other}"),
        };
        let fields = [
            ("repo", repo),
            ("name", "mfa-contract"),
            ("bin", "mfa-contract"),
            ("version", env!("CARGO_PKG_VERSION")),
            ("target", target.as_str()),
            ("archive-suffix", suffix),
            ("binary-ext", binary_ext),
        ];
        let url = render(&field("pkg-url"), &fields);
        let archive = url.rsplit('/').next().expect("file name");
        assert_eq!(
            url,
            format!(
                "{repo}/releases/download/v{}/{archive}",
                env!("CARGO_PKG_VERSION")
            )
        );
        let artifact = &manifest["artifacts"][archive];
        assert_eq!(artifact["target_triples"][0], target.as_str(), "{archive}");
        let executable = artifact["assets"]
            .as_array()
            .expect("assets")
            .iter()
            .find(|a| a["kind"] == "executable")
            .expect("an executable in the archive");
        // cargo-dist puts a tarball's files in a folder named after it; a zip's at its root.
        let inside = match suffix {
            ".zip" => executable["path"].as_str().expect("path").to_owned(),
            _ => format!(
                "{}/{}",
                archive.trim_end_matches(suffix),
                executable["path"].as_str().expect("path")
            ),
        };
        assert_eq!(render(&field("bin-dir"), &fields), inside, "{target}");
    }
}

#[test]
fn the_repository_url_is_written_in_cargo_toml_and_only_quoted_in_docs() {
    let url = env!("CARGO_PKG_REPOSITORY");
    assert!(url.starts_with("https://github.com/"), "{url}");
    let listed = std::process::Command::new("git")
        .args(["ls-files", "--cached", "--others", "--exclude-standard"])
        .current_dir(root())
        .output()
        .expect("git ls-files");
    if !listed.status.success() {
        crate::support::skipped("the_repository_url_is_written_once", "not a git checkout");
        return;
    }
    let owner_and_name = url.trim_start_matches("https://github.com/");
    let mut naming = Vec::new();
    for file in String::from_utf8_lossy(&listed.stdout).lines() {
        let Ok(text) = std::fs::read_to_string(root().join(file)) else {
            continue;
        };
        if text.contains(owner_and_name) {
            naming.push(file.to_owned());
        }
    }
    naming.sort();
    // Everything that runs reads Cargo.toml; the documentation quotes it (install commands, the
    // Action, the image), and must then say what Cargo.toml says.
    let (docs, code): (Vec<String>, Vec<String>) = naming
        .into_iter()
        .partition(|f| f == "README.md" || (f.starts_with("docs/") && f.ends_with(".md")));
    assert_eq!(
        code,
        ["Cargo.toml"],
        "files other than the docs that name {url}"
    );
    assert!(docs.contains(&"README.md".to_owned()), "{docs:?}");
    let readme = read("README.md");
    for installer in ["mfa-contract-installer.sh", "mfa-contract-installer.ps1"] {
        let line = format!("{url}/releases/latest/download/{installer}");
        assert!(readme.contains(&line), "README.md does not show {line}");
    }
    assert!(readme.contains(&format!(
        "uses: {owner_and_name}@v{}",
        env!("CARGO_PKG_VERSION")
    )));
}

#[test]
fn the_release_workflow_was_generated_by_the_configured_dist_and_calls_our_jobs() {
    // CI cannot run cargo-dist (a 15-minute build); `dist plan` refuses a stale release.yml
    // where it can. Here: the version it was generated with, and the jobs it calls.
    let config = toml("dist-workspace.toml");
    let version = config["dist"]["cargo-dist-version"]
        .as_str()
        .expect("cargo-dist-version");
    let workflow = read(".github/workflows/release.yml");
    assert!(
        workflow.contains(&format!("cargo-dist/releases/download/v{version}/")),
        "release.yml was not generated by cargo-dist {version}: run `dist generate`"
    );
    let jobs = config["dist"]["publish-jobs"]
        .as_array()
        .expect("publish-jobs");
    for job in jobs.iter().filter_map(|j| j.as_str()?.strip_prefix("./")) {
        assert!(
            workflow.contains(&format!(".github/workflows/{job}.yml")),
            "release.yml does not call {job}: run `dist generate`"
        );
        assert!(
            root()
                .join(format!(".github/workflows/{job}.yml"))
                .is_file()
        );
    }
}

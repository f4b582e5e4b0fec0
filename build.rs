//! Embeds `schemas/` and `fixtures/` in the binary, so `mfa-contract` works from any directory.
//! A generated list of `include_bytes!` keeps the embedded copy byte-for-byte what is on disk.

use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

const EMBEDDED_DIRS: [&str; 2] = ["schemas", "fixtures"];

fn main() {
    let root = env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let root = Path::new(&root);
    let mut files = Vec::new();
    for dir in EMBEDDED_DIRS {
        // A directory makes cargo rerun this script when any file under it changes or appears.
        println!("cargo:rerun-if-changed={dir}");
        collect(root, &root.join(dir), &mut files);
    }
    files.sort();
    let mut out = String::from("pub static FILES: &[(&str, &[u8])] = &[\n");
    for rel in &files {
        let abs = root.join(rel);
        writeln!(out, "    ({rel:?}, include_bytes!({:?})),", abs.display())
            .expect("write to String");
    }
    out.push_str("];\n");
    let out_dir = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    fs::write(Path::new(&out_dir).join("embedded.rs"), out).expect("OUT_DIR is writable");
}

fn collect(root: &Path, dir: &Path, files: &mut Vec<String>) {
    let entries =
        fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for entry in entries {
        let path = entry.expect("readable directory entry").path();
        if path.is_dir() {
            collect(root, &path, files);
        } else {
            let rel = path.strip_prefix(root).expect("under the crate root");
            files.push(rel.to_string_lossy().replace('\\', "/"));
        }
    }
}

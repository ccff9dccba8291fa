//! Embeds every rule page under `rules/` so `bundlelint rule ID`, SARIF help and the meta-tests
//! read the same text the repository shows.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"));
    let rules = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    let mut pages = Vec::new();
    collect(&rules, &mut pages);
    pages.sort();
    let mut out = String::from(
        "/// Every rule page: (path relative to `rules/`, contents).\npub const PAGES: &[(&str, &str)] = &[\n",
    );
    for page in &pages {
        let relative = page.strip_prefix(&rules).expect("page under rules/").to_string_lossy().replace('\\', "/");
        println!("cargo:rerun-if-changed={}", page.display());
        writeln!(out, "    ({relative:?}, include_str!({:?})),", page.display().to_string()).expect("write to string");
    }
    out.push_str("];\n");
    let dest = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("rule_pages.rs");
    std::fs::write(dest, out).expect("OUT_DIR is writable");
}

/// Markdown pages in `dir` and below, except the index (`README.md`) and data files.
fn collect(dir: &Path, pages: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect(&path, pages);
        } else if path.extension().is_some_and(|e| e == "md") && path.file_name().is_some_and(|n| n != "README.md") {
            pages.push(path);
        }
    }
}

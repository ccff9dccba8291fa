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
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out_dir.join("rule_pages.rs"), out).expect("OUT_DIR is writable");
    std::fs::write(out_dir.join("rule_ids.rs"), rule_ids(&pages)).expect("OUT_DIR is writable");
}

/// One `RuleId` constant per page, named after the page's file (`notary-unsigned-code.md` →
/// `NOTARY_UNSIGNED_CODE`): a finding can only name a rule that has a page.
fn rule_ids(pages: &[PathBuf]) -> String {
    let mut ids: Vec<String> = pages
        .iter()
        .filter(|p| p.parent().and_then(Path::file_name).is_some_and(|d| d != "data"))
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    ids.sort();
    let mut out = String::new();
    for id in &ids {
        let name = id.to_uppercase().replace('-', "_");
        writeln!(out, "/// `{id}`\npub const {name}: RuleId = RuleId({id:?});").expect("write to string");
    }
    out.push_str("/// Every rule id, sorted.\npub const ALL: &[RuleId] = &[\n");
    for id in &ids {
        writeln!(out, "    {},", id.to_uppercase().replace('-', "_")).expect("write to string");
    }
    out.push_str("];\n");
    out
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

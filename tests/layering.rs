//! The modules of the library depend on each other in one direction only: input is read, parsed,
//! assembled into the model, analysed, judged by the rules and reported. A module may use the
//! modules listed before it in [`LAYERS`], never one after it. ARCHITECTURE.md describes the same
//! order; this test keeps the code to it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// Every top-level module, lowest first.
const LAYERS: &[&str] = &[
    // Shared vocabulary.
    "rule_id",
    "problem",
    "real_corpus",
    "time",
    "progress",
    // Parsers: bytes to facts.
    "macho",
    "plist",
    "codesign",
    "entitlements",
    "profile",
    "seal",
    // Findings and the rule pages.
    "finding",
    "catalog",
    // Reading an input and finding its code.
    "input",
    "discover",
    // The model: every item with its parsed facts.
    "model",
    // Analysis: what the product as a whole implies.
    "trust",
    "verify",
    "analysis",
    // Rules and running them.
    "settings",
    "checks",
    "engine",
    // Output and configuration.
    "report",
    "config",
    // The library's front door.
    "api",
];

/// Root-level re-exports of `lib.rs`, and the module each comes from.
const ROOT_ITEMS: &[(&str, &str)] = &[("Problem", "problem")];

fn source_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            source_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The module path of a file below `src/`: `checks/library/mod.rs` is `[checks, library]`.
fn module_path(relative: &Path) -> Vec<String> {
    let mut parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let last = parts.pop().unwrap_or_default();
    if last != "mod.rs" {
        parts.push(last.trim_end_matches(".rs").to_owned());
    }
    parts
}

/// The top-level modules a path names when it starts right after `crate::` (or after enough
/// `super::` to reach the crate root): `checks`, or each head of `{input::join, model}`.
fn heads(rest: &str) -> Vec<String> {
    let rest = rest.trim_start();
    if let Some(group) = rest.strip_prefix('{') {
        let mut depth = 0usize;
        let mut names = Vec::new();
        let mut current = String::new();
        let mut at_head = true;
        for c in group.chars() {
            match c {
                '{' => depth += 1,
                '}' if depth == 0 => break,
                '}' => depth -= 1,
                ',' if depth == 0 => {
                    if !current.is_empty() {
                        names.push(std::mem::take(&mut current));
                    }
                    at_head = true;
                }
                ':' if depth == 0 => {
                    if !current.is_empty() {
                        names.push(std::mem::take(&mut current));
                    }
                    at_head = false;
                }
                c if depth == 0 && at_head && (c.is_alphanumeric() || c == '_') => current.push(c),
                _ => {}
            }
        }
        if !current.is_empty() {
            names.push(current);
        }
        names.retain(|n| n != "self");
        return names;
    }
    let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    if name.is_empty() {
        Vec::new()
    } else {
        vec![name]
    }
}

/// Top-level modules `line` refers to, from a file at module path `module`.
fn references(line: &str, module: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for (at, _) in line.match_indices("crate::") {
        // `bundlelint::crate::` does not exist; `$crate::` is a macro's, also the crate root.
        found.extend(heads(&line[at + "crate::".len()..]));
    }
    // `super::` chains that climb to the crate root.
    let mut search = 0;
    while let Some(offset) = line[search..].find("super::") {
        let start = search + offset;
        let preceded_by_path = line[..start].ends_with("::");
        let mut depth = 0;
        let mut rest = &line[start..];
        while let Some(r) = rest.strip_prefix("super::") {
            depth += 1;
            rest = r;
        }
        // Inside an inline module (`mod tests { use super::…; }`) the same chain stays in the
        // file's module: only names that are top-level modules count.
        if !preceded_by_path && depth >= module.len() {
            found.extend(
                heads(rest)
                    .into_iter()
                    .filter(|n| LAYERS.contains(&n.as_str()) || ROOT_ITEMS.iter().any(|(item, _)| item == n)),
            );
        }
        search = line.len() - rest.len();
    }
    found
        .into_iter()
        .map(|name| ROOT_ITEMS.iter().find(|(item, _)| *item == name).map_or(name, |(_, m)| m.to_string()))
        .collect()
}

#[test]
fn modules_depend_only_on_the_layers_below() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let declared: BTreeSet<String> = std::fs::read_to_string(src.join("lib.rs"))
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod ").or_else(|| l.trim().strip_prefix("mod ")))
        .map(|m| m.trim_end_matches(';').to_owned())
        .collect();
    let listed: BTreeSet<String> = LAYERS.iter().map(|s| s.to_string()).collect();
    assert_eq!(declared, listed, "every top-level module of lib.rs has its place in LAYERS");

    // The command line (`main.rs` and the modules it declares) sits above the library.
    let binary: BTreeSet<String> = std::fs::read_to_string(src.join("main.rs"))
        .unwrap()
        .lines()
        .filter_map(|l| l.trim().strip_prefix("mod "))
        .map(|m| m.trim_end_matches(';').to_owned())
        .collect();
    let rank = |name: &str| LAYERS.iter().position(|l| *l == name);
    let mut upward = Vec::new();
    for file in &files {
        let relative = file.strip_prefix(&src).unwrap();
        if relative == Path::new("lib.rs") || relative == Path::new("main.rs") {
            continue;
        }
        if binary.contains(&module_path(relative)[0]) {
            continue;
        }
        let module = module_path(relative);
        let own = &module[0];
        let own_rank = rank(own).unwrap_or_else(|| panic!("{} is in no layer", relative.display()));
        let text = std::fs::read_to_string(file).unwrap();
        for (number, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            for target in references(code, &module) {
                if target == *own {
                    continue;
                }
                match rank(&target) {
                    Some(r) if r < own_rank => {}
                    Some(_) => upward.push(format!("src/{}:{}: {own} uses {target}", relative.display(), number + 1)),
                    // A name that is no module (a macro, a root item not listed) is looked at by hand.
                    None => {
                        upward.push(format!("src/{}:{}: `{target}` is no known module", relative.display(), number + 1))
                    }
                }
            }
        }
    }
    assert!(upward.is_empty(), "dependencies against the layer order:\n{}", upward.join("\n"));
}

#[test]
fn references_are_read_from_paths_groups_and_super() {
    let module = vec!["checks".to_owned(), "library".to_owned()];
    assert_eq!(references("use crate::{input::{join, parent}, macho::DylibKind};", &module), ["input", "macho"]);
    assert_eq!(references("let x = crate::model::Scan::open(p);", &module), ["model"]);
    assert_eq!(references("use super::super::engine::Outcome;", &module), ["engine"]);
    assert!(references("use super::Rule;", &module).is_empty(), "super:: inside checks stays in checks");
    assert_eq!(references("use super::{model::Scan, Rule};", &["checks".to_owned()]), ["model"]);
    assert_eq!(references("fn f() -> crate::Problem", &module), ["problem"]);
}

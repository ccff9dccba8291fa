//! Library loading: what each executable links, resolved the way dyld does inside the product.

mod team_mismatch;
mod unresolved_dependency;

use super::{ItemView, Rule, SliceView};
use crate::input::{join, parent};
use crate::macho::DylibKind;

pub static RULES: &[&Rule] = &[&team_mismatch::RULE, &unresolved_dependency::RULE];

/// Where a load command's path leads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// A file of the operating system (`/System/…`, `/usr/lib/…`): not shipped, not checked.
    System,
    /// A file inside the input, by tree path (symlinks resolved).
    Bundled(String),
    /// `@rpath`/`@executable_path`/`@loader_path` that names no file in the input.
    Missing { tried: Vec<String> },
    /// An absolute path outside the OS (`/usr/local/…`, `/opt/homebrew/…`, a build directory).
    OutsideOs,
    /// A relative reference in code that is not inside a bundle: nothing to resolve against.
    Unknown,
}

fn is_system(path: &str) -> bool {
    path.starts_with("/System/") || path.starts_with("/usr/lib/") || path.starts_with("/Library/Apple/")
}

/// Substitutes `@executable_path` and `@loader_path` in `path`, giving a tree path. The token may
/// stand alone: an `LC_RPATH` of `@loader_path/` is trimmed to `@loader_path` before this.
fn substitute(path: &str, executable_dir: &str, loader_dir: &str) -> Option<String> {
    [("@executable_path", executable_dir), ("@loader_path", loader_dir)].into_iter().find_map(|(token, dir)| {
        let rest = path.strip_prefix(token)?;
        if rest.is_empty() {
            Some(dir.to_owned())
        } else {
            rest.strip_prefix('/').map(|rest| join(dir, rest))
        }
    })
}

/// `MH_EXECUTE`: a file that runs as a process of its own.
const MH_EXECUTE: u32 = 2;

/// The main executable whose process loads code in `item` (what `@executable_path` means): the
/// item itself when it is an executable — an app, helper tool, XPC service, extension — else the
/// nearest enclosing executable, since frameworks, dylibs and plug-ins run inside their host.
pub fn host_executable<'a>(item: &ItemView<'a>) -> Option<&'a str> {
    let mut cursor = Some(*item);
    while let Some(i) = cursor {
        if i.slices().iter().any(|s| s.slice.file_type == MH_EXECUTE) || i.item.parent.is_none() {
            return Some(i.code_path());
        }
        cursor = i.parent();
    }
    None
}

/// Resolves `name` as loaded by `slice` (whose process runs `executable`), with dyld's rules:
/// `@executable_path`, `@loader_path`, and `@rpath` expanded with the loader's `LC_RPATH`s.
pub fn resolve(slice: &SliceView<'_>, executable: &str, name: &str) -> Resolution {
    if is_system(name) {
        return Resolution::System;
    }
    let tree = &slice.item.scan.tree;
    let loader = slice.item.code_path();
    let in_bundle = slice.item.item.bundle.is_some() || slice.item.item.parent.is_some();
    if name.starts_with('/') {
        return Resolution::OutsideOs;
    }
    if !in_bundle {
        return Resolution::Unknown;
    }
    let (exe_dir, loader_dir) = (parent(executable), parent(loader));
    let candidates: Vec<String> = if let Some(rest) = name.strip_prefix("@rpath/") {
        slice
            .slice
            .rpaths
            .iter()
            .filter_map(|rp| {
                if is_system(rp) || rp.starts_with('/') {
                    return None;
                }
                substitute(rp.trim_end_matches('/'), exe_dir, loader_dir).map(|d| join(&d, rest))
            })
            .collect()
    } else {
        substitute(name, exe_dir, loader_dir).into_iter().collect()
    };
    for c in &candidates {
        if let Some(found) = tree.resolve(c).filter(|p| tree.file(p).is_some()) {
            return Resolution::Bundled(found);
        }
    }
    Resolution::Missing { tried: candidates }
}

/// Whether a dependency must be present for the process to start.
pub fn required(kind: DylibKind) -> bool {
    !matches!(kind, DylibKind::Weak)
}

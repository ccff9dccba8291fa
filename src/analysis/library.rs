//! Library resolution: where each load command of an executable leads inside the product, the
//! way dyld resolves `@rpath`, `@executable_path` and `@loader_path`.

use crate::input::{join, parent};
use crate::macho::DylibKind;
use crate::model::{ItemView, SliceView};

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

/// A directory an `LC_RPATH` names, expanded for the image that holds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SearchDir {
    /// A directory of the input, by tree path.
    Tree(String),
    /// An absolute directory of the user's Mac (`/usr/lib/swift`, `/opt/homebrew/lib`).
    Absolute(String),
}

/// The `LC_RPATH`s `rpaths` of file `loader`, in a process whose main executable is
/// `executable`, expanded: `@loader_path` is the loader's directory, `@executable_path` the main
/// executable's, and an absolute path stays as it is (`/usr/lib/swift`, where Swift
/// back-deployment libraries live).
pub fn search_dirs(rpaths: &[String], executable: &str, loader: &str) -> Vec<SearchDir> {
    rpaths
        .iter()
        .filter_map(|rp| {
            if rp.starts_with('/') {
                return Some(SearchDir::Absolute(rp.trim_end_matches('/').to_owned()));
            }
            substitute(rp.trim_end_matches('/'), parent(executable), parent(loader)).map(SearchDir::Tree)
        })
        .collect()
}

/// Resolves `name` as loaded by `slice` (whose process runs `executable`), with dyld's rules:
/// `@executable_path`, `@loader_path`, and `@rpath` expanded with the loader's own `LC_RPATH`s
/// and the main executable's.
pub fn resolve(slice: &SliceView<'_>, executable: &str, name: &str) -> Resolution {
    let loader = slice.item.code_path();
    let mut dirs = search_dirs(&slice.slice.rpaths, executable, loader);
    if executable != loader {
        let host = slice.item.scan.item_views().find(|i| i.code_path() == executable);
        for host_slice in host.map(|h| h.slices()).unwrap_or_default() {
            if host_slice.slice.arch == slice.slice.arch {
                dirs.extend(search_dirs(&host_slice.slice.rpaths, executable, executable));
            }
        }
    }
    resolve_in(&slice.item, executable, name, &dirs)
}

/// Resolves `name` as loaded by `item` (whose process runs `executable`), `@rpath` expanded with
/// `dirs`: the search directories of the whole loading chain, as dyld gathers them.
pub fn resolve_in(item: &ItemView<'_>, executable: &str, name: &str, dirs: &[SearchDir]) -> Resolution {
    if is_system(name) {
        return Resolution::System;
    }
    let tree = &item.scan.tree;
    let loader = item.code_path();
    let in_bundle = item.item.bundle.is_some() || item.item.parent.is_some();
    if name.starts_with('/') {
        return Resolution::OutsideOs;
    }
    if !in_bundle {
        return Resolution::Unknown;
    }
    let (exe_dir, loader_dir) = (parent(executable), parent(loader));
    let candidates: Vec<String> = if let Some(rest) = name.strip_prefix("@rpath/") {
        dirs.iter()
            .map(|dir| match dir {
                SearchDir::Tree(d) => join(d, rest),
                SearchDir::Absolute(d) => format!("{d}/{rest}"),
            })
            .collect()
    } else {
        substitute(name, exe_dir, loader_dir).into_iter().collect()
    };
    // In dyld's order: the first candidate that exists is loaded. The operating system's
    // directories are taken to hold what is asked of them.
    for c in &candidates {
        if is_system(c) {
            return Resolution::System;
        }
        if let Some(found) = tree.resolve(c).filter(|p| !c.starts_with('/') && tree.file(p).is_some()) {
            return Resolution::Bundled(found);
        }
    }
    let mut tried = candidates;
    tried.dedup();
    Resolution::Missing { tried }
}

/// Whether a dependency must be present for the process to start.
pub fn required(kind: DylibKind) -> bool {
    !matches!(kind, DylibKind::Weak)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpaths_expand_for_the_image_that_holds_them() {
        let rpaths: Vec<String> =
            ["/usr/lib/swift/", "@executable_path/../Frameworks", "@loader_path/", "relative/dir"]
                .map(String::from)
                .into();
        let dirs = search_dirs(&rpaths, "A.app/Contents/MacOS/A", "A.app/Contents/Frameworks/L.dylib");
        assert_eq!(
            dirs,
            [
                SearchDir::Absolute("/usr/lib/swift".into()),
                SearchDir::Tree("A.app/Contents/MacOS/../Frameworks".into()),
                SearchDir::Tree("A.app/Contents/Frameworks".into()),
            ]
        );
    }
}

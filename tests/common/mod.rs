//! Helpers shared by the command-line tests.

#![allow(dead_code)]

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use std::process::Command;

/// Runs the built binary: (exit code, stdout, stderr).
pub fn bundlelint(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_bundlelint")).args(args).output().expect("binary runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

// ---------------------------------------------------------------------------------------------
// the real-world corpus

/// The real-world items that came from package registries (npm, PyPI), kept in the repository.
pub const REAL: &str = "corpus/real";

/// The real-world items taken from public GitHub repositories are not kept in the repository:
/// tests read them from the shared corpus beside it, read-only, present in CI and absent from a
/// user's clone.
pub const SHARED_REAL: &str = "../shared/corpus/real";

/// The groups of `REAL`; the shared corpus holds copies of them too, which tests leave aside.
pub const VENDORED_GROUPS: [&str; 2] = ["mitmproxy-redirector", "small"];

/// Links the shared corpus delivers as small text files holding their targets (relative to
/// `SHARED_REAL`); `copy_tree` turns them back into links in a temporary copy.
const SHARED_LINKS: [&str; 9] = [
    "sparkle/Sparkle.framework/Autoupdate",
    "sparkle/Sparkle.framework/Headers",
    "sparkle/Sparkle.framework/Modules",
    "sparkle/Sparkle.framework/PrivateHeaders",
    "sparkle/Sparkle.framework/Resources",
    "sparkle/Sparkle.framework/Sparkle",
    "sparkle/Sparkle.framework/Updater.app",
    "sparkle/Sparkle.framework/Versions/Current",
    "sparkle/Sparkle.framework/XPCServices",
];

/// Whether `path` lies in the shared corpus's directory (`../shared/…`).
pub fn is_shared(path: &Path) -> bool {
    path.starts_with("../shared")
}

/// Whether `path` can be read: true unless it lies in the shared corpus and that corpus is absent,
/// in which case the test says on stderr what it skips.
pub fn available(path: &Path) -> bool {
    if !is_shared(path) || Path::new(SHARED_REAL).is_dir() {
        return true;
    }
    // Written to stderr directly rather than with `eprintln!`, which the test harness captures: the
    // skip shows even when the test passes.
    let _ = writeln!(
        std::io::stderr(),
        "skipping {}: {SHARED_REAL} is absent (it sits beside the repository in CI)",
        path.display()
    );
    false
}

/// A shared item by its path in the shared corpus (`santa/testdata`), or `None` (skip message
/// written) when the shared corpus is absent.
pub fn shared(path: &str) -> Option<PathBuf> {
    let full = Path::new(SHARED_REAL).join(path);
    available(&full).then_some(full)
}

/// A temporary copy of a shared item with its links rebuilt, for inputs whose links matter (a
/// versioned framework): (the directory to keep alive, the copy's path).
pub fn shared_copy(path: &str) -> Option<(tempfile::TempDir, PathBuf)> {
    let from = shared(path)?;
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(from.file_name().unwrap());
    copy_tree(&from, &copy);
    Some((dir, copy))
}

/// The facts of `FACTS.jsonl`, each with the corpus root its path is relative to: the
/// repository's own facts, then the shared corpus's facts about shared items (when present).
pub fn real_facts() -> Vec<(&'static str, serde_json::Value)> {
    let read = |root: &'static str| -> Vec<(&'static str, serde_json::Value)> {
        let text = std::fs::read_to_string(Path::new(root).join("FACTS.jsonl"))
            .unwrap_or_else(|e| panic!("{root}/FACTS.jsonl: {e}"));
        text.lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| (root, serde_json::from_str(l).expect("valid JSON line")))
            .collect()
    };
    let mut all = read(REAL);
    if available(Path::new(SHARED_REAL)) {
        all.extend(read(SHARED_REAL).into_iter().filter(|(_, fact)| {
            let group = fact["path"].as_str().unwrap_or("").split('/').next().unwrap_or("");
            !VENDORED_GROUPS.contains(&group)
        }));
    }
    all
}

/// Top-level inputs of the corpora: each entry of each corpus folder (and of the shared corpus's
/// items, when present).
pub fn corpus_inputs() -> Vec<PathBuf> {
    let mut all = Vec::new();
    let mut roots = vec![REAL, "corpus/generated"];
    if available(Path::new(SHARED_REAL)) {
        roots.push(SHARED_REAL);
    }
    for root in roots {
        for group in std::fs::read_dir(root).unwrap().flatten() {
            let path = group.path();
            if root == SHARED_REAL && (!path.is_dir() || VENDORED_GROUPS.iter().any(|g| group.file_name() == *g)) {
                continue;
            }
            if path.is_dir() {
                all.extend(std::fs::read_dir(&path).unwrap().flatten().map(|e| e.path()));
            } else {
                all.push(path);
            }
        }
    }
    all.sort();
    all
}

/// One change to the copied input. Paths are relative to the input's root directory.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, tag = "op", rename_all = "kebab-case")]
pub enum Edit {
    Write {
        path: String,
        text: String,
    },
    Remove {
        path: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    /// Replaces bytes at `offset` (or at the first occurrence of `find`) with `hex`/`text`.
    Patch {
        path: String,
        #[serde(default)]
        offset: Option<usize>,
        #[serde(default)]
        find: Option<String>,
        #[serde(default)]
        hex: Option<String>,
        #[serde(default)]
        text: Option<String>,
    },
    /// Copies a file from elsewhere in the repository into the input.
    Copy {
        from: String,
        path: String,
    },
}

/// Copies a tree, keeping links as links; a copy of a shared item gets the links the shared
/// corpus delivered as text files back.
pub fn copy_tree(from: &Path, to: &Path) {
    copy_entries(from, to);
    if is_shared(from) {
        restore_shared_links(from, to);
    }
}

fn restore_shared_links(from: &Path, to: &Path) {
    for link in SHARED_LINKS {
        let source = Path::new(SHARED_REAL).join(link);
        let Ok(inside) = source.strip_prefix(from) else { continue };
        let copied = to.join(inside);
        if !std::fs::symlink_metadata(&copied).is_ok_and(|m| m.is_file()) {
            continue;
        }
        let target = std::fs::read_to_string(&copied).unwrap();
        assert!(target.len() < 256 && !target.contains('\n'), "{link} does not hold a link target");
        std::fs::remove_file(&copied).unwrap();
        std::os::unix::fs::symlink(target, &copied).unwrap();
    }
}

fn copy_entries(from: &Path, to: &Path) {
    let meta = std::fs::symlink_metadata(from).unwrap();
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from).unwrap(), to).unwrap();
    } else if meta.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy_entries(&e.path(), &to.join(e.file_name()));
        }
    } else {
        copy_file_writable(from, to);
    }
}

/// Copies a file so that edits can change it (the shared corpus is read-only).
fn copy_file_writable(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::copy(from, to).unwrap_or_else(|e| panic!("{}: {e}", from.display()));
    let mut permissions = std::fs::metadata(to).unwrap().permissions();
    permissions.set_mode(permissions.mode() | 0o200);
    std::fs::set_permissions(to, permissions).unwrap();
}

pub fn apply(root: &Path, edit: &Edit) {
    match edit {
        Edit::Write { path, text } => std::fs::write(root.join(path), text).unwrap(),
        Edit::Remove { path } => {
            let p = root.join(path);
            if std::fs::symlink_metadata(&p).unwrap().is_dir() {
                std::fs::remove_dir_all(p).unwrap()
            } else {
                std::fs::remove_file(p).unwrap()
            }
        }
        Edit::Symlink { path, target } => {
            let p = root.join(path);
            let _ = std::fs::remove_file(&p);
            std::os::unix::fs::symlink(target, p).unwrap()
        }
        Edit::Patch { path, offset, find, hex, text } => {
            // An empty path patches the input itself (a disk image, a bare Mach-O).
            let p = if path.is_empty() { root.to_path_buf() } else { root.join(path) };
            let mut bytes = std::fs::read(&p).unwrap();
            let with = match (hex, text) {
                (Some(h), None) => hex::decode(h.replace(' ', "")).unwrap(),
                (None, Some(t)) => t.as_bytes().to_vec(),
                _ => panic!("patch needs exactly one of hex/text"),
            };
            let at = match (offset, find) {
                (Some(o), None) => *o,
                (None, Some(f)) => bytes
                    .windows(f.len())
                    .position(|w| w == f.as_bytes())
                    .unwrap_or_else(|| panic!("{f:?} not in {path}")),
                _ => panic!("patch needs exactly one of offset/find"),
            };
            bytes[at..at + with.len()].copy_from_slice(&with);
            std::fs::write(p, bytes).unwrap();
        }
        Edit::Copy { from, path } => {
            let dest = root.join(path);
            if let Some(dir) = dest.parent() {
                std::fs::create_dir_all(dir).unwrap();
            }
            copy_file_writable(Path::new(from), &dest)
        }
    }
}

/// Whether a run ended with exit code 2 because the input is a file bundlelint does not read
/// (a key, a note, a tar or a static library), named as such.
pub fn refused_as_unread(code: i32, stderr: &str) -> bool {
    code == 2
        && (stderr.contains(" reads: give a bundle")
            || stderr.contains("does not read")
            || stderr.contains("is a static library")
            || stderr.contains("nothing in it is something bundlelint reads"))
}

//! Helpers shared by the command-line tests.

#![allow(dead_code)]

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

/// Top-level inputs of the corpora: each entry of each corpus folder.
pub fn corpus_inputs() -> Vec<PathBuf> {
    let mut all = Vec::new();
    for root in ["corpus/real", "corpus/generated"] {
        for group in std::fs::read_dir(root).unwrap().flatten() {
            let path = group.path();
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

pub fn copy_tree(from: &Path, to: &Path) {
    let meta = std::fs::symlink_metadata(from).unwrap();
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from).unwrap(), to).unwrap();
    } else if meta.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy_tree(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
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
            let p = root.join(path);
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
            std::fs::copy(from, dest).map(|_| ()).unwrap()
        }
    }
}

//! Helpers shared by the command-line tests.

#![allow(dead_code)]

use std::path::PathBuf;
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

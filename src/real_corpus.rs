//! The real-world corpus, for unit tests. Items from package registries (npm, PyPI) live in the
//! repository's `corpus/real`; items taken from public GitHub repositories are read from the
//! shared corpus beside the repository (`../shared/corpus/real`), which a user's clone does not
//! have: tests of those items skip, saying so on stderr.

use std::io::Write as _;
use std::path::{Path, PathBuf};

/// The groups of the real-world corpus kept in the repository.
const VENDORED_GROUPS: [&str; 2] = ["mitmproxy-redirector", "small"];

fn repository_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/real")
}

fn shared_corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus/real")
}

fn is_vendored(path: &str) -> bool {
    VENDORED_GROUPS.contains(&path.split('/').next().unwrap_or(""))
}

/// Whether the shared corpus is present; when it is not, says on stderr that `what` is skipped.
fn shared_present(what: &str) -> bool {
    let present = shared_corpus().is_dir();
    if !present {
        // Written to stderr directly rather than with `eprintln!`, which the test harness
        // captures: the skip shows even when the test passes.
        let _ = writeln!(
            std::io::stderr(),
            "skipping {what}: {} is absent (it sits beside the repository in CI)",
            shared_corpus().display()
        );
    }
    present
}

/// The bytes of a corpus file named by its path in the corpus (`santa/testdata/…`), or `None`
/// when it is a shared item and the shared corpus is absent.
pub fn read(path: &str) -> Option<Vec<u8>> {
    let full = if is_vendored(path) {
        repository_corpus().join(path)
    } else {
        if !shared_present(&format!("../shared/corpus/real/{path}")) {
            return None;
        }
        shared_corpus().join(path)
    };
    Some(std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display())))
}

/// The bytes of a file kept in the repository's corpus.
pub fn read_vendored(path: &str) -> Vec<u8> {
    assert!(is_vendored(path), "{path} is not kept in the repository");
    read(path).expect("the repository's corpus is always present")
}

/// The entries of `FACTS.jsonl` (what an independent parser read from the corpus's bytes): the
/// repository's, then the shared corpus's about its own items, when present.
pub fn facts() -> Vec<serde_json::Value> {
    let parse = |text: String| -> Vec<serde_json::Value> {
        text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
    };
    let mut all = parse(std::fs::read_to_string(repository_corpus().join("FACTS.jsonl")).unwrap());
    if shared_present("../shared/corpus/real/FACTS.jsonl") {
        let shared = parse(std::fs::read_to_string(shared_corpus().join("FACTS.jsonl")).unwrap());
        all.extend(shared.into_iter().filter(|f| !is_vendored(f["path"].as_str().unwrap_or(""))));
    }
    all
}

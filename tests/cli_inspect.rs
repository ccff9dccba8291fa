//! `bundlelint inspect` on every artifact of the corpora: it succeeds, its JSON is valid and
//! carries the schema version, and two runs print the same bytes.

mod common;

use common::{bundlelint, corpus_inputs};
use std::path::{Path, PathBuf};

#[test]
fn inspect_reads_every_corpus_artifact_deterministically() {
    // Every artifact, and each corpus as a whole (a folder holding many bundles).
    let mut inputs = corpus_inputs();
    inputs.extend(["corpus/real", "corpus/generated"].map(PathBuf::from));
    assert!(inputs.len() > 40);
    for input in &inputs {
        let path = input.to_str().unwrap();
        let (code, json, err) = bundlelint(&["inspect", "--format", "json", path]);
        assert_eq!(code, 0, "{path}: {err}");
        let doc: serde_json::Value =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{path}: invalid JSON: {e}"));
        assert_eq!(doc["schema"], "bundlelint.inspect/1", "{path}");
        let (code, tree, err) = bundlelint(&["inspect", path]);
        assert_eq!(code, 0, "{path}: {err}");
        assert!(!tree.is_empty(), "{path}");
        let (_, again, _) = bundlelint(&["inspect", "--format", "json", path]);
        assert_eq!(json, again, "{path}: output differs between runs");
    }
}

#[test]
fn inspect_shows_codesign_facts_of_the_notarized_app() {
    let app = "corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app";
    let (code, text, err) = bundlelint(&["inspect", app]);
    assert_eq!(code, 0, "{err}");
    for expected in [
        "Mitmproxy Redirector.app [app]",
        "Format=app bundle with Mach-O universal (x86_64 arm64)",
        "Identifier=org.mitmproxy.macos-redirector",
        "CodeDirectory v=20500 size=10602 flags=0x10000(runtime) hashes=320+7 location=embedded",
        "CDHash=d594e3f6ce68cfaac8d08126a5d5123d5b35fc4a",
        "TeamIdentifier=S8XHQB96PW",
        "Authority=Developer ID Application: Maximilian Hils (S8XHQB96PW)",
        "Authority=Developer ID Certification Authority",
        "Authority=Apple Root CA",
        "Timestamp=2026-10-22T00:43:15Z",
        "designated => anchor apple generic and identifier \"org.mitmproxy.macos-redirector\"",
        "[Key] com.apple.developer.system-extension.install = true",
        "[system-extension]",
        "AppID=S8XHQB96PW.org.mitmproxy.macos-redirector.network-extension",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn inspect_of_a_missing_path_is_an_error() {
    let (code, _, err) = bundlelint(&["inspect", "corpus/does-not-exist"]);
    assert_eq!(code, 2);
    assert!(err.contains("cannot read"), "{err}");
    assert!(!Path::new("corpus/does-not-exist").exists());
}

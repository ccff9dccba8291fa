//! `bundlelint inspect` on every artifact of the corpora: it succeeds, its JSON is valid and
//! carries the schema version, and two runs print the same bytes.

use crate::common::{available, bundlelint, corpus_inputs, SHARED_REAL};
use std::path::{Path, PathBuf};

#[test]
fn inspect_reads_every_corpus_artifact_deterministically() {
    // Every artifact, and each corpus as a whole (a folder holding many bundles).
    let mut inputs = corpus_inputs();
    inputs.extend(["corpus/real", "corpus/generated"].map(PathBuf::from));
    if available(Path::new(SHARED_REAL)) {
        inputs.push(PathBuf::from(SHARED_REAL));
    }
    assert!(inputs.len() > 40);
    for input in &inputs {
        let path = input.to_str().unwrap();
        let (code, json, err) = bundlelint(&["inspect", "--format", "json", path]);
        if input.is_file() && crate::common::refused_as_unread(code, &err) {
            continue; // refused by name: not code, an archive, a profile or a plist
        }
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

/// Every constraint is shown with its static verdict: the self constraint of a daemon that names
/// another team is violated; the fixture daemon's parent constraint holds for launchd, and the
/// SpawnConstraint of its plist holds for both architectures of the program it launches.
#[test]
fn inspect_shows_constraint_verdicts() {
    let json = |path: &str| -> serde_json::Value {
        let (code, out, err) = bundlelint(&["inspect", path, "--format", "json"]);
        assert_eq!(code, 0, "{err}");
        serde_json::from_str(&out).unwrap()
    };
    let verdicts = |doc: &serde_json::Value, item_suffix: &str, slot: &str| -> Vec<String> {
        let item = doc["items"].as_array().unwrap().iter().find(|i| i["path"].as_str().unwrap().ends_with(item_suffix));
        let item = item.unwrap_or_else(|| panic!("no item {item_suffix}"));
        item["slices"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["signature"]["constraints"].as_array().cloned().unwrap_or_default())
            .filter(|c| c["slot"] == slot)
            .map(|c| c["verdict"].as_str().unwrap_or("<none>").to_owned())
            .collect()
    };

    let other_team = json("corpus/generated/products/SelfConstraint.app");
    let own = verdicts(&other_team, "MacOS/com.example.constrained.daemon", "LaunchConstraintSelf");
    assert_eq!(own.len(), 2, "{own:?}");
    for v in &own {
        assert_eq!(v, r#"violated: requires `team-identifier == "S1J6DZ9E7U"`, but team-identifier is "ABCDE12345""#);
    }

    let fixture = json("corpus/generated/bundles/Fixture.app");
    let parent = verdicts(&fixture, "MacOS/FixtureDaemon", "LaunchConstraintParent");
    assert!(!parent.is_empty() && parent.iter().all(|v| v == "satisfied (launched by launchd)"), "{parent:?}");
    let plist = fixture["launchd_plists"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["path"].as_str().unwrap().ends_with("com.example.fixture.daemon.plist"))
        .unwrap();
    assert_eq!(plist["spawn_constraint_verdict"], "[x86_64] satisfied; [arm64] satisfied");
}

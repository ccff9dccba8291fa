//! `bundlelint check` over every corpus artifact: it never crashes (exit 0 or 1, never a panic
//! or 2), its output is identical across runs, and a baseline written from a run silences
//! exactly that run's findings.

use crate::common::{bundlelint, corpus_inputs};
use std::process::Command;

#[test]
fn check_never_crashes_on_the_corpus_and_is_deterministic() {
    for input in corpus_inputs() {
        let path = input.to_str().unwrap();
        let (code, first, err) = bundlelint(&["check", "--no-config", "--format", "json", path]);
        assert!(!err.contains("panicked"), "{path}: {err}");
        // Files that are not code, zip archives, profiles or plists (keys, notes, tar archives) are
        // refused, naming what they are.
        if input.is_file() && crate::common::refused_as_unread(code, &err) {
            assert!(first.is_empty(), "{path}: refused but reported:\n{first}");
            continue;
        }
        assert!(code == 0 || code == 1, "{path}: exit {code}: {err}");
        let doc: serde_json::Value = serde_json::from_str(&first).unwrap_or_else(|e| panic!("{path}: {e}"));
        assert_eq!(doc["schema"], "bundlelint.check/1");
        let (_, second, _) = bundlelint(&["check", "--no-config", "--format", "json", path]);
        assert_eq!(first, second, "{path}: output differs between runs");
    }
}

#[test]
fn the_notarized_app_has_no_errors() {
    let app = "corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app";
    let (code, out, err) = bundlelint(&["check", "--no-config", "--format", "concise", app]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("error["), "{out}");
}

#[test]
fn a_baseline_accepts_existing_findings_and_reports_new_ones() {
    let dir = tempfile::tempdir().unwrap();
    let baseline = dir.path().join("baseline.json");
    let baseline = baseline.to_str().unwrap();
    let app = "corpus/generated/bundles/Fixture.app";
    let (code, _, err) =
        bundlelint(&["check", "--no-config", "--format", "concise", "--write-baseline", baseline, app]);
    assert_eq!(code, 1, "{err}");
    let written: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(baseline).unwrap()).unwrap();
    assert_eq!(written["schema"], "bundlelint.baseline/1");
    assert!(!written["findings"].as_array().unwrap().is_empty());
    let (code, out, err) = bundlelint(&["check", "--no-config", "--format", "concise", "--baseline", baseline, app]);
    assert_eq!((code, out.as_str()), (0, ""), "{err}");
    // A new problem is still reported: an unsigned arm64 helper added to a copy.
    let copy = dir.path().join("Fixture.app");
    let status = Command::new("cp").args(["-a", app, copy.to_str().unwrap()]).status().unwrap();
    assert!(status.success());
    std::fs::copy("corpus/generated/macho/hello-arm64", copy.join("Contents/Helpers/new-tool")).unwrap();
    let (code, out, _) =
        bundlelint(&["check", "--no-config", "--format", "concise", "--baseline", baseline, copy.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("Contents/Helpers/new-tool"), "{out}");
    assert!(
        out.lines().all(|l| l.contains("new-tool")
            || l.contains("res-file-added")
            || l.contains("Fixture.app/Contents/_CodeSignature")),
        "{out}"
    );
}

#[test]
fn configuration_errors_name_the_key_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bundlelint.toml");
    std::fs::write(&config, "select = [\"notary-\"]\n[expect]\nteam = \"X\"\n").unwrap();
    let (code, _, err) =
        bundlelint(&["check", "--config", config.to_str().unwrap(), "corpus/generated/macho/hello-arm64"]);
    assert_eq!(code, 2);
    assert!(err.contains("bundlelint.toml:3:1") && err.contains("unknown field `team`"), "{err}");
}

#[test]
fn rule_prints_the_page_and_unknown_rules_exit_2() {
    let (code, out, _) = bundlelint(&["rule", "sig-identifier-malformed"]);
    assert_eq!(code, 0);
    for heading in [
        "# sig-identifier-malformed",
        "## What it checks",
        "## The failure it predicts",
        "## How to fix",
        "## Evidence",
    ] {
        assert!(out.contains(heading), "{out}");
    }
    let meta = bundlelint::catalog::meta("sig-identifier-malformed").unwrap();
    assert!(out.contains(&format!("· evidence: {}", meta.evidence.name())), "{out}");
    let (code, _, err) = bundlelint(&["rule", "no-such-rule"]);
    assert_eq!(code, 2);
    assert!(err.contains("no rule"), "{err}");
    let (code, out, _) = bundlelint(&["rules", "--format", "json"]);
    assert_eq!(code, 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(list.as_array().unwrap().len() > 60);
}

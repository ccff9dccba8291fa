//! `--format gitlab`: a GitLab Code Quality report (the Code Climate issue subset GitLab reads),
//! one JSON array for every input of the run:
//!
//! ```json
//! [{ "description": "macho-arm64-unsigned: `hello` [arm64] is unsigned…",
//!    "check_name": "macho-arm64-unsigned", "fingerprint": "3f…", "severity": "major",
//!    "location": { "path": "bin/hello", "lines": { "begin": 1 } } }]
//! ```
//!
//! Paths, lines and fingerprints follow the SARIF conventions ([`super::sarif`]). A finding the
//! configuration maps to a repository file (`[sources]`) is located there, so the merge request
//! widget points at the line the developer changes; the description names the built file.

use serde::Serialize;

use super::check::CheckReport;
use super::sarif::{artifact_path, fingerprints, positions_apply, Fingerprint};
use crate::finding::{Finding, Severity};
use crate::input::InputKind;

#[derive(Serialize)]
struct Issue {
    description: String,
    check_name: &'static str,
    fingerprint: String,
    severity: &'static str,
    location: Location,
}

#[derive(Serialize)]
struct Location {
    path: String,
    lines: Lines,
}

#[derive(Serialize)]
struct Lines {
    begin: u32,
}

/// The Code Quality report of every checked input, as pretty JSON with a final newline.
pub fn render(checked: &[CheckReport]) -> Result<String, serde_json::Error> {
    let prints = fingerprints(checked.iter().flat_map(|r| &r.findings));
    let located = checked.iter().flat_map(|r| r.findings.iter().map(move |f| (r.kind, r.input.as_str(), f)));
    let issues: Vec<Issue> =
        located.zip(prints).map(|((kind, input, f), print)| issue(f, input, kind, &print)).collect();
    serde_json::to_string_pretty(&issues).map(|j| j + "\n")
}

fn issue(f: &Finding, input: &str, kind: InputKind, print: &Fingerprint) -> Issue {
    Issue {
        description: description(f, input, kind),
        check_name: f.rule.as_str(),
        fingerprint: print.hex(),
        severity: severity(f.severity),
        location: match &f.source {
            Some(source) => Location { path: source.path.clone(), lines: Lines { begin: source.span.line.max(1) } },
            None => Location {
                path: artifact_path(input, kind, &f.path),
                lines: Lines { begin: f.span.filter(|_| positions_apply(kind)).map_or(1, |s| s.line.max(1)) },
            },
        },
    }
}

/// The rule and the message (GitLab's widget shows the description but not `check_name`, and the
/// Code Climate spec wants a single line), and the built file when the location is its source.
fn description(f: &Finding, input: &str, kind: InputKind) -> String {
    let mut text = format!("{}: {}", f.rule.as_str(), f.message);
    if f.source.is_some() {
        text.push_str(&format!(" (built: {})", artifact_path(input, kind, &f.path)));
    }
    text.replace(['\r', '\n'], " ")
}

/// Code Quality has five levels (`info`, `minor`, `major`, `critical`, `blocker`). GitLab merges
/// the reports of every tool of a pipeline into one list, so bundlelint uses the levels other
/// linters use for the same meaning (ESLint's GitLab formatter: error → `major`, warning →
/// `minor`; ruff reports everything as `major`) and so ranks alongside them; `critical` stays for
/// crashes of a tool and security scanners.
fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "major",
        Severity::Warning => "minor",
        Severity::Info => "info",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issues_carry_rule_path_line_and_severity() {
        let f =
            Finding::new(crate::rule_id::MACHO_ARM64_UNSIGNED, Severity::Error, "hello", "`hello` [arm64] is unsigned")
                .arch("arm64");
        let print = &fingerprints([&f])[0];
        let json = serde_json::to_value(issue(&f, "bin/hello", InputKind::File, print)).unwrap();
        assert_eq!(json["check_name"], "macho-arm64-unsigned");
        assert_eq!(json["severity"], "major");
        assert_eq!(json["location"]["path"], "bin/hello");
        assert_eq!(json["location"]["lines"]["begin"], 1);
        assert_eq!(json["description"], "macho-arm64-unsigned: `hello` [arm64] is unsigned");
        assert_eq!(json["fingerprint"].as_str().unwrap().len(), 64);

        let mapped = f.clone().source_at("Tool/Tool.entitlements", "com.apple.security.cs.allow-jit", 9, 2);
        let json = serde_json::to_value(issue(&mapped, "bin/hello", InputKind::File, print)).unwrap();
        assert_eq!(json["location"]["path"], "Tool/Tool.entitlements");
        assert_eq!(json["location"]["lines"]["begin"], 9);
        assert!(json["description"].as_str().unwrap().ends_with("(built: bin/hello)"), "{json}");
    }
}

//! `--format junit`: JUnit XML for CI test-report views. Each input is a `<testsuite>`, each code
//! item a `<testcase>` that fails when any finding belongs to it:
//!
//! ```xml
//! <testsuite name="build/App.app" tests="11" failures="1" errors="0" skipped="0">
//!   <testcase name="App.app/Contents/Helpers/tool" classname="build/App.app" file="build/App.app/Contents/Helpers/tool">
//!     <failure message="1 error" type="error">error[macho-arch-coverage] App.app/Contents/Helpers/tool: …</failure>
//!   </testcase>
//! ```
//!
//! A test per code item (not per finding, not per rule × item) keeps the test list stable from run
//! to run: a clean bundle lists every item as passing, a broken one the same items with failures.
//! The renderer cannot name the rules that ran for an item, only those that reported, so a
//! rule × item grid would show only failures. JUnit allows one `<failure>` per test case, so its
//! text carries every finding of the item, one a line.

use std::fmt::Write;

use super::check::{location, source_place, CheckReport, Counts};
use super::sarif::artifact_path;
use crate::finding::{Finding, Severity};
use crate::input::InputKind;

/// One `<testcase>`: a code item (or a path outside any item) and its findings.
struct Case<'a> {
    name: &'a str,
    /// The path inside the input, for the `file` attribute; empty for the input itself.
    tree_path: &'a str,
    findings: Vec<&'a Finding>,
}

/// The JUnit document of every checked input, with a final newline.
pub fn render(checked: &[CheckReport]) -> String {
    let suites: Vec<(&CheckReport, InputKind, Vec<Case>)> = checked.iter().map(|r| (r, r.kind, cases(r))).collect();
    let tests: usize = suites.iter().map(|(_, _, c)| c.len()).sum();
    let failures: usize = suites.iter().map(|(_, _, c)| failed(c)).sum();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(out, "<testsuites name=\"bundlelint\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">");
    for (report, kind, cases) in &suites {
        suite(&mut out, report, *kind, cases);
    }
    out.push_str("</testsuites>\n");
    out
}

/// The report's code items in order, each with its findings; findings outside every item (input
/// problems, archive members) get a case of their own path, after the items.
fn cases(report: &CheckReport) -> Vec<Case<'_>> {
    let mut cases: Vec<Case> =
        report.items.iter().map(|i| Case { name: &i.path, tree_path: &i.path, findings: Vec::new() }).collect();
    for f in &report.findings {
        let tree_path = f.item.as_deref().unwrap_or(&f.path);
        let name = if tree_path.is_empty() { report.input.as_str() } else { tree_path };
        match cases.iter_mut().find(|c| c.name == name) {
            Some(case) => case.findings.push(f),
            None => cases.push(Case { name, tree_path, findings: vec![f] }),
        }
    }
    if cases.is_empty() {
        // An input with no code and nothing to report still shows up as one passing test.
        cases.push(Case { name: &report.input, tree_path: "", findings: Vec::new() });
    }
    cases
}

fn failed(cases: &[Case]) -> usize {
    cases.iter().filter(|c| !c.findings.is_empty()).count()
}

fn suite(out: &mut String, report: &CheckReport, kind: InputKind, cases: &[Case]) {
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\">",
        attr(&report.input),
        cases.len(),
        failed(cases)
    );
    let _ = writeln!(
        out,
        "    <properties>\n      <property name=\"policy\" value=\"{}\"/>\n    </properties>",
        attr(report.policy.name)
    );
    for case in cases {
        let head = format!(
            "    <testcase name=\"{}\" classname=\"{}\" file=\"{}\"",
            attr(case.name),
            attr(&report.input),
            attr(&artifact_path(&report.input, kind, case.tree_path))
        );
        if case.findings.is_empty() {
            let _ = writeln!(out, "{head}/>");
            continue;
        }
        let counts = counts(&case.findings);
        let worst = case.findings.iter().map(|f| f.severity).max().unwrap_or(Severity::Info);
        let _ = writeln!(out, "{head}>");
        let _ = write!(out, "      <failure message=\"{}\" type=\"{}\">", attr(&summary(&counts)), worst.name());
        for f in &case.findings {
            out.push_str(&text(&failure_line(f)));
        }
        out.push_str("</failure>\n    </testcase>\n");
    }
    out.push_str("  </testsuite>\n");
}

fn counts(findings: &[&Finding]) -> Counts {
    let mut c = Counts::default();
    for f in findings {
        match f.severity {
            Severity::Error => c.error += 1,
            Severity::Warning => c.warning += 1,
            Severity::Info => c.info += 1,
        }
    }
    c
}

/// `2 errors, 1 warning`: what the failure line of a CI view shows.
fn summary(c: &Counts) -> String {
    let parts: Vec<String> = [(c.error, "error"), (c.warning, "warning"), (c.info, "info")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, word)| if n == 1 || word == "info" { format!("{n} {word}") } else { format!("{n} {word}s") })
        .collect();
    parts.join(", ")
}

/// One finding in the failure text, as `--format concise` prints it, with its fix.
fn failure_line(f: &Finding) -> String {
    let place = match f.span {
        Some(s) => format!("{}:{}:{}", f.path, s.line, s.column),
        None => location(f),
    };
    let mut line = format!("{}[{}] {place}: {}\n", f.severity.name(), f.rule.as_str(), f.message);
    if let Some(source) = source_place(f) {
        let _ = writeln!(line, "  source: {source}");
    }
    if let Some(h) = &f.help {
        let _ = writeln!(line, "  help: {h}");
    }
    line
}

/// Escapes element text. Characters XML 1.0 cannot carry at all (most C0 controls, which a
/// malformed file name can hold) become U+FFFD.
fn text(s: &str) -> String {
    escape(s, false)
}

/// Escapes an attribute value; line breaks and tabs become character references so parsers do
/// not normalise them to spaces.
fn attr(s: &str) -> String {
    escape(s, true)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attribute => out.push_str("&quot;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' => out.push(c),
            c if allowed_in_xml(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// XML 1.0's `Char` production.
fn allowed_in_xml(c: char) -> bool {
    matches!(c, '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_covers_markup_quotes_and_controls() {
        assert_eq!(attr("a<b & \"c\"\nd"), "a&lt;b &amp; &quot;c&quot;&#10;d");
        assert_eq!(text("x\u{1}y\n\"z\""), "x\u{FFFD}y\n\"z\"");
    }

    #[test]
    fn summaries_count_by_severity() {
        assert_eq!(summary(&Counts { error: 2, warning: 1, info: 3 }), "2 errors, 1 warning, 3 info");
        assert_eq!(summary(&Counts { error: 1, warning: 0, info: 0 }), "1 error");
    }
}

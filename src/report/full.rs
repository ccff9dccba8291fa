//! `--format full`: each finding as a miette diagnostic — the rule, the message, where (with the
//! offending XML key underlined when the source is a text plist), and how to fix it. A finding
//! placed on a repository source (`[sources]`) also shows the source's key underlined, read from
//! the file as it is now, and a `source:` line.

use std::fmt::Write;

use miette::{Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::check::{location, source_place, CheckReport};
use crate::finding::{Finding, Severity};
use crate::model::Scan;

/// A finding as miette sees it.
#[derive(Debug)]
struct Shown<'a> {
    finding: &'a Finding,
    source: Option<NamedSource<String>>,
    label: Option<LabeledSpan>,
    /// The repository source's excerpt, when the finding is placed on one.
    in_source: Option<InSource>,
}

/// Where the repository source writes the key, shown under the finding.
#[derive(Debug)]
struct InSource {
    text: NamedSource<String>,
    label: LabeledSpan,
}

impl std::fmt::Display for InSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("written in the source")
    }
}

impl std::error::Error for InSource {}

impl Diagnostic for InSource {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.text)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(self.label.clone())))
    }
}

impl std::fmt::Display for Shown<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.finding.message)
    }
}

impl std::error::Error for Shown<'_> {}

impl Diagnostic for Shown<'_> {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.finding.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.finding.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Info => miette::Severity::Advice,
        })
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.finding.help.as_ref().map(|h| Box::new(h) as Box<dyn std::fmt::Display>)
    }

    fn url<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(format!("bundlelint rule {}", self.finding.rule)))
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        self.label.clone().map(|l| Box::new(std::iter::once(l)) as Box<dyn Iterator<Item = LabeledSpan>>)
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        let shown = self.in_source.as_ref()?;
        Some(Box::new(std::iter::once(shown as &dyn Diagnostic)))
    }
}

/// Renders every finding. `scan` provides the text of plists so spans can be shown in context;
/// `colour` selects the themed output; `summary` adds the closing line with the counts.
pub fn render(report: &CheckReport, scan: &Scan, colour: bool, summary: bool) -> String {
    let theme = if colour { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_links(false).with_width(100);
    let mut out = String::new();
    for f in &report.findings {
        let shown = shown(f, scan);
        if handler.render_report(&mut out, &shown).is_err() {
            let _ = writeln!(out, "{}[{}] {}", f.severity.name(), f.rule.as_str(), f.message);
        }
        if f.span.is_none() {
            let _ = writeln!(
                out,
                "  at {}{}",
                location(f),
                f.range.map(|r| format!(", byte {:#x}", r.offset)).unwrap_or_default()
            );
        }
        if let Some(source) = source_place(f) {
            let _ = writeln!(out, "  source: {source}");
        }
        out.push('\n');
    }
    if summary {
        let c = &report.summary;
        let _ = writeln!(
            out,
            "{}: {} error{}, {} warning{}, {} info (policy {})",
            report.input,
            c.error,
            plural(c.error),
            c.warning,
            plural(c.warning),
            c.info,
            report.policy.name
        );
    }
    for root in &report.apple_root_substitutes {
        let _ = writeln!(
            out,
            "substitute root: {:?} (SHA-256 {}) stood in for Apple's roots; verdicts hold for that test hierarchy only",
            root.name, root.sha256
        );
    }
    if !report.complete {
        let n = report.unread.len();
        let _ =
            writeln!(out, "incomplete: {n} part{} of the input not read, so this is not a clean result:", plural(n));
        for u in &report.unread {
            let _ = writeln!(out, "  {}: {}", u.path, u.message);
        }
    }
    out
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// The source file's text at the finding's source span, when the file still reads and the span
/// still lies in it.
fn in_source(f: &Finding) -> Option<InSource> {
    let source = f.source.as_ref()?;
    let text = std::fs::read_to_string(&source.path).ok()?;
    let (start, length) = (usize::try_from(source.span.offset).ok()?, usize::try_from(source.span.length).ok()?);
    text.get(start..start.checked_add(length)?)?;
    let label = LabeledSpan::at(SourceSpan::new(start.into(), length), "here");
    Some(InSource { text: NamedSource::new(&source.path, text), label })
}

/// Attaches the text plist a finding points into, when it has a span.
fn shown<'a>(f: &'a Finding, scan: &Scan) -> Shown<'a> {
    let text = f
        .span
        .and_then(|_| scan.tree.file(scan.tree.tree_path(&f.path)))
        .and_then(|d| d.bytes().ok())
        .and_then(|b| std::str::from_utf8(b).ok());
    match (f.span, text) {
        (Some(span), Some(text)) => {
            let at = SourceSpan::new((span.offset as usize).into(), span.length as usize);
            Shown {
                finding: f,
                source: Some(NamedSource::new(&f.path, text.to_owned())),
                label: Some(LabeledSpan::at(at, "here")),
                in_source: in_source(f),
            }
        }
        _ => Shown { finding: f, source: None, label: None, in_source: in_source(f) },
    }
}

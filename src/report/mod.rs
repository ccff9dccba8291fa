//! Rendering: every output format reads a finished view of the model and computes nothing new.

pub mod check;
pub mod concise;
pub mod full;
pub mod github;
pub mod gitlab;
pub mod inspect;
pub mod inspect_text;
pub mod junit;
pub mod sarif;

use crate::model::Scan;
use check::CheckReport;

/// The output formats of `bundlelint check` (the variants' comments are `--format`'s help).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Each finding with its context and fix (colour on terminals; NO_COLOR honoured).
    Full,
    /// One line per finding.
    Concise,
    /// One JSON document per input (schema `bundlelint.check/1`).
    Json,
    /// One JSON object per finding per line.
    JsonLines,
    /// One SARIF 2.1.0 log for all inputs, for GitHub code scanning and SARIF viewers.
    Sarif,
    /// GitHub Actions workflow commands: an annotation per finding.
    Github,
    /// One GitLab Code Quality report (JSON array) for all inputs.
    Gitlab,
    /// One JUnit XML document: a test suite per input, a test case per code item.
    Junit,
}

impl Format {
    pub const ALL: [Format; 8] = [
        Format::Full,
        Format::Concise,
        Format::Json,
        Format::JsonLines,
        Format::Sarif,
        Format::Github,
        Format::Gitlab,
        Format::Junit,
    ];

    /// Whether the format makes one document for the whole run (as CI consumers expect one
    /// file) rather than one output per input.
    pub fn is_whole_run(self) -> bool {
        matches!(self, Format::Sarif | Format::Github | Format::Gitlab | Format::Junit)
    }

    /// Writes one input in a per-input format to `out`; `None` for the whole-run formats.
    /// `json-lines` writes each finding as soon as it is serialised, never the whole output at once.
    /// `summary` adds the full format's closing line (counts and policy).
    pub fn write_input(
        self,
        out: &mut dyn std::io::Write,
        scan: &Scan,
        report: &CheckReport,
        colour: bool,
        summary: bool,
    ) -> Option<std::io::Result<()>> {
        Some(match self {
            Format::Full => out.write_all(full::render(report, scan, colour, summary).as_bytes()),
            Format::Concise => out.write_all(concise::render(report).as_bytes()),
            Format::Json => serde_json::to_writer_pretty(&mut *out, report)
                .map_err(std::io::Error::from)
                .and_then(|()| out.write_all(b"\n")),
            Format::JsonLines => report.findings.iter().try_for_each(|finding| {
                serde_json::to_writer(&mut *out, finding).map_err(std::io::Error::from)?;
                out.write_all(b"\n")
            }),
            Format::Sarif | Format::Github | Format::Gitlab | Format::Junit => return None,
        })
    }

    /// Renders one input in a per-input format as text; `None` for the whole-run formats.
    pub fn render_input(self, scan: &Scan, report: &CheckReport, colour: bool) -> Option<std::io::Result<String>> {
        let mut text = Vec::new();
        Some(
            self.write_input(&mut text, scan, report, colour, true)?
                .map(|()| String::from_utf8_lossy(&text).into_owned()),
        )
    }

    /// Renders every input's report in a whole-run format; `None` for the per-input formats.
    pub fn render_run(self, reports: &[CheckReport]) -> Option<Result<String, serde_json::Error>> {
        match self {
            Format::Sarif => Some(sarif::render(reports)),
            Format::Github => Some(Ok(github::render(reports))),
            Format::Gitlab => Some(gitlab::render(reports)),
            Format::Junit => Some(Ok(junit::render(reports))),
            Format::Full | Format::Concise | Format::Json | Format::JsonLines => None,
        }
    }
}

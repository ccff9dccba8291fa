//! `--format concise`: one line per finding, `path[:line:col] [arch] severity[rule] message`, and
//! for a finding the configuration maps to a repository file (`[sources]`) an indented second
//! line, `  source: FILE:LINE:COL (`KEY`)`.

use std::fmt::Write;

use super::check::{location, source_place, CheckReport};

pub fn render(report: &CheckReport) -> String {
    let mut out = String::new();
    for f in &report.findings {
        let mut place = match f.span {
            Some(s) => format!("{}:{}:{}", f.path, s.line, s.column),
            None => location(f),
        };
        if f.span.is_none() {
            if let Some(r) = f.range {
                let _ = write!(place, " @{:#x}", r.offset);
            }
        }
        let _ = writeln!(out, "{place}: {}[{}] {}", f.severity.name(), f.rule.as_str(), f.message);
        if let Some(source) = source_place(f) {
            let _ = writeln!(out, "  source: {source}");
        }
    }
    out
}

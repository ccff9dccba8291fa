//! `--format github`: one GitHub Actions workflow command per finding, which the runner turns
//! into an annotation on the file:
//!
//! ```text
//! ::error file=build/App.app/Contents/Info.plist,line=17,col=2,title=layout-info-plist-keys::CFBundleIdentifier …
//! ```
//!
//! Files and lines follow the SARIF conventions ([`super::sarif::artifact_path`]): line 1 for
//! binaries, the key's line and column for XML plists. A finding the configuration maps to a
//! repository file (`[sources]`) is annotated there, on the line the developer changes: build
//! outputs are rarely committed, and GitHub shows annotations only on files of the repository.
//! The message then says where in the build it was found.

use std::fmt::Write;

use super::check::CheckReport;
use super::sarif::{artifact_path, positions_apply};
use crate::finding::{Finding, Severity};
use crate::input::InputKind;

/// The workflow commands for every finding of every checked input.
pub fn render(checked: &[CheckReport]) -> String {
    let mut out = String::new();
    for report in checked {
        for f in &report.findings {
            out.push_str(&command(f, &report.input, report.kind));
            out.push('\n');
        }
    }
    out
}

/// One `::LEVEL file=…,line=…[,col=…],title=…::MESSAGE` line.
fn command(f: &Finding, input: &str, kind: InputKind) -> String {
    let artifact = artifact_path(input, kind, &f.path);
    let built = f.span.filter(|_| positions_apply(kind)).map(|s| (s.line.max(1), s.column.max(1)));
    let (file, at) = match &f.source {
        Some(source) => (source.path.clone(), Some((source.span.line.max(1), source.span.column.max(1)))),
        None => (artifact.clone(), built),
    };
    let mut props = format!("file={}", escape_property(&file));
    match at {
        Some((line, column)) => {
            let _ = write!(props, ",line={line},col={column}");
        }
        None => props.push_str(",line=1"),
    }
    let _ = write!(props, ",title={}", escape_property(f.rule.as_str()));
    let mut text = f.message.clone();
    if f.source.is_some() {
        let place = built.map(|(line, column)| format!(":{line}:{column}")).unwrap_or_default();
        let _ = write!(text, "\nbuilt: {artifact}{place}");
    }
    if let Some(h) = &f.help {
        let _ = write!(text, "\nhelp: {h}");
    }
    format!("::{} {props}::{}", command_name(f.severity), escape_data(&text))
}

/// GitHub has no `info`: its lowest annotation level is `notice`.
fn command_name(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

/// The escaping of a command's message, as the Actions toolkit does it: `%` first, so that the
/// escapes it writes are not escaped again.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Property values also escape the separators of the property list.
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plist::Span;

    #[test]
    fn escapes_follow_the_actions_toolkit() {
        assert_eq!(escape_data("100% done\r\nnext: a,b"), "100%25 done%0D%0Anext: a,b");
        assert_eq!(escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
    }

    #[test]
    fn binaries_point_at_line_one_and_plists_at_the_key() {
        let bin =
            Finding::new(crate::rule_id::MACHO_ARM64_UNSIGNED, Severity::Error, "tool", "`tool` [arm64] is unsigned")
                .arch("arm64");
        assert_eq!(
            command(&bin, "bin/tool", InputKind::File),
            "::error file=bin/tool,line=1,title=macho-arm64-unsigned::`tool` [arm64] is unsigned"
        );
        let plist =
            Finding::new(crate::rule_id::LAYOUT_INFO_PLIST_KEYS, Severity::Info, "A.app/Contents/Info.plist", "x")
                .span(Some(Span { line: 17, column: 2, offset: 519, length: 29 }))
                .help("fix, then: sign");
        assert_eq!(
            command(&plist, "out/A.app", InputKind::Directory),
            "::notice file=out/A.app/Contents/Info.plist,line=17,col=2,title=layout-info-plist-keys::x%0Ahelp: fix, then: sign"
        );
        assert!(command(&plist, "out/A.zip", InputKind::Archive).starts_with("::notice file=out/A.zip,line=1,title="));

        let mapped = plist.clone().source_at("A/Info.plist", "CFBundleIdentifier", 9, 2);
        assert_eq!(
            command(&mapped, "out/A.app", InputKind::Directory),
            "::notice file=A/Info.plist,line=9,col=2,title=layout-info-plist-keys::x%0Abuilt: out/A.app/Contents/Info.plist:17:2%0Ahelp: fix, then: sign"
        );
    }
}

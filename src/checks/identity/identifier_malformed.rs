//! `sig-identifier-malformed`: the signing identifier has no edge whitespace or control characters.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_IDENTIFIER_MALFORMED, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let help = "re-sign with an explicit identifier (codesign --identifier com.example.tool) without whitespace or control characters";
    report_first(slice, sink, RULE.id, help, |raw| match classify(raw)? {
        Defect::Breaking(why) => Some(why),
        Defect::Unconventional(_) => None,
    });
}

/// What is wrong with an identifier.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Defect {
    /// Constraints and requirements written by hand never match it: leading or trailing
    /// whitespace, control characters.
    Breaking(&'static str),
    /// Outside the reverse-DNS convention but made by Apple's own tools from file names
    /// (`_speedups.cpython-312-darwin.so`) and matched literally like any other.
    Unconventional(&'static str),
}

/// Classifies an identifier, if anything is wrong with it. Order matters: the most specific
/// reason wins, and breaking defects before conventions.
pub(super) fn classify(raw: &[u8]) -> Option<Defect> {
    let first = raw.first()?;
    let last = raw.last()?;
    if first.is_ascii_whitespace() {
        return Some(Defect::Breaking("it starts with whitespace"));
    }
    if last.is_ascii_whitespace() {
        return Some(Defect::Breaking("it ends with whitespace"));
    }
    if raw.iter().any(|b| b.is_ascii_control()) {
        return Some(Defect::Breaking("it contains control characters"));
    }
    if !raw.is_ascii() {
        return Some(Defect::Unconventional("it contains non-ASCII bytes"));
    }
    if !first.is_ascii_alphanumeric() {
        return Some(Defect::Unconventional("it does not start with a letter or digit"));
    }
    if let Some(c) = raw.iter().find(|&&b| !(b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')) {
        return Some(Defect::Unconventional(match c {
            b' ' => "it contains a space",
            _ => "it contains characters other than letters, digits, `.`, `-` and `_`",
        }));
    }
    None
}

/// Reports, for `rule`, the first CodeDirectory of the slice whose identifier `judge` objects to.
pub(super) fn report_first(
    slice: &SliceView<'_>,
    sink: &mut Sink,
    rule: crate::rule_id::RuleId,
    help: &str,
    judge: impl Fn(&[u8]) -> Option<&'static str>,
) {
    let Some(sig) = slice.signature() else { return };
    // The alternates repeat the identifier; one finding per slice is enough.
    let Some((cd, why)) = sig.code_directories.iter().find_map(|cd| Some((cd, judge(&cd.cd.identifier_raw)?))) else {
        return;
    };
    let path = slice.item.code_path();
    let mut f = slice
        .finding(
            rule,
            format!("`{path}` [{}] is signed with identifier {:?}: {why}", slice.slice.arch, cd.cd.identifier),
        )
        .help(help);
    f.range = Some(cd.range);
    sink.push(f);
}

#[cfg(test)]
mod tests {
    use super::{classify, Defect::*};

    #[test]
    fn breaking_defects() {
        assert_eq!(classify(b" com.nsnolan.LockerRoomDaemon"), Some(Breaking("it starts with whitespace")));
        assert_eq!(classify(b"com.x "), Some(Breaking("it ends with whitespace")));
        assert_eq!(classify(b"com.x\tb"), Some(Breaking("it contains control characters")));
    }

    #[test]
    fn names_tools_derive_from_files_are_only_unconventional() {
        assert_eq!(classify(b"com x"), Some(Unconventional("it contains a space")));
        assert_eq!(classify(b".com"), Some(Unconventional("it does not start with a letter or digit")));
        assert_eq!(
            classify(b"_speedups.cpython-312-darwin.so"),
            Some(Unconventional("it does not start with a letter or digit"))
        );
        assert_eq!(
            classify(b"libc++.1"),
            Some(Unconventional("it contains characters other than letters, digits, `.`, `-` and `_`"))
        );
        assert_eq!(classify("caf\u{e9}".as_bytes()), Some(Unconventional("it contains non-ASCII bytes")));
    }

    #[test]
    fn clean_identifiers() {
        assert_eq!(classify(b"com.example.tool-1_2"), None);
        assert_eq!(classify(b"yikes-universal-adhoc-555549448764391694dd34cbafdf5b92099e899a"), None);
    }
}

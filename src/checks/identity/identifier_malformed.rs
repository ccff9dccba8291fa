//! `sig-identifier-malformed`: the signing identifier is a clean reverse-DNS-like string.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: "sig-identifier-malformed", check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    for cd in &sig.code_directories {
        if let Some(why) = defect(&cd.cd.identifier_raw) {
            let path = slice.item.code_path();
            let mut f = slice
                .finding(sink, RULE.id, format!("`{path}` [{}] is signed with identifier {:?}: {why}", slice.slice.arch, cd.cd.identifier))
                .help("re-sign with an explicit identifier (codesign --identifier com.example.tool) made of letters, digits, `.`, `-` and `_`");
            f.range = Some(cd.range);
            sink.push(f);
            // The alternates repeat the identifier; one finding per slice is enough.
            return;
        }
    }
}

/// What is wrong with an identifier, if anything. Order matters: the most specific reason wins.
fn defect(raw: &[u8]) -> Option<&'static str> {
    let first = raw.first()?;
    let last = raw.last()?;
    if first.is_ascii_whitespace() {
        return Some("it starts with whitespace");
    }
    if last.is_ascii_whitespace() {
        return Some("it ends with whitespace");
    }
    if raw.iter().any(|b| b.is_ascii_control()) {
        return Some("it contains control characters");
    }
    if !raw.is_ascii() {
        return Some("it contains non-ASCII bytes");
    }
    if !first.is_ascii_alphanumeric() {
        return Some("it does not start with a letter or digit");
    }
    if let Some(c) = raw.iter().find(|&&b| !(b.is_ascii_alphanumeric() || b == b'.' || b == b'-' || b == b'_')) {
        return Some(match c {
            b' ' => "it contains a space",
            _ => "it contains characters other than letters, digits, `.`, `-` and `_`",
        });
    }
    None
}

#[cfg(test)]
mod tests {
    use super::defect;

    #[test]
    fn defects() {
        assert_eq!(defect(b" com.nsnolan.LockerRoomDaemon"), Some("it starts with whitespace"));
        assert_eq!(defect(b"com.x "), Some("it ends with whitespace"));
        assert_eq!(defect(b"com.x\tb"), Some("it contains control characters"));
        assert_eq!(defect(b"com x"), Some("it contains a space"));
        assert_eq!(defect(b".com"), Some("it does not start with a letter or digit"));
        assert_eq!(defect(b"com.example.tool-1_2"), None);
        assert_eq!(defect(b"yikes-universal-adhoc-555549448764391694dd34cbafdf5b92099e899a"), None);
    }
}

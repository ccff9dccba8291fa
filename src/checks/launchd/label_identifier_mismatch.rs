//! `launchd-label-identifier-mismatch`: a bundled job's `Label` equals the signing identifier of
//! the program it launches.

use crate::checks::{Check, Context, Rule, Sink};

use super::{finding, plists, target};

pub static RULE: Rule = Rule { id: crate::rule_id::LAUNCHD_LABEL_IDENTIFIER_MISMATCH, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for plist in plists(cx) {
        let (Some(label), Some(program)) = (plist.label.as_deref(), target(cx, plist)) else { continue };
        let Some(identifier) = program.signing_identifier() else { continue };
        if identifier == label {
            continue;
        }
        let why = nature(label, identifier);
        let exe = program.code_path();
        let f = finding(
            cx,
            sink,
            RULE.id,
            plist,
            Some("Label"),
            format!(
                "`{}` has Label {label:?} but its BundleProgram `{exe}` is signed with identifier {identifier:?}{why}",
                plist.path
            ),
        )
        .help(format!(
            "re-sign `{exe}` with `codesign --identifier {}` (or change the Label), then unregister and register the service again",
            label.trim()
        ));
        sink.push(f);
    }
}

/// What kind of difference it is, when it looks like a slip rather than a choice.
fn nature(label: &str, identifier: &str) -> &'static str {
    if label.trim() == identifier.trim() {
        ": they differ only in whitespace, a sign of a stray space in the signing flags"
    } else if label.eq_ignore_ascii_case(identifier) {
        ": they differ only in letter case"
    } else {
        ""
    }
}

#[cfg(test)]
mod tests {
    use super::nature;

    #[test]
    fn natures() {
        assert!(nature("com.x.daemon", " com.x.daemon").contains("whitespace"));
        assert!(nature("com.x.Daemon", "com.x.daemon").contains("case"));
        assert_eq!(nature("com.x.daemon", "com.x.helper"), "");
    }
}

//! `launchd-associated-bundle-ids`: `AssociatedBundleIdentifiers` is a string or an array of
//! strings naming the app; plists installed outside a bundle carry it.

use crate::checks::{Check, Context, Rule, Sink};

use super::{finding, owner, plists};

pub static RULE: Rule = Rule { id: crate::rule_id::LAUNCHD_ASSOCIATED_BUNDLE_IDS, check: Check::Scan(check) };

const KEY: &str = "AssociatedBundleIdentifiers";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for plist in plists(cx) {
        let Some(dict) = plist.dict() else { continue };
        let path = &plist.path;
        let app = owner(cx, plist);
        let app_id = app.as_ref().and_then(|a| a.info()).and_then(|i| i.string("CFBundleIdentifier"));
        let message = match (dict.get(KEY), &app) {
            (None, Some(_)) => continue,
            (None, None) => format!("`{path}` has no {KEY}: System Settings › General › Login Items shows the job under its executable's or signer's name instead of the app that installed it"),
            (Some(value), _) => match identifiers(value) {
                Err(what) => format!("`{path}` has {KEY} that is {what}, not a string or an array of strings: launchd ignores it and Login Items shows an unattributed item"),
                Ok(ids) => match app_id {
                    Some(want) if !ids.contains(&want) => format!(
                        "`{path}` has {KEY} {ids:?}, which does not name its app's CFBundleIdentifier {want:?}: Login Items attributes the job to another app (or to the signer's name)"
                    ),
                    _ => continue,
                },
            },
        };
        let help = match app_id {
            Some(id) => format!("set `<key>{KEY}</key><array><string>{id}</string></array>`"),
            None => format!("add `<key>{KEY}</key><array><string>com.example.app</string></array>` naming the app that installs the job"),
        };
        let f = finding(cx, sink, RULE.id, plist, Some(KEY), message).help(help);
        sink.push(f);
    }
}

/// The identifiers a value lists, or what kind of value it is when malformed.
fn identifiers(value: &plist::Value) -> Result<Vec<&str>, &'static str> {
    match value {
        plist::Value::String(s) => Ok(vec![s.as_str()]),
        plist::Value::Array(items) => {
            items.iter().map(|v| v.as_string().ok_or("an array holding non-strings")).collect()
        }
        other => Err(super::label::kind(other)),
    }
}

#[cfg(test)]
mod tests {
    use super::identifiers;
    use plist::Value;

    #[test]
    fn forms() {
        assert_eq!(identifiers(&Value::String("a".into())), Ok(vec!["a"]));
        assert_eq!(identifiers(&Value::Array(vec![Value::String("a".into())])), Ok(vec!["a"]));
        assert!(identifiers(&Value::Array(vec![Value::Boolean(true)])).is_err());
        assert_eq!(identifiers(&Value::Boolean(true)), Err("a boolean"));
    }
}

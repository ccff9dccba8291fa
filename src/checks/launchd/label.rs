//! `launchd-label`: every job plist has a non-empty string `Label`, unique among the plists of
//! its bundle.

use std::collections::BTreeMap;

use crate::checks::{Check, Context, Rule, Sink};

use super::{finding, plists};

pub static RULE: Rule = Rule { id: crate::rule_id::LAUNCHD_LABEL, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    // First plist seen per (owning bundle, label): a later one with the same label collides.
    let mut seen: BTreeMap<(Option<usize>, &str), &str> = BTreeMap::new();
    for plist in plists(cx) {
        let Some(dict) = plist.dict() else { continue };
        let path = &plist.path;
        let problem = match dict.get("Label") {
            None => Some("has no `Label` key".to_owned()),
            Some(plist::Value::String(s)) if s.trim().is_empty() => Some(format!("has an empty `Label` ({s:?})")),
            Some(plist::Value::String(_)) => None,
            Some(other) => Some(format!("has a `Label` that is {}, not a string", kind(other))),
        };
        if let Some(problem) = problem {
            let f = finding(cx, sink, RULE.id, plist, Some("Label"), format!("`{path}` {problem}: launchd refuses a job without a label"))
                .help("add `<key>Label</key><string>com.example.daemon</string>`, a reverse-DNS name unique to this job (by convention also the file name without `.plist`)");
            sink.push(f);
            continue;
        }
        let Some(label) = plist.label.as_deref() else { continue };
        match seen.get(&(plist.owner, label)) {
            Some(first) => {
                let f = finding(
                    cx,
                    sink,
                    RULE.id,
                    plist,
                    Some("Label"),
                    format!("`{path}` uses the label {label:?}, already used by `{first}`: launchd keeps one job per label, so only one of them can be registered"),
                )
                .help("give each job plist its own label (and name the file `<Label>.plist`)");
                sink.push(f);
            }
            None => {
                seen.insert((plist.owner, label), path);
            }
        }
    }
}

/// A plist value's type, for messages.
pub(super) fn kind(v: &plist::Value) -> &'static str {
    match v {
        plist::Value::Array(_) => "an array",
        plist::Value::Dictionary(_) => "a dictionary",
        plist::Value::Boolean(_) => "a boolean",
        plist::Value::Data(_) => "data",
        plist::Value::Date(_) => "a date",
        plist::Value::Real(_) => "a real number",
        plist::Value::Integer(_) => "an integer",
        plist::Value::String(_) => "a string",
        plist::Value::Uid(_) => "a UID",
        _ => "an unknown value",
    }
}

#[cfg(test)]
mod tests {
    use super::kind;

    #[test]
    fn kinds() {
        assert_eq!(kind(&plist::Value::Boolean(true)), "a boolean");
        assert_eq!(kind(&plist::Value::String("x".into())), "a string");
        assert_eq!(kind(&plist::Value::Array(vec![])), "an array");
    }
}

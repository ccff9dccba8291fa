//! `launchd-spawnconstraint`: a launchd plist's `SpawnConstraint` is a valid constraint
//! dictionary, and the signature of the program it launches (`BundleProgram`) satisfies it.

use ::plist::Value;

use crate::analysis::constraint_eval::{evaluate, validate, Verdict};
use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::constraints::parse_constraint_dict;
use crate::codesign::der_plist::kind_name;

use super::signed_as;
use crate::analysis::launchers::{facts_of, program};

pub static RULE: Rule = Rule { id: crate::rule_id::LAUNCHD_SPAWNCONSTRAINT, check: Check::Scan(check) };

const KEY: &str = "SpawnConstraint";
const UNPARSEABLE: &str = "`Launch Constraint Violation (enforcing), error info: c[5]p[1]m[4]e[2]`";

/// The key path of an issue inside `SpawnConstraint`, as [`crate::plist::Document::key_span`]
/// takes it, when it names dictionary keys only.
fn span_path(issue_path: &str) -> Option<String> {
    (!issue_path.is_empty() && !issue_path.contains('[')).then(|| format!("{KEY}/{}", issue_path.replace('.', "/")))
}

fn check(cx: &Context<'_>, sink: &mut Sink) {
    let items: Vec<_> = cx.items().collect();
    for plist in &cx.scan.discovery.launchd_plists {
        let Ok(doc) = &plist.document else { continue };
        let Some(value) = doc.dict().and_then(|d| d.get(KEY)) else { continue };
        let owner = plist.owner.and_then(|o| cx.scan.discovery.items.get(o)).map(|o| o.path.clone());
        let mut push = |message: String, span_key: Option<String>, help: String| {
            let span = span_key.and_then(|k| doc.key_span(&k)).or_else(|| doc.key_span(KEY));
            let mut f = sink.finding(RULE.id, &plist.path, message).span(span).help(help);
            if let Some(owner) = &owner {
                f = f.item(owner.clone());
            }
            sink.push(f);
        };
        let Value::Dictionary(dict) = value else {
            push(
                format!("`{}`: SpawnConstraint is {}, not a constraint dictionary; launchd cannot parse it: {UNPARSEABLE}", plist.path, kind_name(value)),
                None,
                "make SpawnConstraint a dictionary of facts, e.g. <key>team-identifier</key><string>ABCDE12345</string>".into(),
            );
            continue;
        };
        for issue in validate(dict) {
            let at = if issue.path.is_empty() { String::new() } else { format!(" at `{}`", issue.path) };
            push(
                format!("`{}`: SpawnConstraint{at}: {}; launchd cannot parse it and does not start the job: {UNPARSEABLE}", plist.path, issue.message),
                span_path(&issue.path),
                "use only documented facts (team-identifier, signing-identifier, cdhash, validation-category, launch-type, …) and operators ($and, $or, $in, $optional, …), with values of the fact's type".into(),
            );
        }
        let Ok(expr) = parse_constraint_dict(dict) else { continue };
        let Some(target) = program(&items, plist) else { continue };
        for slice in target.slices() {
            let Some((facts, arch)) = facts_of(&target, &slice.slice.arch) else { continue };
            let Verdict::Violated(v) = evaluate(&expr, &facts) else { continue };
            // A stale cdhash pin is lc-stale-cdhash's finding.
            if v.fact == "cdhash" {
                continue;
            }
            let m = if v.undefined { 5 } else { 1 };
            let e = if m == 1 { "e[0]" } else { "" };
            push(
                format!(
                    "`{}`: SpawnConstraint requires {}, for `{}` [{arch}] ({}); launchd does not start the job: `Launch Constraint Violation (enforcing), error info: c[5]p[1]m[{m}]{e}`",
                    plist.path,
                    v,
                    target.code_path(),
                    signed_as(&facts),
                ),
                Some(format!("{KEY}/{}", v.fact)),
                format!(
                    "make SpawnConstraint describe how `{}` is signed, or sign it that way; then unregister and register the job again so launchd reads the new plist",
                    target.code_path()
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn span_paths_follow_dictionary_keys() {
        assert_eq!(span_path("team-identifier").as_deref(), Some("SpawnConstraint/team-identifier"));
        assert_eq!(span_path("$or.launch-type").as_deref(), Some("SpawnConstraint/$or/launch-type"));
        assert_eq!(span_path("$or-array[0].$and"), None);
        assert_eq!(span_path(""), None);
    }
}

//! `smjb-privileged-executables`: the app's `SMPrivilegedExecutables` names every tool it ships,
//! and each requirement string compiles and is satisfied by that tool's signature.

use crate::checks::{Check, Context, Rule, Sink};
use crate::trust::requirement_eval::Verdict;

use super::smjb::{blessers, compile, item_at, verdict, Blesser, PRIVILEGED};

pub static RULE: Rule = Rule { id: crate::rule_id::SMJB_PRIVILEGED_EXECUTABLES, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for b in blessers(cx) {
        let Some(info_path) = b.info_path() else { continue };
        let mut report = |key: Option<String>, message: String, help: &str| {
            let mut f = sink.finding(RULE.id, info_path, message).item(b.app.item.path.clone()).help(help);
            if let Some(doc) = b.info {
                f = f.span(key.as_deref().and_then(|k| doc.key_span(k)).or_else(|| doc.key_span(PRIVILEGED)));
            }
            sink.push(f);
        };
        let listed = match b.privileged() {
            None => {
                let names: Vec<&str> = b.tools().iter().map(|(n, _, _)| *n).collect();
                report(None, format!("`{info_path}` has no {PRIVILEGED} but `{}` holds {names:?}: SMJobBless only installs a label that is a key of the calling app's SMPrivilegedExecutables", b.tools_dir), "add `SMPrivilegedExecutables`: a dictionary from each tool's label to the tool's designated requirement");
                continue;
            }
            Some(v) => {
                match v.as_dictionary() {
                    Some(d) => d,
                    None => {
                        report(None, format!("{PRIVILEGED} in `{info_path}` is {}, not a dictionary of label → requirement string", super::label::kind(v)), "write SMPrivilegedExecutables as a <dict> mapping each tool label to its requirement string");
                        continue;
                    }
                }
            }
        };
        unlisted_tools(&b, listed, &mut report);
        for (label, value) in listed {
            let key = Some(format!("{PRIVILEGED}/{label}"));
            let Some(text) = value.as_string() else {
                report(
                    key,
                    format!(
                        "{PRIVILEGED}[{label:?}] in `{info_path}` is {}, not a requirement string",
                        super::label::kind(value)
                    ),
                    "write the tool's designated requirement as a string (`codesign -d -r- tool`)",
                );
                continue;
            };
            let expr = match compile(text) {
                Ok(e) => e,
                Err(why) => {
                    report(key, format!("{PRIVILEGED}[{label:?}] in `{info_path}` does not compile ({why}): SMJobBless cannot check the tool and fails with CFErrorDomainLaunchd error 3 (kSMErrorInvalidSignature)"), "paste the tool's designated requirement exactly as `codesign -d -r- tool` prints it (after `designated =>`)");
                    continue;
                }
            };
            let tool_path = format!("{}/{label}", b.tools_dir);
            let Some(tool) = item_at(cx, &tool_path) else { continue };
            if let Verdict::Unsatisfied(why) = verdict(cx, &expr, tool.index) {
                report(key, format!("`{tool_path}` does not satisfy {PRIVILEGED}[{label:?}] = {text:?}: {why}; SMJobBless fails with CFErrorDomainLaunchd error 3 (kSMErrorInvalidSignature)"), "set the value to the tool's designated requirement (`codesign -d -r- tool`, or `SMJobBlessUtil.py setreq`) and sign the app again");
            }
        }
    }
}

/// Tools in `LaunchServices` that the dictionary does not name.
fn unlisted_tools(b: &Blesser<'_>, listed: &plist::Dictionary, report: &mut impl FnMut(Option<String>, String, &str)) {
    let Some(info_path) = b.info_path() else { return };
    for (name, _, _) in b.tools() {
        if !listed.contains_key(name) {
            report(None, format!("`{}/{name}` is not a key of {PRIVILEGED} in `{info_path}`: SMJobBless(…, \"{name}\", …) is refused for a label the app does not list", b.tools_dir), "add the tool's label with its designated requirement to SMPrivilegedExecutables, or remove the stray file");
        }
    }
}

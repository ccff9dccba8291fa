//! `smjb-tool-info-plist`: a privileged tool embeds an Info.plist (`__TEXT,__info_plist`, bound
//! by its signature) naming itself and the apps allowed to bless it, and the app satisfies one
//! of those requirements.

use std::collections::BTreeSet;

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::trust::requirement_eval::Verdict;

use super::smjb::{blessers, compile, item_at, verdict, AUTHORIZED};

pub static RULE: Rule = Rule { id: crate::rule_id::SMJB_TOOL_INFO_PLIST, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for b in blessers(cx) {
        for (name, path, _) in b.tools() {
            let Some(tool) = item_at(cx, &path) else { continue };
            let mut defects = BTreeSet::new();
            for slice in tool.slices() {
                let doc = match &slice.facts.info_plist {
                    None => {
                        defects.insert("has no `__TEXT,__info_plist` section".to_owned());
                        continue;
                    }
                    Some(Err(p)) => {
                        defects.insert(format!("has a `__TEXT,__info_plist` that does not parse ({})", p.message));
                        continue;
                    }
                    Some(Ok(doc)) => doc,
                };
                let Some(dict) = doc.dict() else {
                    defects.insert("has a `__TEXT,__info_plist` that is not a dictionary".to_owned());
                    continue;
                };
                if dict.get("CFBundleInfoDictionaryVersion").and_then(|v| v.as_string()) != Some("6.0") {
                    defects.insert("has no CFBundleInfoDictionaryVersion \"6.0\" in `__info_plist`".to_owned());
                }
                match dict.get("CFBundleIdentifier").and_then(|v| v.as_string()) {
                    Some(id) if id == name => {}
                    Some(id) => {
                        defects.insert(format!("declares CFBundleIdentifier {id:?}, not its file name {name:?}"));
                    }
                    None => {
                        defects.insert(format!("has no CFBundleIdentifier (must be {name:?})"));
                    }
                }
                let unbound = slice
                    .signature()
                    .and_then(|s| s.primary())
                    .is_some_and(|cd| cd.special_slot(1).is_none_or(|h| h.iter().all(|&x| x == 0)));
                if unbound {
                    defects.insert("is signed without binding its `__info_plist` (special slot -1 is empty; `codesign -dv` shows `Info.plist=not bound`)".to_owned());
                }
                if let Some(d) = clients_defect(cx, &b.app, dict.get(super::smjb::AUTHORIZED)) {
                    defects.insert(d);
                }
            }
            for defect in defects {
                let f = sink
                    .finding(RULE.id, &path, format!("privileged tool `{path}` {defect}: SMJobBless checks the tool's embedded Info.plist before installing it (its requirement 3) and refuses the tool, typically with CFErrorDomainLaunchd error 3 (kSMErrorInvalidSignature)"))
                    .item(tool.item.path.clone())
                    .help(format!("embed an Info.plist with `-sectcreate __TEXT __info_plist Info.plist` (Xcode: CREATE_INFOPLIST_SECTION_IN_BINARY) holding CFBundleIdentifier `{name}`, CFBundleInfoDictionaryVersion 6.0 and SMAuthorizedClients = [the app's designated requirement], then sign the tool"));
                sink.push(f);
            }
        }
    }
}

/// What is wrong with `SMAuthorizedClients`, judged against the app.
fn clients_defect(cx: &Context<'_>, app: &ItemView<'_>, value: Option<&plist::Value>) -> Option<String> {
    let Some(value) = value else { return Some(format!("has no {AUTHORIZED} in `__info_plist`")) };
    let Some(list) = value.as_array() else {
        return Some(format!(
            "has {AUTHORIZED} that is {}, not an array of requirement strings",
            super::label::kind(value)
        ));
    };
    if list.is_empty() {
        return Some(format!("has an empty {AUTHORIZED}"));
    }
    let mut failures = Vec::new();
    for entry in list {
        let Some(text) = entry.as_string() else {
            return Some(format!("has {AUTHORIZED} holding {}, not a requirement string", super::label::kind(entry)));
        };
        let expr = match compile(text) {
            Ok(e) => e,
            Err(why) => return Some(format!("has {AUTHORIZED} entry {text:?} that does not compile ({why})")),
        };
        match verdict(cx, &expr, app.index) {
            Verdict::Unsatisfied(why) => failures.push(format!("{text:?} ({why})")),
            _ => return None,
        }
    }
    Some(format!("names in {AUTHORIZED} no requirement the app `{}` satisfies: {}", app.item.path, failures.join("; ")))
}

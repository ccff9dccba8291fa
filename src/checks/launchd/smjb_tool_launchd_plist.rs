//! `smjb-tool-launchd-plist`: a privileged tool embeds a launchd plist (`__TEXT,__launchd_plist`)
//! whose `Label` is the tool's file name.

use std::collections::BTreeSet;

use crate::checks::{Check, Context, Rule, Sink};
use crate::input::base_name;

use super::smjb::{blessers, item_at};

pub static RULE: Rule = Rule { id: crate::rule_id::SMJB_TOOL_LAUNCHD_PLIST, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for b in blessers(cx) {
        for (name, path, _) in b.tools() {
            let Some(tool) = item_at(cx, &path) else { continue };
            let mut defects = BTreeSet::new();
            for slice in tool.slices() {
                let defect = match &slice.facts.launchd_plist {
                    None => "has no `__TEXT,__launchd_plist` section".to_owned(),
                    Some(Err(p)) => {
                        format!("has a `__TEXT,__launchd_plist` section that does not parse ({})", p.message)
                    }
                    Some(Ok(doc)) => match doc.dict().map(|d| d.get("Label")) {
                        None => "has a `__TEXT,__launchd_plist` that is not a dictionary".to_owned(),
                        Some(None) => "has a `__TEXT,__launchd_plist` without Label".to_owned(),
                        Some(Some(v)) if v.as_string() == Some(base_name(&path)) => continue,
                        Some(Some(v)) => {
                            format!("has a `__TEXT,__launchd_plist` whose Label is {}, not {name:?}", shown(v))
                        }
                    },
                };
                defects.insert(defect);
            }
            for defect in defects {
                let f = sink
                    .finding(RULE.id, &path, format!("privileged tool `{path}` {defect}: SMJobBless installs the job from that section, which must exist and be labelled with the tool's name (its requirements 4 and 5); without it SMJobBless fails with CFErrorDomainLaunchd error 8 (kSMErrorJobPlistNotFound)"))
                    .item(tool.item.path.clone())
                    .help(format!("link the tool with `-sectcreate __TEXT __launchd_plist launchd.plist` (Xcode: OTHER_LDFLAGS) where launchd.plist has `<key>Label</key><string>{name}</string>`"));
                sink.push(f);
            }
        }
    }
}

fn shown(v: &plist::Value) -> String {
    match v.as_string() {
        Some(s) => format!("{s:?}"),
        None => super::label::kind(v).to_owned(),
    }
}

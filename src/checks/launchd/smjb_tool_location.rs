//! `smjb-tool-location`: every privileged executable an app lists is a Mach-O file in its
//! `Contents/Library/LaunchServices/`, and that folder holds nothing else.

use crate::checks::{Check, Context, Rule, Sink};
use crate::input::Entry;

use super::smjb::{blessers, item_at, PRIVILEGED};

pub static RULE: Rule = Rule { id: crate::rule_id::SMJB_TOOL_LOCATION, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for b in blessers(cx) {
        let app = &b.app.item.path;
        let tools = b.tools();
        for (name, path, entry) in &tools {
            let why = match entry {
                Entry::Dir => "is a directory; SMJobBless installs a single executable file named after its label",
                Entry::File(_) if item_at(cx, path).is_none() => "is not a Mach-O executable",
                _ => continue,
            };
            let f = sink
                .finding(RULE.id, path, format!("`{path}` {why}: SMJobBless(kSMDomainSystemLaunchd, \"{name}\", …) fails with CFErrorDomainLaunchd error 5 (kSMErrorToolNotValid)"))
                .item(app.clone())
                .help("put the helper tool itself (a signed command-line Mach-O named exactly like its launchd label) in Contents/Library/LaunchServices/");
            sink.push(f);
        }
        let Some(listed) = b.privileged().and_then(plist::Value::as_dictionary) else { continue };
        let Some(info_path) = b.info_path() else { continue };
        for label in listed.keys() {
            if tools.iter().any(|(name, _, _)| name == label) {
                continue;
            }
            let mut f = sink
                .finding(RULE.id, info_path, format!("{PRIVILEGED} in `{info_path}` lists {label:?}, but `{}/{label}` does not exist: SMJobBless fails with CFErrorDomainLaunchd error 5 (kSMErrorToolNotValid)", b.tools_dir))
                .item(app.clone())
                .help(format!("add a Copy Files build phase (destination Wrapper, subpath Contents/Library/LaunchServices) that copies the helper tool named `{label}`"));
            if let Some(doc) = b.info {
                f = f.span(doc.key_span(&format!("{PRIVILEGED}/{label}")).or_else(|| doc.key_span(PRIVILEGED)));
            }
            sink.push(f);
        }
    }
}

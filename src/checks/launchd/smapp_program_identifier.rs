//! `smapp-program-identifier`: the signing identifier of the program a bundled job launches equals
//! the `CFBundleIdentifier` of its Info.plist (bundle or embedded `__info_plist`).

use crate::checks::{Check, Context, ItemView, Rule, Sink};

use super::{finding, owner, plists, target};

pub static RULE: Rule = Rule { id: crate::rule_id::SMAPP_PROGRAM_IDENTIFIER, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for plist in plists(cx) {
        let (Some(_), Some(program)) = (owner(cx, plist), target(cx, plist)) else { continue };
        let Some(identifier) = program.signing_identifier() else { continue };
        let Some((bundle_id, source)) = declared_identifier(&program) else { continue };
        if bundle_id == identifier {
            continue;
        }
        let exe = program.code_path();
        let f = finding(
            cx,
            sink,
            RULE.id,
            plist,
            Some("BundleProgram"),
            format!("`{exe}`, launched by `{}`, is signed with identifier {identifier:?} but its {source} says CFBundleIdentifier {bundle_id:?}: the identity launchd records at registration and the one the program presents disagree, so the implicit launch constraint can fail (`AMFI: Launch Constraint Violation … c[5]p[1]m[1]e[0]`)", plist.path),
        )
        .help(format!("sign `{exe}` with `codesign --identifier {bundle_id}` (or fix CFBundleIdentifier), keep it stable across releases, and unregister + register the service after an upgrade that changes it"));
        sink.push(f);
    }
}

/// The program's declared bundle identifier and where it comes from.
fn declared_identifier<'a>(program: &ItemView<'a>) -> Option<(&'a str, &'static str)> {
    if let Some(id) = program.info().and_then(|d| d.string("CFBundleIdentifier")) {
        return Some((id, "Info.plist"));
    }
    program.slices().into_iter().find_map(|s| {
        let doc = s.facts.info_plist.as_ref()?.as_ref().ok()?;
        Some((doc.string("CFBundleIdentifier")?, "embedded `__TEXT,__info_plist`"))
    })
}

//! `ios-appex-frameworks`: iOS-family app extensions hold no `Frameworks` folder, and frameworks
//! hold no nested frameworks; shared code belongs in the containing app's `Frameworks/`.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

use super::is_ios_family;

pub static RULE: Rule = Rule { id: crate::rule_id::IOS_APPEX_FRAMEWORKS, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(bundle) = &item.item.bundle else { return };
    match item.item.role {
        Role::AppExtension if is_ios_family(item) => {
            let frameworks = format!("{}/Frameworks", bundle.content);
            if item.scan.tree.get(&frameworks).is_none() {
                return;
            }
            let f = sink
                .finding(
                    RULE.id,
                    &frameworks,
                    format!(
                        "app extension `{}` contains `Frameworks`; App Store validation rejects it: ITMS-90206 \"Invalid Bundle. The bundle at '{}' contains disallowed file 'Frameworks'.\"",
                        item.item.path, item.item.path
                    ),
                )
                .item(item.item.path.clone())
                .help("set \"Always Embed Swift Standard Libraries\" to No and do not embed frameworks in the extension target; embed them in the app and link them from the extension (@rpath = @executable_path/../../Frameworks)");
            sink.push(f);
        }
        Role::Framework if is_ios_family(item) => {
            let Some(parent) = item.parent() else { return };
            if parent.item.role != Role::Framework {
                return;
            }
            let f = sink
                .finding(
                    RULE.id,
                    &item.item.path,
                    format!(
                        "framework `{}` is nested inside framework `{}`; App Store validation rejects nested bundles (ITMS-90205 \"Invalid Bundle. The bundle at '{}' contains disallowed nested bundles.\")",
                        item.item.path, parent.item.path, parent.item.path
                    ),
                )
                .item(item.item.path.clone())
                .help("embed every framework directly in the app's Frameworks/ folder (Embed Frameworks build phase of the app target only)");
            sink.push(f);
        }
        _ => {}
    }
}

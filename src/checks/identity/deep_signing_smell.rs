//! `deep-signing-smell`: a sign that `codesign --deep` signed everything alike — every nested
//! executable carrying the main app's entitlements. Entitlements on libraries, the other trace
//! `--deep` leaves, are `ent-on-library-code` and `ent-restricted-on-library-code`.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::DEEP_SIGNING_SMELL, check: Check::Scan(check) };

fn entitlements(item: &ItemView<'_>) -> Option<plist::Value> {
    item.slices().into_iter().find_map(|s| s.signature()?.entitlements_value().cloned())
}

fn non_empty(v: &plist::Value) -> bool {
    v.as_dictionary().is_some_and(|d| !d.is_empty())
}

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for app in cx.items().filter(|i| i.item.parent.is_none()) {
        let Some(main) = entitlements(&app).filter(non_empty) else { continue };
        let nested: Vec<ItemView<'_>> = cx
            .items()
            .filter(|i| i.item.path.starts_with(&format!("{}/", app.item.path)))
            .filter(|i| {
                matches!(
                    i.item.role,
                    Role::HelperTool
                        | Role::XpcService
                        | Role::AppExtension
                        | Role::LoginItem
                        | Role::LaunchdProgram
                        | Role::SmJobBlessTool
                        | Role::SystemExtension
                )
            })
            .collect();
        let copies = nested.iter().filter(|i| entitlements(i).as_ref() == Some(&main)).count();
        if nested.len() >= 2 && copies == nested.len() {
            sink.item(
                &app,
                RULE.id,
                format!("all {copies} nested executables of `{}` carry exactly its entitlements", app.item.path),
            )
            .help = Some(
                "sign each nested executable on its own, inside out, with the entitlements it needs — not with --deep"
                    .into(),
            );
        }
    }
}

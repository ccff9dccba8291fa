//! `macho-arch-coverage`: executables in a product cover the architectures its app does.

use std::collections::BTreeSet;

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::MACHO_ARCH_COVERAGE, check: Check::Item(check) };

/// Roles that run as processes of their own: each must run natively where the app does.
fn runs_on_its_own(role: Role) -> bool {
    matches!(
        role,
        Role::HelperTool
            | Role::XpcService
            | Role::LoginItem
            | Role::LaunchdProgram
            | Role::SmJobBlessTool
            | Role::SystemExtension
            | Role::AppExtension
            | Role::App
    )
}

fn archs(item: &ItemView<'_>) -> BTreeSet<String> {
    item.slices().iter().map(|s| s.slice.arch.clone()).collect()
}

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if !runs_on_its_own(item.item.role) {
        return;
    }
    // Compare with the outermost app containing this item.
    let mut app = None;
    let mut cursor = item.parent();
    while let Some(p) = cursor {
        if p.item.role == Role::App {
            app = Some(p);
        }
        cursor = p.parent();
    }
    let Some(app) = app else { return };
    let (mine, theirs) = (archs(item), archs(&app));
    let missing: Vec<&String> = theirs.difference(&mine).collect();
    if mine.is_empty() || missing.is_empty() {
        return;
    }
    let list = |s: Vec<&String>| s.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(", ");
    sink.item(
        item,
        RULE.id,
        format!(
            "`{}` lacks {} which `{}` runs on ({} vs {})",
            item.code_path(),
            list(missing),
            app.item.path,
            list(mine.iter().collect()),
            list(theirs.iter().collect())
        ),
    )
    .help = Some("build the helper for every architecture of the app (universal binary)".into());
}

//! `sig-bundle-team-mismatch`: nested code is signed by the same team as the code containing it.

use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_BUNDLE_TEAM_MISMATCH, check: Check::Item(check) };

fn team(item: &ItemView<'_>) -> Option<String> {
    item.slices().iter().find_map(|s| s.signature()?.primary()?.team_id.clone())
}

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(parent) = item.parent() else { return };
    let (Some(own), Some(theirs)) = (team(item), team(&parent)) else { return };
    if own == theirs {
        return;
    }
    let (path, parent_path) = (item.code_path(), &parent.item.path);
    sink.item(item, RULE.id, format!("`{path}` is signed by team {own} but `{parent_path}` by team {theirs}"))
        .help = Some(format!("re-sign the nested code with team {theirs}'s identity, or keep third-party code signed by its vendor and allow it explicitly"));
}

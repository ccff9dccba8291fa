//! `sbx-app-group-team-mismatch`: a `<TeamID>.` app group belongs to the signer's team.

use super::team_prefix;
use crate::analysis::services::{self, APPLICATION_GROUPS};
use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::SBX_APP_GROUP_TEAM_MISMATCH, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(e) = services::entitlements(item) else { return };
    // Ad-hoc code has no team to compare with.
    let Some(team) = services::team_id(item) else { return };
    for group in services::app_groups(e) {
        let Some(prefix) = team_prefix(&group) else { continue };
        if prefix == team {
            continue;
        }
        let path = item.code_path();
        let rest = &group[prefix.len()..];
        sink.item(
            item,
            RULE.id,
            format!(
                "`{path}` (team {team}) claims app group `{group}` in {APPLICATION_GROUPS}, which belongs to team {prefix}"
            ),
        )
        .help = Some(format!(
            "use `{team}{rest}` in the entitlements of every member of the group (or sign with team {prefix}'s certificate), then re-sign"
        ));
    }
}

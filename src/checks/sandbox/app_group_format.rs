//! `sbx-app-group-format`: every app group is `group.<name>` or `<TeamID>.<name>`.

use super::team_prefix;
use crate::analysis::services::{self, APPLICATION_GROUPS};
use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::SBX_APP_GROUP_FORMAT, check: Check::Item(check) };

/// Whether `group` has one of the two forms Apple allocates. A team-like prefix of another team
/// is left to `sbx-app-group-team-mismatch`.
fn well_formed(group: &str) -> bool {
    group.strip_prefix("group.").is_some_and(|rest| !rest.is_empty()) || team_prefix(group).is_some()
}

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(e) = services::entitlements(item) else { return };
    let team = services::team_id(item);
    for group in services::app_groups(e).iter().filter(|g| !well_formed(g)) {
        let path = item.code_path();
        let team_form = team.map_or_else(|| "`<TeamID>.`".to_owned(), |t| format!("the team ID `{t}.`"));
        let example = format!("{}.{}", team.unwrap_or("TEAMID"), group.trim_start_matches('.'));
        sink.item(
            item,
            RULE.id,
            format!("`{path}` claims app group `{group}` in {APPLICATION_GROUPS}, which starts with neither `group.` nor {team_form}"),
        )
        .help = Some(format!(
            "rename the group to `{example}` (macOS style) or register `group.{}` on the Developer site and authorise it with a provisioning profile, then re-sign",
            group.trim_start_matches('.')
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::well_formed;

    #[test]
    fn both_forms_are_accepted() {
        assert!(well_formed("group.com.example.shared"));
        assert!(well_formed("ABCDE12345.com.example"));
        assert!(!well_formed("com.example.shared"));
        assert!(!well_formed("group."));
    }
}

//! `sbx-app-group-format`: every app group is `group.<name>` or `<TeamID>.<name>`. Judged in
//! signatures and in entitlements files, where Xcode's `$(TeamIdentifierPrefix)` stands for the
//! team prefix.

use super::team_prefix;
use crate::analysis::services::{self, APPLICATION_GROUPS};
use crate::checks::{Check, Context, Rule, Sink, SourceKind};

pub static RULE: Rule = Rule { id: crate::rule_id::SBX_APP_GROUP_FORMAT, check: Check::Scan(check) };

/// Build variables that expand to `<TeamID>.` when Xcode signs.
const TEAM_PREFIX_VARIABLES: &[&str] = &["$(TeamIdentifierPrefix)", "$(AppIdentifierPrefix)"];

/// Whether `group` has one of the two forms Apple allocates. A team-like prefix of another team
/// is left to `sbx-app-group-team-mismatch`.
fn well_formed(group: &str) -> bool {
    group.strip_prefix("group.").is_some_and(|rest| !rest.is_empty()) || team_prefix(group).is_some()
}

/// The same for a group written in a source file: a team-prefix variable is a team prefix, and
/// a group built from other variables is known only after the build.
fn well_formed_in_source(group: &str) -> bool {
    let expanded =
        TEAM_PREFIX_VARIABLES.iter().find_map(|v| group.strip_prefix(v)).map(|rest| format!("ABCDE12345.{rest}"));
    match expanded {
        Some(g) => well_formed(&g),
        None => group.contains("$(") || well_formed(group),
    }
}

fn message(path: &str, group: &str, team: Option<&str>) -> (String, String) {
    let team_form = team.map_or_else(|| "`<TeamID>.`".to_owned(), |t| format!("the team ID `{t}.`"));
    let example = format!("{}.{}", team.unwrap_or("TEAMID"), group.trim_start_matches('.'));
    (
        format!("`{path}` claims app group `{group}` in {APPLICATION_GROUPS}, which starts with neither `group.` nor {team_form}"),
        format!(
            "rename the group to `{example}` (macOS style) or register `group.{}` on the Developer site and authorise it with a provisioning profile",
            group.trim_start_matches('.')
        ),
    )
}

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for item in cx.items() {
        let Some(e) = services::entitlements(&item) else { continue };
        let team = services::team_id(&item);
        for group in services::app_groups(e).iter().filter(|g| !well_formed(g)) {
            let (message, help) = message(item.code_path(), group, team);
            sink.item(&item, RULE.id, message).help = Some(format!("{help}, then re-sign"));
        }
    }
    for source in cx.sources(SourceKind::Entitlements) {
        for group in services::app_groups(source.dict).iter().filter(|g| !well_formed_in_source(g)) {
            let (message, help) = message(&source.file.path, group, None);
            sink.push(source.finding(RULE.id, APPLICATION_GROUPS, message).help(help));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{well_formed, well_formed_in_source};

    #[test]
    fn both_forms_are_accepted() {
        assert!(well_formed("group.com.example.shared"));
        assert!(well_formed("ABCDE12345.com.example"));
        assert!(!well_formed("com.example.shared"));
        assert!(!well_formed("group."));
    }

    #[test]
    fn sources_may_use_the_team_prefix_variable() {
        assert!(well_formed_in_source("$(TeamIdentifierPrefix)com.example.shared"));
        assert!(well_formed_in_source("group.$(PRODUCT_BUNDLE_IDENTIFIER)"));
        assert!(well_formed_in_source("$(GROUP_NAME)"));
        assert!(!well_formed_in_source("com.example.shared"));
        assert!(!well_formed_in_source("$(TeamIdentifierPrefix)"));
    }
}

//! `sig-universal-team-mismatch`: all slices of a universal binary carry the same team ID.

use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_UNIVERSAL_TEAM_MISMATCH, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let teams: Vec<(String, Option<String>)> = item
        .slices()
        .iter()
        .filter_map(|s| Some((s.slice.arch.clone(), s.signature()?.primary()?.team_id.clone())))
        .collect();
    let Some((first_arch, first_team)) = teams.first() else { return };
    let Some((arch, team)) = teams.iter().find(|(_, t)| t != first_team) else { return };
    let show = |t: &Option<String>| t.as_ref().map_or_else(|| "no team".to_owned(), |t| format!("team {t}"));
    let path = item.code_path();
    sink.item(
        item,
        RULE.id,
        format!("`{path}` has {} in its {first_arch} slice but {} in its {arch} slice", show(first_team), show(team)),
    )
    .help = Some(
        "sign every architecture with the same identity (lipo the unsigned slices together, then sign once)".into(),
    );
}

//! `expect-team-id`: every signed slice carries the team ID the configuration pins.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::EXPECT_TEAM_ID, check: Check::Slice(check) };

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(expected) = cx.settings.expect.team_id.as_deref() else { return };
    let Some(cd) = slice.signature().and_then(|s| s.primary()) else { return };
    if cd.team_id.as_deref() == Some(expected) {
        return;
    }
    let actual = cd.team_id.as_deref().map_or_else(|| "no team".to_owned(), |t| format!("team {t}"));
    let path = slice.item.code_path();
    let f = slice
        .finding(
            RULE.id,
            format!("`{path}` [{}] is signed by {actual}; bundlelint.toml expects team {expected}", slice.slice.arch),
        )
        .help(format!(
            "sign with team {expected}'s certificate, or update [expect] team-id if the team changed on purpose"
        ));
    sink.push(f);
}

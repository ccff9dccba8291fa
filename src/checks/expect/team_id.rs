//! `expect-team-id`: every signed slice is signed by the team the configuration pins: its
//! CodeDirectory records that team and its signing certificate vouches for it.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::EXPECT_TEAM_ID, check: Check::Slice(check) };

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(expected) = cx.settings.expect.team_id.as_deref() else { return };
    let Some(sig) = slice.signature() else { return };
    let Some(cd) = sig.primary() else { return };
    let recorded = cd.team_id.as_deref();
    let leaf = sig.cms_info().and_then(|c| c.leaf());
    // The team written in the CodeDirectory is only a claim; the signing certificate vouches for it.
    let certified = leaf.and_then(|l| l.team_id());
    if recorded == Some(expected) && certified == Some(expected) {
        return;
    }
    let actual = match (recorded, leaf) {
        (Some(team), None) if team == expected => {
            format!("no certificate: the signature is ad hoc, and team {team} in its CodeDirectory is only a claim")
        }
        (Some(team), Some(_)) if team == expected => format!(
            "a certificate of {} while its CodeDirectory records team {team}",
            certified.map_or_else(|| "no team".to_owned(), |c| format!("team {c}"))
        ),
        (Some(team), _) => format!("team {team}"),
        (None, _) => "no team".to_owned(),
    };
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

//! `ent-team-id-mismatch`: the team ID entitlement, the profile's team, the signature's team ID
//! and the signing certificate's team are one and the same.

use super::{own_profile, platform_of, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::entitlements::TEAM_ID_KEY;

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_TEAM_ID_MISMATCH, check: Check::Item(check) };

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    if view.item.bundle.is_none() {
        return;
    }
    let Some(claims) = Claims::of(view) else { return };
    if !claims.is_executable() {
        return;
    }
    // Only restricted claims make AMFI match the profile; an app that claims none runs whatever
    // profile it carries (a mismatched profile is then the profile rules' concern).
    if claims.restricted(platform_of(view)).is_empty() {
        return;
    }
    let profile = own_profile(view);
    let claimed = claims.dict.get(TEAM_ID_KEY).and_then(plist::Value::as_string);
    // Without a team entitlement or a profile there is nothing that authorises by team here.
    if claimed.is_none() && profile.is_none() {
        return;
    }
    let sig = claims.slice.signature();
    let cd_team = sig.and_then(|s| s.primary()).and_then(|cd| cd.team_id.as_deref());
    let cert_team = sig.and_then(|s| s.cms_info()).and_then(|c| c.leaf()).and_then(|l| l.team_id());
    let sources: Vec<(String, &str)> = [
        claimed.map(|t| (format!("`{TEAM_ID_KEY}`"), t)),
        profile.and_then(|(path, p)| {
            Some((format!("the profile's TeamIdentifier (`{path}`)"), p.team_identifiers.first()?.as_str()))
        }),
        cd_team.map(|t| ("the signature's TeamIdentifier".to_owned(), t)),
        cert_team.map(|t| ("the signing certificate's OU".to_owned(), t)),
    ]
    .into_iter()
    .flatten()
    .collect();
    if agree(&sources) {
        return;
    }
    let shown: Vec<String> = sources.iter().map(|(what, team)| format!("{what} is {team}")).collect();
    let message = format!(
        "`{}` has team IDs that disagree: {}: AMFI finds no matching profile and refuses to run it; App Store upload fails with ITMS-90287",
        view.code_path(),
        shown.join(", ")
    );
    let range = claims.range_of(TEAM_ID_KEY);
    super::report(sink, view, RULE.id, message, "sign with a certificate of the team that owns the App ID, embed a profile of that team, and set the team ID entitlement to it (Xcode: DEVELOPMENT_TEAM)", range);
}

/// Whether every source names the same team.
fn agree(sources: &[(String, &str)]) -> bool {
    sources.windows(2).all(|w| w[0].1 == w[1].1)
}

#[cfg(test)]
mod tests {
    use super::agree;

    #[test]
    fn teams_agree() {
        let same = vec![("a".to_owned(), "T1"), ("b".to_owned(), "T1")];
        assert!(agree(&same));
        let differ = vec![("a".to_owned(), "T1"), ("b".to_owned(), "T2")];
        assert!(!agree(&differ));
        assert!(agree(&[]));
    }
}

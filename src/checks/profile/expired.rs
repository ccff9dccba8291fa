//! `profile-expired`: the embedded profile had not expired when the code was signed, and (for a
//! release) has not expired today. A profile on its own (about to be embedded) is judged against
//! today's date.

use crate::checks::{Check, Context, ItemView, Rule, Sink};

use super::{embedded, profile_name, signed_at};

pub static RULE: Rule = Rule { id: crate::rule_id::PROFILE_EXPIRED, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for item in cx.items() {
        check_item(cx, &item, sink);
    }
    let release = cx.policy.is_distribution();
    for (file, facts) in cx.scan.profiles().filter(|(f, _)| f.owner.is_none()) {
        let Ok(profile) = &facts.profile else { continue };
        let (Some(expires), Some(expires_text)) = (profile.expiration_date_unix, profile.expiration_date.as_deref())
        else {
            continue;
        };
        let Some(message) = verdict(expires, None, release.then_some(now_unix())) else { continue };
        let f = sink
            .finding(RULE.id, &file.path, format!("`{}`: the profile {} {message}", file.path, profile_name(file, profile)))
            .help(format!(
                "download a current profile (this one expired {expires_text}) from Certificates, Identifiers & Profiles or let Xcode regenerate it"
            ));
        sink.push(f);
    }
}

fn check_item(cx: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some((file, profile)) = embedded(item) else { return };
    let (Some(expires), Some(expires_text)) = (profile.expiration_date_unix, profile.expiration_date.as_deref()) else {
        return;
    };
    let signed = signed_at(item);
    let release = cx.policy.is_distribution();
    let now = now_unix();
    let Some(message) =
        verdict(expires, signed.as_ref().map(|(t, text, by)| (*t, text.as_str(), *by)), release.then_some(now))
    else {
        return;
    };
    let f = sink
        .finding(RULE.id, &file.path, format!("`{}`: the embedded profile {} {message}", item.item.path, profile_name(file, profile)))
        .item(item.item.path.clone())
        .help(format!(
            "download a current profile (it expired {expires_text}) from Certificates, Identifiers & Profiles or let Xcode regenerate it, embed it and re-sign"
        ));
    sink.push(f);
}

/// Why a profile expiring at `expires` is a problem, if it is: expired before the signing time
/// (always), or before `now` (release gates only).
fn verdict(expires: i64, signed: Option<(i64, &str, &str)>, now: Option<i64>) -> Option<String> {
    let expires_text = crate::time::rfc3339_from_unix(expires).unwrap_or_default();
    if let Some((at, at_text, by)) = signed {
        if expires < at {
            return Some(format!(
                "expired on {expires_text}, before the code was signed ({by} {at_text}): it authorised nothing when it was embedded"
            ));
        }
    }
    let now = now?;
    if expires < now {
        let signed_note =
            signed.map(|(_, t, _)| format!(" (it was valid when the code was signed, {t})")).unwrap_or_default();
        return Some(format!(
            "expired on {expires_text}{signed_note}; checked against today's date because a release must ship a profile that is still valid"
        ));
    }
    None
}

/// Seconds since the Unix epoch now; 0 if the clock is before 1970.
fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::verdict;

    #[test]
    fn expired_before_signing_is_reported_without_a_clock() {
        let v =
            verdict(1_735_689_600, Some((1_780_315_200, "2026-06-01T12:00:00Z", "the signing time")), None).unwrap();
        assert!(
            v.contains(
                "expired on 2025-01-01T00:00:00Z, before the code was signed (the signing time 2026-06-01T12:00:00Z)"
            ),
            "{v}"
        );
    }

    #[test]
    fn expired_after_signing_only_counts_for_releases() {
        let signed = Some((1_719_000_000, "2024-06-21T20:00:00Z", "the signing time"));
        assert_eq!(verdict(1_719_800_000, signed, None), None);
        let v = verdict(1_719_800_000, signed, Some(1_800_000_000)).unwrap();
        assert!(v.contains("it was valid when the code was signed"), "{v}");
        assert_eq!(verdict(2_000_000_000, signed, Some(1_800_000_000)), None);
    }
}

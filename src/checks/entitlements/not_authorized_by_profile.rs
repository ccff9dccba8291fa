//! `ent-not-authorized-by-profile`: a macOS executable claims a restricted entitlement (or a
//! value of one) that its bundle's provisioning profile does not allow. An entitlements file
//! given as input is judged against the profile given with `--profile`.

use super::{own_profile, platform_of, unauthorised, Claims, Unauthorised};
use crate::checks::{Check, Context, ItemView, Rule, Sink, SourceKind};
use crate::entitlements::{self, Platform};

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_NOT_AUTHORIZED_BY_PROFILE, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for view in cx.items() {
        check_item(&view, sink);
    }
    let Some(given) = &cx.settings.given_profile else { return };
    // A profile for macOS lists `OSX`; any other platform has iOS's entitlement rules.
    let platform =
        if given.profile.platforms.iter().any(|p| p == "OSX") { Platform::MacOs } else { Platform::IosFamily };
    for source in cx.sources(SourceKind::Entitlements) {
        for miss in unauthorised(source.dict, &given.profile, |k| entitlements::is_restricted(k, platform)) {
            let message = format!(
                "`{}` claims `{}` = {}, but {} (`{}`): AMFI refuses to run code signed with it (\"No matching profile found\", Unsatisfied Entitlements: {})",
                source.file.path,
                miss.key,
                entitlements::show(miss.claimed),
                miss.verdict(),
                given.path,
                miss.key,
            );
            sink.push(source.finding(RULE.id, miss.key, message).help(help(&miss)));
        }
    }
}

/// How to resolve an entitlement the profile does not allow.
fn help(miss: &Unauthorised<'_>) -> String {
    match miss.allowed {
        None => format!(
            "enable the capability for `{}` on the App ID in the developer account and download a new profile, or remove `{}` from the entitlements file, then re-sign",
            miss.key, miss.key
        ),
        Some(a) => format!(
            "claim only what the profile allows ({}) or regenerate the profile with the value you need, then re-sign",
            entitlements::show(a)
        ),
    }
}

fn check_item(view: &ItemView<'_>, sink: &mut Sink) {
    // iOS-family bundles are `ios-all-entitlements-authorized`: there every key counts.
    let platform = platform_of(view);
    if view.item.bundle.is_none() || platform != Platform::MacOs {
        return;
    }
    let Some((profile_path, profile)) = own_profile(view) else { return };
    let Some(claims) = Claims::of(view) else { return };
    if !claims.is_executable() {
        return;
    }
    let exe = view.code_path();
    for miss in unauthorised(claims.dict, profile, |k| entitlements::is_restricted(k, platform)) {
        let message = format!(
            "`{exe}` claims `{}` = {}, but {} (`{profile_path}`): AMFI refuses to run it (\"No matching profile found\", Unsatisfied Entitlements: {}); App Store upload fails with ITMS-90287/90288",
            miss.key,
            entitlements::show(miss.claimed),
            miss.verdict(),
            miss.key,
        );
        let help = help(&miss);
        let range = claims.range_of(miss.key);
        super::report(sink, view, RULE.id, message, help, range);
    }
}

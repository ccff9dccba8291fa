//! `ent-not-authorized-by-profile`: a macOS executable claims a restricted entitlement (or a
//! value of one) that its bundle's provisioning profile does not allow.

use super::{own_profile, platform_of, unauthorised, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::entitlements::{self, Platform};

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_NOT_AUTHORIZED_BY_PROFILE, check: Check::Item(check) };

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
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
    for miss in unauthorised(&claims, profile, |k| entitlements::is_restricted(k, platform)) {
        let message = format!(
            "`{exe}` claims `{}` = {}, but {} (`{profile_path}`): AMFI refuses to run it (\"No matching profile found\", Unsatisfied Entitlements: {}); App Store upload fails with ITMS-90287/90288",
            miss.key,
            entitlements::show(miss.claimed),
            miss.verdict(),
            miss.key,
        );
        let help = match miss.allowed {
            None => format!(
                "enable the capability for `{}` on the App ID in the developer account and download a new profile, or remove `{}` from the entitlements file, then re-sign",
                miss.key, miss.key
            ),
            Some(a) => format!(
                "claim only what the profile allows ({}) or regenerate the profile with the value you need, then re-sign",
                entitlements::show(a)
            ),
        };
        let range = claims.range_of(miss.key);
        super::report(sink, view, RULE.id, message, help, range);
    }
}

//! `ios-all-entitlements-authorized`: on the iOS family every entitlement an executable claims,
//! `get-task-allow` and keychain groups included, must be allowed by its embedded profile.

use super::{own_profile, platform_of, unauthorised, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::entitlements::{self, Platform};

pub static RULE: Rule = Rule { id: crate::rule_id::IOS_ALL_ENTITLEMENTS_AUTHORIZED, check: Check::Item(check) };

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    if view.item.bundle.is_none() || platform_of(view) != Platform::IosFamily {
        return;
    }
    let Some((profile_path, profile)) = own_profile(view) else { return };
    let Some(claims) = Claims::of(view) else { return };
    if !claims.is_executable() {
        return;
    }
    let exe = view.code_path();
    for miss in unauthorised(claims.dict, profile, |_| true) {
        let message = format!(
            "`{exe}` claims `{}` = {}, but {} (`{profile_path}`): the install fails (\"The entitlements specified in your application’s Code Signing Entitlements file are invalid, not permitted, or do not match those specified in your provisioning profile. (0xE8008016)\") and App Store upload fails with ITMS-90164",
            miss.key,
            entitlements::show(miss.claimed),
            miss.verdict(),
        );
        let help = match miss.allowed {
            None => format!(
                "remove `{}` from the entitlements, or enable its capability on the App ID and download a new profile, then re-sign",
                miss.key
            ),
            Some(a) => format!(
                "claim only what the profile allows ({}), or sign with a profile that allows {} (a distribution profile has get-task-allow false), then re-sign",
                entitlements::show(a),
                entitlements::show(miss.claimed)
            ),
        };
        let range = claims.range_of(miss.key);
        super::report(sink, view, RULE.id, message, help, range);
    }
}

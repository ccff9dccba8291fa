//! `ent-restricted-without-profile`: a bundle's main executable claims restricted entitlements,
//! but the bundle embeds no provisioning profile to authorise them.

use super::{listed, own_profile, platform_of, plural, profile_location, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::entitlements;

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_RESTRICTED_WITHOUT_PROFILE, check: Check::Item(check) };

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    // Bundles only: other executables are `ent-restricted-on-non-main-executable`, and code a
    // bundled launchd plist starts is `smapp-daemon-restricted-ent`.
    let Some(bundle) = &view.item.bundle else { return };
    if !view.item.launched_by.is_empty() {
        return;
    }
    let Some(claims) = Claims::of(view) else { return };
    // Library code is `ent-restricted-on-library-code`: its entitlements are never honoured.
    if !claims.is_executable() {
        return;
    }
    // A profile file that is present but unreadable is `malformed-profile`'s finding.
    if bundle.profile.is_some() || own_profile(view).is_some() {
        return;
    }
    let platform = platform_of(view);
    let keys = claims.restricted(platform);
    let Some(first) = keys.first() else { return };
    let exe = view.code_path();
    let wanted = profile_location(view, platform);
    let message = format!(
        "`{exe}` claims the restricted {} {}, but `{}` embeds no provisioning profile (`{wanted}`) to authorise them: AMFI refuses to run it (\"No matching profile found\", Killed: 9)",
        plural(keys.len()),
        listed(&keys),
        view.item.path,
    );
    // The App ID and team ID come with any profile; the other keys are capabilities to enable.
    let capabilities: Vec<&str> = keys
        .iter()
        .copied()
        .filter(|k| !entitlements::APP_ID_KEYS.contains(k) && *k != entitlements::TEAM_ID_KEY)
        .collect();
    let with = if capabilities.is_empty() { String::new() } else { format!(" with {} enabled", listed(&capabilities)) };
    let help = format!(
        "create a provisioning profile for this bundle's App ID{with} (Developer ID or development, as you distribute), save it as `{wanted}`, then re-sign the bundle; or remove the restricted {} from its entitlements file",
        plural(keys.len()),
    );
    let range = claims.range_of(first);
    super::report(sink, view, RULE.id, message, help, range);
}

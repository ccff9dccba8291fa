//! `ent-testflight-app-id`: a Mac App Store build is eligible for TestFlight: the app embeds a
//! profile, and every bundle whose profile names an App ID claims that App ID in its signature.

use crate::checks::entitlements::own_profile;
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_TESTFLIGHT_APP_ID, check: Check::Item(check) };

const APP_ID: &str = "com.apple.application-identifier";

/// Bundles App Store Connect expects a profile for when they name an App ID in it.
fn has_own_profile_role(role: Role) -> bool {
    matches!(role, Role::App | Role::AppExtension | Role::XpcService | Role::LoginItem | Role::SystemExtension)
}

/// The App ID the profile grants, when it grants one.
fn profile_app_id<'a>(view: &ItemView<'a>) -> Option<(&'a str, String)> {
    let (path, profile) = own_profile(view)?;
    let id = profile.entitlements.get(APP_ID).and_then(plist::Value::as_string)?;
    Some((path, id.to_owned()))
}

/// Whether the main executable's signature claims an App ID.
fn claims_app_id(view: &ItemView<'_>) -> bool {
    view.slices().iter().any(|s| {
        s.signature()
            .and_then(|sig| sig.entitlements_value())
            .and_then(plist::Value::as_dictionary)
            .is_some_and(|d| d.contains_key(APP_ID))
    })
}

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    let Some(top) = super::submitted_mac_app_of(view) else { return };
    if view.item.bundle.is_none() || !has_own_profile_role(view.item.role) {
        return;
    }
    let bundle = &view.item.path;
    if view.index == top.index && own_profile(view).is_none() {
        let message = format!(
            "`{bundle}` embeds no provisioning profile (Contents/embedded.provisionprofile): the build uploads, but TestFlight refuses it with ITMS-90889 \"Cannot be used with TestFlight because the bundle at “{bundle}” is missing a provisioning profile. Main bundles are expected to have provisioning profiles in order to be eligible for TestFlight.\""
        );
        let help = "embed the app's Mac App Store profile as Contents/embedded.provisionprofile and sign with its App ID (com.apple.application-identifier and com.apple.developer.team-identifier)";
        sink.item(view, RULE.id, message).help = Some(help.into());
        return;
    }
    // Signed code only: an unsigned executable is another rule's finding.
    if view.slices().iter().all(|s| s.signature().is_none()) {
        return;
    }
    let Some((profile, app_id)) = profile_app_id(view) else { return };
    if claims_app_id(view) {
        return;
    }
    let message = format!(
        "the profile `{profile}` is for App ID \"{app_id}\", but the signature of `{}` claims no {APP_ID}: TestFlight refuses the build with ITMS-90886 \"Cannot be used with TestFlight because the signature for the bundle at “{bundle}” is missing an application identifier but has an application identifier in the provisioning profile for the bundle.\"",
        view.code_path()
    );
    let help = format!(
        "sign `{bundle}` with {APP_ID} = \"{app_id}\" and com.apple.developer.team-identifier in its entitlements (Xcode adds them when the target is signed with its profile), or remove the profile"
    );
    sink.item(view, RULE.id, message).help = Some(help);
}

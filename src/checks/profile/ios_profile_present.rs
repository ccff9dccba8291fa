//! `ios-profile-present`: every iOS-family app and app extension embeds
//! `embedded.mobileprovision` at its bundle root.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::discover::Role;

use super::{is_ios_family, signer_leaves};

pub static RULE: Rule = Rule { id: crate::rule_id::IOS_PROFILE_PRESENT, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if !matches!(item.item.role, Role::App | Role::AppExtension) || !is_ios_family(item) {
        return;
    }
    let Some(bundle) = &item.item.bundle else { return };
    if bundle.profile.is_some() {
        return;
    }
    // Apps downloaded from the App Store are re-signed by Apple and carry no profile.
    if signer_leaves(item).iter().any(|l| l.kind == CertificateKind::ApplePlatform) {
        return;
    }
    let what = if item.item.role == Role::App { "app" } else { "app extension" };
    let f = sink
        .finding(
        RULE.id,
        item.code_path(),
        format!(
            "`{}` is an iOS-family {what} without `{}/embedded.mobileprovision`: the device installs and launches only code a provisioning profile authorises",
            item.item.path, bundle.content
        ),
    )
    .item(item.item.path.clone())
    .help(format!(
        "embed the profile for this {what}'s App ID as `{}/embedded.mobileprovision` before signing (Xcode: Signing & Capabilities → Provisioning Profile), then sign again",
        bundle.content
    ));
    sink.push(f);
}

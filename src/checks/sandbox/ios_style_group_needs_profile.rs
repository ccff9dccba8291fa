//! `sbx-ios-style-group-needs-profile`: on macOS, a `group.` app group must be authorised by the
//! code's embedded provisioning profile.

use crate::analysis::services::{self, APPLICATION_GROUPS};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::SBX_IOS_STYLE_GROUP_NEEDS_PROFILE, check: Check::Item(check) };

/// Whether the item is macOS code: its slices target macOS (or say nothing) and it is not laid
/// out as an iOS bundle. iOS-family code always carries a profile and is checked elsewhere.
fn is_macos(item: &ItemView<'_>) -> bool {
    let mac_slices = item.slices().iter().all(|s| s.slice.build_target().is_none_or(|t| matches!(t.platform, 1 | 6)));
    let flat = item.item.bundle.as_ref().is_some_and(|b| b.layout == crate::discover::Layout::Shallow);
    mac_slices && !flat
}

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(e) = services::entitlements(item) else { return };
    let ios_style: Vec<String> = services::app_groups(e).into_iter().filter(|g| g.starts_with("group.")).collect();
    if ios_style.is_empty() || !is_macos(item) {
        return;
    }
    let path = item.code_path();
    let profile = item.scan.embedded_profile(item.index);
    let authorised =
        profile.map(|(_, p)| services::string_list(&p.entitlements, APPLICATION_GROUPS)).unwrap_or_default();
    for group in ios_style.iter().filter(|g| !authorised.contains(g)) {
        let (why, help) = match profile {
            Some((file, _)) => (
                format!("its profile `{}` does not list it", file.path),
                format!("add `{group}` to the App ID's App Groups on the Developer site, download a new profile, embed it and re-sign"),
            ),
            None if item.item.bundle.is_some() && item.item.role != Role::Framework => (
                "it has no embedded provisioning profile".to_owned(),
                format!("embed a provisioning profile whose com.apple.security.application-groups lists `{group}`, or use a `<TeamID>.` group"),
            ),
            None => (
                "a bare executable cannot carry a provisioning profile".to_owned(),
                format!("wrap the tool in an app-like bundle (Contents/MacOS + Info.plist + embedded.provisionprofile) that authorises `{group}`, or use a `<TeamID>.` group"),
            ),
        };
        sink.item(
            item,
            RULE.id,
            format!("`{path}` claims the iOS-style app group `{group}` in {APPLICATION_GROUPS}, but {why}"),
        )
        .help = Some(help);
    }
}

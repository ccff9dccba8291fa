//! `profile-platform-mismatch`: the embedded profile is for the bundle's platform and sits where
//! that platform looks for it (`Contents/embedded.provisionprofile` on macOS,
//! `embedded.mobileprovision` at the root of an iOS-family bundle).

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Layout;

use super::{embedded, profile_name};

pub static RULE: Rule = Rule { id: crate::rule_id::PROFILE_PLATFORM_MISMATCH, check: Check::Item(check) };

const MAC_NAME: &str = "embedded.provisionprofile";
const IOS_NAME: &str = "embedded.mobileprovision";

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(bundle) = &item.item.bundle else { return };
    let mac = matches!(bundle.layout, Layout::Deep | Layout::Versioned);
    if mac {
        misplaced_mac_profile(item, &bundle.root, &bundle.content, sink);
    }
    let Some((file, profile)) = embedded(item) else { return };
    let name = file.path.rsplit('/').next().unwrap_or(&file.path);
    let expected_name = if mac { MAC_NAME } else { IOS_NAME };
    let platform_word = if mac { "macOS" } else { "iOS-family" };
    if name != expected_name {
        let f = sink
            .finding(
                RULE.id,
                &file.path,
                format!(
                    "`{}` is a {platform_word} bundle but embeds its profile as `{name}`; the system only reads `{expected_name}` there, so the profile is never found",
                    item.item.path
                ),
            )
            .item(item.item.path.clone())
            .help(format!("embed a {platform_word} profile as `{}/{expected_name}` and re-sign", bundle.content));
        sink.push(f);
    }
    let wanted = wanted_platforms(item, mac);
    if profile.platforms.is_empty() || profile.platforms.iter().any(|p| wanted.contains(&p.as_str())) {
        return;
    }
    let article = if mac { "a macOS" } else { "an iOS-family" };
    let f = sink
        .finding(
            RULE.id,
            &file.path,
            format!(
                "`{}` is {article} bundle, but its embedded profile {} is for Platform {:?}, not {}: the system rejects the profile",
                item.item.path,
                profile_name(file, profile),
                profile.platforms,
                wanted.join(" or ")
            ),
        )
        .item(item.item.path.clone())
        .help(format!(
            "create the profile for the {} platform in Certificates, Identifiers & Profiles (or pick the right destination in Xcode), embed it and re-sign",
            wanted.first().copied().unwrap_or(platform_word)
        ));
    sink.push(f);
}

/// A macOS bundle with `embedded.provisionprofile` beside `Contents/` instead of inside it.
fn misplaced_mac_profile(item: &ItemView<'_>, root: &str, content: &str, sink: &mut Sink) {
    if root == content {
        return;
    }
    for name in [MAC_NAME, IOS_NAME] {
        let wrong = format!("{root}/{name}");
        if item.scan.profiles().any(|(f, _)| f.path == wrong && f.owner.is_none()) {
            let f = sink
                .finding(
                    RULE.id,
                    &wrong,
                    format!(
                        "`{}` has its profile at `{wrong}`, outside `Contents/`; macOS only reads `{content}/{MAC_NAME}`",
                        item.item.path
                    ),
                )
                .item(item.item.path.clone())
                .help(format!("move the profile to `{content}/{MAC_NAME}` and re-sign"));
            sink.push(f);
        }
    }
}

/// The `Platform` values that fit the item: `OSX` on macOS; on iOS-family bundles the value for
/// the platform the main executable is built for (`iOS` when unknown).
fn wanted_platforms(item: &ItemView<'_>, mac: bool) -> Vec<&'static str> {
    if mac {
        return vec!["OSX"];
    }
    let platform = item.slices().iter().find_map(|s| s.slice.build_target().map(|t| t.platform));
    profile_platforms(platform)
}

/// Profile `Platform` values matching an `LC_BUILD_VERSION` platform of a flat bundle.
fn profile_platforms(platform: Option<u32>) -> Vec<&'static str> {
    match platform {
        Some(3 | 8) => vec!["tvOS"],
        // Watch apps have long been provisioned with iOS profiles.
        Some(4 | 9) => vec!["watchOS", "iOS"],
        Some(11 | 12) => vec!["xrOS", "visionOS"],
        _ => vec!["iOS"],
    }
}

#[cfg(test)]
mod tests {
    use super::profile_platforms;

    #[test]
    fn platforms() {
        assert_eq!(profile_platforms(Some(2)), ["iOS"]);
        assert_eq!(profile_platforms(None), ["iOS"]);
        assert_eq!(profile_platforms(Some(3)), ["tvOS"]);
        assert_eq!(profile_platforms(Some(11)), ["xrOS", "visionOS"]);
    }
}

//! `ios-profile-device`: the devices a development or ad hoc build must install on (`--device`,
//! `devices` in the configuration) are listed in the `ProvisionedDevices` of every iOS-family
//! profile it embeds.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::profile::ProvisioningProfile;
use crate::settings::same_device;

use super::{embedded, is_ios_family, kind_name, profile_name};

pub static RULE: Rule = Rule { id: crate::rule_id::IOS_PROFILE_DEVICE, check: Check::Item(check) };

fn check(cx: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if cx.settings.devices.is_empty() || !is_ios_family(item) {
        return;
    }
    let Some((file, profile)) = embedded(item) else { return };
    let missing = unlisted_devices(profile, &cx.settings.devices);
    if missing.is_empty() {
        return;
    }
    let udids = missing.iter().map(|d| format!("`{d}`")).collect::<Vec<_>>().join(", ");
    let device_word = if missing.len() == 1 { "device" } else { "devices" };
    let f = sink
        .finding(
            RULE.id,
            &file.path,
            format!(
                "`{}`: the embedded profile {}, {} profile, does not list {device_word} {udids} among its {} ProvisionedDevices: the install fails there (0xe8008015 \"A valid provisioning profile for this executable was not found.\")",
                item.item.path,
                profile_name(file, profile),
                kind_name(profile.kind),
                profile.provisioned_devices.len()
            ),
        )
        .item(item.item.path.clone())
        .help(format!(
            "register {udids} in Certificates, Identifiers & Profiles (Devices), add the {device_word} to the profile, download it, embed it and re-sign"
        ));
    sink.push(f);
}

/// The wanted devices the profile's device list leaves out. A profile that provisions all devices
/// (enterprise) leaves none out; one without a device list (App Store) is not a device build at
/// all, which `profile-distribution-kind` reports.
fn unlisted_devices<'a>(profile: &ProvisioningProfile, wanted: &'a [String]) -> Vec<&'a str> {
    if profile.provisions_all_devices == Some(true) || profile.provisioned_devices.is_empty() {
        return Vec::new();
    }
    wanted
        .iter()
        .map(|w| w.trim())
        .filter(|w| !profile.provisioned_devices.iter().any(|listed| same_device(listed, w)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(devices: &[&str], all: Option<bool>) -> ProvisioningProfile {
        let mut p = crate::profile::parse_profile(include_bytes!(
            "../../../corpus/generated/profile/ios-ad-hoc.mobileprovision"
        ))
        .expect("the fixture profile parses");
        p.provisioned_devices = devices.iter().map(|d| (*d).to_owned()).collect();
        p.provisions_all_devices = all;
        p
    }

    #[test]
    fn devices_left_out() {
        let wanted = vec!["00008030-001a2b3c4d5e802e".to_owned(), "00008110-000A1C2E3F40801F".to_owned()];
        let listed = profile(&["00008030-001A2B3C4D5E802E"], None);
        assert_eq!(unlisted_devices(&listed, &wanted), ["00008110-000A1C2E3F40801F"]);
        assert!(unlisted_devices(&profile(&[], Some(true)), &wanted).is_empty());
        assert!(unlisted_devices(&profile(&[], None), &wanted).is_empty());
    }
}

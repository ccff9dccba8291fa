//! Catalog section C (provisioning profiles — who they name, when they expire, what they cover)
//! and section H (iOS-family bundles).

mod cert_not_listed;
mod cms_invalid;
mod distribution_kind;
mod expired;
mod ios_appex_frameworks;
mod ios_der_and_cd_version;
mod ios_get_task_allow_distribution;
mod ios_profile_device;
mod ios_profile_present;
mod ios_standalone_dylib;
mod not_sealed;
mod platform_mismatch;

use super::{ItemView, Rule};
use crate::codesign::certificate::CertificateInfo;
use crate::discover::{Layout, ProfileFile};
use crate::profile::{ProfileKind, ProvisioningProfile};

pub static RULES: &[&Rule] = &[
    &ios_appex_frameworks::RULE,
    &ios_der_and_cd_version::RULE,
    &ios_get_task_allow_distribution::RULE,
    &ios_profile_device::RULE,
    &ios_profile_present::RULE,
    &ios_standalone_dylib::RULE,
    &cert_not_listed::RULE,
    &cms_invalid::RULE,
    &distribution_kind::RULE,
    &expired::RULE,
    &not_sealed::RULE,
    &platform_mismatch::RULE,
];

/// The profile embedded in `item`, parsed (profiles that do not parse are `malformed-profile`).
pub(crate) fn embedded<'a>(item: &ItemView<'a>) -> Option<(&'a ProfileFile, &'a ProvisioningProfile)> {
    item.scan.embedded_profile(item.index)
}

/// The distinct leaf certificates that sign the item's slices, in slice order.
pub(crate) fn signer_leaves<'a>(item: &ItemView<'a>) -> Vec<&'a CertificateInfo> {
    let mut leaves: Vec<&CertificateInfo> = Vec::new();
    for slice in item.slices() {
        let Some(leaf) = slice.signature().and_then(|s| s.cms_info()).and_then(|c| c.leaf()) else { continue };
        if !leaves.iter().any(|l| l.der == leaf.der) {
            leaves.push(leaf);
        }
    }
    leaves
}

/// The time the item was signed: the first slice's secure timestamp, else its signing time, as
/// (unix seconds, RFC 3339 text, what the time is).
pub(crate) fn signed_at(item: &ItemView<'_>) -> Option<(i64, String, &'static str)> {
    item.slices().into_iter().find_map(|slice| {
        let signer = slice.signature()?.cms_info()?.signers.first()?;
        let (unix, by) = crate::trust::judgement_time(signer)?;
        Some((unix, crate::time::rfc3339_from_unix(unix)?, by))
    })
}

/// How a certificate is named in messages: its common name, else its subject.
pub(crate) fn cert_name(cert: &CertificateInfo) -> String {
    cert.common_name.clone().unwrap_or_else(|| cert.subject.clone())
}

/// How a profile is named in messages: `"Name" (UUID)`, or its path when it has neither.
pub(crate) fn profile_name(file: &ProfileFile, profile: &ProvisioningProfile) -> String {
    match (&profile.name, &profile.uuid) {
        (Some(n), Some(u)) => format!("{n:?} ({u})"),
        (Some(n), None) => format!("{n:?}"),
        (None, Some(u)) => u.clone(),
        (None, None) => format!("`{}`", file.path),
    }
}

/// The kind of a profile in words, with its article ("an ad hoc").
pub(crate) fn kind_name(kind: ProfileKind) -> &'static str {
    kind.with_article()
}

/// Mach-O platforms of the iOS family (`LC_BUILD_VERSION`): iOS, tvOS, watchOS, visionOS and
/// their simulators.
const IOS_FAMILY_PLATFORMS: &[u32] = &[2, 3, 4, 7, 8, 9, 11, 12];

/// Whether the item is iOS-family code: an app or app extension with the flat (iOS) layout, or
/// code inside one, or a Mach-O built for an iOS-family platform.
pub(crate) fn is_ios_family(item: &ItemView<'_>) -> bool {
    let built_for_ios = item
        .slices()
        .iter()
        .any(|s| s.slice.build_target().is_some_and(|t| IOS_FAMILY_PLATFORMS.contains(&t.platform)));
    built_for_ios || in_flat_app(item)
}

/// The nearest enclosing bundle (the item itself included) is a flat `.app` / `.appex`.
fn in_flat_app(item: &ItemView<'_>) -> bool {
    let mut current = Some(*item);
    for _ in 0..64 {
        let Some(i) = current else { return false };
        if let Some(b) = &i.item.bundle {
            if b.extension == "app" || b.extension == "appex" {
                return b.layout == Layout::Shallow;
            }
        }
        current = i.parent();
    }
    false
}

//! Catalog section C: entitlements and what authorises them (the provisioning profile, the platform).
//!
//! Causes are split so each problem is reported once: a bundle's main executable without a
//! profile (`ent-restricted-without-profile`), any other executable (`ent-restricted-on-non-main-
//! executable`), code a bundled launchd plist launches (`smapp-daemon-restricted-ent`, which the
//! other two leave alone), library code (`ent-restricted-on-library-code`; what it claims without
//! needing a profile is ignored, `ent-on-library-code`); with a profile, the App ID and
//! team ID have their own rules and every other key is `ent-not-authorized-by-profile` (macOS) or
//! `ios-all-entitlements-authorized` (iOS family).

mod app_id_mismatch;
mod aps_development;
mod hardened_runtime_exceptions;
mod inherit_misuse;
mod ios_all_entitlements_authorized;
mod not_authorized_by_profile;
mod on_library_code;
mod restricted_on_library_code;
mod restricted_on_non_main_executable;
mod restricted_without_profile;
mod sandbox_required;
mod smapp_daemon_restricted_ent;
mod team_id_mismatch;
mod temporary_exception;
mod value_type;

use super::{ItemView, Rule, Sink, SliceView};
use crate::codesign::signature::{signing_kind, SigningKind};
use crate::entitlements::{self, Platform};
use crate::macho::Range;
use crate::profile::ProvisioningProfile;

pub static RULES: &[&Rule] = &[
    &app_id_mismatch::RULE,
    &aps_development::RULE,
    &hardened_runtime_exceptions::RULE,
    &inherit_misuse::RULE,
    &not_authorized_by_profile::RULE,
    &on_library_code::RULE,
    &restricted_on_library_code::RULE,
    &restricted_on_non_main_executable::RULE,
    &restricted_without_profile::RULE,
    &sandbox_required::RULE,
    &team_id_mismatch::RULE,
    &temporary_exception::RULE,
    &value_type::RULE,
    &ios_all_entitlements_authorized::RULE,
    &smapp_daemon_restricted_ent::RULE,
];

/// `MH_EXECUTE`.
const MH_EXECUTE: u32 = 2;
/// `MH_DYLIB`, `MH_BUNDLE`: code loaded into another process.
const LIBRARY_FILE_TYPES: &[u32] = &[6, 8];

/// An item's claimed entitlements: the first signed slice whose entitlements are a dictionary.
/// Slices of one file that claim different entitlements are `sig-universal-divergent`'s concern.
pub(crate) struct Claims<'a> {
    pub slice: SliceView<'a>,
    pub dict: &'a plist::Dictionary,
}

impl<'a> Claims<'a> {
    pub fn of(view: &ItemView<'a>) -> Option<Claims<'a>> {
        view.slices().into_iter().find_map(|slice| {
            let dict = slice.signature()?.entitlements_value()?.as_dictionary()?;
            Some(Claims { slice, dict })
        })
    }

    /// The claimed keys that need a profile on `platform`, in the signature's order.
    pub fn restricted(&self, platform: Platform) -> Vec<&'a str> {
        self.dict
            .iter()
            .filter(|(k, v)| entitlements::is_restricted(k, platform) && !self.is_local_app_id(k, v))
            .map(|(k, _)| k.as_str())
            .collect()
    }

    /// An ad-hoc signature's App ID without a team prefix, as "Sign to Run Locally" builds carry
    /// it (Sparkle's `Autoupdate`, for one). It names no App ID a profile could be made for, and
    /// such builds run, so it is not counted as a restricted claim.
    fn is_local_app_id(&self, key: &str, value: &plist::Value) -> bool {
        let adhoc = matches!(signing_kind(self.slice.signature()), SigningKind::Adhoc | SigningKind::LinkerSigned);
        adhoc
            && entitlements::APP_ID_KEYS.contains(&key)
            && value.as_string().is_some_and(|v| !entitlements::has_team_prefix(v))
    }

    /// Where `key` is written in the XML entitlements blob (file offset and length), else the
    /// blob itself.
    pub fn range_of(&self, key: &str) -> Option<Range> {
        let xml = self.slice.signature()?.entitlements.as_ref()?;
        let in_text = xml.document.as_ref().ok().and_then(|d| d.key_span(key));
        Some(match in_text {
            // The XML text starts after the blob's 8-byte header.
            Some(span) => Range { offset: xml.range.offset + 8 + span.offset, size: span.length },
            None => xml.range,
        })
    }

    /// Whether the slice is a main executable (`MH_EXECUTE`).
    pub fn is_executable(&self) -> bool {
        self.slice.slice.file_type == MH_EXECUTE
    }

    /// Whether the slice is library code: a dylib or a loadable bundle.
    pub fn is_library(&self) -> bool {
        LIBRARY_FILE_TYPES.contains(&self.slice.slice.file_type)
    }
}

/// The platform whose entitlement policy applies to an item: its Mach-O's `LC_BUILD_VERSION`,
/// else the bundle layout (flat bundles other than frameworks are iOS-style).
pub(crate) fn platform_of(view: &ItemView<'_>) -> Platform {
    let from_macho =
        view.slices().iter().flat_map(|s| s.slice.build_targets.iter()).find_map(|t| Platform::from_macho(t.platform));
    if let Some(p) = from_macho {
        return p;
    }
    match &view.item.bundle {
        Some(b) if b.layout == crate::discover::Layout::Shallow && b.extension != "framework" => Platform::IosFamily,
        _ => Platform::MacOs,
    }
}

/// The profile embedded in the item's own bundle, parsed: the only one that can authorise the
/// bundle's main executable.
pub(crate) fn own_profile<'a>(view: &ItemView<'a>) -> Option<(&'a str, &'a ProvisioningProfile)> {
    view.scan.embedded_profile(view.index).map(|(f, p)| (f.path.as_str(), p))
}

/// Where a bundle's profile belongs: `Contents/embedded.provisionprofile` on macOS,
/// `embedded.mobileprovision` at the root of iOS-style bundles.
pub(crate) fn profile_location(view: &ItemView<'_>, platform: Platform) -> String {
    let content = view.item.bundle.as_ref().map_or(view.item.path.as_str(), |b| b.content.as_str());
    match platform {
        Platform::MacOs => format!("{content}/embedded.provisionprofile"),
        Platform::IosFamily => format!("{content}/embedded.mobileprovision"),
    }
}

/// A claimed key the profile does not authorise.
pub(crate) struct Unauthorised<'a> {
    pub key: &'a str,
    pub claimed: &'a plist::Value,
    /// The profile's value for the key, when it lists the key at all.
    pub allowed: Option<&'a plist::Value>,
}

impl Unauthorised<'_> {
    /// "the profile does not list it" / "the profile allows only …", for messages.
    pub fn verdict(&self) -> String {
        match self.allowed {
            None => "the profile does not list this key".to_owned(),
            Some(v) => format!("the profile allows only {}", entitlements::show(v)),
        }
    }
}

/// The keys of `claims` (other than the App ID and team ID, which have their own rules) that
/// `keep` selects and `profile` does not authorise, in the order they are written.
pub(crate) fn unauthorised<'a>(
    claims: &'a plist::Dictionary,
    profile: &'a ProvisioningProfile,
    keep: impl Fn(&str) -> bool,
) -> Vec<Unauthorised<'a>> {
    claims
        .iter()
        .filter(|(k, _)| !entitlements::APP_ID_KEYS.contains(&k.as_str()) && k.as_str() != entitlements::TEAM_ID_KEY)
        .filter(|(k, _)| keep(k))
        .filter_map(|(key, claimed)| {
            let allowed = profile.entitlements.get(key);
            let ok = allowed.is_some_and(|a| entitlements::allows(a, claimed));
            (!ok).then_some(Unauthorised { key: key.as_str(), claimed, allowed })
        })
        .collect()
}

/// Reports a finding about an item's executable at `range`, with its fix.
pub(crate) fn report(
    sink: &mut Sink,
    view: &ItemView<'_>,
    rule: crate::rule_id::RuleId,
    message: String,
    help: impl Into<String>,
    range: Option<Range>,
) {
    let mut f = sink.finding(rule, view.code_path(), message).item(view.item.path.clone()).help(help);
    f.range = range;
    sink.push(f);
}

/// `a`, `b` and `c` as backticked names.
pub(crate) fn listed(keys: &[&str]) -> String {
    keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
}

/// "entitlement" or "entitlements".
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        "entitlement"
    } else {
        "entitlements"
    }
}

#[cfg(test)]
mod tests {
    use super::{listed, plural};

    #[test]
    fn lists() {
        assert_eq!(listed(&["a", "b"]), "`a`, `b`");
        assert_eq!(plural(1), "entitlement");
        assert_eq!(plural(2), "entitlements");
    }
}

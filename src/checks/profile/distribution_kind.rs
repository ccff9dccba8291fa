//! `profile-distribution-kind`: the embedded profile is of the kind the distribution channel
//! needs (Developer ID, App Store, development) and matches the kind of signing certificate.

use crate::catalog::Policy;
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::profile::ProfileKind;

use super::{cert_name, embedded, kind_name, profile_name, signer_leaves};

pub static RULE: Rule = Rule { id: crate::rule_id::PROFILE_DISTRIBUTION_KIND, check: Check::Item(check) };

fn check(cx: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some((file, profile)) = embedded(item) else { return };
    let kind = profile.kind;
    let mut push = |message: String, help: String| {
        let f = sink
            .finding(
                RULE.id,
                &file.path,
                format!(
                    "`{}`: the embedded profile {} is {} profile{message}",
                    item.item.path,
                    profile_name(file, profile),
                    kind_name(kind)
                ),
            )
            .item(item.item.path.clone())
            .help(help);
        sink.push(f);
    };
    if let Some(wanted) = policy_kinds(cx.policy) {
        if !wanted.contains(&kind) {
            push(
                format!(
                    ", but the {} policy needs {} profile{}",
                    cx.policy.name(),
                    kind_name(wanted[0]),
                    evidence(profile)
                ),
                format!("create {} provisioning profile for this App ID, embed it and re-sign", kind_name(wanted[0])),
            );
            return;
        }
    }
    for leaf in signer_leaves(item) {
        let fits = signer_kinds(kind);
        if fits.is_empty() || fits.contains(&leaf.kind) {
            continue;
        }
        push(
            format!(", but the code is signed with {:?}, a certificate of another kind", cert_name(leaf)),
            format!("sign with the certificate type {} profile is made for, or embed the profile that matches the certificate", kind_name(kind)),
        );
    }
}

/// Profile kinds a policy accepts; `None` when any kind may be used (development builds).
fn policy_kinds(policy: Policy) -> Option<&'static [ProfileKind]> {
    match policy {
        Policy::DeveloperId => Some(&[ProfileKind::DeveloperId]),
        Policy::AppStore => Some(&[ProfileKind::AppStore]),
        Policy::Development => None,
    }
}

/// Certificate kinds that sign under a profile kind; empty when unknown.
fn signer_kinds(kind: ProfileKind) -> &'static [CertificateKind] {
    match kind {
        ProfileKind::DeveloperId => &[CertificateKind::DeveloperIdApplication, CertificateKind::DeveloperIdKernel],
        ProfileKind::Development => &[CertificateKind::AppleDevelopment],
        ProfileKind::AdHoc | ProfileKind::AppStore | ProfileKind::Enterprise => &[CertificateKind::AppleDistribution],
    }
}

/// What in the profile shows its kind.
fn evidence(profile: &crate::profile::ProvisioningProfile) -> String {
    let devices = profile.provisioned_devices.len();
    let mut parts = Vec::new();
    if profile.provisions_all_devices == Some(true) {
        parts.push("ProvisionsAllDevices is true".to_owned());
    } else if devices > 0 {
        parts.push(format!("it lists {devices} ProvisionedDevices"));
    } else {
        parts.push("it lists no devices".to_owned());
    }
    if profile.allows_debugging() {
        parts.push("its entitlements allow get-task-allow".to_owned());
    }
    format!(" ({})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(policy_kinds(Policy::Development), None);
        assert_eq!(policy_kinds(Policy::DeveloperId), Some(&[ProfileKind::DeveloperId][..]));
        assert!(signer_kinds(ProfileKind::AdHoc).contains(&CertificateKind::AppleDistribution));
        assert!(!signer_kinds(ProfileKind::Development).contains(&CertificateKind::DeveloperIdApplication));
    }
}

//! `profile-distribution-kind`: the embedded profile is of the kind the distribution channel
//! needs (Developer ID, App Store, development) and matches the kind of signing certificate.

use crate::catalog::Policy;
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::profile::ProfileKind;

use super::{cert_name, embedded, is_ios_family, kind_name, profile_name, signer_leaves};

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
    if let Some(wanted) = policy_kinds(cx.policy, is_ios_family(item)) {
        if !wanted.contains(&kind) {
            push(
                format!(
                    ", but the {} policy needs {} profile ({})",
                    cx.policy.name(),
                    kind_name(wanted[0]),
                    profile.kind_evidence()
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

/// Profile kinds a policy accepts for iOS-family (`ios`) or macOS code; `None` when any kind may
/// be used (macOS development builds, which run locally whatever profile they carry).
fn policy_kinds(policy: Policy, ios: bool) -> Option<&'static [ProfileKind]> {
    match policy {
        Policy::DeveloperId => Some(&[ProfileKind::DeveloperId]),
        Policy::AppStore => Some(&[ProfileKind::AppStore]),
        Policy::AdHoc => Some(&[ProfileKind::AdHoc]),
        Policy::Enterprise => Some(&[ProfileKind::Enterprise]),
        // A device installs a development build only under a development profile listing it.
        Policy::Development if ios => Some(&[ProfileKind::Development]),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds() {
        assert_eq!(policy_kinds(Policy::Development, false), None);
        assert_eq!(policy_kinds(Policy::Development, true), Some(&[ProfileKind::Development][..]));
        assert_eq!(policy_kinds(Policy::DeveloperId, false), Some(&[ProfileKind::DeveloperId][..]));
        assert_eq!(policy_kinds(Policy::AdHoc, true), Some(&[ProfileKind::AdHoc][..]));
        assert_eq!(policy_kinds(Policy::Enterprise, true), Some(&[ProfileKind::Enterprise][..]));
        assert!(signer_kinds(ProfileKind::AdHoc).contains(&CertificateKind::AppleDistribution));
        assert!(!signer_kinds(ProfileKind::Development).contains(&CertificateKind::DeveloperIdApplication));
    }
}

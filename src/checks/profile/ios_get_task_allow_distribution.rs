//! `ios-get-task-allow-distribution`: iOS-family code in a distribution build does not allow a
//! debugger to attach (`get-task-allow` true).

use crate::catalog::Policy;
use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::certificate::CertificateKind;
use crate::profile::ProfileKind;

use super::{embedded, is_ios_family, kind_name};

pub static RULE: Rule = Rule { id: crate::rule_id::IOS_GET_TASK_ALLOW_DISTRIBUTION, check: Check::Slice(check) };

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    if !is_ios_family(&slice.item) {
        return;
    }
    let Some(sig) = slice.signature() else { return };
    let claims = sig.entitlements_value().and_then(|e| e.as_dictionary()?.get("get-task-allow")?.as_boolean());
    if claims != Some(true) {
        return;
    }
    let Some(why) = distribution_evidence(cx, slice) else { return };
    let path = slice.item.code_path();
    let mut f = slice
        .finding(RULE.id,
            format!("`{path}` [{}] claims get-task-allow = true in a distribution build ({why}); App Store validation rejects debuggable builds and distribution profiles do not allow it", slice.slice.arch),
        )
        .help("archive with the Release configuration and export for distribution (or drop get-task-allow from CODE_SIGN_ENTITLEMENTS), then sign with the distribution certificate");
    f.range = sig.entitlements_range();
    sink.push(f);
}

/// Why the build counts as a distribution build: the policy, the profile kind or the signer.
fn distribution_evidence(cx: &Context<'_>, slice: &SliceView<'_>) -> Option<String> {
    if matches!(cx.policy, Policy::AppStore | Policy::AdHoc | Policy::Enterprise) {
        return Some(format!("{} policy", cx.policy.name()));
    }
    let item = slice.item;
    let mut current = Some(item);
    for _ in 0..64 {
        let Some(i) = current else { break };
        if let Some((_, profile)) = embedded(&i) {
            if matches!(profile.kind, ProfileKind::AdHoc | ProfileKind::AppStore | ProfileKind::Enterprise) {
                return Some(format!("its profile is {} profile", kind_name(profile.kind)));
            }
            break;
        }
        current = i.parent();
    }
    let leaf = slice.signature()?.cms_info()?.leaf()?;
    (leaf.kind == CertificateKind::AppleDistribution)
        .then(|| format!("signed with {:?}", leaf.common_name.as_deref().unwrap_or(&leaf.subject)))
}

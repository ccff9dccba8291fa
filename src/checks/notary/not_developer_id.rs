//! `notary-not-developer-id`: notarized code is signed with a Developer ID Application certificate.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::certificate::CertificateKind;

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_NOT_DEVELOPER_ID, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    let Some(cms) = sig.cms_info() else { return };
    let leaf = cms.leaf();
    let kind = leaf.map(|l| l.kind);
    // Apple's own signatures on its platform binaries are accepted as they are.
    if matches!(
        kind,
        Some(
            CertificateKind::DeveloperIdApplication
                | CertificateKind::DeveloperIdKernel
                | CertificateKind::ApplePlatform
        )
    ) {
        return;
    }
    let who = leaf
        .map(|l| l.common_name.clone().unwrap_or_else(|| l.subject.clone()))
        .unwrap_or_else(|| "no identifiable signer".into());
    let what = match kind {
        Some(k) => serde_json::to_value(k).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        None => "unknown".to_owned(),
    };
    let path = slice.item.code_path();
    let mut f = slice
        .finding(
            RULE.id,
            format!(
                "`{path}` [{}] is signed by {who:?} ({what}), not a Developer ID Application certificate",
                slice.slice.arch
            ),
        )
        .help("sign with your team's \"Developer ID Application\" certificate for distribution outside the App Store");
    f.range = sig.blob_range(crate::codesign::superblob::Slot::Signature);
    sink.push(f);
}

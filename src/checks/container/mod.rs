//! The signatures of the containers users submit: flat installer packages and disk images, as
//! read by `input::pkg` and `input::dmg` and assessed by [`crate::trust::assess_container`].

mod dmg_not_developer_id;
mod dmg_signature_invalid;
mod no_secure_timestamp;
mod pkg_not_developer_id_installer;
mod pkg_signature_invalid;
mod ticket_missing;

use super::{Context, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::input::container_signature::{ContainerFormat, ContainerSignature, SignedBy};
use crate::rule_id::RuleId;
use crate::trust::ContainerAssessment;

pub static RULES: &[&Rule] = &[
    &dmg_not_developer_id::RULE,
    &dmg_signature_invalid::RULE,
    &no_secure_timestamp::RULE,
    &pkg_not_developer_id_installer::RULE,
    &pkg_signature_invalid::RULE,
    &ticket_missing::RULE,
];

/// A signed container with its signature and the verdict on it.
pub(crate) struct Signed<'a> {
    pub(crate) container: &'a ContainerSignature,
    pub(crate) signature: &'a SignedBy,
    pub(crate) verdict: &'a ContainerAssessment,
}

impl Signed<'_> {
    /// Signed without a certificate (a disk image signed ad hoc): nobody to judge.
    fn is_ad_hoc(&self) -> bool {
        self.signature.rsa.is_none() && self.signature.cms.is_none()
    }
}

/// Reports every defect of the signatures of `format` under `rule`, and a signature that could
/// not be verified as not read.
fn report_defects(cx: &Context<'_>, sink: &mut Sink, format: ContainerFormat, rule: RuleId, help: &str) {
    for s in signed(cx, format) {
        for (offset, why) in s.verdict.defects(s.signature) {
            let message = format!("the signature of `{}` is invalid: {why}", s.container.path);
            let mut f = sink.finding(rule, &s.container.path, message).help(help);
            if let Some(offset) = offset {
                f = f.at_offset(offset);
            }
            sink.push(f);
        }
        if let Some(why) = s.verdict.unverifiable() {
            let message = format!("the signature of `{}` {why}", s.container.path);
            sink.push(sink.finding(crate::rule_id::INPUT_CONTAINER_UNREAD, &s.container.path, message));
        }
    }
}

/// The signed containers of `format` in the input, each with its verdict under the anchors in
/// effect.
pub(crate) fn signed<'a>(cx: &Context<'a>, format: ContainerFormat) -> Vec<Signed<'a>> {
    cx.scan
        .tree
        .signatures
        .iter()
        .zip(cx.container_verdicts())
        .filter(|(c, _)| c.format == format)
        .filter_map(|(container, verdict)| {
            Some(Signed { container, signature: container.signature.as_ref()?, verdict: verdict.as_ref()? })
        })
        .collect()
}

fn name(c: &crate::codesign::certificate::CertificateInfo) -> String {
    c.common_name.clone().unwrap_or_else(|| c.subject.clone())
}

/// The signing certificate's name and kind, for messages.
/// Why `s` is not signed by a valid certificate of `kind` (called `what` in the message): another
/// kind of certificate, or a chain that is not trusted at the time that counts. `None` when it is.
pub(crate) fn not_signed_as(s: &Signed<'_>, kind: CertificateKind, what: &str) -> Option<String> {
    if s.verdict.leaf().map(|l| l.kind) != Some(kind) {
        return Some(format!("it is signed by {}, not a {what} certificate", signer(s.verdict)));
    }
    s.verdict.untrusted()
}

/// The packages given (not those inside another's payload) that carry no signature at all.
pub(crate) fn unsigned_packages<'a>(cx: &Context<'a>) -> impl Iterator<Item = &'a ContainerSignature> {
    let tree = &cx.scan.tree;
    tree.signatures.iter().filter(|c| c.submitted && c.format == ContainerFormat::Package && c.signature.is_none())
}

fn signer(verdict: &ContainerAssessment) -> String {
    match verdict.leaf() {
        Some(leaf) => {
            let kind =
                serde_json::to_value(leaf.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            format!("{:?} ({kind})", name(leaf))
        }
        None => "no identifiable certificate".into(),
    }
}

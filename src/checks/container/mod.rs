//! The signatures of the containers users submit: flat installer packages and disk images, as
//! read by `input::pkg` and `input::dmg` and assessed by [`crate::trust::assess_container`].

mod dmg_not_developer_id;
mod dmg_signature_invalid;
mod no_secure_timestamp;
mod pkg_not_developer_id_installer;
mod pkg_signature_invalid;
mod ticket_missing;

use super::{Context, Rule, Sink};
use crate::input::container_signature::{ContainerFormat, ContainerSignature, SignedBy};
use crate::rule_id::RuleId;
use crate::trust::{ChainDefect, ChainEnd, ContainerAssessment};

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
    pub(crate) verdict: ContainerAssessment,
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
        for (offset, why) in signature_defects(&s) {
            let message = format!("the signature of `{}` is invalid: {why}", s.container.path);
            let mut f = sink.finding(rule, &s.container.path, message).help(help);
            if let Some(offset) = offset {
                f = f.at_offset(offset);
            }
            sink.push(f);
        }
        if let Some(why) = unverifiable(&s) {
            sink.push(sink.finding(crate::rule_id::INPUT_CONTAINER_UNREAD, &s.container.path, why));
        }
    }
}

/// The signed containers of `format` in the input, each assessed with the anchors in effect.
pub(crate) fn signed<'a>(cx: &Context<'a>, format: ContainerFormat) -> Vec<Signed<'a>> {
    cx.scan
        .tree
        .signatures
        .iter()
        .filter(|c| c.format == format)
        .filter_map(|container| {
            let signature = container.signature.as_ref()?;
            let verdict = crate::trust::assess_container(signature, &cx.settings.anchors);
            Some(Signed { container, signature, verdict })
        })
        .collect()
}

/// What is wrong with the signature's cryptography, each with the file offset it concerns: the
/// integrity problems met while reading, then the RSA and CMS signatures and their chains. An
/// unknown key type is not a defect (it is reported as not verified, see [`unverifiable`]).
fn signature_defects(s: &Signed<'_>) -> Vec<(Option<u64>, String)> {
    let mut out: Vec<(Option<u64>, String)> =
        s.signature.integrity.iter().map(|p| (p.offset, p.message.clone())).collect();
    let content = &s.signature.content_name;
    if let (Some(rsa), Some(v)) = (&s.signature.rsa, &s.verdict.rsa) {
        let at = Some(rsa.offset);
        out.extend(
            v.unreadable_certificates
                .iter()
                .map(|p| (p.offset, format!("a certificate of the RSA signature does not decode: {}", p.message))),
        );
        match &v.leaf {
            None => out.push((at, "the RSA <signature> names no certificate to verify it with".into())),
            Some(leaf) if v.key_supported && v.scheme.is_none() => out.push((
                at,
                format!("the RSA <signature> does not verify over {content} with the key of {:?}", name(leaf)),
            )),
            Some(_) => {}
        }
        if let Some(chain) = &v.chain {
            out.extend(link_defects(chain, at, "RSA"));
        }
    }
    if let (Some(cms), Some(v)) = (&s.signature.cms, &s.verdict.cms) {
        let at = Some(cms.offset);
        match v {
            Err(p) => out.push((p.offset, format!("the CMS signature does not decode: {}", p.message))),
            Ok(v) => {
                if v.info.signers.is_empty() {
                    out.push((at, "the CMS signature has no SignerInfo: nobody signed it".into()));
                }
                let algorithm = v.info.signers.first().map_or("", |s| s.digest_algorithm.as_str());
                if let (Some(signed), Some(actual)) = (&v.message_digest, &v.content_digest) {
                    if signed != actual {
                        out.push((
                            at,
                            format!(
                                "the CMS signature signs the {algorithm} digest {signed}, but the {algorithm} of {content} is {actual}: it was signed over other contents"
                            ),
                        ));
                    }
                }
                if v.signature_valid == Some(false) {
                    out.push((at, "the CMS signature does not verify with the signer's public key".into()));
                }
                if v.info.leaf().is_none() && !v.info.signers.is_empty() {
                    out.push((at, "the CMS signature names a signer certificate it does not carry".into()));
                }
                if let Some(chain) = &v.chain {
                    out.extend(link_defects(chain, at, "CMS"));
                }
            }
        }
    }
    out
}

/// Certificates of a chain not signed by their issuer.
fn link_defects(chain: &crate::trust::ChainReport, at: Option<u64>, which: &str) -> Vec<(Option<u64>, String)> {
    chain
        .defects
        .iter()
        .filter_map(|d| match d {
            ChainDefect::BadSignature { subject, issuer } => {
                Some((at, format!("the {which} signature's certificate {subject:?} is not signed by {issuer:?}")))
            }
            ChainDefect::Expired { .. } => None,
        })
        .collect()
}

/// Why the signature could not be verified at all (a key type bundlelint does not verify), so
/// the container is not reported as correctly signed.
fn unverifiable(s: &Signed<'_>) -> Option<String> {
    let rsa = s.verdict.rsa.as_ref().filter(|v| v.leaf.is_some() && !v.key_supported);
    let cms = s
        .verdict
        .cms
        .as_ref()
        .and_then(|c| c.as_ref().ok())
        .filter(|v| v.signature_valid.is_none() && v.info.leaf().is_some());
    match (rsa, cms) {
        (None, None) => None,
        _ => Some(format!(
            "the signature of `{}` uses a key type or algorithm bundlelint does not verify (RSA and ECDSA P-256/P-384 are verified)",
            s.container.path
        )),
    }
}

/// Why the signer is not trusted at the time that counts: a chain that reaches no anchor, or a
/// certificate not valid then. `None` when the chain is sound.
pub(crate) fn untrusted(verdict: &ContainerAssessment) -> Option<String> {
    let chain = verdict.chain()?;
    let path = chain.path.join(" → ");
    let mut why = match &chain.end {
        ChainEnd::Anchored(_) => None,
        ChainEnd::Incomplete { missing } => {
            Some(format!("its certificate chain ({path}) stops before {missing:?}, which the signature must carry"))
        }
        ChainEnd::Untrusted { top } => Some(format!(
            "its certificate chain ({path}) ends at {top:?}, which is not an Apple root or a trusted anchor"
        )),
    };
    if why.is_none() {
        why = chain.defects.iter().find_map(|d| match d {
            ChainDefect::Expired { subject, not_before, not_after, at } => Some(format!(
                "it was signed at {at}, outside the validity of {subject:?} ({not_before} to {not_after})"
            )),
            ChainDefect::BadSignature { .. } => None,
        });
    }
    why
}

fn name(c: &crate::codesign::certificate::CertificateInfo) -> String {
    c.common_name.clone().unwrap_or_else(|| c.subject.clone())
}

/// The signing certificate's name and kind, for messages.
pub(crate) fn signer(verdict: &ContainerAssessment) -> String {
    match verdict.leaf() {
        Some(leaf) => {
            let kind =
                serde_json::to_value(leaf.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            format!("{:?} ({kind})", name(leaf))
        }
        None => "no identifiable certificate".into(),
    }
}

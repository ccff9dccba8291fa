//! The verdict on a container's own signature: a flat package's RSA `<signature>` and CMS
//! `<x-signature>` over its TOC checksum, a disk image's CMS over its CodeDirectory.
//!
//! Like [`super::assess`] for code, this answers questions (does it verify, where does the
//! chain end, is there a timestamp) and leaves the judging to the container rules.

use super::{
    assess_timestamp, check_chain, judgement_time, keys, signer_signature_valid, Anchors, ChainDefect, ChainEnd,
    ChainReport,
};
use crate::codesign::certificate::{parse_certificate, CertificateInfo};
use crate::codesign::cms::{self, CmsInfo};
use crate::input::container_signature::SignedBy;
use crate::Problem;

/// Which digest an RSA `<signature>` signs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RsaScheme {
    /// PKCS #1 v1.5 whose DigestInfo holds the TOC checksum itself, in the checksum's
    /// algorithm: what xar and Apple's `productsign` write.
    ChecksumAsDigest,
    /// PKCS #1 v1.5 over the SHA-256 of the checksum bytes: what rcodesign writes.
    Sha256OfChecksum,
}

/// The RSA `<signature>` of a package.
#[derive(Debug, Clone)]
pub struct RsaVerdict {
    /// The first certificate of the `<KeyInfo>`, which signs.
    pub leaf: Option<CertificateInfo>,
    /// The scheme the signature verifies under; `None` when it verifies under none.
    pub scheme: Option<RsaScheme>,
    /// `false` when the key cannot verify at all (not RSA, or not readable).
    pub key_supported: bool,
    pub chain: Option<ChainReport>,
    /// Certificates of the `<KeyInfo>` that do not decode.
    pub unreadable_certificates: Vec<Problem>,
}

/// A detached CMS signature over the signed content.
#[derive(Debug, Clone)]
pub struct CmsVerdict {
    pub info: CmsInfo,
    /// The signed `messageDigest`, and the content's digest in the signer's algorithm.
    pub message_digest: Option<String>,
    pub content_digest: Option<String>,
    /// The signer's signature over its signed attributes; `None` when the key type or
    /// algorithm is not supported.
    pub signature_valid: Option<bool>,
    pub chain: Option<ChainReport>,
    /// The time the chain was judged at, and what that time is.
    pub judged_at: Option<String>,
    pub judged_by: &'static str,
    pub timestamp: Option<super::TimestampVerdict>,
}

impl CmsVerdict {
    pub fn digest_binds(&self) -> bool {
        self.message_digest.is_some() && self.message_digest == self.content_digest
    }
}

/// Everything the container rules need to know about one container's signature.
#[derive(Debug, Clone)]
pub struct ContainerAssessment {
    pub rsa: Option<RsaVerdict>,
    /// `Err` when the CMS does not decode.
    pub cms: Option<Result<CmsVerdict, Problem>>,
}

impl ContainerAssessment {
    /// The signing certificate: the CMS signer's, else the RSA signature's.
    pub fn leaf(&self) -> Option<&CertificateInfo> {
        let from_cms = self.cms.as_ref().and_then(|c| c.as_ref().ok()).and_then(|c| c.info.leaf());
        from_cms.or_else(|| self.rsa.as_ref().and_then(|r| r.leaf.as_ref()))
    }

    /// The chain of the signing certificate (the CMS one when there is a CMS signature).
    pub fn chain(&self) -> Option<&ChainReport> {
        match &self.cms {
            Some(Ok(c)) => c.chain.as_ref(),
            _ => self.rsa.as_ref().and_then(|r| r.chain.as_ref()),
        }
    }

    /// The secure timestamp of the CMS signature, when it has one.
    pub fn timestamp(&self) -> Option<&super::TimestampVerdict> {
        self.cms.as_ref()?.as_ref().ok()?.timestamp.as_ref()
    }

    /// What is wrong with the signature's cryptography, each with the file offset it concerns:
    /// the integrity problems met while reading `signed`, then the RSA and CMS signatures and
    /// their chains. A key type that cannot be verified is not a defect ([`Self::unverifiable`]).
    pub fn defects(&self, signed: &SignedBy) -> Vec<(Option<u64>, String)> {
        let mut out: Vec<(Option<u64>, String)> =
            signed.integrity.iter().map(|p| (p.offset, p.message.clone())).collect();
        if let (Some(rsa), Some(v)) = (&signed.rsa, &self.rsa) {
            out.extend(v.defects(rsa.offset, &signed.content_name));
        }
        if let (Some(cms), Some(v)) = (&signed.cms, &self.cms) {
            match v {
                Err(p) => out.push((p.offset, format!("the CMS signature does not decode: {}", p.message))),
                Ok(v) => out.extend(v.defects(cms.offset, &signed.content_name)),
            }
        }
        out
    }

    /// Why the signature could not be verified at all (a key type or algorithm that is not
    /// verified here), so the container must not be reported as correctly signed.
    pub fn unverifiable(&self) -> Option<String> {
        let rsa = self.rsa.as_ref().is_some_and(|v| v.leaf.is_some() && !v.key_supported);
        let cms = self
            .cms
            .as_ref()
            .and_then(|c| c.as_ref().ok())
            .is_some_and(|v| v.signature_valid.is_none() && v.info.leaf().is_some());
        (rsa || cms).then(|| {
            "uses a key type or algorithm bundlelint does not verify (RSA and ECDSA P-256/P-384 are verified)"
                .to_owned()
        })
    }

    /// Why the signer is not trusted at the time that counts: a chain that reaches no anchor, or
    /// a certificate not valid then. `None` when the chain is sound.
    pub fn untrusted(&self) -> Option<String> {
        let chain = self.chain()?;
        let path = chain.path.join(" → ");
        match &chain.end {
            ChainEnd::Anchored(_) => {}
            ChainEnd::Incomplete { missing } => {
                return Some(format!(
                    "its certificate chain ({path}) stops before {missing:?}, which the signature must carry"
                ))
            }
            ChainEnd::Untrusted { top } => {
                return Some(format!(
                    "its certificate chain ({path}) ends at {top:?}, which is not an Apple root or a trusted anchor"
                ))
            }
        }
        chain.defects.iter().find_map(|d| match d {
            ChainDefect::Expired { subject, not_before, not_after, at } => Some(format!(
                "it was signed at {at}, outside the validity of {subject:?} ({not_before} to {not_after})"
            )),
            ChainDefect::BadSignature { .. } => None,
        })
    }
}

impl RsaVerdict {
    fn defects(&self, at: u64, content: &str) -> Vec<(Option<u64>, String)> {
        let mut out: Vec<(Option<u64>, String)> = self
            .unreadable_certificates
            .iter()
            .map(|p| (p.offset, format!("a certificate of the RSA signature does not decode: {}", p.message)))
            .collect();
        match &self.leaf {
            None => out.push((Some(at), "the RSA <signature> names no certificate to verify it with".into())),
            Some(leaf) if self.key_supported && self.scheme.is_none() => out.push((
                Some(at),
                format!("the RSA <signature> does not verify over {content} with the key of {:?}", name(leaf)),
            )),
            Some(_) => {}
        }
        out.extend(self.chain.iter().flat_map(|c| link_defects(c, at, "RSA")));
        out
    }
}

impl CmsVerdict {
    fn defects(&self, at: u64, content: &str) -> Vec<(Option<u64>, String)> {
        let mut out = Vec::new();
        let at_cms = |why: String| (Some(at), why);
        if self.info.signers.is_empty() {
            out.push(at_cms("the CMS signature has no SignerInfo: nobody signed it".into()));
        }
        let algorithm = self.info.signers.first().map_or("", |s| s.digest_algorithm.as_str());
        if let (Some(signed), Some(actual)) = (&self.message_digest, &self.content_digest) {
            if signed != actual {
                out.push(at_cms(format!(
                    "the CMS signature signs the {algorithm} digest {signed}, but the {algorithm} of {content} is {actual}: it was signed over other contents"
                )));
            }
        }
        if self.signature_valid == Some(false) {
            out.push(at_cms("the CMS signature does not verify with the signer's public key".into()));
        }
        if self.info.leaf().is_none() && !self.info.signers.is_empty() {
            out.push(at_cms("the CMS signature names a signer certificate it does not carry".into()));
        }
        out.extend(self.chain.iter().flat_map(|c| link_defects(c, at, "CMS")));
        out
    }
}

/// Certificates of a chain not signed by their issuer.
fn link_defects(chain: &ChainReport, at: u64, which: &str) -> Vec<(Option<u64>, String)> {
    chain
        .defects
        .iter()
        .filter_map(|d| match d {
            ChainDefect::BadSignature { subject, issuer } => {
                Some((Some(at), format!("the {which} signature's certificate {subject:?} is not signed by {issuer:?}")))
            }
            ChainDefect::Expired { .. } => None,
        })
        .collect()
}

fn name(c: &CertificateInfo) -> String {
    c.common_name.clone().unwrap_or_else(|| c.subject.clone())
}

/// Assesses a container's signature against `anchors`.
pub fn assess_container(signed: &SignedBy, anchors: &Anchors) -> ContainerAssessment {
    let cms = signed.cms.as_ref().map(|c| {
        cms::parse_cms(&c.der).map(|info| assess_cms(info, &signed.content, anchors)).map_err(|p| p.rebased(c.offset))
    });
    // Without a CMS time, the RSA chain is judged at the CMS signing time when there is one.
    let at = cms.as_ref().and_then(|c| c.as_ref().ok()).and_then(|c| c.info.signers.first()).and_then(judgement_time);
    let rsa = signed.rsa.as_ref().map(|r| assess_rsa(r, signed, anchors, at.map(|(t, _)| t)));
    ContainerAssessment { rsa, cms }
}

fn assess_cms(info: CmsInfo, content: &[u8], anchors: &Anchors) -> CmsVerdict {
    let signer = info.signers.first();
    let judged = signer.and_then(judgement_time);
    let at = judged.map(|(t, _)| t);
    CmsVerdict {
        message_digest: signer.and_then(|s| s.message_digest_hex.clone()),
        content_digest: signer.and_then(|s| cms::digest(&s.digest_algorithm, content)).map(hex::encode),
        signature_valid: signer.and_then(|s| signer_signature_valid(&info, s)),
        chain: info.leaf().map(|leaf| check_chain(leaf, &info.certificates, anchors, at)),
        judged_at: at.and_then(crate::time::rfc3339_from_unix),
        judged_by: judged.map_or("no time", |(_, by)| by),
        timestamp: signer.and_then(|s| s.timestamp.as_ref()).map(|t| assess_timestamp(t, &info, anchors)),
        info,
    }
}

fn assess_rsa(
    rsa: &crate::input::container_signature::RsaSignature,
    signed: &SignedBy,
    anchors: &Anchors,
    at: Option<i64>,
) -> RsaVerdict {
    let mut certificates = Vec::new();
    let mut unreadable_certificates = Vec::new();
    for der in &rsa.certificates {
        match parse_certificate(der) {
            Ok(c) => certificates.push(c),
            Err(p) => unreadable_certificates.push(p.rebased(rsa.offset)),
        }
    }
    let leaf = certificates.first().cloned();
    let algorithm = signed.content_algorithm.as_deref().unwrap_or_default();
    let verify = |scheme: RsaScheme| {
        let der = &leaf.as_ref()?.der;
        match scheme {
            RsaScheme::ChecksumAsDigest => keys::verify_rsa_digest(der, algorithm, &signed.content, &rsa.value),
            RsaScheme::Sha256OfChecksum => {
                keys::verify_signature(der, "sha256", "sha256-rsa", &signed.content, &rsa.value)
            }
        }
    };
    let apple = verify(RsaScheme::ChecksumAsDigest);
    let key_supported = apple.is_some();
    let scheme = if apple == Some(true) {
        Some(RsaScheme::ChecksumAsDigest)
    } else if verify(RsaScheme::Sha256OfChecksum) == Some(true) {
        Some(RsaScheme::Sha256OfChecksum)
    } else {
        None
    };
    let chain = leaf.as_ref().map(|l| check_chain(l, &certificates, anchors, at));
    RsaVerdict { leaf, scheme, key_supported, chain, unreadable_certificates }
}

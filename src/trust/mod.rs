//! Whether a CMS signature is genuine and trusted: the signer's signature over the signed
//! attributes, the certificate chain up to an anchor (Apple's roots, shipped inside the binary,
//! or anchors the user adds), validity at the time that counts, and the RFC 3161 timestamp.
//!
//! Everything here is a pure function of parsed facts; the verifier turns the answers into
//! findings.

mod anchors;
mod assess;
mod container;
mod keys;
pub mod requirement_eval;

use crate::codesign::certificate::CertificateInfo;
use crate::codesign::cms::{CmsInfo, SignerFacts};

pub use anchors::{apple_certificates, Anchors};
use assess::assess_timestamp;
pub use assess::{assess, Assessment, Binding, TimestampVerdict};
pub use container::{assess_container, CmsVerdict, ContainerAssessment, RsaScheme, RsaVerdict};
pub use keys::{verify_rsa_digest, verify_signature};

/// How a chain ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainEnd {
    /// At an anchor, named.
    Anchored(String),
    /// The embedded certificates stop before an anchor, but Apple's intermediates complete it:
    /// the signature lacks certificates a verifier needs.
    Incomplete { missing: String },
    /// No anchor is reachable: self-signed, or an issuer nobody knows.
    Untrusted { top: String },
}

/// One link of a chain that failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainDefect {
    /// The issuer's key does not verify the certificate's signature.
    BadSignature { subject: String, issuer: String },
    /// Not valid at the time that counts.
    Expired { subject: String, not_before: String, not_after: String, at: String },
}

/// The result of building and checking a chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Subjects from the leaf up, as found.
    pub path: Vec<String>,
    pub end: ChainEnd,
    pub defects: Vec<ChainDefect>,
}

/// Longest chain followed; real chains have three certificates.
const MAX_CHAIN: usize = 8;

fn name(c: &CertificateInfo) -> String {
    c.common_name.clone().unwrap_or_else(|| c.subject.clone())
}

/// Builds the chain from `leaf` through `pool` (the certificates the signature embeds) to an
/// anchor, checking every signature, and every validity period at `at` (unix seconds) when a
/// time is given.
pub fn check_chain(
    leaf: &CertificateInfo,
    pool: &[CertificateInfo],
    anchors: &Anchors,
    at: Option<i64>,
) -> ChainReport {
    let mut path = vec![name(leaf)];
    let mut defects = Vec::new();
    let mut current = leaf.clone();
    let at_text = at.and_then(crate::time::rfc3339_from_unix).unwrap_or_default();
    for _ in 0..MAX_CHAIN {
        if at.is_some_and(|at| current.not_before_unix > at || current.not_after_unix < at) {
            defects.push(ChainDefect::Expired {
                subject: name(&current),
                not_before: current.not_before.clone(),
                not_after: current.not_after.clone(),
                at: at_text.clone(),
            });
        }
        if let Some(anchor) = anchors.find(&current) {
            if anchor.der != current.der {
                if !verified_by(&current, anchor) {
                    defects.push(ChainDefect::BadSignature { subject: name(&current), issuer: name(anchor) });
                }
                path.push(name(anchor));
            }
            return ChainReport { path, end: ChainEnd::Anchored(name(anchor)), defects };
        }
        let embedded = pool.iter().find(|c| c.subject == current.issuer && c.der != current.der);
        let Some(issuer) = embedded else {
            let end = match anchors.intermediate_for(&current) {
                Some(known) => ChainEnd::Incomplete { missing: name(known) },
                None => ChainEnd::Untrusted { top: name(&current) },
            };
            return ChainReport { path, end, defects };
        };
        if !verified_by(&current, issuer) {
            defects.push(ChainDefect::BadSignature { subject: name(&current), issuer: name(issuer) });
        }
        path.push(name(issuer));
        current = issuer.clone();
    }
    ChainReport { path, end: ChainEnd::Untrusted { top: name(&current) }, defects }
}

/// Whether `issuer`'s key verifies `cert`'s signature.
fn verified_by(cert: &CertificateInfo, issuer: &CertificateInfo) -> bool {
    keys::verify_certificate(&cert.der, &issuer.der).unwrap_or(false)
}

/// The time a signature is judged at: its secure timestamp, else its signing time. Without
/// either (Apple's own platform binaries), codesign does not consider expiration, nor do we.
pub fn judgement_time(signer: &SignerFacts) -> Option<(i64, &'static str)> {
    if let Some(t) = &signer.timestamp {
        return Some((t.unix, "the secure timestamp"));
    }
    signer.signing_time_unix.map(|t| (t, "the signing time"))
}

/// Whether the signer's signature over its signed attributes verifies with the signer's key.
/// `None` when the algorithm or key type is not supported (reported separately).
pub fn signer_signature_valid(cms: &CmsInfo, signer: &SignerFacts) -> Option<bool> {
    let cert = cms.certificates.get(signer.signer_certificate_index?)?;
    let signed = signer.signed_attrs_der.as_deref()?;
    verify_signature(&cert.der, &signer.digest_algorithm, &signer.signature_algorithm, signed, &signer.signature)
}

#[cfg(test)]
mod tests;

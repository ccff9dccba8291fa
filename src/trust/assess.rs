//! One signature's verdict, computed once per slice before the rules run: does the CMS bind the
//! CodeDirectories, does its signature verify, where does its chain end, and what of the
//! timestamp.

use super::{check_chain, judgement_time, signer_signature_valid, verify_signature, Anchors, ChainReport};
use crate::codesign::cms::{self, CmsInfo, TimestampFacts};
use crate::codesign::signature::Signature;

/// How the CMS binds the CodeDirectories.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    /// The signed `messageDigest`, and the digest of the first CodeDirectory with the signer's
    /// digest algorithm.
    pub message_digest: Option<String>,
    pub first_cd_digest: Option<String>,
    /// CodeDirectory hashes the `cdhashes` plist attribute should list, and what it lists.
    pub expected_cdhashes: Vec<String>,
    pub listed_cdhashes: Vec<String>,
    /// Full hashes per algorithm the `cdhashes2` attribute should hold, and what it holds.
    pub expected_cdhashes2: Vec<(String, String)>,
    pub listed_cdhashes2: Vec<(String, String)>,
}

impl Binding {
    pub fn digest_binds(&self) -> bool {
        self.message_digest.is_some() && self.message_digest == self.first_cd_digest
    }
}

/// The timestamp's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimestampVerdict {
    pub time: String,
    pub imprint_matches: Option<bool>,
    /// The token's own signature over its signed attributes.
    pub signature_valid: Option<bool>,
    /// The token's messageDigest equals the hash of its TSTInfo.
    pub digest_binds: bool,
    pub chain: Option<ChainReport>,
    /// The chain ends at Apple's Timestamp CA, or at an anchor the user trusts.
    pub accepted: bool,
}

/// Everything the signature rules need to know about one slice's CMS signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assessment {
    pub binding: Binding,
    /// `None` when the key type or algorithm is unsupported.
    pub signature_valid: Option<bool>,
    pub signature_algorithm: String,
    pub chain: Option<ChainReport>,
    /// The time the chain was judged at, and what that time is.
    pub judged_at: Option<String>,
    pub judged_by: &'static str,
    pub timestamp: Option<TimestampVerdict>,
}

/// Assesses `sig`'s CMS (whose CodeDirectory blobs lie in `file`), or `None` if it has none.
pub fn assess(sig: &Signature, file: &[u8], anchors: &Anchors) -> Option<Assessment> {
    let info = sig.cms_info()?;
    let signer = info.signers.first()?;
    let cd_bytes = |i: usize| sig.code_directories.get(i).and_then(|c| c.range.slice(file));
    let first_cd_digest = cd_bytes(0).and_then(|b| cms::digest(&signer.digest_algorithm, b)).map(hex::encode);
    let binding = Binding {
        message_digest: signer.message_digest_hex.clone(),
        first_cd_digest,
        expected_cdhashes: sig.code_directories.iter().filter_map(|c| c.cd.cdhash_truncated.clone()).collect(),
        listed_cdhashes: signer.cdhashes_plist.iter().map(|h| h.chars().take(40).collect()).collect(),
        expected_cdhashes2: sig
            .code_directories
            .iter()
            .filter_map(|c| Some((c.cd.hash_type?.name().to_owned(), c.cd.cdhash.clone()?)))
            .collect(),
        listed_cdhashes2: signer.cdhashes2.iter().map(|c| (c.algorithm.clone(), c.hash_hex.clone())).collect(),
    };
    let judged = judgement_time(signer);
    let at = judged.map(|(t, _)| t);
    let chain = info.leaf().map(|leaf| check_chain(leaf, &info.certificates, anchors, at));
    Some(Assessment {
        binding,
        signature_valid: signer_signature_valid(info, signer),
        signature_algorithm: signer.signature_algorithm.clone(),
        chain,
        judged_at: at.and_then(crate::time::rfc3339_from_unix),
        judged_by: judged.map_or("no time", |(_, by)| by),
        timestamp: signer.timestamp.as_ref().map(|t| assess_timestamp(t, info, anchors)),
    })
}

pub(super) fn assess_timestamp(t: &TimestampFacts, outer: &CmsInfo, anchors: &Anchors) -> TimestampVerdict {
    let signer = t.signers.first();
    // The token's certificates, plus the outer signature's, in case the TSA chain is split.
    let pool: Vec<_> = t.certificates.iter().chain(&outer.certificates).cloned().collect();
    let cert = signer.and_then(|s| t.certificates.get(s.signer_certificate_index?));
    let signature_valid = match (signer, cert) {
        (Some(s), Some(c)) => s.signed_attrs_der.as_deref().and_then(|signed| {
            verify_signature(&c.der, &s.digest_algorithm, &s.signature_algorithm, signed, &s.signature)
        }),
        _ => None,
    };
    let digest_binds = signer.is_some_and(|s| {
        let actual = cms::digest(&s.digest_algorithm, &t.tst_info_der).map(hex::encode);
        actual.is_some() && actual == s.message_digest_hex
    });
    let chain = cert.map(|c| check_chain(c, &pool, anchors, Some(t.unix)));
    let accepted = chain.as_ref().is_some_and(|c| match &c.end {
        super::ChainEnd::Anchored(anchor) => {
            c.path.iter().any(|n| n == "Apple Timestamp Certification Authority")
                || anchors.user.iter().chain(&anchors.apple_substitutes).any(|u| u.common_name.as_ref() == Some(anchor))
        }
        _ => false,
    });
    TimestampVerdict {
        time: t.time.clone(),
        imprint_matches: t.imprint_matches_signature,
        signature_valid,
        digest_binds,
        chain,
        accepted,
    }
}

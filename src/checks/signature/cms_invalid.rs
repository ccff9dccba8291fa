//! `sig-cms-invalid`: the CMS signature binds every CodeDirectory and verifies with the signer's
//! key.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::signature::CmsBlob;
use crate::codesign::superblob::Slot;

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_CMS_INVALID, check: Check::Slice(check) };

fn short(h: &str) -> &str {
    h.get(..16).unwrap_or(h)
}

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    let path = slice.item.code_path();
    let arch = &slice.slice.arch;
    let range = sig.blob_range(Slot::Signature);
    let mut report = |message: String, help: &str| {
        let mut f = slice.finding(RULE.id, message).help(help);
        f.range = range;
        sink.push(f);
    };
    let Some(a) = cx.trust_of(slice) else {
        if let Some(CmsBlob::Parsed(info)) = &sig.cms {
            if info.signers.is_empty() {
                report(format!("`{path}` [{arch}] has a CMS signature with no signer"), "re-sign the code");
            }
        }
        return;
    };
    let b = &a.binding;
    if !b.digest_binds() {
        report(
            format!(
                "`{path}` [{arch}]: the CMS messageDigest {} does not match the first CodeDirectory ({})",
                b.message_digest.as_deref().map_or("(absent)", short),
                b.first_cd_digest.as_deref().map_or("unreadable", short)
            ),
            "the signature was made over other code, or the CodeDirectory was changed afterwards: re-sign",
        );
    }
    if !b.listed_cdhashes.is_empty() && b.listed_cdhashes != b.expected_cdhashes {
        report(
            format!(
                "`{path}` [{arch}]: the signed cdhashes list {:?} but the CodeDirectories hash to {:?}",
                b.listed_cdhashes, b.expected_cdhashes
            ),
            "re-sign: every CodeDirectory must be listed in the signature",
        );
    }
    if !b.listed_cdhashes2.is_empty() && b.listed_cdhashes2 != b.expected_cdhashes2 {
        let listed: Vec<String> = b.listed_cdhashes2.iter().map(|(a, h)| format!("{a}:{}", short(h))).collect();
        let expected: Vec<String> = b.expected_cdhashes2.iter().map(|(a, h)| format!("{a}:{}", short(h))).collect();
        report(
            format!("`{path}` [{arch}]: the signed cdhashes2 attribute holds {listed:?} but the CodeDirectories hash to {expected:?}"),
            "re-sign: every CodeDirectory must be listed in the signature",
        );
    }
    match a.signature_valid {
        Some(true) => {}
        Some(false) => report(
            format!(
                "`{path}` [{arch}]: the CMS signature ({}) does not verify with the signing certificate's key",
                a.signature_algorithm
            ),
            "the signature bytes were altered or made with another key: re-sign",
        ),
        None => report(
            format!(
                "`{path}` [{arch}]: the CMS signature algorithm {} cannot be verified (unsupported key or algorithm)",
                a.signature_algorithm
            ),
            "sign with an RSA or ECDSA P-256/P-384 certificate, as Apple issues",
        ),
    }
}

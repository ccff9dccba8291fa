//! `notary-no-secure-timestamp`: the signature carries an RFC 3161 timestamp, not only a
//! signing time.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_NO_SECURE_TIMESTAMP, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    let Some(cms) = sig.cms_info() else { return };
    let Some(signer) = cms.signers.first() else { return };
    // Apple signs its platform binaries without timestamps; they are not notarized.
    let apple_platform =
        cms.leaf().is_some_and(|l| l.kind == crate::codesign::certificate::CertificateKind::ApplePlatform);
    if signer.timestamp.is_some() || apple_platform {
        return;
    }
    let signed = signer.signing_time.as_deref().map(|t| format!(" (only a signing time, {t})")).unwrap_or_default();
    let path = slice.item.code_path();
    let mut f = slice
        .finding(RULE.id, format!("`{path}` [{}] has no secure timestamp{signed}", slice.slice.arch))
        .help(
        "sign with `codesign --timestamp` while online (Apple's timestamp server); `--timestamp=none` leaves it out",
    );
    f.range = sig.blob_range(crate::codesign::superblob::Slot::Signature);
    sink.push(f);
}

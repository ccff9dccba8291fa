//! `sig-cert-expired`: every certificate of the chain is valid at the time the signature counts
//! from — its secure timestamp, else its signing time.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::trust::ChainDefect;

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_CERT_EXPIRED, check: Check::Slice(check) };

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(a) = cx.trust_of(slice) else { return };
    let Some(chain) = &a.chain else { return };
    for defect in &chain.defects {
        if let ChainDefect::Expired { subject, not_before, not_after, at } = defect {
            let path = slice.item.code_path();
            let mut f = slice
                .finding(RULE.id,
                    format!("`{path}` [{}]: certificate {subject:?} is valid {not_before} to {not_after}, not at {at} ({})", slice.slice.arch, a.judged_by),
                )
                .help("re-sign with a current certificate and a secure timestamp (codesign --timestamp), which keeps the signature valid after the certificate expires");
            f.range = slice.signature().and_then(|s| s.blob_range(crate::codesign::superblob::Slot::Signature));
            sink.push(f);
        }
    }
}

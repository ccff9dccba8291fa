//! `sig-timestamp-invalid`: the secure timestamp vouches for this signature and is genuine.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::trust::{ChainDefect, ChainEnd};

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_TIMESTAMP_INVALID, check: Check::Slice(check) };

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(t) = cx.trust_of(slice).and_then(|a| a.timestamp.as_ref()) else { return };
    let mut why = Vec::new();
    if t.imprint_matches == Some(false) {
        why.push("its imprint is not the hash of this signature".to_owned());
    }
    if t.signature_valid == Some(false) {
        why.push("the token's own signature does not verify".to_owned());
    }
    if !t.digest_binds {
        why.push("the token's messageDigest does not match its TSTInfo".to_owned());
    }
    if let Some(chain) = &t.chain {
        if let ChainEnd::Untrusted { top } = &chain.end {
            why.push(format!("the timestamp authority's chain ends at {top:?}, not a trusted anchor"));
        }
        for defect in &chain.defects {
            why.push(match defect {
                ChainDefect::BadSignature { subject, issuer } => {
                    format!("certificate {subject:?} of the timestamp authority's chain is not signed by {issuer:?}")
                }
                ChainDefect::Expired { subject, not_before, not_after, .. } => {
                    format!("the timestamp authority's certificate {subject:?} is valid {not_before} to {not_after}, not at the time it vouches for")
                }
            });
        }
    }
    if why.is_empty() {
        return;
    }
    let path = slice.item.code_path();
    let mut f = slice
        .finding(
            RULE.id,
            format!(
                "`{path}` [{}]: the secure timestamp of {} is invalid: {}",
                slice.slice.arch,
                t.time,
                why.join("; ")
            ),
        )
        .help("re-sign with codesign --timestamp against Apple's timestamp server");
    f.range = slice.signature().and_then(|s| s.blob_range(crate::codesign::superblob::Slot::Signature));
    sink.push(f);
}

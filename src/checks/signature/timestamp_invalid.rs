//! `sig-timestamp-invalid`: the secure timestamp vouches for this signature and is genuine.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::trust::ChainEnd;

pub static RULE: Rule = Rule { id: "sig-timestamp-invalid", check: Check::Slice(check) };

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
    if let Some(ChainEnd::Untrusted { top }) = t.chain.as_ref().map(|c| &c.end) {
        why.push(format!("the timestamp authority's chain ends at {top:?}, not a trusted anchor"));
    }
    if why.is_empty() {
        return;
    }
    let path = slice.item.code_path();
    let f = slice
        .finding(
            sink,
            RULE.id,
            format!(
                "`{path}` [{}]: the secure timestamp of {} is invalid: {}",
                slice.slice.arch,
                t.time,
                why.join("; ")
            ),
        )
        .help("re-sign with codesign --timestamp against Apple's timestamp server");
    sink.push(f);
}

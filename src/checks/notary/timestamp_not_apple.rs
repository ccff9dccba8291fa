//! `notary-timestamp-not-apple`: the secure timestamp comes from Apple's timestamp authority.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_TIMESTAMP_NOT_APPLE, check: Check::Slice(check) };

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(t) = cx.trust_of(slice).and_then(|a| a.timestamp.as_ref()) else { return };
    if t.accepted {
        return;
    }
    let authority = t.chain.as_ref().map(|c| c.path.join(" → ")).unwrap_or_else(|| "an unknown authority".into());
    let path = slice.item.code_path();
    let mut f = slice
        .finding(
            RULE.id,
            format!(
                "`{path}` [{}] is timestamped by {authority}, not Apple's Timestamp Certification Authority",
                slice.slice.arch
            ),
        )
        .help(
            "timestamp with Apple's server (codesign --timestamp, the default URL), the only authority macOS accepts",
        );
    f.range = slice.signature().and_then(|s| s.blob_range(crate::codesign::superblob::Slot::Signature));
    sink.push(f);
}

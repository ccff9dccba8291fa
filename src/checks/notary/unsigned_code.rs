//! `notary-unsigned-code`: every slice of every Mach-O, wherever it sits, carries a signature.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_UNSIGNED_CODE, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    if slice.signature().is_some() {
        return;
    }
    let path = slice.item.code_path();
    let f = slice
        .finding(RULE.id, format!("`{path}` [{}] has no code signature (no LC_CODE_SIGNATURE)", slice.slice.arch))
        .help("sign it with your Developer ID Application certificate (codesign --sign … --options runtime --timestamp) before notarizing");
    sink.push(f);
}

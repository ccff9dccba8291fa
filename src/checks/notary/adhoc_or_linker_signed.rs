//! `notary-adhoc-or-linker-signed`: notarized code is signed with a certificate, not ad hoc.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::signature::{signing_kind, SigningKind};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_ADHOC_OR_LINKER_SIGNED, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    // A bundle whose binary carries only a bare-file signature (the linker's, or codesign's on
    // the file alone) was never signed as a bundle: `sig-resources-not-sealed` reports that once,
    // naming the ad-hoc signature with the rest of what follows from it.
    if slice.item.bundle_signed_as_bare_file() {
        return;
    }
    let how = match signing_kind(slice.signature()) {
        SigningKind::Adhoc => "ad-hoc signed (no certificate)",
        SigningKind::LinkerSigned => "only linker-signed (the linker's ad-hoc signature)",
        _ => return,
    };
    let path = slice.item.code_path();
    let f = slice
        .finding(RULE.id, format!("`{path}` [{}] is {how}", slice.slice.arch))
        .help("re-sign with a Developer ID Application certificate; ad-hoc signatures only run locally");
    sink.push(f);
}

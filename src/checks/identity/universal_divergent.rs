//! `sig-universal-divergent`: slices of one binary share identifier, flags and entitlements.

use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_UNIVERSAL_DIVERGENT, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let slices = item.slices();
    let signed: Vec<_> = slices.iter().filter_map(|s| Some((s, s.signature()?, s.signature()?.primary()?))).collect();
    let Some(&(first, first_sig, first_cd)) = signed.first() else { return };
    for &(other, sig, cd) in signed.iter().skip(1) {
        let what = if cd.identifier != first_cd.identifier {
            format!("identifier {:?} vs {:?}", first_cd.identifier, cd.identifier)
        } else if cd.flags != first_cd.flags {
            format!("flags {:#x} vs {:#x}", first_cd.flags, cd.flags)
        } else if first_sig.entitlements_value() != sig.entitlements_value() {
            "different entitlements".to_owned()
        } else {
            continue;
        };
        let path = item.code_path();
        sink.item(
            item,
            RULE.id,
            format!("`{path}` slices {} and {} are signed differently: {what}", first.slice.arch, other.slice.arch),
        )
        .help = Some("sign all architectures in one codesign invocation with the same options".into());
        return;
    }
}

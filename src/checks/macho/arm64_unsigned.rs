//! `macho-arm64-unsigned`: Apple silicon runs no arm64 code without at least an ad-hoc signature.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::MACHO_ARM64_UNSIGNED, check: Check::Slice(check) };

/// `CPU_TYPE_ARM64`.
const ARM64: u32 = 0x0100_000c;

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    if slice.slice.cpu_type != ARM64 || slice.signature().is_some() {
        return;
    }
    let path = slice.item.code_path();
    let f = slice
        .finding(
            RULE.id,
            format!("`{path}` [{}] is unsigned; macOS on Apple silicon kills unsigned arm64 code", slice.slice.arch),
        )
        .help("sign it (at least ad hoc: codesign -s - FILE); linkers sign arm64 output unless told not to");
    sink.push(f);
}

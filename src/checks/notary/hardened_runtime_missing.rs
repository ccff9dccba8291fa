//! `notary-hardened-runtime-missing`: every signed executable has the hardened runtime flag.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_HARDENED_RUNTIME_MISSING, check: Check::Slice(check) };

/// `MH_EXECUTE`: only executables run with a runtime; libraries inherit their host's.
const MH_EXECUTE: u32 = 2;

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    if slice.slice.file_type != MH_EXECUTE {
        return;
    }
    let Some(cd) = slice.signature().and_then(|s| s.primary()) else { return };
    if cd.has_runtime() {
        return;
    }
    let path = slice.item.code_path();
    let range = slice.signature().and_then(|s| s.code_directories.first()).map(|c| c.range);
    let mut f = slice
        .finding(
            RULE.id,
            format!("`{path}` [{}] is signed without the hardened runtime (flags={:#x})", slice.slice.arch, cd.flags),
        )
        .help("sign with `--options runtime` (Xcode: Enable Hardened Runtime = YES)");
    f.range = range;
    sink.push(f);
}

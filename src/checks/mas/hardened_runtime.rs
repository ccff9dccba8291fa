//! `mas-hardened-runtime`: executables of a Mac App Store app run with the hardened runtime. The
//! store does not document it as a requirement, so this is advice, not a predicted rejection.

use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::MAS_HARDENED_RUNTIME, check: Check::Item(check) };

/// `MH_EXECUTE`: only executables run with a runtime; libraries take their host's.
const MH_EXECUTE: u32 = 2;

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    if super::submitted_mac_app_of(view).is_none() {
        return;
    }
    // Signed executables only: unsigned code is reported by the signature rules.
    let without: Vec<&str> = view
        .slices()
        .into_iter()
        .filter(|s| s.slice.file_type == MH_EXECUTE)
        .filter(|s| s.signature().and_then(|sig| sig.primary()).is_some_and(|cd| !cd.has_runtime()))
        .map(|s| s.slice.arch.as_str())
        .collect();
    if without.is_empty() {
        return;
    }
    let message = format!(
        "`{}` [{}] is signed without the hardened runtime: the Mac App Store does not document it as required, but some uploads have been reported refused without it, and the same build cannot be notarized",
        view.code_path(),
        without.join(", ")
    );
    let help = "sign every executable with `--options runtime` (Xcode: Enable Hardened Runtime = YES); it costs nothing in a sandboxed app";
    sink.item(view, RULE.id, message).help = Some(help.into());
}

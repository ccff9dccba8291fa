//! `notary-sdk-too-old`: every macOS slice was built against the 10.9 SDK or later.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_SDK_TOO_OLD, check: Check::Slice(check) };

/// 10.9.0, nibble-encoded as in `LC_BUILD_VERSION`.
const MINIMUM_SDK: u32 = 0x000a_0900;
/// `PLATFORM_MACOS`; other platforms are not notarized.
const MACOS: u32 = 1;

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let target = slice.slice.build_target();
    if target.is_some_and(|t| t.platform != MACOS) {
        return;
    }
    let sdk = target.map(|t| t.sdk_raw).unwrap_or(0);
    if sdk >= MINIMUM_SDK {
        return;
    }
    let shown = match target {
        Some(t) if !t.sdk.is_empty() => format!("SDK {}", t.sdk),
        Some(t) => format!("no SDK version in {}", t.command),
        None => "no LC_BUILD_VERSION or LC_VERSION_MIN_MACOSX".to_owned(),
    };
    let path = slice.item.code_path();
    let f = slice
        .finding(RULE.id, format!("`{path}` [{}] was built with {shown}, older than the 10.9 SDK", slice.slice.arch))
        .help("rebuild the binary with a current Xcode/SDK (the deployment target may stay old)");
    sink.push(f);
}

//! `macho-platform-mismatch`: every slice is built for the platform of the bundle it ships in.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::discover::Layout;

pub static RULE: Rule = Rule { id: crate::rule_id::MACHO_PLATFORM_MISMATCH, check: Check::Slice(check) };

/// Platforms whose binaries run in a macOS (`Contents/`) bundle.
const MAC_PLATFORMS: &[u32] = &[1, 6, 10];
/// Simulator platforms never ship.
const SIMULATORS: &[u32] = &[7, 8, 9, 12];

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(target) = slice.slice.build_target() else { return };
    let path = slice.item.code_path();
    let why = if SIMULATORS.contains(&target.platform) {
        format!(
            "is built for the {} platform, which never runs on devices or Macs",
            crate::macho::platform_display_name(target.platform)
        )
    } else if in_mac_bundle(slice) && !MAC_PLATFORMS.contains(&target.platform) {
        format!("is built for {} but ships in a macOS bundle", crate::macho::platform_display_name(target.platform))
    } else if in_flat_bundle(slice) && target.platform == 1 {
        "is built for macOS but ships in an iOS-style bundle".to_owned()
    } else {
        return;
    };
    let f = slice
        .finding(RULE.id, format!("`{path}` [{}] {why}", slice.slice.arch))
        .help("rebuild the binary for the bundle's platform (check the SDK and -target of that target)");
    sink.push(f);
}

/// The nearest enclosing bundle's layout decides the platform family.
fn layout(slice: &SliceView<'_>) -> Option<Layout> {
    let mut item = Some(slice.item);
    while let Some(i) = item {
        if let Some(b) = &i.item.bundle {
            return Some(b.layout.clone());
        }
        item = i.parent();
    }
    None
}

fn in_mac_bundle(slice: &SliceView<'_>) -> bool {
    matches!(layout(slice), Some(Layout::Deep | Layout::Versioned))
}

fn in_flat_bundle(slice: &SliceView<'_>) -> bool {
    // Flat frameworks exist on macOS too; only an app-like flat bundle says iOS.
    matches!(layout(slice), Some(Layout::Shallow))
        && slice.item.item.bundle.as_ref().is_some_and(|b| b.extension == "app" || b.extension == "appex")
}

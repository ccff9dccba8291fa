//! `lc-os-compat`: code that relies on launch constraints (blobs in its signature, or a
//! `SpawnConstraint` in the plist that launches it) also runs on macOS versions that do not
//! apply third-party constraints (before macOS 14), or where they behave differently.

use crate::macho::parse_version;
use ::plist::Value;

use crate::analysis::constraint_eval::slot_description;
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::codesign::superblob::Slot;

use super::blobs;

pub static RULE: Rule = Rule { id: crate::rule_id::LC_OS_COMPAT, check: Check::Scan(check) };

/// macOS 14 (Sonoma): the first release that applies launch environment constraints written by
/// third parties (WWDC23 "Protect your Mac app with environment constraints").
const FIRST: u32 = 0x000e_0000;
const MACOS: u32 = 1;

fn show(raw: u32) -> String {
    format!("{}.{}", raw >> 16, (raw >> 8) & 0xff)
}

/// The lowest macOS version an item runs on, and where that is written: the enclosing app's
/// `LSMinimumSystemVersion`, else the lowest `minos` of its macOS slices.
fn minimum(item: &ItemView<'_>) -> Option<(u32, String)> {
    let mut cursor = Some(*item);
    for _ in 0..64 {
        let Some(i) = cursor else { break };
        if let Some(v) = i.info().and_then(|d| d.string("LSMinimumSystemVersion")).and_then(parse_version) {
            return Some((v, format!("LSMinimumSystemVersion of `{}`", i.item.path)));
        }
        cursor = i.parent();
    }
    item.slices()
        .iter()
        .filter_map(|s| s.slice.build_target().filter(|t| t.platform == MACOS).map(|t| t.minos_raw))
        .min()
        .map(|v| (v, "its deployment target (LC_BUILD_VERSION minos)".to_owned()))
}

fn check(cx: &Context<'_>, sink: &mut Sink) {
    let items: Vec<_> = cx.items().collect();
    for item in &items {
        let mut slots: Vec<Slot> =
            item.slices().iter().flat_map(|s| blobs(s).into_iter().map(|(slot, _)| slot)).collect();
        slots.sort();
        slots.dedup();
        if slots.is_empty() {
            continue;
        }
        let Some((min, from)) = minimum(item) else { continue };
        if min >= FIRST {
            continue;
        }
        let kinds: Vec<&str> = slots.iter().map(|s| slot_description(*s)).collect();
        let message = format!(
            "`{}` carries a {} but runs from macOS {} ({from}); macOS before 14 does not apply third-party launch constraints, and macOS 14 differs from later versions: test the launch on the oldest version you support",
            item.code_path(),
            kinds.join(", "),
            show(min),
        );
        let f = sink.finding(RULE.id, item.code_path(), message).item(item.item.path.clone()).help(
            "raise the deployment target to macOS 14, or do not rely on the constraint for protection on older versions and test there",
        );
        sink.push(f);
    }
    for plist in &cx.scan.discovery.launchd_plists {
        let Ok(doc) = &plist.document else { continue };
        if !doc.dict().is_some_and(|d| matches!(d.get("SpawnConstraint"), Some(Value::Dictionary(_)))) {
            continue;
        }
        let Some(owner) = plist.owner.and_then(|o| items.iter().find(|i| i.index == o)) else { continue };
        let Some((min, from)) = minimum(owner) else { continue };
        if min >= FIRST {
            continue;
        }
        let message = format!(
            "`{}` has a SpawnConstraint, but `{}` runs from macOS {} ({from}); launchd before macOS 14 does not apply it: test the job on the oldest version you support",
            plist.path,
            owner.item.path,
            show(min),
        );
        let f = sink
            .finding(RULE.id, &plist.path, message)
            .item(owner.item.path.clone())
            .span(doc.key_span("SpawnConstraint"))
            .help("raise LSMinimumSystemVersion to 14.0, or do not rely on SpawnConstraint on older versions");
        sink.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("13.5"), Some(0x000d_0500));
        assert_eq!(parse_version("14"), Some(FIRST));
        assert_eq!(parse_version("x"), None);
        assert_eq!(show(0x000b_0000), "11.0");
    }
}

//! `macho-min-os-vs-plist`: Info.plist's minimum OS is not lower than what the binaries require.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::macho::parse_version;

pub static RULE: Rule = Rule { id: crate::rule_id::MACHO_MIN_OS_VS_PLIST, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(info) = item.info() else { return };
    let Some(info_path) = item.item.bundle.as_ref().and_then(|b| b.info_plist.as_deref()) else { return };
    let (key, declared) = match (info.string("LSMinimumSystemVersion"), info.string("MinimumOSVersion")) {
        (Some(v), _) => ("LSMinimumSystemVersion", v),
        (None, Some(v)) => ("MinimumOSVersion", v),
        _ => return,
    };
    let Some(declared_raw) = parse_version(declared) else { return };
    for slice in item.slices() {
        let Some(target) = slice.slice.build_target() else { continue };
        if target.minos_raw > declared_raw.max(first_release(&slice.slice.arch, target.platform)) {
            let f = sink
                .finding(
                    RULE.id,
                    info_path,
                    format!(
                        "{key} of `{}` is {declared} but its {} slice requires {} {}",
                        item.item.path,
                        slice.slice.arch,
                        crate::macho::platform_display_name(target.platform),
                        target.minos
                    ),
                )
                .item(item.item.path.clone())
                .span(info.key_span(key))
                .help(format!("raise {key} to {} or lower the deployment target of the binary", target.minos));
            sink.push(f);
            return;
        }
    }
}

/// The first OS release an architecture existed on: an arm64 slice of a universal app built for
/// 10.13 necessarily says 11.0, and the system only ever runs it on 11.0 or later.
fn first_release(arch: &str, platform: u32) -> u32 {
    const MACOS: u32 = 1;
    match (platform, arch.starts_with("arm64")) {
        (MACOS, true) => 0x000b_0000,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions() {
        assert_eq!(crate::macho::parse_version("10.15.4"), Some(0x000a_0f04));
        assert_eq!(crate::macho::parse_version("12"), Some(0x000c_0000));
        assert_eq!(crate::macho::parse_version("x"), None);
    }
}

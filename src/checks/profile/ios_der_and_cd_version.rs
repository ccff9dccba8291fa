//! `ios-der-and-cd-version`: iOS-family code uses the signature format iOS 15 requires: a
//! CodeDirectory of version 0x20400 or later and, when it has entitlements, the DER form of them.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

use super::is_ios_family;
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::IOS_DER_AND_CD_VERSION, check: Check::Slice(check) };

/// CodeDirectory version with the executable-segment fields.
const MIN_VERSION: u32 = 0x20400;

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    if !is_ios_family(&slice.item) {
        return;
    }
    let Some(sig) = slice.signature() else { return };
    let Some(cd) = sig.primary() else { return };
    // The kernel reads DER entitlements of executables; libraries' entitlements mean nothing.
    let executable = matches!(slice.item.item.role, Role::App | Role::AppExtension);
    let has_xml = executable && sig.entitlements.is_some();
    let has_der = sig.der_entitlements.is_some();
    let defects = defects(cd.version, has_xml, has_der);
    if defects.is_empty() {
        return;
    }
    let path = slice.item.code_path();
    let f = slice
        .finding(RULE.id, format!("`{path}` [{}] uses the old signature format: {}; iOS 15 and later refuse to launch it", slice.slice.arch, defects.join(" and ")))
        .help("sign again with Xcode 12.5 or later (or codesign on macOS 11+): codesign --force --sign IDENTITY --generate-entitlement-der --entitlements App.entitlements Payload/App.app");
    sink.push(f);
}

/// What is old about a signature.
fn defects(version: u32, has_xml: bool, has_der: bool) -> Vec<String> {
    let mut out = Vec::new();
    if version < MIN_VERSION {
        out.push(format!("CodeDirectory version {version:#x} is older than {MIN_VERSION:#x}"));
    }
    if has_xml && !has_der {
        out.push("it has XML entitlements but no DER entitlements blob".to_owned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::defects;

    #[test]
    fn old_and_new() {
        assert_eq!(defects(0x20400, true, true), Vec::<String>::new());
        assert_eq!(defects(0x20500, false, false), Vec::<String>::new());
        assert_eq!(defects(0x20200, true, false).len(), 2);
        assert!(defects(0x20200, false, false)[0].contains("0x20200"));
    }
}

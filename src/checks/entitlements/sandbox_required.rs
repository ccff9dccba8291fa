//! `ent-sandbox-required`: every executable in a Mac App Store submission enables the App
//! Sandbox.

use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_SANDBOX_REQUIRED, check: Check::Item(check) };

const SANDBOX: &str = "com.apple.security.app-sandbox";
const MH_EXECUTE: u32 = 2;

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    // The App Sandbox is macOS's; iOS-family code is sandboxed by the system without it.
    if super::platform_of(view) != crate::entitlements::Platform::MacOs {
        return;
    }
    let slices = view.slices();
    let Some(first) = slices.first() else { return };
    // Library code runs in its host's sandbox; only executables are listed by App Store Connect.
    if first.slice.file_type != MH_EXECUTE {
        return;
    }
    // An unsigned executable is `notary-unsigned-code`'s finding; here only signed ones count.
    let Some(sig) = first.signature() else { return };
    let dict = sig.entitlements_value().and_then(plist::Value::as_dictionary);
    let value = dict.and_then(|d| d.get(SANDBOX));
    let state = match value {
        Some(plist::Value::Boolean(true)) => return,
        Some(plist::Value::Boolean(false)) => format!("sets {SANDBOX} to false"),
        Some(other) => format!("sets {SANDBOX} to {} instead of <true/>", crate::entitlements::type_name(other)),
        None if dict.is_some() => format!("does not claim {SANDBOX}"),
        None => "is signed without entitlements".to_owned(),
    };
    let path = view.code_path();
    let message = format!(
        "`{path}` {state}, but every executable in a Mac App Store submission needs {SANDBOX} = true: upload fails with ITMS-90296 \"App sandbox not enabled. The following executables must include the \"com.apple.security.app-sandbox\" entitlement with a Boolean value of true in the entitlements property list\""
    );
    let range = sig.entitlements_range();
    super::report(sink, view, RULE.id, message, format!(
        "sign `{path}` with an entitlements file that has <key>{SANDBOX}</key><true/> (Xcode: ENABLE_APP_SANDBOX = YES; helper tools the app spawns: app-sandbox plus com.apple.security.inherit)"
    ), range);
}

//! `ent-restricted-on-non-main-executable`: an executable that is not the main executable of a
//! bundle (an extra tool in `Contents/MacOS`, a helper, a bare daemon, a copy of the main binary)
//! claims restricted entitlements, which no profile can authorise.

use super::{listed, own_profile, platform_of, plural, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::input::base_name;

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_RESTRICTED_ON_NON_MAIN_EXECUTABLE, check: Check::Item(check) };

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    // Bundle main executables are `ent-restricted-without-profile`; launchd-started code is
    // `smapp-daemon-restricted-ent`, whose fix also changes the plist.
    if view.item.bundle.is_some() || !view.item.launched_by.is_empty() {
        return;
    }
    let Some(claims) = Claims::of(view) else { return };
    if !claims.is_executable() {
        return;
    }
    let keys = claims.restricted(platform_of(view));
    let Some(first) = keys.first() else { return };
    let exe = view.code_path();
    let name = base_name(exe);
    let why = match view.parent() {
        None => "a standalone executable has no bundle to hold a provisioning profile".to_owned(),
        Some(parent) => {
            let main = parent.item.executable.as_deref().unwrap_or("its main executable");
            let copy = same_code(view, &parent);
            match (own_profile(&parent), copy) {
                (_, true) => format!(
                    "it is a copy of `{main}`, and the bundle's signature and profile cover only the file CFBundleExecutable names"
                ),
                (Some((profile, _)), false) => format!(
                    "`{profile}` authorises only `{main}`, the main executable of `{}`; this file is nested code with nowhere to hold a profile",
                    parent.item.path
                ),
                (None, false) => format!(
                    "it is nested code inside `{}`, and only a bundle's main executable can be authorised by a profile",
                    parent.item.path
                ),
            }
        }
    };
    let message = format!(
        "`{exe}` claims the restricted {} {}, but {why}: AMFI kills it at launch (Killed: 9, \"No matching profile found\")",
        plural(keys.len()),
        listed(&keys),
    );
    let help = format!(
        "wrap the tool in an app-like bundle `{name}.app/Contents/MacOS/{name}` with its own Info.plist (CFBundleExecutable `{name}`, its own bundle ID) and `{name}.app/Contents/embedded.provisionprofile` for that App ID, sign that bundle, and run the tool through it (launchd: point BundleProgram or Program at `{name}.app/Contents/MacOS/{name}`); or drop the {} from this tool",
        plural(keys.len()),
    );
    let range = claims.range_of(first);
    super::report(sink, view, RULE.id, message, help, range);
}

/// Whether `view` is a byte-for-byte signed copy of its bundle's main executable: the same
/// primary CodeDirectory hash of the first slice.
fn same_code(view: &ItemView<'_>, parent: &ItemView<'_>) -> bool {
    let cdhash = |v: &ItemView<'_>| {
        v.slices().first().and_then(|s| s.signature()).and_then(|sig| sig.primary()).and_then(|cd| cd.cdhash.clone())
    };
    match (cdhash(view), cdhash(parent)) {
        (Some(a), Some(b)) => a == b,
        _ => false,
    }
}

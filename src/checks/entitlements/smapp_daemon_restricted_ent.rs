//! `smapp-daemon-restricted-ent`: a daemon or agent a bundled launchd plist starts claims
//! restricted entitlements, so `BundleProgram` must name the main executable of an app-like
//! bundle that embeds its own provisioning profile.

use super::{listed, own_profile, platform_of, plural, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::LaunchdKind;
use crate::input::base_name;

pub static RULE: Rule = Rule { id: crate::rule_id::SMAPP_DAEMON_RESTRICTED_ENT, check: Check::Scan(check) };

fn check(ctx: &Context<'_>, sink: &mut Sink) {
    let scan = ctx.scan;
    for plist in &scan.discovery.launchd_plists {
        let Some(target) = plist.target else { continue };
        let Some(view) = scan.item_views().find(|i| i.index == target) else { continue };
        let Some(claims) = Claims::of(&view) else { continue };
        if !claims.is_executable() {
            continue;
        }
        let keys = claims.restricted(platform_of(&view));
        if keys.is_empty() {
            continue;
        }
        let Some(why) = unauthorised(&view) else { continue };
        let program = plist.bundle_program.as_deref().unwrap_or_default();
        let kind = match plist.kind {
            LaunchdKind::Daemon => "daemon",
            LaunchdKind::Agent => "agent",
            LaunchdKind::Other => "job",
        };
        let label = plist.label.as_deref().map(|l| format!(" `{l}`")).unwrap_or_default();
        let exe = view.code_path();
        let message = format!(
            "launchd {kind}{label} (`{}`) runs BundleProgram `{program}`, which claims the restricted {} {}, but {why}: AMFI kills it when launchd spawns it (\"No matching profile found\", Killed: 9) and the job never stays up",
            plist.path,
            plural(keys.len()),
            listed(&keys),
        );
        let name = base_name(exe);
        let help = match &view.item.bundle {
            Some(b) => format!(
                "create a provisioning profile for the {kind}'s own App ID with the capability enabled, save it as `{}/embedded.provisionprofile`, and re-sign `{}` with its entitlements, then the enclosing app",
                b.content, view.item.path
            ),
            None => format!(
            "move the {kind} into an app-like bundle `Contents/Library/HelperTools/{name}.app` (Info.plist with CFBundleExecutable `{name}`, `Contents/MacOS/{name}`, its own `Contents/embedded.provisionprofile` for the {kind}'s App ID), sign it with those entitlements, and set BundleProgram to `Contents/Library/HelperTools/{name}.app/Contents/MacOS/{name}`"
            ),
        };
        let span = plist.document.as_ref().ok().and_then(|d| d.key_span("BundleProgram"));
        let mut f = sink.finding(RULE.id, &plist.path, message).item(view.item.path.clone()).help(help);
        f.span = span;
        f.range = span.map(|s| crate::macho::Range { offset: s.offset, size: s.length });
        sink.push(f);
    }
}

/// Why the launched code's entitlements cannot be authorised, if they cannot.
fn unauthorised(view: &ItemView<'_>) -> Option<String> {
    match &view.item.bundle {
        None => Some(format!(
            "`{}` is a bare executable, not the main executable of a bundle, so no provisioning profile can cover it",
            view.code_path()
        )),
        Some(b) if own_profile(view).is_none() && b.profile.is_none() => Some(format!(
            "its bundle `{}` embeds no provisioning profile (`{}/embedded.provisionprofile`)",
            view.item.path, b.content
        )),
        Some(_) => None,
    }
}

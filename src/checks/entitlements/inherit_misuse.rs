//! `ent-inherit-misuse`: `com.apple.security.inherit` goes only with `app-sandbox`, on a helper
//! that a sandboxed app starts as its own child process.

use super::{listed, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_INHERIT_MISUSE, check: Check::Item(check) };

const INHERIT: &str = "com.apple.security.inherit";
const SANDBOX: &str = "com.apple.security.app-sandbox";

/// Keys a helper may carry beside the two: Xcode adds `get-task-allow` to development builds.
const ALLOWED: &[&str] = &[INHERIT, SANDBOX, "com.apple.security.get-task-allow"];

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    let Some(claims) = Claims::of(view) else { return };
    if claims.dict.get(INHERIT).and_then(plist::Value::as_boolean) != Some(true) {
        return;
    }
    let path = view.code_path();
    let mut problems = Vec::new();
    if claims.dict.get(SANDBOX).and_then(plist::Value::as_boolean) != Some(true) {
        problems.push(format!("it lacks {SANDBOX} = true"));
    }
    let extra: Vec<&str> = claims.dict.keys().map(String::as_str).filter(|k| !ALLOWED.contains(k)).collect();
    if !extra.is_empty() {
        problems
            .push(format!("it also claims {}, which a sandbox inherited from the parent cannot take", listed(&extra)));
    }
    if let Some(how) = started_by_system(view) {
        problems.push(format!("{how}, so there is no sandboxed parent to inherit from"));
    }
    if problems.is_empty() {
        return;
    }
    let message = format!(
        "`{path}` claims {INHERIT}, but {}: it traps at launch in _libsecinit_appsandbox (EXC_BAD_INSTRUCTION / SIGILL)",
        problems.join("; ")
    );
    let range = claims.range_of(INHERIT);
    super::report(sink, view, RULE.id, message, "sign helper tools the sandboxed app runs itself (Process/posix_spawn) with exactly app-sandbox and inherit; sign code that launchd or the system starts (XPC services, login items, agents, daemons, extensions, apps) with its own sandbox entitlements and no inherit", range);
}

/// How the system, not a sandboxed parent, starts the item, when it does.
fn started_by_system(view: &ItemView<'_>) -> Option<String> {
    if !view.item.launched_by.is_empty() {
        return Some("a launchd plist starts it".to_owned());
    }
    let what = match view.item.role {
        Role::XpcService => "it is an XPC service, started by launchd",
        Role::LoginItem => "it is a login item, started by launchd",
        Role::AppExtension => "it is an app extension, started by the system",
        Role::SystemExtension => "it is a system extension, started by the system",
        // Nested apps (Electron's `App Helper.app`) are often children the app spawns itself.
        Role::App if view.item.parent.is_none() => "it is the app itself, started by Launch Services",
        Role::LaunchdProgram | Role::SmJobBlessTool => "it is a launchd job",
        _ => return None,
    };
    Some(what.to_owned())
}

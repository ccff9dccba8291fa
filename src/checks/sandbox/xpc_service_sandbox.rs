//! `xpc-service-sandbox`: an XPC service inside a sandboxed app is sandboxed itself.

use crate::analysis::services::{self, APP_SANDBOX, INHERIT};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::XPC_SERVICE_SANDBOX, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if item.item.role != Role::XpcService {
        return;
    }
    // The app that carries the service (through frameworks, if any).
    let mut host = item.parent();
    while let Some(h) = host.filter(|h| !matches!(h.item.role, Role::App | Role::LoginItem | Role::AppExtension)) {
        host = h.parent();
    }
    let Some(host) = host else { return };
    if !services::entitlements(&host).is_some_and(services::is_sandboxed) {
        return;
    }
    let e = services::entitlements(item);
    if e.is_some_and(services::is_sandboxed) && !e.is_some_and(|e| e.contains_key(INHERIT)) {
        return;
    }
    let path = item.code_path();
    let how = if e.is_some_and(|e| e.contains_key(INHERIT)) {
        format!("claims {INHERIT}, which only helpers a sandboxed process starts itself may use; launchd starts XPC services")
    } else {
        format!("does not claim {APP_SANDBOX}")
    };
    sink.item(
        item,
        RULE.id,
        format!(
            "XPC service `{path}` in the sandboxed app `{}` {how}: App Store validation rejects it (ITMS-90296: App sandbox not enabled)",
            host.item.path
        ),
    )
    .help = Some(format!(
        "enable App Sandbox for the XPC service target (entitlements: {APP_SANDBOX} = true, without {INHERIT}) and re-sign it before the app"
    ));
}

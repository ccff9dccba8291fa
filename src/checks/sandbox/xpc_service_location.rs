//! `xpc-service-location`: `.xpc` bundles sit in `Contents/XPCServices/` (a framework's
//! `Versions/<v>/XPCServices/`), the only place launchd reads a bundle's XPC services from.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;
use crate::input::parent;

pub static RULE: Rule = Rule { id: crate::rule_id::XPC_SERVICE_LOCATION, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if item.item.role != Role::XpcService {
        return;
    }
    let Some(host) = item.parent() else { return };
    let Some(content) = host.item.bundle.as_ref().map(|b| b.content.as_str()) else { return };
    let expected = format!("{content}/XPCServices");
    let folder = parent(&item.item.path);
    if folder == expected {
        return;
    }
    let path = &item.item.path;
    let name = item.info().and_then(|d| d.string("CFBundleIdentifier")).unwrap_or("?");
    let file = item.item.path.rsplit('/').next().unwrap_or(path);
    sink.item(
        item,
        RULE.id,
        format!(
            "XPC service `{path}` is in `{folder}`, not `{expected}`: it is not in `{}`'s XPC namespace, so connections to `{name}` fail (\"Couldn't communicate with a helper application\")",
            host.item.path
        ),
    )
    .help = Some(format!("move it to `{expected}/{file}` (Xcode: Embed XPC Services build phase) and re-sign the host"));
}

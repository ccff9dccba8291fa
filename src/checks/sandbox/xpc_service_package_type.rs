//! `xpc-service-package-type`: an XPC service bundle declares `CFBundlePackageType` `XPC!`, a
//! `CFBundleIdentifier` (its service name) and an executable that exists.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::XPC_SERVICE_PACKAGE_TYPE, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if item.item.role != Role::XpcService {
        return;
    }
    let Some(bundle) = &item.item.bundle else { return };
    let Some(info_path) = bundle.info_plist.as_deref() else { return };
    let Some(info) = item.info() else { return };
    let path = &item.item.path;
    let mut problems: Vec<(String, &str)> = Vec::new();
    match info.string("CFBundlePackageType") {
        Some("XPC!") => {}
        Some(other) => problems.push((format!("CFBundlePackageType is `{other}`, not `XPC!`"), "CFBundlePackageType")),
        None => problems.push(("CFBundlePackageType is missing (must be `XPC!`)".to_owned(), "CFBundlePackageType")),
    }
    if info.string("CFBundleIdentifier").is_none_or(str::is_empty) {
        problems.push(("CFBundleIdentifier, the service's name, is missing".to_owned(), "CFBundleIdentifier"));
    }
    match (&bundle.executable_name, &item.item.executable) {
        (None, _) => problems.push(("CFBundleExecutable is missing".to_owned(), "CFBundleExecutable")),
        (Some(name), None) => {
            problems.push((format!("CFBundleExecutable `{name}` is not in Contents/MacOS"), "CFBundleExecutable"))
        }
        _ => {}
    }
    let name = info.string("CFBundleIdentifier").unwrap_or("?");
    for (what, key) in problems {
        let f = sink
            .finding(
                RULE.id,
                info_path,
                format!("XPC service `{path}`: {what}; launchd does not register `{name}` in the host's XPC namespace and connections to it are invalidated"),
            )
            .item(path.clone())
            .span(info.key_span(key))
            .help("in the XPC service target's Info.plist set CFBundlePackageType = XPC!, CFBundleIdentifier = the service name the host connects to, and CFBundleExecutable = the binary in Contents/MacOS");
        sink.push(f);
    }
}

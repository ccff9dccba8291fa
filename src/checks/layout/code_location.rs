//! `layout-code-location`: each kind of nested code sits in the folder the system expects.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;
use crate::input::parent;

pub static RULE: Rule = Rule { id: crate::rule_id::LAYOUT_CODE_LOCATION, check: Check::Item(check) };

/// The folders (relative to the containing bundle's content directory) each role belongs in.
/// Roles that discovery assigns by location alone (login items, SMJobBless tools) are not listed:
/// an app outside `Library/LoginItems` is simply a nested app, so there is nothing to compare.
/// XPC services have their own rule, `xpc-service-location`, which explains launchd's namespace.
fn expected_folders(role: Role) -> Option<&'static [&'static str]> {
    Some(match role {
        Role::AppExtension => &["PlugIns", "Extensions"],
        Role::SystemExtension => &["Library/SystemExtensions"],
        Role::Framework => &["Frameworks", "SharedFrameworks"],
        _ => return None,
    })
}

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(expected) = expected_folders(item.item.role) else { return };
    let Some(container) = item.parent() else { return };
    let Some(content) = container.item.bundle.as_ref().map(|b| b.content.as_str()) else { return };
    // A versioned framework item is `X.framework/Versions/A`; its location is that of `X.framework`.
    let bundle_dir = match item.item.role {
        Role::Framework if item.item.path.contains(".framework/Versions/") => {
            item.item.path.rsplit_once("/Versions/").map_or(item.item.path.as_str(), |(f, _)| f)
        }
        _ => item.item.path.as_str(),
    };
    let folder = parent(bundle_dir).strip_prefix(content).unwrap_or(parent(bundle_dir)).trim_start_matches('/');
    if expected.contains(&folder) {
        return;
    }
    let role = item.item.role.name();
    sink.item(
        item,
        RULE.id,
        format!("{role} `{}` is in `{folder}/`; it belongs in `{}/`", item.item.path, expected[0]),
    )
    .help = Some(format!("move it to {}/{}/ in the containing bundle", content, expected[0]));
}

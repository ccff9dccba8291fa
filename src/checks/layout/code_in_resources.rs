//! `layout-code-in-resources`: no code where data belongs (`Resources`, `SharedSupport`) — neither a
//! loose Mach-O nor a bundle with an executable.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::LAYOUT_CODE_IN_RESOURCES, check: Check::Item(check) };

/// Folders of a bundle's content directory that hold data, sealed as resources.
const DATA_FOLDERS: &[&str] = &["Resources", "SharedSupport", "Documentation"];

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(container) = item.parent() else { return };
    let Some(content) = container.item.bundle.as_ref().map(|b| b.content.as_str()) else { return };
    let is_code =
        item.item.role == Role::MisplacedCode || (item.item.bundle.is_some() && item.item.executable.is_some());
    let relative = item.item.path.strip_prefix(content).unwrap_or("").trim_start_matches('/');
    let folder = relative.split('/').next().unwrap_or("");
    if !is_code || !DATA_FOLDERS.contains(&folder) {
        return;
    }
    let what =
        if item.item.bundle.is_some() { format!("{} bundle", item.item.role.name()) } else { "Mach-O".to_owned() };
    sink.item(item, RULE.id, format!("{what} `{}` sits in the {folder} folder of `{}`", item.item.path, container.item.path))
        .help = Some("move executables to Contents/MacOS or Contents/Helpers, libraries to Contents/Frameworks, helper apps to Contents/Library/LoginItems or Contents/Helpers, and sign them as code".into());
}

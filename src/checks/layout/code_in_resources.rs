//! `layout-code-in-resources`: no Mach-O where data belongs (`Resources`, `SharedSupport`).

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: "layout-code-in-resources", check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if item.item.role != Role::MisplacedCode {
        return;
    }
    let path = &item.item.path;
    let container = item.parent().map(|p| p.item.path.clone()).unwrap_or_default();
    sink.item(item, RULE.id, format!("Mach-O `{path}` sits in a data folder of `{container}`"))
        .help = Some("move executables to Contents/MacOS or Contents/Helpers, libraries to Contents/Frameworks, and sign them as code".into());
}

//! `mas-object-files`: no object files, static archives or other Mach-O files that are never
//! loaded inside the app submitted to the App Store.

use crate::checks::{Check, Context, Rule, Sink};
use crate::discover::Role;
use crate::input::Entry;
use crate::model::Code;

pub static RULE: Rule = Rule { id: crate::rule_id::MAS_OBJECT_FILES, check: Check::Scan(check) };

const HELP: &str = "remove the file from the bundle: object files and static archives are linked into an executable at build time, not shipped (look for a Copy Bundle Resources or Copy Files phase, or a packaging script, that copies build intermediates)";

/// The magic of a thin `ar` archive (a static library): not Mach-O, so never a code item.
const AR_MAGIC: &[u8] = b"!<arch>\n";

/// The root of the submitted app holding `path`, if any.
fn enclosing_app<'a>(apps: &'a [String], path: &str) -> Option<&'a str> {
    apps.iter().map(String::as_str).find(|root| path.strip_prefix(root).is_some_and(|rest| rest.starts_with('/')))
}

fn check(cx: &Context<'_>, sink: &mut Sink) {
    let apps: Vec<String> = cx
        .scan
        .discovery
        .items
        .iter()
        .filter(|i| i.role == Role::App && i.parent.is_none())
        .filter_map(|i| i.bundle.as_ref().map(|b| b.root.clone()))
        .collect();
    if apps.is_empty() {
        return;
    }
    let mut seen = std::collections::HashSet::new();
    // Mach-O files nothing loads: object files, universal static archives, dSYM companions….
    for (item, facts) in cx.scan.code_items().filter(|(i, _)| i.role == Role::NeverLoaded) {
        let Some(app) = enclosing_app(&apps, &item.path) else { continue };
        let Code::MachO { file, .. } = &facts.code else { continue };
        let kind =
            file.slices.first().map_or("never-loaded Mach-O", |s| crate::macho::file_type_description(s.file_type));
        seen.insert(item.path.clone());
        report(sink, app, &item.path, kind);
    }
    // Thin static archives are not Mach-O; they are found by their magic.
    for (path, entry) in cx.scan.tree.entries() {
        let Entry::File(data) = entry else { continue };
        let Some(app) = enclosing_app(&apps, path) else { continue };
        if seen.contains(path) || data.len() < AR_MAGIC.len() as u64 || data.head(AR_MAGIC.len()) != AR_MAGIC {
            continue;
        }
        report(sink, app, path, "static archive (!<arch>), linked into code, never loaded");
    }
}

fn report(sink: &mut Sink, app: &str, path: &str, kind: &str) {
    let message = format!(
        "`{path}` in `{app}` is not code the app can load ({kind}): upload fails with ITMS-90171 \"Invalid Bundle Structure - The binary file '{path}' is not permitted. Your app can't contain standalone executables or libraries, other than a valid CFBundleExecutable of supported bundles.\""
    );
    sink.push(sink.finding(RULE.id, path, message).item(app.to_owned()).help(HELP));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_inside_an_app_are_enclosed() {
        let apps = vec!["Payload/A.app".to_owned()];
        assert_eq!(enclosing_app(&apps, "Payload/A.app/x.o"), Some("Payload/A.app"));
        assert_eq!(enclosing_app(&apps, "Payload/A.appendix/x.o"), None);
        assert_eq!(enclosing_app(&apps, "Payload/A.app"), None);
    }
}

//! `layout-info-plist-keys`: a bundle's Info.plist exists and declares its identity. In a source
//! Info.plist the build fills in what is missing, so only an identifier written out in full is
//! judged there.

use crate::checks::{Check, Context, ItemView, Rule, Sink, SourceKind};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::LAYOUT_INFO_PLIST_KEYS, check: Check::Scan(check) };

const REQUIRED: &[&str] = &["CFBundleIdentifier", "CFBundleExecutable", "CFBundlePackageType"];

/// A version directory whose framework keeps its resources in a real `Resources` directory at
/// the root instead of a link into `Versions/Current` (what unpacking without symlinks leaves).
fn is_flattened_framework_version(item: &ItemView<'_>, bundle: &crate::discover::Bundle) -> bool {
    use crate::input::{join, parent, Entry};
    if bundle.layout != crate::discover::Layout::Versioned {
        return false;
    }
    let framework = parent(parent(&bundle.root));
    let tree = &item.scan.tree;
    matches!(tree.get(&join(framework, "Resources")), Some(Entry::Dir))
        && matches!(tree.get(&join(framework, "Resources/Info.plist")), Some(Entry::File(_)))
}

/// The first character a bundle identifier may not hold.
fn bad_identifier_character(id: &str) -> Option<char> {
    id.chars().find(|c| !(c.is_ascii_alphanumeric() || *c == '.' || *c == '-'))
}

const IDENTIFIER_HELP: &str = "use a reverse-DNS identifier made of letters, digits, hyphens and periods";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for item in cx.items() {
        check_item(&item, sink);
    }
    for source in cx.sources(SourceKind::InfoPlist) {
        let Some(id) = source.dict.get("CFBundleIdentifier").and_then(plist::Value::as_string) else { continue };
        // `$(PRODUCT_BUNDLE_IDENTIFIER)` and the like are known only after the build.
        if id.contains("$(") || id.contains("${") {
            continue;
        }
        if let Some(bad) = bad_identifier_character(id) {
            let message = format!(
                "CFBundleIdentifier {id:?} in `{}` contains {bad:?}; only letters, digits, `.` and `-` are allowed",
                source.file.path
            );
            sink.push(source.finding(RULE.id, "CFBundleIdentifier", message).help(IDENTIFIER_HELP));
        }
    }
}

fn check_item(item: &ItemView<'_>, sink: &mut Sink) {
    let Some(bundle) = &item.item.bundle else { return };
    if item.item.role == Role::ResourceBundle {
        return;
    }
    let path = &item.item.path;
    if bundle.info_plist.is_none() && is_flattened_framework_version(item, bundle) {
        // The Info.plist sits in a real Resources directory at the framework root: one defect,
        // reported as layout-framework-root.
        return;
    }
    let Some(info_path) = bundle.info_plist.as_deref() else {
        sink.item(item, RULE.id, format!("`{path}` has no Info.plist"))
            .help = Some("add Contents/Info.plist (iOS: Info.plist at the bundle root) with CFBundleIdentifier, CFBundleExecutable and CFBundlePackageType".into());
        return;
    };
    // A plist that does not parse is reported as malformed-plist.
    let Some(info) = item.info() else { return };
    let Some(dict) = info.dict() else { return };
    let missing: Vec<&str> =
        REQUIRED.iter().copied().filter(|k| dict.get(k).and_then(plist::Value::as_string).is_none()).collect();
    if !missing.is_empty() {
        let f = sink
            .finding(RULE.id, info_path, format!("Info.plist of `{path}` lacks {}", missing.join(", ")))
            .item(path.clone())
            .help("declare the bundle's identifier, executable name and package type (APPL, FMWK, XPC!, BNDL…)");
        sink.push(f);
    }
    if let Some(id) = info.string("CFBundleIdentifier") {
        if let Some(bad) = bad_identifier_character(id) {
            let f = sink
                .finding(RULE.id, info_path, format!("CFBundleIdentifier {id:?} of `{path}` contains {bad:?}; only letters, digits, `.` and `-` are allowed"))
                .item(path.clone())
                .span(info.key_span("CFBundleIdentifier"))
                .help(IDENTIFIER_HELP);
            sink.push(f);
        }
    }
}

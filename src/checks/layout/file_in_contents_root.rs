//! `res-file-in-contents-root`: the only regular files directly in a macOS bundle's `Contents/`
//! are the ones codesign's default rules seal as files; anything else matches the nested-code
//! rule `^[^/]+$` and must itself be signed code.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Layout;
use crate::input::{join, Entry};

pub static RULE: Rule = Rule { id: crate::rule_id::RES_FILE_IN_CONTENTS_ROOT, check: Check::Item(check) };

/// Files a higher-weight default rule seals as data (or omits), and the notarization ticket
/// `stapler` writes, as `BundleDiskRep::defaultResourceRules` lists them.
const SEALED_AS_DATA: &[&str] =
    &["Info.plist", "PkgInfo", "embedded.provisionprofile", "version.plist", "CodeResources", ".DS_Store"];

/// Bytes read from each file to tell Mach-O from data.
const HEAD: usize = 8;

fn check(cx: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(bundle) = item.item.bundle.as_ref().filter(|b| b.layout == Layout::Deep) else { return };
    for (name, entry) in cx.scan.tree.children(&bundle.content) {
        let path = &join(&bundle.content, name);
        // Links are never nested code; Mach-O files here are nested code, judged as such.
        let Entry::File(data) = entry else { continue };
        if SEALED_AS_DATA.contains(&name) || crate::macho::is_macho(&data.head(HEAD)) {
            continue;
        }
        sink.push(
            sink.finding(RULE.id, path, format!("`{path}` is a file directly in {} and not Mach-O: the rule `^[^/]+$` makes it nested code, so codesign signs the bundle only if the file carries a signature of its own (in extended attributes, which most copies drop), else it fails with \"code object is not signed at all\" in subcomponent {path}", bundle.content))
                .item(item.item.path.clone())
                .help("move the file to Contents/Resources (data) or Contents/MacOS (executables); only Info.plist, PkgInfo, embedded.provisionprofile and version.plist belong directly in Contents"),
        );
    }
}

//! `sig-identifier-bundle-mismatch`: a bundle's main executable is signed with its bundle id.

use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_IDENTIFIER_BUNDLE_MISMATCH, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    // A bundle signed as a bare file carries the file's identifier; `sig-resources-not-sealed`
    // reports that signature once and names the identifier among its consequences.
    if item.bundle_signed_as_bare_file() {
        return;
    }
    let Some(info) = item.info() else { return };
    let Some(bundle_id) = info.string("CFBundleIdentifier") else { return };
    let Some(identifier) = item.signing_identifier() else { return };
    if identifier == bundle_id {
        return;
    }
    let Some(info_path) = item.item.bundle.as_ref().and_then(|b| b.info_plist.as_deref()) else { return };
    let path = &item.item.path;
    // Point at the Info.plist key: that is the value the signature should carry.
    let f = sink
        .finding(RULE.id, info_path, format!("`{path}` is signed as {identifier:?} but its CFBundleIdentifier is {bundle_id:?}"))
        .item(path.clone())
        .span(info.key_span("CFBundleIdentifier"))
        .help(format!(
            "sign the bundle, not the bare executable, so codesign takes the identifier from Info.plist (or pass --identifier {bundle_id})"
        ));
    sink.push(f);
}

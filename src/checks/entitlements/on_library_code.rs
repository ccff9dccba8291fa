//! `ent-on-library-code`: frameworks, dylibs and loadable bundles carry no entitlements and no
//! provisioning profile; entitlements belong to the executable that loads them.

use super::Claims;
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: "ent-on-library-code", check: Check::Item(check) };

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    let claims = Claims::of(view).filter(|c| c.is_library() && !c.dict.is_empty());
    let is_library_bundle = matches!(view.item.role, Role::Framework | Role::Plugin);
    let profile = view.item.bundle.as_ref().and_then(|b| b.profile.as_deref()).filter(|_| is_library_bundle);
    let path = view.code_path();
    if let Some(claims) = &claims {
        let keys: Vec<&str> = claims.dict.keys().map(String::as_str).take(6).collect();
        let more = if claims.dict.len() > keys.len() { ", …" } else { "" };
        let message = format!(
            "`{path}` is library code ({}) signed with {} entitlements ({}{more}): the process that loads it never gets them, and a signature with entitlements on a framework can make codesign and the notary call it invalid",
            claims.slice.slice.file_type_name,
            claims.dict.len(),
            super::listed(&keys),
        );
        let range = claims.slice.signature().and_then(|s| s.entitlements_range());
        super::report(sink, view, RULE.id, message, "re-sign the library without --entitlements (and without --deep, which copies the app's entitlements onto nested code); give the entitlements to the executable that loads it", range);
    }
    if let Some(profile) = profile {
        let message = format!(
            "`{profile}` is a provisioning profile inside library code (`{}`): profiles authorise only a bundle's main executable, so this one does nothing",
            view.item.path
        );
        sink.push(
            sink.finding(RULE.id, profile, message)
                .item(view.item.path.clone())
                .help("remove the profile from the library bundle and re-sign it; embed profiles only in apps, app extensions and system extensions"),
        );
    }
}

//! `ent-on-library-code`: frameworks, dylibs and loadable bundles carry entitlements that need no
//! profile, or a provisioning profile: both are ignored (information). Restricted entitlements on
//! library code are `ent-restricted-on-library-code`.

use super::{platform_of, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_ON_LIBRARY_CODE, check: Check::Item(check) };

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    let claims = library_claims(view).filter(|c| c.restricted(platform_of(view)).is_empty());
    let is_library_bundle = matches!(view.item.role, Role::Framework | Role::Plugin);
    let profile = view.item.bundle.as_ref().and_then(|b| b.profile.as_deref()).filter(|_| is_library_bundle);
    let path = view.code_path();
    if let Some(claims) = &claims {
        let message = format!(
            "`{path}` is library code ({}) signed with {}: they are ignored, as the process that loads it takes its entitlements, Hardened Runtime exceptions included, from its main executable",
            claims.slice.slice.file_type_name,
            described(claims),
        );
        let range = claims.slice.signature().and_then(|s| s.entitlements_range());
        super::report(sink, view, RULE.id, message, "nothing fails; to keep the signature honest, sign the library without --entitlements (and without --deep, which copies the app's entitlements onto nested code)", range);
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

/// The item's entitlements, when it is library code that claims any.
pub(super) fn library_claims<'a>(view: &ItemView<'a>) -> Option<Claims<'a>> {
    Claims::of(view).filter(|c| c.is_library() && !c.dict.is_empty())
}

/// "5 entitlements (`a`, `b`, …)": at most six keys named.
pub(super) fn described(claims: &Claims<'_>) -> String {
    let keys: Vec<&str> = claims.dict.keys().map(String::as_str).take(6).collect();
    let more = if claims.dict.len() > keys.len() { ", …" } else { "" };
    format!("{} {} ({}{more})", claims.dict.len(), super::plural(claims.dict.len()), super::listed(&keys))
}

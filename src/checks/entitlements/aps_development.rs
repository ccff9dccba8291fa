//! `ent-aps-development`: a distribution build asks for the development push environment.

use super::Claims;
use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_APS_DEVELOPMENT, check: Check::Item(check) };

/// The push environment keys: macOS, iOS family.
const KEYS: &[&str] = &["com.apple.developer.aps-environment", "aps-environment"];

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    let Some(claims) = Claims::of(view) else { return };
    for key in KEYS {
        if claims.dict.get(key).and_then(plist::Value::as_string) != Some("development") {
            continue;
        }
        let message = format!(
            "`{}` claims `{key}` = \"development\" in a distribution build: pushes sent by the production APNs server never arrive, and a distribution profile (which allows only \"production\") does not authorise it",
            view.code_path()
        );
        let range = claims.range_of(key);
        super::report(sink, view, RULE.id, message, format!(
            "set `{key}` to \"production\" for Developer ID, App Store, ad hoc and enterprise builds (Xcode sets it from the distribution profile when exporting), then re-sign"
        ), range);
    }
}

//! `ent-temporary-exception`: App Sandbox temporary exceptions, which App Review questions and
//! which often hide a design problem (a Mach service that should be named after an app group).

use super::{listed, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_TEMPORARY_EXCEPTION, check: Check::Item(check) };

const PREFIX: &str = "com.apple.security.temporary-exception.";
const SANDBOX: &str = "com.apple.security.app-sandbox";

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    let Some(claims) = Claims::of(view) else { return };
    let keys: Vec<&str> = claims.dict.keys().map(String::as_str).filter(|k| k.starts_with(PREFIX)).collect();
    let Some(first) = keys.first() else { return };
    let sandboxed = claims.dict.get(SANDBOX).and_then(plist::Value::as_boolean) == Some(true);
    let effect = if sandboxed {
        "App Review asks for a justification of each temporary exception and may reject the submission"
    } else {
        "they do nothing without com.apple.security.app-sandbox, and App Review asks for a justification of each"
    };
    let message = format!(
        "`{}` claims the App Sandbox temporary {} {}: {effect}",
        view.code_path(),
        if keys.len() == 1 { "exception" } else { "exceptions" },
        listed(&keys),
    );
    let range = claims.range_of(first);
    super::report(sink, view, RULE.id, message, "replace the exception with a supported design (name Mach services after an app group the clients share, use security-scoped bookmarks for files) or explain it in App Review notes", range);
}

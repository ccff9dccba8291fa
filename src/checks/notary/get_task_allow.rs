//! `notary-get-task-allow`: distributed code does not ask to be debuggable.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: "notary-get-task-allow", check: Check::Slice(check) };

const GET_TASK_ALLOW: &str = "com.apple.security.get-task-allow";

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    let Some(ents) = sig.entitlements_value() else { return };
    let requested = ents.as_dictionary().and_then(|d| d.get(GET_TASK_ALLOW)).and_then(plist::Value::as_boolean);
    if requested != Some(true) {
        return;
    }
    let path = slice.item.code_path();
    let mut f = slice
        .finding(sink, RULE.id, format!("`{path}` [{}] requests the {GET_TASK_ALLOW} entitlement", slice.slice.arch))
        .help("remove get-task-allow from release builds (Xcode: CODE_SIGN_INJECT_BASE_ENTITLEMENTS = NO, or export with Developer ID)");
    f.range = sig.entitlements_range();
    sink.push(f);
}

//! `notary-get-task-allow`: distributed code does not ask to be debuggable. With library
//! validation disabled too, the notary service accepts it, and `notary-get-task-allow-with-dlv`
//! reports it instead.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_GET_TASK_ALLOW, check: Check::Slice(check) };

const GET_TASK_ALLOW: &str = "com.apple.security.get-task-allow";
const DISABLE_LIBRARY_VALIDATION: &str = "com.apple.security.cs.disable-library-validation";

/// What a slice claims of the two keys.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Claim {
    /// No get-task-allow, or set to false.
    None,
    /// get-task-allow alone: the notary rejects it.
    GetTaskAllow,
    /// get-task-allow with disable-library-validation, as official Node.js binaries are signed.
    GetTaskAllowWithDlv,
}

pub(super) fn claim(ents: &plist::Value) -> Claim {
    let is_true =
        |key: &str| ents.as_dictionary().and_then(|d| d.get(key)).and_then(plist::Value::as_boolean) == Some(true);
    match (is_true(GET_TASK_ALLOW), is_true(DISABLE_LIBRARY_VALIDATION)) {
        (false, _) => Claim::None,
        (true, false) => Claim::GetTaskAllow,
        (true, true) => Claim::GetTaskAllowWithDlv,
    }
}

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    report(slice, sink, RULE.id, Claim::GetTaskAllow, "");
}

/// Reports `rule` when the slice's claim is `wanted`; `tail` completes the message.
pub(super) fn report(slice: &SliceView<'_>, sink: &mut Sink, rule: crate::rule_id::RuleId, wanted: Claim, tail: &str) {
    let Some(sig) = slice.signature() else { return };
    let Some(ents) = sig.entitlements_value() else { return };
    if claim(ents) != wanted {
        return;
    }
    let path = slice.item.code_path();
    let mut f = slice
        .finding(rule, format!("`{path}` [{}] requests the {GET_TASK_ALLOW} entitlement{tail}", slice.slice.arch))
        .help("remove get-task-allow from release builds (Xcode: CODE_SIGN_INJECT_BASE_ENTITLEMENTS = NO, or export with Developer ID)");
    f.range = sig.entitlements_range();
    sink.push(f);
}

#[cfg(test)]
mod tests {
    use super::{claim, Claim};

    fn ents(pairs: &[(&str, bool)]) -> plist::Value {
        plist::Value::Dictionary(pairs.iter().map(|(k, v)| ((*k).to_owned(), plist::Value::Boolean(*v))).collect())
    }

    #[test]
    fn claims() {
        let gta = "com.apple.security.get-task-allow";
        let dlv = "com.apple.security.cs.disable-library-validation";
        assert_eq!(claim(&ents(&[(gta, true)])), Claim::GetTaskAllow);
        assert_eq!(claim(&ents(&[(gta, true), (dlv, false)])), Claim::GetTaskAllow);
        assert_eq!(claim(&ents(&[(gta, true), (dlv, true)])), Claim::GetTaskAllowWithDlv);
        assert_eq!(claim(&ents(&[(gta, false), (dlv, true)])), Claim::None);
        assert_eq!(claim(&ents(&[(dlv, true)])), Claim::None);
    }
}

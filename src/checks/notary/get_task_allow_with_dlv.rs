//! `notary-get-task-allow-with-dlv`: distributed code asks to be debuggable and disables library
//! validation; the notary service accepts this combination (official Node.js binaries carry it),
//! so it is a warning.

use super::get_task_allow::{report, Claim};
use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_GET_TASK_ALLOW_WITH_DLV, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    report(
        slice,
        sink,
        RULE.id,
        Claim::GetTaskAllowWithDlv,
        " together with com.apple.security.cs.disable-library-validation: the notary service accepts the pair, but any process of the user can attach to it and read its memory",
    );
}

//! `lc-entitlement-query`: an `entitlements` `$query` is a list of `[opcode, parameter]` steps
//! with opcodes 1–11 and the parameter type each opcode takes.

use crate::analysis::constraint_eval::IssueKind;
use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::LC_ENTITLEMENT_QUERY, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    super::grammar(RULE.id, slice, sink, &[IssueKind::Query], |_| {
        "write each step as [opcode, parameter]: 1 select-key \"key\", 2 select-index n, 3 match-string \"s\", 4 match-string-prefix \"s\", 5 match-bool true|false, 7 match-integer n; e.g. [[1, \"com.apple.security.app-sandbox\"], [5, true]]".into()
    });
}

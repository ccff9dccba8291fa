//! `lc-known-facts`: every fact a constraint blob tests is one the kernel documents, compared
//! with a value of its type.

use crate::analysis::constraint_eval::{Issue, IssueKind};
use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::LC_KNOWN_FACTS, check: Check::Slice(check) };

fn help(issue: &Issue) -> String {
    match issue.kind {
        IssueKind::WrongType => "write the value with the fact's type: strings for team-identifier and signing-identifier, integers for launch-type and validation-category, booleans for is-init-proc, is-sip-protected, on-system-volume and on-authorized-authapfs-volume, data for cdhash, and `$query` for entitlements".into(),
        IssueKind::PlatformFact => "test only the documented facts (cdhash, entitlements, is-init-proc, is-sip-protected, launch-type, on-authorized-authapfs-volume, on-system-volume, signing-identifier, team-identifier, validation-category)".into(),
        _ => "remove the key or replace it with a documented fact (cdhash, entitlements, is-init-proc, is-sip-protected, launch-type, on-authorized-authapfs-volume, on-system-volume, signing-identifier, team-identifier, validation-category), then sign again".into(),
    }
}

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    super::grammar(
        RULE.id,
        slice,
        sink,
        &[IssueKind::UnknownFact, IssueKind::PlatformFact, IssueKind::WrongType],
        help,
    );
}

//! `lc-validation-category`: `validation-category` values in constraint blobs are categories the
//! kernel gives to shipped code (1–6, 10).
//!
//! Whether the code itself has the category its self constraint asks for is
//! `lc-self-unsatisfiable`'s question; this rule looks only at the values as written.

use crate::analysis::constraint_eval::IssueKind;
use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::LC_VALIDATION_CATEGORY, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    super::grammar(RULE.id, slice, sink, &[IssueKind::Category], |_| {
        "use the category of the signature the code ships with: 6 Developer ID, 4 App Store, 2 TestFlight, 3 development, 1 Apple's own (platform) code".into()
    });
}

//! `sig-identifier-unconventional`: the signing identifier is outside the reverse-DNS convention
//! (information: Apple's tools make such identifiers from file names).

use super::identifier_malformed::{classify, report_first, Defect};
use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_IDENTIFIER_UNCONVENTIONAL, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let help = "nothing fails; to keep the identifier when the file is renamed, sign with an explicit one (codesign --identifier com.example.tool)";
    report_first(slice, sink, RULE.id, help, |raw| match classify(raw)? {
        Defect::Unconventional(why) => Some(why),
        Defect::Breaking(_) => None,
    });
}

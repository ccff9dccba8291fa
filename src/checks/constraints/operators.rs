//! `lc-operators`: the operators of a constraint blob are ones the language has, with the value
//! shapes it documents, and none is empty or stands without a fact.

use crate::analysis::constraint_eval::{Issue, IssueKind};
use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::LC_OPERATORS, check: Check::Slice(check) };

fn help(issue: &Issue) -> String {
    match issue.kind {
        IssueKind::UnknownOperator => "use only $and, $or, $and-array, $or-array, $optional, $in, $lt, $lte, $gt, $gte and $query; to exclude a value, list the allowed ones with $in".into(),
        IssueKind::Empty => "remove the empty operator, or give it the facts it should combine".into(),
        IssueKind::NoFact => "put the operator under the fact it tests, e.g. `team-identifier: {$in: [\"ABCDE12345\", \"FGHIJ67890\"]}`".into(),
        _ => "give `$and`, `$or` and `$optional` a dictionary of facts; to repeat a fact among alternatives use `$or-array`: [[\"$and\", {…}], [\"$and\", {…}]]".into(),
    }
}

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    super::grammar(
        RULE.id,
        slice,
        sink,
        &[IssueKind::UnknownOperator, IssueKind::Shape, IssueKind::Empty, IssueKind::NoFact],
        help,
    );
}

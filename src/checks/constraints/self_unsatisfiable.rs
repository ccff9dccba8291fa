//! `lc-self-unsatisfiable`: a self launch constraint (slot −8) holds for the binary that carries
//! it, as far as its signature tells: team and signing identifier, cdhash, validation category,
//! entitlements.

use crate::analysis::constraint_eval::{evaluate, slot_description, Facts, Verdict, Violation};
use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::superblob::Slot;

use super::{amfi, blobs, located, signed_as};

pub static RULE: Rule = Rule { id: crate::rule_id::LC_SELF_UNSATISFIABLE, check: Check::Slice(check) };

/// Why a violated fact can never hold, when that is not plain from the values.
fn note(v: &Violation) -> &'static str {
    match (v.fact.as_str(), v.expected.as_str()) {
        ("cdhash", _) => " (a self constraint cannot pin the code's own cdhash: the cdhash hashes the constraint too)",
        ("validation-category", "== 1") => {
            " (category 1 is Apple's own operating-system code; no team-signed code has it)"
        }
        ("is-init-proc", _) => " (only launchd is the init process)",
        _ => "",
    }
}

fn help(v: &Violation) -> String {
    match v.fact.as_str() {
        "team-identifier" | "signing-identifier" | "validation-category" => format!(
            "make the self constraint name what the code is signed with (its {} is {}), or sign it with the identity the constraint names; then sign again with `codesign --launch-constraint-self FILE`",
            v.fact, v.actual
        ),
        _ => format!("remove or correct the `{}` test in the self constraint and sign again", v.fact),
    }
}

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    let Some((_, c)) = blobs(slice).into_iter().find(|(slot, _)| *slot == Slot::LaunchConstraintSelf) else { return };
    let facts = Facts::of_signature(sig);
    let Verdict::Violated(v) = evaluate(&c.reqs, &facts) else { return };
    let m = if v.undefined { 5 } else { 1 };
    let message = format!(
        "`{}` [{}] ({}): its {} requires {}{}; the kernel does not launch it: {}",
        slice.item.code_path(),
        slice.slice.arch,
        signed_as(&facts),
        slot_description(Slot::LaunchConstraintSelf),
        v,
        note(&v),
        amfi(Slot::LaunchConstraintSelf, m, (m == 1).then_some(0)),
    );
    let f = located(slice, Slot::LaunchConstraintSelf, slice.finding(RULE.id, message)).help(help(&v));
    sink.push(f);
}

//! Catalog section F: launch, environment and library constraints, decoded and evaluated statically.
//!
//! Blobs that do not decode are `malformed-constraints` (reported by the reader); the rules here
//! look only at blobs that decoded, so one defect is reported once. The grammar rules
//! (`lc-known-facts`, `lc-operators`, `lc-entitlement-query`, `lc-validation-category`) each take
//! their own kind of [`Issue`]; the verdict rules evaluate what is well-formed. A `cdhash` that
//! fails to match in a parent, responsible, library or spawn constraint is left to
//! `lc-stale-cdhash`.

mod blob_format;
mod entitlement_query;
mod implicit_constraints;
mod known_facts;
mod launchd_spawnconstraint;
mod library_constraint;
mod operators;
mod os_compat;
mod parent_responsible_reachable;
mod self_unsatisfiable;
mod stale_cdhash;
mod validation_category;

use ::plist::Dictionary;

use super::{Rule, Sink, SliceView};
use crate::analysis::constraint_eval::{slot_description, slot_process, validate, Facts, Issue, IssueKind};
use crate::codesign::constraints::Constraints;
use crate::codesign::superblob::Slot;

pub static RULES: &[&Rule] = &[
    &launchd_spawnconstraint::RULE,
    &blob_format::RULE,
    &entitlement_query::RULE,
    &implicit_constraints::RULE,
    &known_facts::RULE,
    &library_constraint::RULE,
    &operators::RULE,
    &os_compat::RULE,
    &parent_responsible_reachable::RULE,
    &self_unsatisfiable::RULE,
    &stale_cdhash::RULE,
    &validation_category::RULE,
];

/// The constraint blobs of a slice that decoded, in slot order.
fn blobs<'a>(slice: &SliceView<'a>) -> Vec<(Slot, &'a Constraints)> {
    let Some(sig) = slice.signature() else { return Vec::new() };
    let mut out: Vec<(Slot, &Constraints)> =
        sig.constraints.iter().filter_map(|(slot, c)| Some((*slot, c.as_ref().ok()?))).collect();
    out.sort_by_key(|(slot, _)| *slot);
    out
}

/// The `reqs` dictionary as written; an absent `reqs` is `lc-blob-format`'s.
fn reqs(c: &Constraints) -> Option<&Dictionary> {
    c.raw.as_dictionary()?.get("reqs")?.as_dictionary()
}

/// What AMFI logs for a launch constraint of `slot` in a signature: `c[4]p[…]m[…]e[…]`, or the
/// library-load message for slot −11.
fn amfi(slot: Slot, m: u8, e: Option<u8>) -> String {
    match slot_process(slot) {
        Some(p) => {
            let e = e.map(|e| format!("e[{e}]")).unwrap_or_default();
            format!("`Launch Constraint Violation (enforcing), error info: c[4]p[{p}]m[{m}]{e}`")
        }
        None => "`Library Load Constraint Rejection`".to_owned(),
    }
}

/// The file range of a slot's blob, for the finding.
fn located(slice: &SliceView<'_>, slot: Slot, f: crate::finding::Finding) -> crate::finding::Finding {
    match slice.signature().and_then(|s| s.blob_range(slot)) {
        Some(r) => f.range(r),
        None => f,
    }
}

/// Reports the grammar issues of kinds `kinds` in every decoded blob of `slice`.
fn grammar(
    rule: crate::rule_id::RuleId,
    slice: &SliceView<'_>,
    sink: &mut Sink,
    kinds: &[IssueKind],
    help: impl Fn(&Issue) -> String,
) {
    for (slot, c) in blobs(slice) {
        let Some(reqs) = reqs(c) else { continue };
        for issue in validate(reqs).into_iter().filter(|i| kinds.contains(&i.kind)) {
            let what = match (slot, issue.kind) {
                (_, IssueKind::Category) => "no shipped code matches that value".to_owned(),
                (Slot::LibraryConstraint, _) => {
                    "the kernel cannot use it and refuses library loads into the process".to_owned()
                }
                _ if issue.error().is_none() => "the query never matches, so the kernel refuses the launch".to_owned(),
                _ => format!("the kernel cannot parse it and refuses the launch: {}", amfi(slot, 2, issue.error())),
            };
            let at = if issue.path.is_empty() { String::new() } else { format!(" at `{}`", issue.path) };
            let message = format!(
                "`{}` [{}]: its {}{at}: {}; {what}",
                slice.item.code_path(),
                slice.slice.arch,
                slot_description(slot),
                issue.message
            );
            let f = located(slice, slot, slice.finding(rule, message)).help(help(&issue));
            sink.push(f);
        }
    }
}

/// Short description of an item's signing: `team ABCDE12345, identifier com.example.x`.
fn signed_as(facts: &Facts) -> String {
    let text = |name: &str| facts.known(name).and_then(|v| v.as_string().map(str::to_owned));
    let team = text("team-identifier").map_or_else(|| "no team".to_owned(), |t| format!("team {t}"));
    let id = text("signing-identifier").map_or_else(|| "no identifier".to_owned(), |i| format!("identifier {i}"));
    format!("{team}, {id}")
}

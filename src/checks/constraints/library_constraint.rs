//! `lc-library-constraint`: every bundled library an executable links satisfies its library
//! constraint (slot −11).
//!
//! Operating-system libraries come from the dyld shared cache and are not checked; libraries
//! loaded with `dlopen` are not in the load commands and are not seen.

use crate::analysis::constraint_eval::{evaluate, slot_description, Verdict};
use crate::analysis::library::{host_executable, resolve, Resolution};
use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::superblob::Slot;

use super::{blobs, located, signed_as};
use crate::analysis::launchers::facts_of;

pub static RULE: Rule = Rule { id: crate::rule_id::LC_LIBRARY_CONSTRAINT, check: Check::Slice(check) };

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some((_, c)) = blobs(slice).into_iter().find(|(slot, _)| *slot == Slot::LibraryConstraint) else { return };
    let Some(executable) = host_executable(&slice.item) else { return };
    let items: Vec<_> = cx.items().collect();
    for dylib in &slice.slice.dylibs {
        let Resolution::Bundled(path) = resolve(slice, executable, &dylib.name) else { continue };
        let Some(lib) = items.iter().find(|i| i.item.executable.as_deref() == Some(path.as_str())) else { continue };
        let Some((facts, _)) = facts_of(lib, &slice.slice.arch) else {
            let message = format!(
                "`{}` [{}]: its {} applies to `{path}`, which is not signed; the library fails to load: `Library Load Constraint Rejection`",
                slice.item.code_path(),
                slice.slice.arch,
                slot_description(Slot::LibraryConstraint),
            );
            let f = located(slice, Slot::LibraryConstraint, slice.finding(RULE.id, message))
                .help(format!("sign `{path}` with the identity the library constraint names"));
            sink.push(f);
            continue;
        };
        let Verdict::Violated(v) = evaluate(&c.reqs, &facts) else { continue };
        // A stale cdhash pin is lc-stale-cdhash's finding.
        if v.fact == "cdhash" {
            continue;
        }
        let message = format!(
            "`{}` [{}]: its {} requires {} for `{path}` ({}); the library fails to load: `Library Load Constraint Rejection … reason: Constraint not matched`",
            slice.item.code_path(),
            slice.slice.arch,
            slot_description(Slot::LibraryConstraint),
            v,
            signed_as(&facts),
        );
        let f = located(slice, Slot::LibraryConstraint, slice.finding(RULE.id, message)).help(format!(
            "sign `{path}` with the identity the library constraint names (usually your own team), or widen the constraint with `$or`"
        ));
        sink.push(f);
    }
}

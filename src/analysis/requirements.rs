//! Code requirements evaluated against the product: nested code against the requirement its
//! container's seal recorded for it.

use crate::codesign::requirement_text::parse_requirement_text;
use crate::model::Scan;
use crate::trust::requirement_eval::{evaluate, identity_of, Verdict};
use crate::trust::Anchors;
use crate::verify::NestedRequirement;

/// Whether the nested code of `request` satisfies the requirement its container recorded; the
/// reason when it does not. Clauses that bytes cannot decide (notarization) do not fail it.
pub fn nested_satisfies(scan: &Scan, request: &NestedRequirement<'_>, anchors: &Anchors) -> Result<(), String> {
    let expr = parse_requirement_text(request.requirement).map_err(|p| p.message)?;
    match evaluate(&expr, &identity_of(scan, request.nested, anchors)) {
        Verdict::Unsatisfied(why) => Err(why),
        Verdict::Satisfied | Verdict::Unknown(_) => Ok(()),
    }
}

//! Rules reported by the verifier ([`crate::verify`]): page and slot hashes, sealed resources,
//! nested code and strict layout — what `codesign --verify --deep --strict` checks.

use std::sync::OnceLock;

use super::{Check, Rule};

/// One registry entry per verifier rule, so pages, selection and severities work as for every
/// other rule.
pub fn rules() -> &'static [Rule] {
    static RULES: OnceLock<Vec<Rule>> = OnceLock::new();
    RULES.get_or_init(|| crate::verify::rules::ALL.iter().map(|&id| Rule { id, check: Check::Reported }).collect())
}

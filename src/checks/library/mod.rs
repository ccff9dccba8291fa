//! Library loading: what each executable links, resolved the way dyld does inside the product
//! ([`crate::analysis::library`]).

mod team_mismatch;
mod unresolved_dependency;

use super::Rule;

pub static RULES: &[&Rule] = &[&team_mismatch::RULE, &unresolved_dependency::RULE];

//! Catalog section F: launch, environment and library constraints, decoded and evaluated statically.

use super::Rule;

pub static RULES: &[&Rule] = &[];

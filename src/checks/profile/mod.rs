//! Catalog section C: provisioning profiles — who they name, when they expire, what they cover.

use super::Rule;

pub static RULES: &[&Rule] = &[];

//! Catalog section E: launchd property lists, SMAppService and SMJobBless.

use super::Rule;

pub static RULES: &[&Rule] = &[];

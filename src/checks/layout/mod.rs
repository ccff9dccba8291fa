//! Bundle layout: where code lives and what Info.plist declares (catalog B3).

mod code_in_resources;
mod code_location;
mod info_plist_keys;

use super::Rule;

pub static RULES: &[&Rule] = &[&code_in_resources::RULE, &code_location::RULE, &info_plist_keys::RULE];

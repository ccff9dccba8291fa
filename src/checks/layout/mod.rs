//! Bundle layout: where code lives and what Info.plist declares (catalog B3).

mod code_in_resources;
mod code_location;
mod file_in_contents_root;
mod info_plist_keys;
mod script_in_macos;

use super::Rule;

pub static RULES: &[&Rule] = &[
    &code_in_resources::RULE,
    &code_location::RULE,
    &file_in_contents_root::RULE,
    &info_plist_keys::RULE,
    &script_in_macos::RULE,
];

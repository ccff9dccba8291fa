//! The whole reading pipeline on one file: discovery, Mach-O, signature, inspect rendering.
#![no_main]

use bundlelint::input::{Entry, FileData, InputKind, Tree};
use bundlelint::model::Scan;
use bundlelint::report::{inspect::InspectReport, inspect_text};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let tree = Tree::from_entries("fuzz", InputKind::File, [("fuzz".to_owned(), Entry::File(FileData::from_vec(data.to_vec())))]);
    let scan = Scan::from_tree(tree);
    let _ = inspect_text::render(&InspectReport::from_scan(&scan));
});

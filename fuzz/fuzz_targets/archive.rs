//! Zip and ipa archives read in memory, then scanned.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let tree = bundlelint::input::archive_from_bytes(data, "fuzz.zip");
    let _ = bundlelint::model::Scan::from_tree(tree);
});

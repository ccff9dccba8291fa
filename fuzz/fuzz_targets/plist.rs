//! XML and binary property lists with key positions.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(doc) = bundlelint::plist::Document::parse(data) {
        let _ = bundlelint::plist::to_json(&doc.value);
    }
});

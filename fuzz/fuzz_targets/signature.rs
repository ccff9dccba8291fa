//! The embedded-signature parsers: SuperBlob index, CodeDirectories and every decoded blob.
#![no_main]

use bundlelint::codesign::signature;
use bundlelint::macho::Range;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let whole = Range { offset: 0, size: data.len() as u64 };
    let _ = signature::parse(data, whole, whole);
    let _ = bundlelint::codesign::code_directory::parse(data);
});

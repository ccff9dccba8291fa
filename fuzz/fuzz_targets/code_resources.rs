//! `_CodeSignature/CodeResources`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bundlelint::seal::CodeResources::parse(data);
});

//! Universal headers and per-slice load commands.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = bundlelint::macho::parse(data);
});

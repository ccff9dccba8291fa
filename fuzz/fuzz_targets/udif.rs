//! UDIF disk images: trailer, resource list, block tables, chunk codecs, checksums, partition
//! maps and the HFS+/APFS walk, from arbitrary bytes. Seed with corpus/generated/disk-images/.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The filesystem crates run under `catch_unwind` in the reader; silence the hook so a panic
    // they raise is caught as it is in a real run. A panic anywhere else still aborts the run.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let _ = bundlelint::input::dmg::read_bytes(data, "fuzz.dmg");
});

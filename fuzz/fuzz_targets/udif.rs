//! UDIF disk images: trailer, resource list, block tables, chunk codecs, checksums, partition maps
//! and the HFS+/APFS/FAT walk, from arbitrary bytes, then every file on the volume read the ways
//! the rules read them (its first bytes, streamed, whole). Seed with corpus/generated/disk-images/
//! and the real images of ../shared/corpus/containers/ (fuzz/run.sh copies them).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The filesystem crates run under `catch_unwind` in the reader; silence the hook so a panic
    // they raise is caught as it is in a real run. A panic anywhere else still aborts the run.
    static QUIET: std::sync::Once = std::sync::Once::new();
    QUIET.call_once(|| std::panic::set_hook(Box::new(|_| {})));
    let image = bundlelint::input::dmg::read_bytes(data, "fuzz.dmg");
    for (_, entry) in &image.entries {
        if let bundlelint::input::Entry::File(file) = entry {
            let _ = file.head(64);
            let _ = file.for_each_chunk(1 << 16, |_| {});
            let _ = file.with_transient(|bytes| bytes.len());
        }
    }
});

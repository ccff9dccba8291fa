//! Flat packages: the xar header, TOC, checksums and member decoding, the package layout, and the
//! payload decoders and cpio reader on their own (a fuzzer rarely forges a matching checksum).
#![no_main]

use bundlelint::input::{payload, pkg, InputKind, Tree};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(archive) = bundlelint::input::xar::parse(data) {
        let _ = archive.check_toc();
        for member in &archive.members {
            if let Some(content) = &member.data {
                let _ = archive.read(content, 1 << 24, &member.path);
            }
        }
    }
    let unpacked = pkg::unpack(data, "fuzz.pkg", "", 0);
    let _ = bundlelint::model::Scan::from_tree(Tree::from_entries("fuzz.pkg", InputKind::Archive, unpacked.entries));
    if let Ok(archive) = payload::decompress(data, 1 << 24) {
        let _ = payload::cpio(&archive, 10_000);
    }
    let _ = payload::cpio(data, 10_000);
});

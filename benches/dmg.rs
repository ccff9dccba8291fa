//! Disk image speed: opening an image (trailer, tables, every chunk's CRC32, the volume's walk)
//! and then reading every file on its volume, as checking a sealed app on it does.
//!
//! `BUNDLELINT_BENCH_DMG=PATH` adds an image of your own (`bench/big-dmg.sh --keep` leaves a
//! 1 GB one in `${TMPDIR:-/tmp}/bundlelint-big-dmg/Big.dmg`).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use sha2::{Digest, Sha256};

use bundlelint::input::{dmg, Entry, FileData, Tree};

/// SHA-256 of every file of the tree, read through the streaming path the resource seal uses.
fn hash_every_file(tree: &Tree) -> Vec<u8> {
    let mut all = Sha256::new();
    for (_, entry) in tree.entries() {
        if let Entry::File(data) = entry {
            data.for_each_chunk(1 << 20, |chunk| all.update(chunk)).expect("every file reads");
        }
    }
    all.finalize().to_vec()
}

fn bench_image(c: &mut Criterion, name: &str, path: &Path) {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("skipping {name}: {e}");
            return;
        }
    };
    let data = FileData::from_vec(bytes);
    let disk_bytes: u64 = {
        let tree = dmg::read(data.clone(), format!("{name}.dmg"));
        tree.entries().filter_map(|(_, e)| if let Entry::File(f) = e { Some(f.len()) } else { None }).sum()
    };
    let mut group = c.benchmark_group("dmg");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(data.len()));
    group.bench_function(format!("{name}/open"), |b| b.iter(|| dmg::read(data.clone(), format!("{name}.dmg"))));
    group.throughput(Throughput::Bytes(disk_bytes));
    group.bench_function(format!("{name}/open-and-read-files"), |b| {
        b.iter(|| hash_every_file(&dmg::read(data.clone(), format!("{name}.dmg"))))
    });
    group.finish();
}

fn benches(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    bench_image(c, "fixture-zlib", &root.join("corpus/generated/disk-images/Fixture-zlib.dmg"));
    bench_image(c, "fixture-bzip2", &root.join("corpus/generated/disk-images/Fixture-bzip2.dmg"));
    // From the shared corpus beside the repository (skipped when absent).
    bench_image(
        c,
        "sparkle-apfs-lzma",
        &root.join("../shared/corpus/containers/sparkle/SparkleTestCodeSign_apfs_lzma_aux_files.dmg"),
    );
    if let Some(path) = std::env::var_os("BUNDLELINT_BENCH_DMG") {
        bench_image(c, "custom", Path::new(&path));
    }
}

criterion_group!(dmg_benches, benches);
criterion_main!(dmg_benches);

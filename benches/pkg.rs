//! Reading a flat package: a generated component package (`bench/make-big-pkg.py`: the signed
//! fixture app with 64 MB of sealed resources of mixed compressibility, gzip + cpio payload) is
//! opened — its payload decoded, its checksums verified, its resources digested as they pass —
//! and then verified, which takes the resources' digests from that pass.
//!
//! Needs python3 to generate the package; `BUNDLELINT_BENCH_PKG=PATH` measures a package of your
//! own instead. `bench/big-pkg.sh` measures a 1 GB one against decompress-and-hash.

use std::path::{Path, PathBuf};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use bundlelint::model::Scan;
use bundlelint::verify::{verify, VerifyOptions};

/// Resources added to the generated package, in MB.
const SIZE_MB: u64 = 64;

/// The package to measure, and the directory holding it when generated here.
fn package() -> Option<(PathBuf, Option<tempfile::TempDir>)> {
    if let Some(path) = std::env::var_os("BUNDLELINT_BENCH_PKG") {
        return Some((PathBuf::from(path), None));
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir().ok()?;
    let path = dir.path().join("Bench.pkg");
    let made = std::process::Command::new("python3")
        .arg(root.join("bench/make-big-pkg.py"))
        .arg(&path)
        .args(["--size-mb", &SIZE_MB.to_string(), "--small", "500"])
        .status();
    match made {
        Ok(status) if status.success() => Some((path, Some(dir))),
        other => {
            eprintln!("skipping the package benchmark: bench/make-big-pkg.py did not run ({other:?})");
            None
        }
    }
}

fn benches(c: &mut Criterion) {
    let Some((path, _dir)) = package() else { return };
    let scan = match Scan::open(&path) {
        Ok(scan) => scan,
        Err(e) => {
            eprintln!("skipping {}: {e}", path.display());
            return;
        }
    };
    let decoded: u64 = scan.tree.entries().filter_map(|(path, _)| scan.tree.file(path)).map(|f| f.len()).sum();
    let mut group = c.benchmark_group("pkg");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(decoded));
    group.bench_function("open", |b| b.iter(|| Scan::open(&path).map(|s| s.tree.entries().count())));
    let options = VerifyOptions::default();
    group.bench_function("verify", |b| b.iter(|| verify(&scan, &options)));
    group.finish();
}

criterion_group!(pkg_benches, benches);
criterion_main!(pkg_benches);

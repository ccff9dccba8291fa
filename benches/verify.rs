//! Verification speed on real and generated bundles (the scan is opened once; each iteration
//! re-verifies every page, special slot and sealed resource).
//!
//! `BUNDLELINT_BENCH_INPUT=PATH` adds an input of your own (a large binary, say; see
//! `bench/compare.sh` for one made to measure).

use std::path::Path;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

use bundlelint::model::Scan;
use bundlelint::verify::{verify, VerifyOptions};

/// Bytes of every executable in the scan: what page verification reads.
fn code_bytes(scan: &Scan) -> u64 {
    scan.discovery
        .items
        .iter()
        .filter_map(|i| i.executable.as_deref())
        .filter_map(|p| scan.tree.file(p))
        .map(|f| f.len())
        .sum()
}

fn bench_input(c: &mut Criterion, name: &str, path: &Path) {
    let scan = match Scan::open(path) {
        Ok(scan) => scan,
        Err(e) => {
            eprintln!("skipping {name}: {e}");
            return;
        }
    };
    let options = VerifyOptions::default();
    let mut group = c.benchmark_group("verify");
    group.throughput(Throughput::Bytes(code_bytes(&scan)));
    group.bench_function(name, |b| b.iter(|| verify(&scan, &options)));
    group.finish();
}

fn benches(c: &mut Criterion) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    bench_input(c, "mitmproxy-app", &root.join("corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app"));
    // From the shared corpus beside the repository (skipped when absent).
    bench_input(c, "sparkle-framework", &root.join("../shared/corpus/real/sparkle/Sparkle.framework"));
    bench_input(c, "fixture-app", &root.join("corpus/generated/bundles/Fixture.app"));
    if let Some(path) = std::env::var_os("BUNDLELINT_BENCH_INPUT") {
        bench_input(c, "custom", Path::new(&path));
    }
}

criterion_group!(verify_benches, benches);
criterion_main!(verify_benches);

//! The physical limit for page verification: hashes every 4 KiB page of FILE on all cores with
//! the same digest crates and the same chunking the verifier uses, and prints the throughput.
//!
//! ```text
//! cargo run --release --example sha256_limit -- FILE [--sha1] [--release-pages]
//! ```
//!
//! `--sha1` hashes each page with SHA-1 as well, the work a SHA-1 + SHA-256 signature needs.
//! `--release-pages` drops each hashed chunk from the process's mapping (`MADV_DONTNEED`; the
//! pages stay in the page cache), which keeps the resident set small on large files.

use std::time::Instant;

use rayon::prelude::*;
use sha1::Digest as _;

const PAGE: usize = 4096;
/// Pages per parallel task, as in the verifier (1 MiB).
const PAGES_PER_TASK: usize = 256;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: sha256_limit FILE [--sha1] [--release-pages]");
        std::process::exit(2);
    };
    let with_sha1 = args.iter().any(|a| a == "--sha1");
    let release = args.iter().any(|a| a == "--release-pages");
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    // SAFETY: read-only private mapping of a file nobody modifies during the run.
    let map = unsafe { memmap2::Mmap::map(&file) }.unwrap_or_else(|e| panic!("{path}: {e}"));
    let start = Instant::now();
    let chunk = PAGE * PAGES_PER_TASK;
    let checksum: u64 = map
        .par_chunks(chunk)
        .enumerate()
        .map(|(index, task)| {
            let mut acc = 0u64;
            for page in task.chunks(PAGE) {
                acc ^= u64::from(sha2::Sha256::digest(page)[0]);
                if with_sha1 {
                    acc ^= u64::from(sha1::Sha1::digest(page)[0]);
                }
            }
            if release {
                // SAFETY: a read-only private file mapping; dropped pages read back unchanged
                // from the file, and this chunk is not read again.
                let _ = unsafe {
                    map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, index * chunk, task.len())
                };
            }
            acc
        })
        .reduce(|| 0, |a, b| a ^ b);
    let seconds = start.elapsed().as_secs_f64();
    let mb = map.len() as f64 / 1e6;
    println!(
        "{} over {mb:.0} MB on {} threads: {seconds:.3} s, {:.0} MB/s (checksum {checksum})",
        if with_sha1 { "SHA-1 + SHA-256" } else { "SHA-256" },
        rayon::current_num_threads(),
        mb / seconds
    );
}

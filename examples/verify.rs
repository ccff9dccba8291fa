//! Opens PATH, runs the verifier, prints one line per finding and the time it took.
//!
//! ```text
//! cargo run --release --example verify -- PATH [--no-strict] [--no-pages] [--quiet] [--memory]
//! ```
//!
//! `--memory` also prints the process's peak resident set and, at exit, how much of the resident
//! set is anonymous (heap) and how much is file pages mapped for reading (Linux).
//!
//! Exits 1 when a finding of error severity was reported, 2 when PATH cannot be opened.

use std::process::ExitCode;
use std::time::Instant;

use bundlelint::finding::Severity;
use bundlelint::model::Scan;
use bundlelint::verify::{verify, VerifyOptions};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: verify PATH [--no-strict] [--no-pages] [--quiet] [--memory]");
        return ExitCode::from(2);
    };
    let flag = |name: &str| args.iter().any(|a| a == name);
    let options = VerifyOptions { strict: !flag("--no-strict"), code_pages: !flag("--no-pages"), ..Default::default() };
    let start = Instant::now();
    let scan = match Scan::open(std::path::Path::new(path)) {
        Ok(scan) => scan,
        Err(e) => {
            eprintln!("verify: cannot open {path}: {e}");
            return ExitCode::from(2);
        }
    };
    let opened = start.elapsed();
    let findings = verify(&scan, &options);
    let total = start.elapsed();
    if !flag("--quiet") {
        for f in &findings {
            let arch = f.arch.as_deref().map(|a| format!(" [{a}]")).unwrap_or_default();
            println!("{} {}: {}{arch}: {}", f.severity.name(), f.rule, f.path, f.message);
        }
    }
    eprintln!(
        "{} items, {} findings; opened in {:.3}s, verified in {:.3}s",
        scan.discovery.items.len(),
        findings.len(),
        opened.as_secs_f64(),
        (total - opened).as_secs_f64()
    );
    if flag("--memory") {
        print_memory();
    }
    if findings.iter().any(|f| f.severity == Severity::Error) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Peak and current resident set from `/proc/self/status` (Linux only; silent elsewhere).
fn print_memory() {
    let Ok(status) = std::fs::read_to_string("/proc/self/status") else { return };
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned()).unwrap_or_else(|| "?".into())
    };
    eprintln!(
        "memory: peak resident {}, now anonymous {}, file-backed {}",
        field("VmHWM:"),
        field("RssAnon:"),
        field("RssFile:")
    );
}

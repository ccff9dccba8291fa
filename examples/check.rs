//! Checks each PATH with the library API and prints one line per error, then a total: the
//! smallest program built on bundlelint.
//!
//! ```text
//! cargo run --release --example check -- PATH…
//! ```
//!
//! Exits 1 when an error was found, 2 when a path could not be checked.

use std::process::ExitCode;

use bundlelint::{Checker, Severity};

fn main() -> ExitCode {
    let checker = Checker::new();
    let mut errors = 0;
    for path in std::env::args().skip(1) {
        let report = match checker.check(&path) {
            Ok(report) => report,
            Err(e) => {
                eprintln!("{path}: {e}");
                return ExitCode::from(2);
            }
        };
        for finding in report.findings.iter().filter(|f| f.severity == Severity::Error) {
            println!("{}: [{}] {}", finding.path, finding.rule, finding.message);
            errors += 1;
        }
    }
    println!("{errors} errors");
    ExitCode::from(u8::from(errors > 0))
}

//! The `bundlelint` command: argument parsing and exit codes; all work happens in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use bundlelint::model::Scan;
use bundlelint::report::{inspect::InspectReport, inspect_text};

/// Validate and lint Apple code bundles from their bytes, on any OS.
#[derive(Parser)]
#[command(name = "bundlelint", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Show what codesign -dvvv, --entitlements, -d -r- and a profile dump would show, for every
    /// code item and slice.
    Inspect {
        /// A bundle, a folder of bundles, a Mach-O file, a .zip or .ipa.
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = InspectFormat::Tree)]
        format: InspectFormat,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum InspectFormat {
    /// Indented text, codesign's field names.
    Tree,
    /// The versioned JSON document (schema `bundlelint.inspect/1`).
    Json,
}

/// Exit code for usage, configuration and I/O errors.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Inspect { path, format } => inspect(&path, format),
    }
}

fn inspect(path: &std::path::Path, format: InspectFormat) -> ExitCode {
    let scan = match Scan::open(path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("bundlelint: cannot read {}: {e}", path.display());
            return ExitCode::from(EXIT_ERROR);
        }
    };
    let report = InspectReport::from_scan(&scan);
    let text = match format {
        InspectFormat::Tree => inspect_text::render(&report),
        InspectFormat::Json => match serde_json::to_string_pretty(&report) {
            Ok(mut j) => {
                j.push('\n');
                j
            }
            Err(e) => {
                eprintln!("bundlelint: cannot render JSON: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        },
    };
    print!("{text}");
    ExitCode::SUCCESS
}

//! The `bundlelint` command: argument parsing and exit codes; all work happens in the library.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use bundlelint::catalog::{self, Policy};
use bundlelint::config::{self, baseline::Baseline};
use bundlelint::engine;
use bundlelint::finding::Severity;
use bundlelint::model::Scan;
use bundlelint::report::{check::CheckReport, inspect::InspectReport, inspect_text, Format};
use bundlelint::settings::Settings;

mod lsp;
mod progress_line;
use progress_line::ProgressLine;

/// Validate and lint Apple code bundles from their bytes, on any OS.
#[derive(Parser)]
#[command(name = "bundlelint", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Threads for parsing, hashing and rules (default: every core).
    #[arg(long, short = 'j', global = true, value_parser = clap::value_parser!(u16).range(1..))]
    jobs: Option<u16>,
    /// Print the findings and nothing else: no summary line.
    #[arg(long, short = 'q', global = true)]
    quiet: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Report what macOS, the notary service or App Store validation would reject, for every
    /// nested code item. Exit 0 when clean, 1 with findings at or above --fail-on, 2 on errors.
    Check(Box<CheckArgs>),
    /// Print a rule's documentation: what it checks, why, the failure it predicts, how to fix it.
    Rule {
        /// The rule id, e.g. sig-identifier-malformed.
        id: String,
    },
    /// List every rule.
    Rules {
        #[arg(long, value_enum, default_value_t = ListFormat::Text)]
        format: ListFormat,
    },
    /// Show what codesign -dvvv, --entitlements, -d -r- and a profile dump would show, for every
    /// code item and slice.
    Inspect {
        /// A bundle, a folder of bundles, a Mach-O file, a .zip or .ipa.
        path: PathBuf,
        #[arg(long, value_enum, default_value_t = InspectFormat::Tree)]
        format: InspectFormat,
        /// Trust this certificate (PEM or DER) as a chain anchor besides Apple's roots when
        /// judging package and disk image signatures; repeatable.
        #[arg(long)]
        trust_anchor: Vec<PathBuf>,
        /// Let this root (PEM or DER) stand in for Apple's roots when judging package and disk
        /// image signatures; repeatable.
        #[arg(long, value_name = "ROOT")]
        apple_root: Vec<PathBuf>,
    },
    /// Serve the Language Server Protocol on stdin/stdout: entitlements files, Info.plists,
    /// launchd plists and profiles are checked as they are edited (diagnostics, rule pages on
    /// hover, quick fixes).
    Lsp,
}

/// The options of `check`.
#[derive(clap::Args)]
struct CheckArgs {
    /// Bundles, folders, Mach-O files, .zip or .ipa archives.
    #[arg(required = true)]
    paths: Vec<PathBuf>,
    #[arg(long, value_enum, default_value_t = Format::Full)]
    format: Format,
    /// The distribution channel to judge against (developer-id, app-store, development,
    /// ad-hoc, enterprise); detected if absent, from the provisioning profile of an iOS-family
    /// app, else from the signing certificate.
    #[arg(long, value_parser = parse_policy)]
    policy: Option<Policy>,
    /// Report only these rules (ids, or prefixes such as `notary-`); repeatable.
    #[arg(long, value_delimiter = ',')]
    select: Vec<String>,
    /// Never report these rules (ids or prefixes); repeatable.
    #[arg(long, value_delimiter = ',')]
    ignore: Vec<String>,
    /// Lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::Error)]
    fail_on: FailOn,
    /// Exit 0 even when there are findings.
    #[arg(long)]
    exit_zero: bool,
    /// Configuration file; by default the nearest bundlelint.toml in the current directory or
    /// a parent (never one inside a checked PATH).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Do not look for a bundlelint.toml.
    #[arg(long, conflicts_with = "config")]
    no_config: bool,
    /// Report only findings not listed in this baseline file.
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Write every current finding to this baseline file (and report as usual).
    #[arg(long)]
    write_baseline: Option<PathBuf>,
    /// Trust this certificate (PEM or DER) as a chain anchor besides Apple's roots; repeatable.
    #[arg(long)]
    trust_anchor: Vec<PathBuf>,
    /// Let this root (PEM or DER) stand in for Apple's roots wherever Apple's are required
    /// (`anchor apple generic`, the timestamp authority): a test hierarchy that mirrors
    /// Apple's. Every output says so; repeatable.
    #[arg(long, value_name = "ROOT")]
    apple_root: Vec<PathBuf>,
    /// Judge entitlements files given as inputs against this provisioning profile
    /// (.provisionprofile, .mobileprovision).
    #[arg(long, value_name = "FILE")]
    profile: Option<PathBuf>,
    /// A device (UDID) a development or ad hoc build must install on: its profiles must list
    /// it; repeatable.
    #[arg(long, value_name = "UDID", value_parser = parse_device)]
    device: Vec<String>,
}

#[derive(Clone, Copy, ValueEnum)]
enum InspectFormat {
    /// Indented text, codesign's field names.
    Tree,
    /// The versioned JSON document (schema `bundlelint.inspect/1`).
    Json,
}

#[derive(Clone, Copy, ValueEnum)]
enum FailOn {
    Error,
    Warning,
    Info,
}

#[derive(Clone, Copy, ValueEnum)]
enum ListFormat {
    Text,
    Json,
}

fn parse_device(s: &str) -> Result<String, String> {
    bundlelint::settings::check_device(s).map(|()| s.to_owned())
}

fn parse_policy(s: &str) -> Result<Policy, String> {
    Policy::from_name(s).ok_or_else(|| format!("unknown policy `{s}` ({})", Policy::names()))
}

/// Exit code when findings reach --fail-on.
const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage, configuration and I/O errors.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(jobs) = cli.jobs {
        if let Err(e) = rayon::ThreadPoolBuilder::new().num_threads(usize::from(jobs)).build_global() {
            eprintln!("bundlelint: cannot start {jobs} threads: {e}");
            return ExitCode::from(EXIT_ERROR);
        }
    }
    let quiet = cli.quiet;
    match cli.command {
        Command::Inspect { path, format, trust_anchor, apple_root } => {
            let settings = Settings { trust_anchors: trust_anchor, apple_roots: apple_root, ..Settings::default() };
            let settings = without_anchors_inside(settings, std::slice::from_ref(&path));
            match settings.load_files() {
                Ok(settings) => inspect(&path, format, &settings.anchors),
                Err(e) => {
                    eprintln!("bundlelint: {e}");
                    ExitCode::from(EXIT_ERROR)
                }
            }
        }
        Command::Check(args) => {
            let CheckArgs {
                paths,
                format,
                policy,
                select,
                ignore,
                fail_on,
                exit_zero,
                config,
                no_config,
                baseline,
                write_baseline,
                trust_anchor,
                apple_root,
                profile,
                device,
            } = *args;
            for selector in select.iter().chain(&ignore) {
                if let Err(e) = config::check_selector(selector) {
                    eprintln!("bundlelint: invalid selector: {e}");
                    return ExitCode::from(EXIT_ERROR);
                }
            }
            let config = match choose_config(config, no_config, &paths) {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("bundlelint: {e}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let cli = Settings {
                policy,
                select,
                ignore,
                trust_anchors: trust_anchor,
                apple_roots: apple_root,
                profile,
                devices: device,
                ..Settings::default()
            };
            let settings = match config.as_deref().map(config::load) {
                None => cli,
                Some(Ok(file)) => file.merged_with(cli),
                Some(Err(e)) => {
                    eprintln!("bundlelint: invalid configuration: {e}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let settings = without_anchors_inside(settings, &paths);
            let settings = match settings.load_files() {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("bundlelint: {e}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let baseline = match baseline.as_deref().map(Baseline::load) {
                None => None,
                Some(Ok(b)) => Some(b),
                Some(Err(e)) => {
                    eprintln!("bundlelint: invalid baseline: {e}");
                    return ExitCode::from(EXIT_ERROR);
                }
            };
            let threshold = match fail_on {
                FailOn::Error => Severity::Error,
                FailOn::Warning => Severity::Warning,
                FailOn::Info => Severity::Info,
            };
            let options = CheckOptions { threshold, quiet, exit_zero, baseline, write_baseline };
            check(&paths, format, &settings, &options)
        }
        Command::Rule { id } => rule(&id),
        Command::Rules { format } => rules(format),
        Command::Lsp => lsp::run(),
    }
}

/// The configuration file to use: the one given, or the nearest one from the current directory
/// upward. The artifact never configures its own check: a file inside a PATH is passed over
/// (with a warning) when discovered and refused when given.
fn choose_config(given: Option<PathBuf>, no_config: bool, paths: &[PathBuf]) -> Result<Option<PathBuf>, String> {
    if no_config {
        return Ok(None);
    }
    if let Some(given) = given {
        if let Some(input) = config::inside_any(&given, paths) {
            return Err(format!(
                "configuration {} lies inside the checked input {}; an artifact never configures its own check",
                given.display(),
                input.display()
            ));
        }
        return Ok(Some(given));
    }
    let cwd = std::env::current_dir().map_err(|e| format!("cannot read the current directory: {e}"))?;
    let (found, skipped) = config::discover(&cwd, paths);
    for s in skipped {
        eprintln!("bundlelint: warning: {} lies inside a checked input and is not used", s.display());
    }
    Ok(found)
}

/// Trust anchors and Apple root substitutes that lie inside a checked input are dropped with a
/// warning: a bundle never vouches for its own certificate chain.
fn without_anchors_inside(mut settings: Settings, paths: &[PathBuf]) -> Settings {
    let outside = |what: &str, anchor: &PathBuf| match config::inside_any(anchor, paths) {
        Some(input) => {
            eprintln!(
                "bundlelint: warning: {what} {} lies inside the checked input {} and is not used",
                anchor.display(),
                input.display()
            );
            false
        }
        None => true,
    };
    settings.trust_anchors.retain(|anchor| outside("trust anchor", anchor));
    settings.apple_roots.retain(|root| outside("Apple root substitute", root));
    settings
}

/// Warns about a `bundlelint.toml` carried inside an input: it is never read.
fn warn_about_embedded_config(scan: &Scan) {
    for (path, _) in scan.tree.entries() {
        if bundlelint::input::base_name(path) == config::FILE_NAME {
            eprintln!(
                "bundlelint: warning: {}: {path} inside the input is not used; configuration comes from the current \
                 directory upward or --config",
                scan.tree.origin
            );
        }
    }
}

/// Runs `f` with the progress line, if any, erased and held.
fn paused<T>(progress: &Option<ProgressLine>, f: impl FnOnce() -> T) -> T {
    match progress {
        Some(p) => p.pause(f),
        None => f(),
    }
}

/// Colour on a terminal; `NO_COLOR` (any value) turns it off, `CLICOLOR_FORCE` (not `0`) turns it
/// on when output is not a terminal, as the no-color.org and CLICOLOR conventions say.
fn colour_wanted() -> bool {
    colour_from(std::env::var_os("NO_COLOR"), std::env::var_os("CLICOLOR_FORCE"), || {
        std::io::IsTerminal::is_terminal(&std::io::stdout())
    })
}

fn colour_from(
    no_color: Option<std::ffi::OsString>,
    force: Option<std::ffi::OsString>,
    terminal: impl FnOnce() -> bool,
) -> bool {
    if no_color.is_some_and(|v| !v.is_empty()) {
        return false;
    }
    if force.is_some_and(|v| !v.is_empty() && v != "0") {
        return true;
    }
    terminal()
}

/// What decides the exit code and which findings are new.
struct CheckOptions {
    threshold: Severity,
    /// No summary line (`--quiet`).
    quiet: bool,
    exit_zero: bool,
    baseline: Option<Baseline>,
    write_baseline: Option<PathBuf>,
}

fn check(paths: &[PathBuf], format: Format, settings: &Settings, options: &CheckOptions) -> ExitCode {
    let colour = colour_wanted();
    // A person reading full or concise output at a terminal; never machine formats.
    let progress = (matches!(format, Format::Full | Format::Concise) && !options.quiet)
        .then(|| ProgressLine::start(paths.len()))
        .flatten();
    let mut failed = false;
    let mut incomplete = false;
    let mut everything = Vec::new();
    // Whole-run formats (SARIF, GitLab, JUnit, GitHub) keep each input's report, never its data.
    let mut reports = Vec::new();
    for (index, path) in paths.iter().enumerate() {
        if let Some(p) = &progress {
            p.set_input(index);
        }
        let scan = match open(path) {
            Ok(s) => s,
            Err(code) => return code,
        };
        // Fail closed: an input in which nothing was recognised was not checked, so it is never
        // reported clean (an entitlements file on its own, an empty build folder).
        if scan.holds_nothing_to_judge() {
            drop(progress);
            eprintln!("bundlelint: {}", bundlelint::Error::nothing_to_judge(path));
            return ExitCode::from(EXIT_ERROR);
        }
        paused(&progress, || warn_about_embedded_config(&scan));
        let mut outcome = engine::check(&scan, settings);
        incomplete |= !outcome.unread.is_empty();
        // A person reading the full report learns which gate judged the findings and why that
        // one; the other formats are read by tools and editors, which take the policy from the
        // report.
        if let (Some(basis), Format::Full) = (&outcome.policy_basis, format) {
            if !options.quiet {
                paused(&progress, || {
                    eprintln!("bundlelint: {}: policy {} detected: {basis}", path.display(), outcome.policy.name())
                });
            }
        }
        if options.write_baseline.is_some() {
            everything.extend(outcome.findings.iter().cloned());
        }
        if let Some(b) = &options.baseline {
            outcome.findings.retain(|f| !b.contains(f));
        }
        failed |= outcome.findings.iter().any(|f| f.severity >= options.threshold);
        let report = CheckReport::new(&scan, outcome);
        if !report.complete && format != Format::Full {
            let _pause = progress.as_ref().map(ProgressLine::hold);
            eprintln!(
                "bundlelint: {}: incomplete, {} part(s) of the input not read; this is not a clean result",
                report.input,
                report.unread.len()
            );
        }
        // Per-input formats are printed as soon as the input is judged; its files are then
        // released before the next input is opened.
        let write = || {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let written = format.write_input(&mut out, &scan, &report, colour, !options.quiet);
            written.map(|w| w.and_then(|()| std::io::Write::flush(&mut out)))
        };
        let written = paused(&progress, write);
        match written {
            Some(Ok(())) => {}
            Some(Err(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
            Some(Err(e)) => {
                eprintln!("bundlelint: cannot write output: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
            None => reports.push(report),
        }
    }
    // The line is erased for good before anything else is written.
    drop(progress);
    if let Some(rendered) = format.render_run(&reports) {
        match rendered {
            Ok(text) => emit(&text),
            Err(e) => {
                eprintln!("bundlelint: cannot render: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        }
    }
    if let Some(path) = &options.write_baseline {
        if let Err(e) = std::fs::write(path, Baseline::from_findings(&everything).to_json()) {
            eprintln!("bundlelint: cannot write baseline {}: {e}", path.display());
            return ExitCode::from(EXIT_ERROR);
        }
    }
    // Fail closed: a run that left part of an input unread is never clean.
    if (failed || incomplete) && !options.exit_zero {
        ExitCode::from(EXIT_FINDINGS)
    } else {
        ExitCode::SUCCESS
    }
}

fn rule(id: &str) -> ExitCode {
    match catalog::meta(id) {
        Some(meta) => {
            emit(&format!("{}\n", meta.page()));
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("bundlelint: no rule `{id}`; `bundlelint rules` lists them");
            ExitCode::from(EXIT_ERROR)
        }
    }
}

fn rules(format: ListFormat) -> ExitCode {
    let metas = catalog::catalog();
    match format {
        ListFormat::Text => {
            let lines: String =
                metas.iter().map(|m| format!("{:<40} {:<8} {}\n", m.id, m.severity.name(), m.summary)).collect();
            emit(&lines);
        }
        ListFormat::Json => match serde_json::to_string_pretty(metas) {
            Ok(j) => emit(&format!("{j}\n")),
            Err(e) => {
                eprintln!("bundlelint: cannot render JSON: {e}");
                return ExitCode::from(EXIT_ERROR);
            }
        },
    }
    ExitCode::SUCCESS
}

/// Opens an input; one that cannot be read, or that bundlelint does not read (a disk image, a
/// package), ends the run with exit code 2 and says why.
fn open(path: &std::path::Path) -> Result<Scan, ExitCode> {
    Scan::open(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::Unsupported {
            eprintln!("bundlelint: {e}");
        } else {
            eprintln!("bundlelint: cannot read {}: {e}", path.display());
        }
        ExitCode::from(EXIT_ERROR)
    })
}

fn inspect(path: &std::path::Path, format: InspectFormat, anchors: &bundlelint::trust::Anchors) -> ExitCode {
    let scan = match open(path) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let report = InspectReport::from_scan_with(&scan, anchors);
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
    emit(&text);
    ExitCode::SUCCESS
}

/// Writes to standard output. A closed pipe (`bundlelint rules | head`) ends the output quietly
/// instead of panicking, as `print!` would.
fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        Err(e) => eprintln!("bundlelint: cannot write output: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::colour_from;

    #[test]
    fn colour_follows_no_color_then_clicolor_force_then_the_terminal() {
        let some = |v: &str| Some(std::ffi::OsString::from(v));
        assert!(colour_from(None, None, || true));
        assert!(!colour_from(None, None, || false));
        assert!(!colour_from(some("1"), None, || true), "NO_COLOR turns colour off");
        assert!(!colour_from(some("1"), some("1"), || true), "NO_COLOR wins over CLICOLOR_FORCE");
        assert!(colour_from(some(""), None, || true), "an empty NO_COLOR is not set");
        assert!(colour_from(None, some("1"), || false), "CLICOLOR_FORCE colours a pipe");
        assert!(!colour_from(None, some("0"), || false), "CLICOLOR_FORCE=0 forces nothing");
    }
}

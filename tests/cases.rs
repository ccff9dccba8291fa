//! Rule cases: `corpus/cases/<rule-id>/<fail|pass>-<name>/case.toml`.
//!
//! Each case names an input (a corpus path), optional edits applied to a temporary copy, the
//! policy, and what must be reported. A `fail-*` case must report its rule (and may name message
//! fragments); a `pass-*` case must not. Fail cases snapshot the rule's findings in `concise` and
//! `json` form (insta), so a change in wording or location is reviewed.

use std::path::{Path, PathBuf};

use bundlelint::catalog::Policy;
use bundlelint::engine;
use bundlelint::model::Scan;
use bundlelint::report::check::CheckReport;
use bundlelint::report::{concise, full};
use bundlelint::settings::Settings;
use serde::Deserialize;

mod common;

use common::{apply, available, copy_tree, Edit};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows, one sentence.
    pub description: String,
    /// Input path relative to the repository root; items of the shared corpus beside the
    /// repository are named `../shared/corpus/real/…` (the case is skipped, with a message, when
    /// that corpus is absent).
    pub input: String,
    #[serde(default)]
    pub policy: Option<String>,
    /// Edits applied to a temporary copy of the input before checking.
    #[serde(default)]
    pub edit: Vec<Edit>,
    /// Fragments each finding of the rule must contain, in order of findings (fail cases).
    #[serde(default)]
    pub message_contains: Vec<String>,
    /// How many findings of the rule to expect (fail cases; default: at least one).
    #[serde(default)]
    pub count: Option<usize>,
    /// A `bundlelint.toml` to check with (expectations, severities…).
    #[serde(default)]
    pub config: Option<String>,
}

/// Every case directory, as (rule id, case name, path).
pub fn cases() -> Vec<(String, String, PathBuf)> {
    let mut out = Vec::new();
    for rule in std::fs::read_dir("corpus/cases").unwrap().flatten() {
        let id = rule.file_name().to_string_lossy().into_owned();
        for case in std::fs::read_dir(rule.path()).unwrap().flatten() {
            if case.path().join("case.toml").is_file() {
                out.push((id.clone(), case.file_name().to_string_lossy().into_owned(), case.path()));
            }
        }
    }
    out.sort();
    out
}

fn read_case(rule: &str, name: &str, dir: &Path) -> Case {
    toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap())
        .unwrap_or_else(|e| panic!("{rule}/{name}: {e}"))
}

/// The case's input copied to a temporary directory, with its edits applied when `edited`, and
/// the rule's report on it; `None` when an input lies in the shared corpus and it is absent.
fn judge(rule: &str, name: &str, case: &Case, edited: bool) -> Option<(tempfile::TempDir, PathBuf, Scan, CheckReport)> {
    let input = PathBuf::from(&case.input);
    let copied_from = case.edit.iter().filter_map(|e| match e {
        Edit::Copy { from, .. } => Some(Path::new(from)),
        _ => None,
    });
    if !std::iter::once(input.as_path()).chain(copied_from).all(available) {
        return None;
    }
    let work = tempfile::tempdir().unwrap();
    let copy = work.path().join(input.file_name().unwrap());
    copy_tree(&input, &copy);
    if edited {
        for e in &case.edit {
            apply(&copy, e);
        }
    }
    let scan = Scan::open(&copy).unwrap();
    let policy =
        case.policy.as_deref().map(|p| Policy::from_name(p).unwrap_or_else(|| panic!("{rule}/{name}: policy {p}")));
    let base = match &case.config {
        Some(text) => bundlelint::config::parse(text, Path::new("bundlelint.toml"))
            .unwrap_or_else(|e| panic!("{rule}/{name}: {e}")),
        None => Settings::default(),
    };
    let settings = base
        .merged_with(Settings { policy, select: vec![rule.to_owned()], ..Settings::default() })
        .load_files()
        .unwrap_or_else(|e| panic!("{rule}/{name}: {e}"));
    let outcome = engine::check(&scan, &settings);
    let report = CheckReport::new(&scan, outcome);
    Some((work, copy, scan, report))
}

/// A failing case made by editing an input must fail through its edits: the rule stays silent
/// on the same input unedited, so the case shows what it says it shows.
fn run_unedited(rule: &str, name: &str, dir: &Path) {
    let case = read_case(rule, name, dir);
    let Some((_work, _copy, _scan, report)) = judge(rule, name, &case, false) else { return };
    let ours: Vec<_> = report.findings.iter().filter(|f| f.rule == rule).collect();
    assert!(
        ours.is_empty(),
        "{rule}/{name}: the unedited input {} already reports {rule}:\n{}",
        case.input,
        concise::render(&report)
    );
}

fn run_case(rule: &str, name: &str, dir: &Path) {
    let case = read_case(rule, name, dir);
    let Some((_work, copy, scan, report)) = judge(rule, name, &case, true) else { return };
    let ours: Vec<_> = report.findings.iter().filter(|f| f.rule == rule).collect();
    if name.starts_with("pass") {
        assert!(
            ours.is_empty(),
            "{rule}/{name} ({}) must not report {rule}, got:\n{}",
            case.description,
            concise::render(&report)
        );
        return;
    }
    assert!(name.starts_with("fail"), "{rule}/{name}: case names start with pass- or fail-");
    assert!(
        !ours.is_empty(),
        "{rule}/{name} ({}) must report {rule}; got:\n{}",
        case.description,
        concise::render(&report)
    );
    if let Some(n) = case.count {
        assert_eq!(ours.len(), n, "{rule}/{name}: finding count");
    }
    for (i, fragment) in case.message_contains.iter().enumerate() {
        let f = ours.get(i.min(ours.len() - 1)).unwrap();
        assert!(f.message.contains(fragment.as_str()), "{rule}/{name}: message {:?} lacks {fragment:?}", f.message);
    }
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new("snapshots/cases"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_description(case.description.clone());
    settings.bind(|| {
        // The input was copied to a temporary directory; show it as the case's own input path.
        let full = full::render(&report, &scan, false, true).replace(&copy.display().to_string(), &case.input);
        insta::assert_snapshot!(format!("{rule}__{name}__full"), full);
        insta::assert_json_snapshot!(format!("{rule}__{name}__json"), ours);
    });
}

/// One test per case, named `<rule-id>/<case>`, and for each failing case made by edits one that
/// replays it unedited (`<rule-id>/<case>/unedited`): `cargo test --test cases notary-unsigned-code`
/// runs the cases of one rule, in parallel like any test.
fn main() {
    let arguments = libtest_mimic::Arguments::from_args();
    let mut trials = Vec::new();
    for (rule, name, dir) in cases() {
        if name.starts_with("fail-") && !read_case(&rule, &name, &dir).edit.is_empty() {
            let (rule, name, dir) = (rule.clone(), name.clone(), dir.clone());
            trials.push(trial(format!("{rule}/{name}/unedited"), move || run_unedited(&rule, &name, &dir)));
        }
        trials.push(trial(format!("{rule}/{name}"), move || run_case(&rule, &name, &dir)));
    }
    assert!(!trials.is_empty(), "no cases under corpus/cases");
    libtest_mimic::run(&arguments, trials).exit();
}

/// A test that fails with the message of the panic it caught.
fn trial(name: String, test: impl FnOnce() + Send + std::panic::UnwindSafe + 'static) -> libtest_mimic::Trial {
    libtest_mimic::Trial::test(name, move || {
        std::panic::catch_unwind(test).map_err(|panic| {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            libtest_mimic::Failed::from(message)
        })
    })
}

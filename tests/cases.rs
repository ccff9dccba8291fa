//! Rule cases: `corpus/cases/<rule-id>/<fail|pass>-<name>/case.toml`.
//!
//! Each case names an input (a corpus path), optional edits applied to a temporary copy, the
//! policy, and what must be reported. A `fail-*` case must report its rule (and may name message
//! fragments); a `pass-*` case must not. Fail cases snapshot the rule's findings in `concise` and
//! `json` form (insta), so a change in wording or location is reviewed.

use std::path::{Path, PathBuf};

use bundlelint::catalog::Policy;
use bundlelint::engine::{self, Settings};
use bundlelint::model::Scan;
use bundlelint::report::check::CheckReport;
use bundlelint::report::{concise, full};
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Case {
    /// What the case shows, one sentence.
    pub description: String,
    /// Input path relative to the repository root.
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

/// One change to the copied input. Paths are relative to the input's root directory.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, tag = "op", rename_all = "kebab-case")]
pub enum Edit {
    Write {
        path: String,
        text: String,
    },
    Remove {
        path: String,
    },
    Symlink {
        path: String,
        target: String,
    },
    /// Replaces bytes at `offset` (or at the first occurrence of `find`) with `hex`/`text`.
    Patch {
        path: String,
        #[serde(default)]
        offset: Option<usize>,
        #[serde(default)]
        find: Option<String>,
        #[serde(default)]
        hex: Option<String>,
        #[serde(default)]
        text: Option<String>,
    },
    /// Copies a file from elsewhere in the repository into the input.
    Copy {
        from: String,
        path: String,
    },
}

fn copy_tree(from: &Path, to: &Path) {
    let meta = std::fs::symlink_metadata(from).unwrap();
    if meta.file_type().is_symlink() {
        std::os::unix::fs::symlink(std::fs::read_link(from).unwrap(), to).unwrap();
    } else if meta.is_dir() {
        std::fs::create_dir_all(to).unwrap();
        for e in std::fs::read_dir(from).unwrap() {
            let e = e.unwrap();
            copy_tree(&e.path(), &to.join(e.file_name()));
        }
    } else {
        std::fs::copy(from, to).unwrap();
    }
}

fn apply(root: &Path, edit: &Edit) {
    match edit {
        Edit::Write { path, text } => std::fs::write(root.join(path), text).unwrap(),
        Edit::Remove { path } => {
            let p = root.join(path);
            if std::fs::symlink_metadata(&p).unwrap().is_dir() {
                std::fs::remove_dir_all(p).unwrap()
            } else {
                std::fs::remove_file(p).unwrap()
            }
        }
        Edit::Symlink { path, target } => {
            let p = root.join(path);
            let _ = std::fs::remove_file(&p);
            std::os::unix::fs::symlink(target, p).unwrap()
        }
        Edit::Patch { path, offset, find, hex, text } => {
            let p = root.join(path);
            let mut bytes = std::fs::read(&p).unwrap();
            let with = match (hex, text) {
                (Some(h), None) => hex::decode(h.replace(' ', "")).unwrap(),
                (None, Some(t)) => t.as_bytes().to_vec(),
                _ => panic!("patch needs exactly one of hex/text"),
            };
            let at = match (offset, find) {
                (Some(o), None) => *o,
                (None, Some(f)) => bytes
                    .windows(f.len())
                    .position(|w| w == f.as_bytes())
                    .unwrap_or_else(|| panic!("{f:?} not in {path}")),
                _ => panic!("patch needs exactly one of offset/find"),
            };
            bytes[at..at + with.len()].copy_from_slice(&with);
            std::fs::write(p, bytes).unwrap();
        }
        Edit::Copy { from, path } => std::fs::copy(from, root.join(path)).map(|_| ()).unwrap(),
    }
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

fn run_case(rule: &str, name: &str, dir: &Path) {
    let case: Case = toml::from_str(&std::fs::read_to_string(dir.join("case.toml")).unwrap())
        .unwrap_or_else(|e| panic!("{rule}/{name}: {e}"));
    let input = PathBuf::from(&case.input);
    let work = tempfile::tempdir().unwrap();
    let copy = work.path().join(input.file_name().unwrap());
    copy_tree(&input, &copy);
    for e in &case.edit {
        apply(&copy, e);
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
        .load_anchors()
        .unwrap_or_else(|e| panic!("{rule}/{name}: {e}"));
    let outcome = engine::check(&scan, &settings);
    let report = CheckReport::new(&scan, outcome);
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
        let full = full::render(&report, &scan, false).replace(&copy.display().to_string(), &case.input);
        insta::assert_snapshot!(format!("{rule}__{name}__full"), full);
        insta::assert_json_snapshot!(format!("{rule}__{name}__json"), ours);
    });
}

#[test]
fn every_case_holds() {
    let all = cases();
    assert!(!all.is_empty(), "no cases under corpus/cases");
    let mut failures = Vec::new();
    for (rule, name, dir) in &all {
        let result = std::panic::catch_unwind(|| run_case(rule, name, dir));
        if let Err(e) = result {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{rule}/{name}: {msg}"));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases failed:\n{}", failures.len(), all.len(), failures.join("\n\n"));
}

//! Scenarios: the stories users hit, each a bundle the test builds from corpus pieces and the
//! complete list of findings bundlelint must report for it — no more, no fewer.
//!
//! `corpus/scenarios/<name>/scenario.toml`: description, input, edits (as for rule cases),
//! policy, config, and `expect = [{ rule, path }]` (warnings and errors; info findings are not
//! listed).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bundlelint::catalog::Policy;
use bundlelint::engine;
use bundlelint::finding::Severity;
use bundlelint::model::Scan;
use bundlelint::settings::Settings;
use serde::Deserialize;

use crate::common::{apply, copy_tree, Edit};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Scenario {
    description: String,
    input: String,
    #[serde(default)]
    policy: Option<String>,
    #[serde(default)]
    config: Option<String>,
    #[serde(default)]
    edit: Vec<Edit>,
    #[serde(default)]
    expect: Vec<Expected>,
}

#[derive(Debug, Deserialize, PartialEq, Eq, PartialOrd, Ord, Clone)]
#[serde(deny_unknown_fields)]
struct Expected {
    rule: String,
    path: String,
}

fn run(dir: &Path) -> Result<(), String> {
    let text = std::fs::read_to_string(dir.join("scenario.toml")).map_err(|e| e.to_string())?;
    let scenario: Scenario = toml::from_str(&text).map_err(|e| e.to_string())?;
    let input = PathBuf::from(&scenario.input);
    let work = tempfile::tempdir().map_err(|e| e.to_string())?;
    let copy = work.path().join(input.file_name().ok_or("input has no name")?);
    copy_tree(&input, &copy);
    for e in &scenario.edit {
        apply(&copy, e);
    }
    let base = match &scenario.config {
        Some(text) => bundlelint::config::parse(text, Path::new("bundlelint.toml")).map_err(|e| e.to_string())?,
        None => Settings::default(),
    };
    let policy = scenario.policy.as_deref().and_then(Policy::from_name);
    let settings = base.merged_with(Settings { policy, ..Settings::default() }).load_files()?;
    let scan = Scan::open(&copy).map_err(|e| e.to_string())?;
    let outcome = engine::check(&scan, &settings);
    let found: BTreeSet<Expected> = outcome
        .findings
        .iter()
        .filter(|f| f.severity >= Severity::Warning)
        .map(|f| Expected { rule: f.rule.to_string(), path: f.path.clone() })
        .collect();
    let expected: BTreeSet<Expected> = scenario.expect.iter().cloned().collect();
    if found == expected {
        return Ok(());
    }
    let missing: Vec<_> = expected.difference(&found).collect();
    let extra: Vec<_> = found.difference(&expected).collect();
    Err(format!("{}\n  missing: {missing:#?}\n  unexpected: {extra:#?}", scenario.description))
}

#[test]
fn every_scenario_reports_exactly_its_findings() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir("corpus/scenarios")
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("scenario.toml").is_file())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty());
    let failures: Vec<String> =
        dirs.iter().filter_map(|d| run(d).err().map(|e| format!("{}: {e}", d.display()))).collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

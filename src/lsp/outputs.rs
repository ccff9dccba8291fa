//! The build outputs a configuration names (`build-outputs`), seen from the source files its
//! `[sources]` maps them to: a built product is checked when a source is, again only when
//! something in it changed on disk, and the findings placed on that source are shown on it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use bundlelint::engine;
use bundlelint::finding::Finding;
use bundlelint::model::Scan;
use bundlelint::settings::Settings;

/// Entries looked at to tell whether an output changed; a larger one counts as changed whenever
/// it is asked about, which is correct, only slower.
const MAX_STAMPED_ENTRIES: usize = 200_000;

/// What an output looked like on disk: its latest modification time and its number of entries
/// (a deletion changes the count, not the times of what is left).
type Stamp = Option<(SystemTime, usize)>;

struct Checked {
    stamp: Stamp,
    findings: Vec<Finding>,
}

/// Each output's findings, kept until it changes.
#[derive(Default)]
pub struct Outputs {
    checked: HashMap<PathBuf, Checked>,
}

impl Outputs {
    /// The findings of the configured outputs that the engine placed on `document`.
    pub fn findings_on(&mut self, settings: &Settings, document: &Path) -> Vec<Finding> {
        if settings.sources.is_empty() {
            return Vec::new();
        }
        let Ok(document) = std::fs::canonicalize(document) else { return Vec::new() };
        let mut found = Vec::new();
        for output in &settings.build_outputs {
            let on_document = |f: &&Finding| f.source.as_ref().is_some_and(|s| same_file(&s.path, &document));
            found.extend(self.refreshed(output, settings).iter().filter(on_document).cloned());
        }
        found
    }

    /// Whether an output checked before looks different on disk now.
    pub fn changed(&self) -> bool {
        self.checked.iter().any(|(path, checked)| stamp(path) != checked.stamp)
    }

    /// Whether any output is being followed.
    pub fn is_empty(&self) -> bool {
        self.checked.is_empty()
    }

    /// The findings of `output`, checked again when it changed. An output that is not there (not
    /// built yet) or cannot be read has none.
    fn refreshed(&mut self, output: &Path, settings: &Settings) -> &[Finding] {
        let now = stamp(output);
        let fresh = self.checked.get(output).is_some_and(|c| c.stamp.is_some() && c.stamp == now);
        if !fresh {
            let findings = match Scan::open(output) {
                Ok(scan) if !scan.holds_nothing_to_judge() => engine::check(&scan, settings).findings,
                _ => Vec::new(),
            };
            self.checked.insert(output.to_owned(), Checked { stamp: now, findings });
        }
        &self.checked[output].findings
    }
}

/// Whether a source path as findings show it (relative to the working directory, or absolute)
/// names the file at canonical path `document`.
fn same_file(shown: &str, document: &Path) -> bool {
    std::fs::canonicalize(shown).is_ok_and(|p| p == document)
}

/// The latest modification time under `path` and the number of entries, without following
/// symbolic links; `None` when it is not there or too large to stamp.
fn stamp(path: &Path) -> Stamp {
    let mut latest = std::fs::symlink_metadata(path).ok()?.modified().ok()?;
    let mut count = 1;
    let mut pending = vec![path.to_owned()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        for entry in entries.flatten() {
            count += 1;
            if count > MAX_STAMPED_ENTRIES {
                return None;
            }
            let Ok(metadata) = entry.metadata() else { continue };
            if let Ok(modified) = metadata.modified() {
                latest = latest.max(modified);
            }
            if metadata.is_dir() {
                pending.push(entry.path());
            }
        }
    }
    Some((latest, count))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_inside_an_output_changes_its_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("A.app/Contents");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::write(nested.join("Info.plist"), "a").unwrap();
        let before = stamp(dir.path()).unwrap();
        std::fs::write(nested.join("PkgInfo"), "APPL????").unwrap();
        assert_ne!(stamp(dir.path()).unwrap().1, before.1, "a new file is counted");
        assert_eq!(stamp(&dir.path().join("absent")), None);
    }
}

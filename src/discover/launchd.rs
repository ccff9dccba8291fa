//! launchd property lists: the daemons and agents a product registers, and the code they launch.

use serde::Serialize;

use super::{CodeItem, Discovery, Role};
use crate::input::{base_name, join, parent, Entry, Tree};
use crate::plist::Document;
use crate::Problem;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LaunchdKind {
    Daemon,
    Agent,
    /// A launchd plist outside `LaunchDaemons`/`LaunchAgents` (e.g. a folder of plists).
    Other,
}

/// A launchd plist and what it points at.
#[derive(Debug, Clone, Serialize)]
pub struct LaunchdPlist {
    pub path: String,
    pub kind: LaunchdKind,
    /// The bundle item whose `Contents/Library/Launch*` holds it.
    pub owner: Option<usize>,
    pub label: Option<String>,
    pub bundle_program: Option<String>,
    pub program: Option<String>,
    pub program_arguments: Vec<String>,
    /// The code item `BundleProgram` resolves to inside the owner bundle.
    pub target: Option<usize>,
    #[serde(skip)]
    pub document: Result<Document, Problem>,
}

impl LaunchdPlist {
    pub fn dict(&self) -> Option<&plist::Dictionary> {
        self.document.as_ref().ok().and_then(Document::dict)
    }
}

/// Whether a plist at `path` should be read as a launchd job description. `in_bundle` is the
/// path relative to the owning bundle's content directory, when inside one.
fn candidate_kind(path: &str, in_bundle: Option<&str>) -> Option<LaunchdKind> {
    if !path.to_ascii_lowercase().ends_with(".plist") {
        return None;
    }
    match base_name(parent(path)) {
        "LaunchDaemons" => Some(LaunchdKind::Daemon),
        "LaunchAgents" => Some(LaunchdKind::Agent),
        // Outside bundles, any plist may be a job (a repo's `launchd/` folder); inside, only the
        // standard folders and the few places a job plist gets put by mistake are read, so
        // resources are not parsed for nothing.
        _ => match in_bundle {
            None => Some(LaunchdKind::Other),
            Some(relative) => misplaced_job_location(relative).then_some(LaunchdKind::Other),
        },
    }
}

/// Where, inside a bundle's content directory, a job plist is put by mistake: beside
/// `Info.plist`, in `Resources/`, `MacOS/`, `Helpers/`, or a `Library/` folder other than the
/// launchd ones (`Library/LaunchServices/`).
fn misplaced_job_location(relative: &str) -> bool {
    let parts: Vec<&str> = relative.split('/').collect();
    match parts.as_slice() {
        [name] => !name.is_empty() && !matches!(*name, "Info.plist" | "version.plist"),
        [dir, _] => matches!(*dir, "Resources" | "MacOS" | "Helpers"),
        ["Library", _, _] => true,
        _ => false,
    }
}

pub(super) fn add_launchd_plists(tree: &Tree, d: &mut Discovery) {
    for (path, entry) in tree.entries() {
        let Entry::File(data) = entry else { continue };
        let owner = owning_bundle(&d.items, path);
        let relative = owner
            .and_then(|o| d.items.get(o)?.bundle.as_ref())
            .and_then(|b| path.strip_prefix(b.content.as_str()))
            .and_then(|r| r.strip_prefix('/'));
        let Some(kind) = candidate_kind(path, relative.or(owner.map(|_| ""))) else { continue };
        let document =
            data.bytes().map_err(|e| Problem::new(crate::rule_id::INPUT_UNREADABLE, e)).and_then(Document::parse);
        let dict = document.as_ref().ok().and_then(Document::dict);
        let string = |k: &str| dict.and_then(|d| d.get(k)).and_then(plist::Value::as_string).map(str::to_owned);
        let label = string("Label");
        // A plist without a Label outside the standard folders is just some other plist; inside
        // a bundle it must also name a program to count as a job.
        let names_program =
            ["Program", "ProgramArguments", "BundleProgram"].iter().any(|k| dict.is_some_and(|d| d.contains_key(k)));
        if kind == LaunchdKind::Other && (label.is_none() || (owner.is_some() && !names_program)) {
            continue;
        }
        let program_arguments = dict
            .and_then(|d| d.get("ProgramArguments"))
            .and_then(plist::Value::as_array)
            .map(|a| a.iter().filter_map(plist::Value::as_string).map(str::to_owned).collect())
            .unwrap_or_default();
        let bundle_program = string("BundleProgram");
        let target = owner
            .and_then(|o| resolve_program(tree, &d.items[o], bundle_program.as_deref()))
            .and_then(|p| item_at(&d.items, &p));
        d.launchd_plists.push(LaunchdPlist {
            path: path.to_owned(),
            kind,
            owner,
            label,
            bundle_program,
            program: string("Program"),
            program_arguments,
            target,
            document,
        });
    }
    for (index, plist) in d.launchd_plists.iter().enumerate() {
        if let Some(t) = plist.target {
            let item = &mut d.items[t];
            item.launched_by.push(index);
            if matches!(item.role, Role::HelperTool | Role::Standalone) {
                item.role = Role::LaunchdProgram;
            }
        }
    }
}

/// The bundle item (not version subdirectory) whose `Library/Launch*` folder holds `path`.
fn owning_bundle(items: &[CodeItem], path: &str) -> Option<usize> {
    items
        .iter()
        .enumerate()
        .filter(|(_, i)| i.bundle.as_ref().is_some_and(|b| path.starts_with(&format!("{}/", b.content))))
        .max_by_key(|(_, i)| i.path.len())
        .map(|(n, _)| n)
}

/// `BundleProgram` is relative to the bundle root (`Contents/MacOS/tool`); an absolute or
/// escaping value resolves to nothing (launchd refuses it: EX_CONFIG).
fn resolve_program(tree: &Tree, owner: &CodeItem, bundle_program: Option<&str>) -> Option<String> {
    let program = bundle_program?;
    if program.starts_with('/') {
        return None;
    }
    let root = owner.bundle.as_ref()?.root.as_str();
    let resolved = tree.resolve(&join(root, program))?;
    resolved.starts_with(&format!("{root}/")).then_some(resolved)
}

/// The item whose Mach-O is `path`; a bundle's main executable maps to the bundle item.
fn item_at(items: &[CodeItem], path: &str) -> Option<usize> {
    items.iter().position(|i| i.executable.as_deref() == Some(path))
}

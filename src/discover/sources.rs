//! Source files: the entitlements files and Info.plists developers edit in their repository,
//! judged on their own (in an editor, a pre-commit hook, a CI step before the build).
//!
//! A source file is found by name outside any bundle (`App.entitlements`, `Info.plist`,
//! `App-Info.plist`), or by content when the input is a single property list: keys that only an
//! Info.plist has, or keys that only entitlements have. Launchd plists and provisioning profiles
//! have their own discovery.

use serde::Serialize;

use super::{CodeItem, Discovery};
use crate::input::{base_name, Entry, InputKind, PathProblem, Tree};
use crate::plist::Document;
use crate::Problem;

/// What a source file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// An entitlements property list (`CODE_SIGN_ENTITLEMENTS`).
    Entitlements,
    /// A bundle's Info.plist before the build fills in its variables (`INFOPLIST_FILE`).
    InfoPlist,
}

impl SourceKind {
    /// "an entitlements file", "an Info.plist".
    pub fn description(self) -> &'static str {
        match self {
            SourceKind::Entitlements => "an entitlements file",
            SourceKind::InfoPlist => "an Info.plist",
        }
    }
}

/// A source file and its parsed contents.
#[derive(Debug, Clone, Serialize)]
pub struct SourceFile {
    pub path: String,
    pub kind: SourceKind,
    #[serde(skip)]
    pub document: Result<Document, Problem>,
}

impl SourceFile {
    pub fn dict(&self) -> Option<&plist::Dictionary> {
        self.document.as_ref().ok().and_then(Document::dict)
    }
}

/// Keys only an Info.plist has.
const INFO_PLIST_KEYS: &[&str] = &["CFBundleIdentifier", "CFBundleExecutable", "CFBundlePackageType", "CFBundleName"];

/// Entitlement keys that do not start with `com.apple.` (the iOS-style and keychain ones).
const BARE_ENTITLEMENTS: &[&str] = &[
    "application-identifier",
    "aps-environment",
    "beta-reports-active",
    "get-task-allow",
    "keychain-access-groups",
    "com.apple.developer.team-identifier",
];

/// The kind of the file at `path` by its name, when its name says it.
fn kind_by_name(path: &str) -> Option<SourceKind> {
    let name = base_name(path);
    if name.to_ascii_lowercase().ends_with(".entitlements") {
        Some(SourceKind::Entitlements)
    } else if name == "Info.plist" || name.ends_with("-Info.plist") {
        Some(SourceKind::InfoPlist)
    } else {
        None
    }
}

/// The kind of a lone property list by its keys: an Info.plist names its bundle; entitlements
/// are all `com.apple.` keys or the few bare ones. A launchd job (`Label`) is neither.
fn kind_by_keys(dict: &plist::Dictionary) -> Option<SourceKind> {
    if dict.contains_key("Label") {
        return None;
    }
    if INFO_PLIST_KEYS.iter().any(|k| dict.contains_key(k)) {
        return Some(SourceKind::InfoPlist);
    }
    let entitlement_like = |k: &String| k.starts_with("com.apple.") || BARE_ENTITLEMENTS.contains(&k.as_str());
    (!dict.is_empty() && dict.keys().all(entitlement_like)).then_some(SourceKind::Entitlements)
}

/// Whether `path` lies inside a bundle the discovery found: its files belong to the product.
fn inside_bundle(items: &[CodeItem], path: &str) -> bool {
    items.iter().any(|i| i.bundle.is_some() && path.strip_prefix(i.path.as_str()).is_some_and(|r| r.starts_with('/')))
}

pub(super) fn add_source_files(tree: &Tree, d: &mut Discovery) {
    let lone_file = tree.kind == InputKind::File;
    for (path, entry) in tree.entries() {
        let Entry::File(data) = entry else { continue };
        if inside_bundle(&d.items, path) || path.split('/').any(|c| c == "__MACOSX") {
            continue;
        }
        let by_name = kind_by_name(path);
        let lone_plist = lone_file && path.to_ascii_lowercase().ends_with(".plist");
        if by_name.is_none() && !lone_plist {
            continue;
        }
        let document =
            data.bytes().map_err(|e| Problem::new(crate::rule_id::INPUT_UNREADABLE, e)).and_then(Document::parse);
        let kind = match (by_name, &document) {
            (Some(kind), _) => kind,
            (None, Ok(parsed)) => match parsed.dict().and_then(kind_by_keys) {
                Some(kind) => kind,
                None => continue,
            },
            // A lone `.plist` that does not parse: what it was meant to be is unknown; where it
            // breaks is the finding.
            (None, Err(problem)) => {
                d.problems.push(PathProblem { path: path.to_owned(), problem: problem.clone() });
                continue;
            }
        };
        d.sources.push(SourceFile { path: path.to_owned(), kind, document });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(keys: &[&str]) -> plist::Dictionary {
        keys.iter().map(|k| (k.to_string(), plist::Value::Boolean(true))).collect()
    }

    #[test]
    fn names_say_the_kind() {
        assert_eq!(kind_by_name("App/App.entitlements"), Some(SourceKind::Entitlements));
        assert_eq!(kind_by_name("App/Info.plist"), Some(SourceKind::InfoPlist));
        assert_eq!(kind_by_name("App/App-Info.plist"), Some(SourceKind::InfoPlist));
        assert_eq!(kind_by_name("App/Settings.plist"), None);
    }

    #[test]
    fn keys_say_the_kind_of_a_lone_plist() {
        assert_eq!(kind_by_keys(&dict(&["CFBundleIdentifier", "LSUIElement"])), Some(SourceKind::InfoPlist));
        assert_eq!(
            kind_by_keys(&dict(&["com.apple.security.app-sandbox", "keychain-access-groups"])),
            Some(SourceKind::Entitlements)
        );
        assert_eq!(kind_by_keys(&dict(&["Label", "ProgramArguments"])), None);
        assert_eq!(kind_by_keys(&dict(&["com.apple.security.app-sandbox", "Colour"])), None);
        assert_eq!(kind_by_keys(&dict(&[])), None);
    }
}

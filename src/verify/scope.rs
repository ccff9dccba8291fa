//! A bundle's resource scope: the directory its seal is relative to and the compiled rules
//! with the bundle's own exclusions.

use super::seal_rules::{BadPattern, RuleSet};
use super::signed::CODE_RESOURCES;
use crate::discover::{Bundle, Layout};
use crate::input::join;
use crate::seal::ResourceRule;

/// Where a bundle's seal applies and how its paths are decided.
#[derive(Debug)]
pub(super) struct Scope {
    /// Tree path of the directory seal paths are relative to: `Contents` of a macOS bundle, the
    /// version directory of a framework, the root of a flat bundle.
    pub base: String,
    pub rules: RuleSet,
    pub bad_patterns: Vec<BadPattern>,
}

impl Scope {
    pub fn new(bundle: &Bundle, main_executable: Option<&str>, rules: &[ResourceRule]) -> Scope {
        let base = bundle.content.clone();
        let exclusions = exclusions(&base, main_executable);
        let (rules, bad_patterns) = RuleSet::compile(rules, &exclusions);
        Scope { base, rules, bad_patterns }
    }

    /// `path` relative to the base, when it lies below it.
    pub fn relative<'p>(&self, path: &'p str) -> Option<&'p str> {
        path.strip_prefix(self.base.as_str())?.strip_prefix('/').filter(|r| !r.is_empty())
    }
}

/// The tree path codesign takes as the bundle's main executable: `CFBundleExecutable` where
/// CFBundle looks for it, or the Info.plist of a bundle without one.
pub(crate) fn main_executable_path(bundle: &Bundle) -> Option<String> {
    match &bundle.executable_name {
        Some(name) => Some(match bundle.layout {
            Layout::Deep => join(&bundle.content, &format!("MacOS/{name}")),
            Layout::Shallow | Layout::Versioned => join(&bundle.content, name),
        }),
        None => bundle.info_plist.clone(),
    }
}

/// The bundle's own exclusions (`BundleDiskRep::adjustResources`): the signature directory, the
/// stapled ticket (`CodeResources` beside it), the App Store receipt, and the main executable
/// (still a valid symlink target).
fn exclusions(base: &str, main_executable: Option<&str>) -> Vec<(String, bool)> {
    let mut list = vec![
        ("^_CodeSignature$".to_owned(), false),
        (format!("^{CODE_RESOURCES}$"), false),
        ("^_MASReceipt$".to_owned(), false),
    ];
    let relative = main_executable.and_then(|p| p.strip_prefix(base)).and_then(|r| r.strip_prefix('/'));
    if let Some(rel) = relative.filter(|r| !r.is_empty()) {
        list.push((format!("^{}$", escape_re(rel)), true));
    }
    list
}

/// codesign's `ResourceBuilder::escapeRE`.
fn escape_re(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if "\\[]{}().+*?^$|".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn main_executable_names_are_escaped() {
        let list = exclusions("A.app/Contents", Some("A.app/Contents/MacOS/My App+1"));
        assert_eq!(list.last().unwrap(), &("^MacOS/My App\\+1$".to_owned(), true));
        assert_eq!(exclusions("A.app/Contents", Some("elsewhere/x")).len(), 3);
    }
}

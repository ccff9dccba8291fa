//! The rules the verifier reports, with the severities of the rule catalog (section B).
//!
//! A rule marked `strict` is one codesign only enforces with `--strict`; the verifier drops its
//! findings when [`super::VerifyOptions::strict`] is off.

use crate::finding::Severity;

/// One rule id and how it is reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// Only `codesign --verify --strict` fails on it.
    pub strict: bool,
}

const fn rule(id: &'static str, severity: Severity, strict: bool) -> Rule {
    Rule { id, severity, strict }
}

use Severity::{Error, Warning};

pub const SIG_CODELIMIT: Rule = rule("sig-codelimit", Error, false);
pub const SIG_PAGE_HASH_MISMATCH: Rule = rule("sig-page-hash-mismatch", Error, false);
pub const SIG_LINKEDIT_LAYOUT: Rule = rule("sig-linkedit-layout", Error, true);
pub const SIG_SPECIAL_SLOT_MISMATCH: Rule = rule("sig-special-slot-mismatch", Error, false);
/// Warning for a bundle's main executable (codesign does not fail on an unbound Info.plist by
/// itself; the missing seal is `sig-resources-not-sealed`); standalone tools lower it to info.
pub const SIG_INFO_PLIST_NOT_BOUND: Rule = rule("sig-info-plist-not-bound", Warning, false);
pub const SIG_RESOURCES_NOT_SEALED: Rule = rule("sig-resources-not-sealed", Error, false);

pub const RES_CODERESOURCES_INVALID: Rule = rule("res-coderesources-invalid", Error, false);
pub const RES_V1_ENVELOPE: Rule = rule("res-v1-envelope", Error, true);
pub const RES_WEAK_RULES: Rule = rule("res-weak-rules", Error, true);
pub const RES_FILE_ALTERED: Rule = rule("res-file-altered", Error, false);
pub const RES_FILE_MISSING: Rule = rule("res-file-missing", Error, false);
pub const RES_FILE_ADDED: Rule = rule("res-file-added", Error, false);
pub const RES_TYPE_CHANGED: Rule = rule("res-type-changed", Error, false);
pub const RES_SYMLINK_ALTERED: Rule = rule("res-symlink-altered", Error, false);
pub const RES_SYMLINK_ESCAPES: Rule = rule("res-symlink-escapes", Error, true);
pub const RES_NESTED_CODE_INVALID: Rule = rule("res-nested-code-invalid", Error, false);
pub const RES_NESTED_CODE_UNSIGNED: Rule = rule("res-nested-code-unsigned", Error, false);
pub const RES_APPLEDOUBLE_DETRITUS: Rule = rule("res-appledouble-detritus", Error, true);
pub const RES_MACHO_SEALED_AS_DATA: Rule = rule("res-macho-sealed-as-data", Warning, false);

pub const LAYOUT_APP_ROOT_UNSEALED: Rule = rule("layout-app-root-unsealed", Error, true);
pub const LAYOUT_FRAMEWORK_ROOT: Rule = rule("layout-framework-root", Error, true);
pub const LAYOUT_CODESIGNATURE_DIR: Rule = rule("layout-codesignature-dir", Error, true);
pub const LAYOUT_MAIN_EXEC_MISSING: Rule = rule("layout-main-exec-missing", Error, false);
pub const LAYOUT_MAIN_EXEC_REGULAR: Rule = rule("layout-main-exec-regular", Error, true);

/// Every rule the verifier can report.
pub const ALL: &[Rule] = &[
    SIG_CODELIMIT,
    SIG_PAGE_HASH_MISMATCH,
    SIG_LINKEDIT_LAYOUT,
    SIG_SPECIAL_SLOT_MISMATCH,
    SIG_INFO_PLIST_NOT_BOUND,
    SIG_RESOURCES_NOT_SEALED,
    RES_CODERESOURCES_INVALID,
    RES_V1_ENVELOPE,
    RES_WEAK_RULES,
    RES_FILE_ALTERED,
    RES_FILE_MISSING,
    RES_FILE_ADDED,
    RES_TYPE_CHANGED,
    RES_SYMLINK_ALTERED,
    RES_SYMLINK_ESCAPES,
    RES_NESTED_CODE_INVALID,
    RES_NESTED_CODE_UNSIGNED,
    RES_APPLEDOUBLE_DETRITUS,
    RES_MACHO_SEALED_AS_DATA,
    LAYOUT_APP_ROOT_UNSEALED,
    LAYOUT_FRAMEWORK_ROOT,
    LAYOUT_CODESIGNATURE_DIR,
    LAYOUT_MAIN_EXEC_MISSING,
    LAYOUT_MAIN_EXEC_REGULAR,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_and_kebab_case() {
        let mut ids: Vec<&str> = ALL.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        assert!(ids.iter().all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')));
    }
}

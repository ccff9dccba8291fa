//! The rules the verifier reports. Their severities are on their pages (`rules/`), as for every
//! other rule; the engine applies them with the policy and the user's settings.
//!
//! Some rules are ones codesign only enforces with `--strict` ([`STRICT_ONLY`]); the verifier
//! drops their findings when [`super::VerifyOptions::strict`] is off.

pub const SIG_CODELIMIT: &str = "sig-codelimit";
pub const SIG_PAGE_HASH_MISMATCH: &str = "sig-page-hash-mismatch";
pub const SIG_LINKEDIT_LAYOUT: &str = "sig-linkedit-layout";
pub const SIG_SPECIAL_SLOT_MISMATCH: &str = "sig-special-slot-mismatch";
/// Warning for a bundle's main executable (codesign does not fail on an unbound Info.plist by
/// itself; the missing seal is `sig-resources-not-sealed`); standalone tools lower it to info.
pub const SIG_INFO_PLIST_NOT_BOUND: &str = "sig-info-plist-not-bound";
pub const SIG_RESOURCES_NOT_SEALED: &str = "sig-resources-not-sealed";
pub const RES_CODERESOURCES_INVALID: &str = "res-coderesources-invalid";
pub const RES_V1_ENVELOPE: &str = "res-v1-envelope";
pub const RES_WEAK_RULES: &str = "res-weak-rules";
pub const RES_FILE_ALTERED: &str = "res-file-altered";
pub const RES_FILE_MISSING: &str = "res-file-missing";
pub const RES_FILE_ADDED: &str = "res-file-added";
pub const RES_TYPE_CHANGED: &str = "res-type-changed";
pub const RES_SYMLINK_ALTERED: &str = "res-symlink-altered";
pub const RES_SYMLINK_ESCAPES: &str = "res-symlink-escapes";
pub const RES_NESTED_CODE_INVALID: &str = "res-nested-code-invalid";
pub const RES_NESTED_CODE_UNSIGNED: &str = "res-nested-code-unsigned";
pub const RES_APPLEDOUBLE_DETRITUS: &str = "res-appledouble-detritus";
pub const RES_MACHO_SEALED_AS_DATA: &str = "res-macho-sealed-as-data";
pub const LAYOUT_APP_ROOT_UNSEALED: &str = "layout-app-root-unsealed";
pub const LAYOUT_FRAMEWORK_ROOT: &str = "layout-framework-root";
pub const LAYOUT_CODESIGNATURE_DIR: &str = "layout-codesignature-dir";
pub const LAYOUT_MAIN_EXEC_MISSING: &str = "layout-main-exec-missing";
pub const LAYOUT_MAIN_EXEC_REGULAR: &str = "layout-main-exec-regular";

/// Every rule the verifier can report.
pub const ALL: &[&str] = &[
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

/// The rules only `codesign --verify --strict` fails on.
pub const STRICT_ONLY: &[&str] = &[
    SIG_LINKEDIT_LAYOUT,
    RES_V1_ENVELOPE,
    RES_WEAK_RULES,
    RES_SYMLINK_ESCAPES,
    RES_APPLEDOUBLE_DETRITUS,
    LAYOUT_APP_ROOT_UNSEALED,
    LAYOUT_FRAMEWORK_ROOT,
    LAYOUT_CODESIGNATURE_DIR,
    LAYOUT_MAIN_EXEC_REGULAR,
];

/// The severity a rule's page gives it by default; the engine applies the policy's.
pub fn page_severity(id: &str) -> crate::finding::Severity {
    crate::catalog::meta(id).map_or(crate::finding::Severity::Error, |meta| meta.severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut ids: Vec<&str> = ALL.to_vec();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        assert!(ids.iter().all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')));
        assert!(ALL.iter().all(|id| crate::catalog::meta(id).is_some()), "every verifier rule has its page");
        assert!(STRICT_ONLY.iter().all(|id| ALL.contains(id)));
    }
}

//! The rules the verifier reports. Their severities are on their pages (`rules/`), as for every
//! other rule; the engine applies them with the policy and the user's settings.
//!
//! Some rules are ones codesign only enforces with `--strict` ([`STRICT_ONLY`]); the verifier
//! drops their findings when [`super::VerifyOptions::strict`] is off.

pub const SIG_CODELIMIT: crate::rule_id::RuleId = crate::rule_id::SIG_CODELIMIT;
pub const SIG_PAGE_HASH_MISMATCH: crate::rule_id::RuleId = crate::rule_id::SIG_PAGE_HASH_MISMATCH;
pub const SIG_LINKEDIT_LAYOUT: crate::rule_id::RuleId = crate::rule_id::SIG_LINKEDIT_LAYOUT;
pub const SIG_SPECIAL_SLOT_MISMATCH: crate::rule_id::RuleId = crate::rule_id::SIG_SPECIAL_SLOT_MISMATCH;
/// Warning for a bundle's main executable (codesign does not fail on an unbound Info.plist by
/// itself; the missing seal is `sig-resources-not-sealed`); standalone tools lower it to info.
pub const SIG_INFO_PLIST_NOT_BOUND: crate::rule_id::RuleId = crate::rule_id::SIG_INFO_PLIST_NOT_BOUND;
pub const SIG_RESOURCES_NOT_SEALED: crate::rule_id::RuleId = crate::rule_id::SIG_RESOURCES_NOT_SEALED;
pub const RES_CODERESOURCES_INVALID: crate::rule_id::RuleId = crate::rule_id::RES_CODERESOURCES_INVALID;
pub const RES_V1_ENVELOPE: crate::rule_id::RuleId = crate::rule_id::RES_V1_ENVELOPE;
pub const RES_WEAK_RULES: crate::rule_id::RuleId = crate::rule_id::RES_WEAK_RULES;
pub const RES_FILE_ALTERED: crate::rule_id::RuleId = crate::rule_id::RES_FILE_ALTERED;
pub const RES_FILE_MISSING: crate::rule_id::RuleId = crate::rule_id::RES_FILE_MISSING;
pub const RES_FILE_ADDED: crate::rule_id::RuleId = crate::rule_id::RES_FILE_ADDED;
pub const RES_TYPE_CHANGED: crate::rule_id::RuleId = crate::rule_id::RES_TYPE_CHANGED;
pub const RES_SYMLINK_ALTERED: crate::rule_id::RuleId = crate::rule_id::RES_SYMLINK_ALTERED;
pub const RES_SYMLINK_ESCAPES: crate::rule_id::RuleId = crate::rule_id::RES_SYMLINK_ESCAPES;
pub const RES_NESTED_CODE_INVALID: crate::rule_id::RuleId = crate::rule_id::RES_NESTED_CODE_INVALID;
pub const RES_NESTED_CODE_UNSIGNED: crate::rule_id::RuleId = crate::rule_id::RES_NESTED_CODE_UNSIGNED;
pub const RES_APPLEDOUBLE_DETRITUS: crate::rule_id::RuleId = crate::rule_id::RES_APPLEDOUBLE_DETRITUS;
pub const RES_DSSTORE_SYMLINK: crate::rule_id::RuleId = crate::rule_id::RES_DSSTORE_SYMLINK;
pub const RES_MACHO_SEALED_AS_DATA: crate::rule_id::RuleId = crate::rule_id::RES_MACHO_SEALED_AS_DATA;
pub const LAYOUT_APP_ROOT_UNSEALED: crate::rule_id::RuleId = crate::rule_id::LAYOUT_APP_ROOT_UNSEALED;
pub const LAYOUT_FRAMEWORK_ROOT: crate::rule_id::RuleId = crate::rule_id::LAYOUT_FRAMEWORK_ROOT;
pub const LAYOUT_CODESIGNATURE_DIR: crate::rule_id::RuleId = crate::rule_id::LAYOUT_CODESIGNATURE_DIR;
pub const LAYOUT_MAIN_EXEC_MISSING: crate::rule_id::RuleId = crate::rule_id::LAYOUT_MAIN_EXEC_MISSING;
pub const LAYOUT_MAIN_EXEC_REGULAR: crate::rule_id::RuleId = crate::rule_id::LAYOUT_MAIN_EXEC_REGULAR;

/// Every rule the verifier can report.
pub const ALL: &[crate::rule_id::RuleId] = &[
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
    RES_DSSTORE_SYMLINK,
    RES_MACHO_SEALED_AS_DATA,
    LAYOUT_APP_ROOT_UNSEALED,
    LAYOUT_FRAMEWORK_ROOT,
    LAYOUT_CODESIGNATURE_DIR,
    LAYOUT_MAIN_EXEC_MISSING,
    LAYOUT_MAIN_EXEC_REGULAR,
];

/// The rules only `codesign --verify --strict` fails on.
pub const STRICT_ONLY: &[crate::rule_id::RuleId] = &[
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
pub fn page_severity(id: crate::rule_id::RuleId) -> crate::finding::Severity {
    crate::catalog::meta(&id).map_or(crate::finding::Severity::Error, |meta| meta.severity)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_kebab_case_and_documented() {
        let mut ids: Vec<&str> = ALL.iter().map(|id| id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), ALL.len());
        assert!(ids.iter().all(|id| id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')));
        assert!(ALL.iter().all(|id| crate::catalog::meta(id).is_some()), "every verifier rule has its page");
        assert!(STRICT_ONLY.iter().all(|id| ALL.contains(id)));
    }
}

//! Rules reported by the readers themselves: input that cannot be opened safely and bytes that do
//! not parse. Each becomes a finding with the byte offset where reading failed; the rest of the
//! input is still checked.

use super::{Check, Rule};

macro_rules! reported {
    ($($name:ident = $id:literal;)*) => {
        $(pub static $name: Rule = Rule { id: $id, check: Check::Reported };)*
        pub static RULES: &[&Rule] = &[$(&$name),*];
    };
}

reported! {
    INPUT_ARCHIVE_UNSAFE = "input-archive-unsafe";
    INPUT_ARCHIVE_MALFORMED = "input-archive-malformed";
    INPUT_UNREADABLE = "input-unreadable";
    INPUT_LIMIT = "input-limit";
    INPUT_CONTAINER_UNREAD = "input-container-unread";
    MALFORMED_MACHO = "malformed-macho";
    MALFORMED_SUPERBLOB = "malformed-superblob";
    MALFORMED_CODE_DIRECTORY = "malformed-code-directory";
    MALFORMED_PLIST = "malformed-plist";
    MALFORMED_ENTITLEMENTS = "malformed-entitlements";
    MALFORMED_CODE_RESOURCES = "malformed-code-resources";
    MALFORMED_REQUIREMENT = "malformed-requirement";
    MALFORMED_DER_ENTITLEMENTS = "malformed-der-entitlements";
    MALFORMED_CONSTRAINTS = "malformed-constraints";
    MALFORMED_CMS = "malformed-cms";
    MALFORMED_CERTIFICATE = "malformed-certificate";
    MALFORMED_PROFILE = "malformed-profile";
}

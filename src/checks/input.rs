//! Rules reported by the readers themselves: input that cannot be opened safely and bytes that do
//! not parse. Each becomes a finding with the byte offset where reading failed; the rest of the
//! input is still checked.

use super::{Check, Rule};

macro_rules! reported {
    ($($name:ident;)*) => {
        $(pub static $name: Rule = Rule { id: crate::rule_id::$name, check: Check::Reported };)*
        pub static RULES: &[&Rule] = &[$(&$name),*];
    };
}

reported! {
    INPUT_ARCHIVE_UNSAFE;
    INPUT_ARCHIVE_MALFORMED;
    INPUT_UNREADABLE;
    INPUT_LIMIT;
    INPUT_CONTAINER_UNREAD;
    PKG_CHECKSUM_MISMATCH;
    PKG_DISTRIBUTION_PKGREF_NOT_EMBEDDED;
    INPUT_DISK_IMAGE_MALFORMED;
    MALFORMED_MACHO;
    MALFORMED_SUPERBLOB;
    MALFORMED_CODE_DIRECTORY;
    MALFORMED_PLIST;
    MALFORMED_ENTITLEMENTS;
    MALFORMED_CODE_RESOURCES;
    MALFORMED_REQUIREMENT;
    MALFORMED_DER_ENTITLEMENTS;
    MALFORMED_CONSTRAINTS;
    MALFORMED_CMS;
    MALFORMED_CERTIFICATE;
    MALFORMED_PROFILE;
}

//! Catalog section A: what the notary service rejects ("The binary is not signed.", …).

mod adhoc_or_linker_signed;
mod code_in_nested_archive;
mod entitlements_not_xml;
mod get_task_allow;
mod get_task_allow_with_dlv;
mod hardened_runtime_missing;
mod no_secure_timestamp;
mod not_developer_id;
mod sdk_too_old;
mod timestamp_not_apple;
mod unsigned_code;
mod weak_digest;

use super::Rule;

pub static RULES: &[&Rule] = &[
    &adhoc_or_linker_signed::RULE,
    &code_in_nested_archive::RULE,
    &entitlements_not_xml::RULE,
    &get_task_allow::RULE,
    &get_task_allow_with_dlv::RULE,
    &hardened_runtime_missing::RULE,
    &no_secure_timestamp::RULE,
    &not_developer_id::RULE,
    &sdk_too_old::RULE,
    &timestamp_not_apple::RULE,
    &unsigned_code::RULE,
    &weak_digest::RULE,
];

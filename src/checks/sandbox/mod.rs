//! Catalog section D: the App Sandbox, app groups and the XPC and Mach service names a product vends.

mod app_group_format;
mod app_group_team_mismatch;
mod ios_style_group_needs_profile;
mod mach_lookup_needs_group_prefix;
mod service_name_length;
mod sysext_mach_service_prefix;
mod xpc_login_item_listener_name;
mod xpc_service_dict;
mod xpc_service_location;
mod xpc_service_name_team_prefix;
mod xpc_service_package_type;
mod xpc_service_sandbox;

use super::Rule;

pub static RULES: &[&Rule] = &[
    &app_group_format::RULE,
    &app_group_team_mismatch::RULE,
    &ios_style_group_needs_profile::RULE,
    &mach_lookup_needs_group_prefix::RULE,
    &service_name_length::RULE,
    &sysext_mach_service_prefix::RULE,
    &xpc_login_item_listener_name::RULE,
    &xpc_service_dict::RULE,
    &xpc_service_location::RULE,
    &xpc_service_name_team_prefix::RULE,
    &xpc_service_package_type::RULE,
    &xpc_service_sandbox::RULE,
];

/// The team-ID-like prefix of an app group (`ABCDE12345.com.example` → `ABCDE12345`): ten
/// upper-case letters or digits, then `.`. Team IDs have that form.
pub(crate) fn team_prefix(group: &str) -> Option<&str> {
    let (head, rest) = group.split_once('.')?;
    let team_like = head.len() == 10 && head.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit());
    (team_like && !rest.is_empty()).then_some(head)
}

#[cfg(test)]
mod tests {
    use super::team_prefix;

    #[test]
    fn team_prefixes_are_ten_upper_case_characters() {
        assert_eq!(team_prefix("S1J6DZ9E7U.group.com.myapp.agent"), Some("S1J6DZ9E7U"));
        assert_eq!(team_prefix("group.com.example"), None);
        assert_eq!(team_prefix("s1j6dz9e7u.com.example"), None);
        assert_eq!(team_prefix("S1J6DZ9E7U."), None);
    }
}

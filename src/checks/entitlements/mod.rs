//! Catalog section C: entitlements and what authorises them (the provisioning profile, the platform).

use super::Rule;

pub static RULES: &[&Rule] = &[];

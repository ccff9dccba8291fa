//! Catalog section D: the App Sandbox, app groups and the XPC and Mach service names a product vends.

use super::Rule;

pub static RULES: &[&Rule] = &[];

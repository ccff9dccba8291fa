//! Mach-O facts against the bundle around them (catalog G).

mod arch_coverage;
mod arm64_unsigned;
mod min_os_vs_plist;
mod platform_mismatch;

use super::Rule;

pub static RULES: &[&Rule] =
    &[&arch_coverage::RULE, &arm64_unsigned::RULE, &min_os_vs_plist::RULE, &platform_mismatch::RULE];

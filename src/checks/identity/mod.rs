//! Signing identity: identifiers and team IDs (catalog B1, identity part).

mod bundle_team_mismatch;
mod deep_signing_smell;
mod identifier_bundle_mismatch;
mod identifier_malformed;
mod identifier_unconventional;
mod teamid_missing;
mod universal_divergent;
mod universal_team_mismatch;

use super::Rule;

pub static RULES: &[&Rule] = &[
    &bundle_team_mismatch::RULE,
    &deep_signing_smell::RULE,
    &identifier_bundle_mismatch::RULE,
    &identifier_malformed::RULE,
    &identifier_unconventional::RULE,
    &teamid_missing::RULE,
    &universal_divergent::RULE,
    &universal_team_mismatch::RULE,
];

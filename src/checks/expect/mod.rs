//! Pinned expectations from `bundlelint.toml` `[expect]`: a release signed by the wrong team,
//! with the wrong identifier or the wrong kind of certificate fails.

mod certificate_kind;
mod identifier;
mod team_id;

use super::Rule;

pub static RULES: &[&Rule] = &[&certificate_kind::RULE, &identifier::RULE, &team_id::RULE];

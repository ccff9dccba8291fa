//! Baselines: accept the findings a product has today and fail only on new ones.
//!
//! A baseline is a JSON file listing findings by rule, path, architecture and message — not by
//! byte offset, which moves between builds.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::finding::Finding;

pub const SCHEMA: &str = "bundlelint.baseline/1";

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Entry {
    pub rule: String,
    pub path: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    pub message: String,
}

impl Entry {
    pub fn of(f: &Finding) -> Entry {
        Entry { rule: f.rule.to_string(), path: f.path.clone(), arch: f.arch.clone(), message: f.message.clone() }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Baseline {
    pub schema: String,
    pub findings: BTreeSet<Entry>,
}

impl Baseline {
    pub fn from_findings<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Baseline {
        Baseline { schema: SCHEMA.to_owned(), findings: findings.into_iter().map(Entry::of).collect() }
    }

    pub fn load(path: &Path) -> Result<Baseline, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let b: Baseline =
            serde_json::from_str(&text).map_err(|e| format!("{}:{}:{}: {e}", path.display(), e.line(), e.column()))?;
        if b.schema != SCHEMA {
            return Err(format!("{}: schema is {:?}, expected {SCHEMA:?}", path.display(), b.schema));
        }
        Ok(b)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).map(|s| s + "\n").unwrap_or_default()
    }

    /// Whether `f` was already accepted.
    pub fn contains(&self, f: &Finding) -> bool {
        self.findings.contains(&Entry::of(f))
    }
}

//! What every check receives: the scan, the item being verified, the options, and a sink that
//! collects findings (dropping strict-only ones when strict checking is off).

use std::collections::HashMap;

use super::rules;
use super::signed::SignedUnit;
use super::VerifyOptions;
use crate::discover::{Bundle, CodeItem};
use crate::finding::Finding;
use crate::input::Tree;
use crate::model::{ItemFacts, Scan};

/// Code items by the paths that name them: the item path, and for a versioned framework also
/// the framework directory (`K.framework`), which is what a container's seal records.
#[derive(Debug, Default)]
pub(super) struct ItemIndex {
    by_path: HashMap<String, usize>,
}

impl ItemIndex {
    pub fn new(scan: &Scan) -> ItemIndex {
        let mut by_path = HashMap::new();
        for (index, item) in scan.discovery.items.iter().enumerate() {
            by_path.insert(item.path.clone(), index);
            if let Some(executable) = &item.executable {
                by_path.entry(executable.clone()).or_insert(index);
            }
        }
        ItemIndex { by_path }
    }

    /// The item at tree path `path` (symlinks resolved; a versioned framework directory maps to
    /// the version `Versions/Current` points at).
    pub fn find(&self, tree: &Tree, path: &str) -> Option<usize> {
        let resolved = tree.resolve(path)?;
        if let Some(&i) = self.by_path.get(&resolved) {
            return Some(i);
        }
        let current = tree.resolve(&crate::input::join(&resolved, "Versions/Current"))?;
        self.by_path.get(&current).copied()
    }
}

/// One code item being verified.
pub(super) struct ItemContext<'a> {
    pub scan: &'a Scan,
    pub index: usize,
    pub item: &'a CodeItem,
    pub facts: &'a ItemFacts,
    pub options: &'a VerifyOptions<'a>,
    pub items: &'a ItemIndex,
}

impl<'a> ItemContext<'a> {
    pub fn tree(&self) -> &'a Tree {
        &self.scan.tree
    }

    pub fn bundle(&self) -> Option<&'a Bundle> {
        self.item.bundle.as_ref()
    }

    /// A finding about `path`, attributed to this item.
    pub fn finding(&self, rule: crate::rule_id::RuleId, path: &str, message: impl Into<String>) -> Finding {
        Finding::new(rule, rules::page_severity(rule), path, message).item(self.item.path.as_str())
    }

    /// The bundle directory (or the item's path), naming the container in messages.
    pub fn container_root(&self) -> &'a str {
        self.bundle().map_or(self.item.path.as_str(), |b| b.root.as_str())
    }

    /// The item at `index` with its facts.
    pub fn other(&self, index: usize) -> Option<(&'a CodeItem, &'a ItemFacts)> {
        Some((self.scan.discovery.items.get(index)?, self.scan.items.get(index)?))
    }
}

/// Collects findings; strict-only rules are dropped unless strict checking is on.
#[derive(Debug)]
pub(super) struct Collector {
    strict: bool,
    pub findings: Vec<Finding>,
}

impl Collector {
    pub fn new(strict: bool) -> Collector {
        Collector { strict, findings: Vec::new() }
    }

    pub fn add(&mut self, finding: Finding) {
        if self.strict || !rules::STRICT_ONLY.contains(&finding.rule) {
            self.findings.push(finding);
        }
    }
}

/// Attributing a finding to the slice a signature belongs to.
pub(super) trait OfUnit {
    /// Sets the finding's architecture to the unit's slice (none for a detached signature).
    fn of_unit(self, unit: &SignedUnit<'_>) -> Self;
}

impl OfUnit for Finding {
    fn of_unit(mut self, unit: &SignedUnit<'_>) -> Finding {
        self.arch = unit.arch.map(str::to_owned);
        self
    }
}

/// The first bytes of a digest in hex, enough to tell two apart in a message.
pub(super) fn hex_prefix(digest: &[u8]) -> String {
    const SHOWN: usize = 8;
    let shown = hex::encode(digest.get(..SHOWN).unwrap_or(digest));
    if digest.len() > SHOWN {
        format!("{shown}…")
    } else {
        shown
    }
}

//! The verifier: what `codesign --verify --deep --strict` checks, from the bytes.
//!
//! For every code item of a [`Scan`], and every signed slice of it (or the detached signature of a
//! bundle without an executable):
//!
//! * `code`: the CodeDirectories describe the code (`sig-codelimit`), every code page matches
//!   its hash in every CodeDirectory (`sig-page-hash-mismatch`), and the signature is the last
//!   data of the last segment (`sig-linkedit-layout`);
//! * `special_slots`: every bound component (Info.plist, requirements, CodeResources,
//!   entitlements, constraints) matches its slot (`sig-special-slot-mismatch`,
//!   `sig-info-plist-not-bound`, `sig-resources-not-sealed`);
//!
//! and for every signed bundle:
//!
//! * `resources`: the sealed resources match the tree, nested code included (`res-*`);
//! * `layout`: the structure `--strict` requires (`layout-*`).
//!
//! The CMS signature (certificates, chains, timestamps) is checked elsewhere; per-slice checks
//! are listed in `verify_unit`, where such a check joins the others.
//!
//! Verification reads bytes only through the scan's tree, runs items, slices and page ranges in
//! parallel, and never copies code: pages are hashed where they are mapped.

mod appledouble;
mod code;
mod context;
mod dsstore;
mod envelope;
mod layout;
mod nested;
mod pages;
mod resources;
pub mod rules;
pub(crate) mod scope;
mod seal_rules;
mod sealed_files;
mod signed;
mod special_slots;
mod symlinks;

use rayon::prelude::*;

use crate::finding::Finding;
use crate::model::Scan;
use context::{Collector, ItemContext, ItemIndex};
use signed::SignedUnit;

/// What to check.
#[derive(Clone, Copy)]
pub struct VerifyOptions<'a> {
    /// Also the checks only `codesign --strict` makes (root layout, `_CodeSignature` contents,
    /// symlink destinations, resource envelope strength, AppleDouble detritus, Mach-O layout).
    pub strict: bool,
    /// Hash every code page (the expensive part). Off, only the signature's structure is checked.
    pub code_pages: bool,
    /// Check sealed resources and nested code.
    pub resources: bool,
    /// Decides whether nested code satisfies the requirement its container recorded. Without one,
    /// nested code is checked against the recorded cdhash only.
    pub requirement_evaluator: Option<&'a RequirementEvaluator<'a>>,
}

impl Default for VerifyOptions<'_> {
    fn default() -> Self {
        VerifyOptions { strict: true, code_pages: true, resources: true, requirement_evaluator: None }
    }
}

impl std::fmt::Debug for VerifyOptions<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VerifyOptions")
            .field("strict", &self.strict)
            .field("code_pages", &self.code_pages)
            .field("resources", &self.resources)
            .field("requirement_evaluator", &self.requirement_evaluator.is_some())
            .finish()
    }
}

/// A requirement a container recorded for one of its nested code items, to be evaluated.
#[derive(Debug, Clone, Copy)]
pub struct NestedRequirement<'a> {
    pub scan: &'a Scan,
    /// Index (in [`crate::discover::Discovery::items`]) of the container whose seal records it.
    pub container: usize,
    /// Index of the nested code item.
    pub nested: usize,
    /// Tree path of the nested code as the seal names it.
    pub path: &'a str,
    /// The requirement as written in `CodeResources`.
    pub requirement: &'a str,
}

/// Evaluates a [`NestedRequirement`]; `Err` explains why the nested code does not satisfy it.
pub type RequirementEvaluator<'a> = dyn Fn(&NestedRequirement<'_>) -> Result<(), String> + Sync + 'a;

/// Verifies every code item of `scan`; findings come sorted by [`Finding::sort_key`].
pub fn verify(scan: &Scan, options: &VerifyOptions<'_>) -> Vec<Finding> {
    let items = ItemIndex::new(scan);
    let mut findings: Vec<Finding> = (0..scan.discovery.items.len())
        .into_par_iter()
        .flat_map_iter(|index| verify_item(scan, index, options, &items))
        .collect();
    if options.resources {
        let mut sink = Collector::new(options.strict);
        appledouble::archive_sidecars(scan, &mut sink);
        findings.extend(sink.findings);
    }
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    findings
}

/// Every rule id the verifier may report.
pub fn rule_ids() -> Vec<&'static str> {
    rules::ALL.iter().map(|id| id.as_str()).collect()
}

fn verify_item(scan: &Scan, index: usize, options: &VerifyOptions<'_>, items: &ItemIndex) -> Vec<Finding> {
    let (Some(item), Some(facts)) = (scan.discovery.items.get(index), scan.items.get(index)) else {
        return Vec::new();
    };
    let ctx = ItemContext { scan, index, item, facts, options, items };
    let units = signed::units(&scan.tree, item, facts);
    let per_unit: Vec<Vec<Finding>> = units
        .par_iter()
        .map(|unit| {
            let mut sink = Collector::new(options.strict);
            verify_unit(&ctx, unit, &mut sink);
            sink.findings
        })
        .collect();
    let mut sink = Collector::new(options.strict);
    sink.findings.extend(per_unit.into_iter().flatten());
    if item.bundle.is_some() {
        layout::check(&ctx, &units, &mut sink);
        if options.resources && !units.is_empty() {
            resources::check(&ctx, &mut sink);
        }
    }
    sink.findings
}

/// The checks of one signature.
fn verify_unit(ctx: &ItemContext<'_>, unit: &SignedUnit<'_>, sink: &mut Collector) {
    code::check(ctx, unit, sink);
    special_slots::check(ctx, unit, sink);
}

//! Running the rules over a scan: which rules apply, in parallel per item, with severities from
//! their pages and the user's settings, sorted deterministically.

mod problems;
mod sources;

use rayon::prelude::*;

use crate::catalog::{self, Policy};
use crate::checks::{self, Check, Context, Sink};
use crate::finding::Finding;
use crate::model::Scan;
use crate::rule_id::{self, RuleId};

use crate::settings::{PolicySource, Settings};

/// The result of `check`.
#[derive(Debug)]
pub struct Outcome {
    pub policy: Policy,
    pub policy_source: PolicySource,
    /// What the policy was detected from, when it was detected.
    pub policy_basis: Option<String>,
    pub findings: Vec<Finding>,
    /// Parts of the input that were not read. Kept whatever the rule selection: a run that did
    /// not read everything is never clean.
    pub unread: Vec<Unread>,
    /// Roots that stood in for Apple's (`--apple-root`): every report says so.
    pub apple_root_substitutes: Vec<SubstituteRoot>,
}

/// A root that stood in for Apple's.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SubstituteRoot {
    pub name: String,
    pub sha256: String,
}

impl SubstituteRoot {
    /// The roots standing in for Apple's among `anchors`, for reports.
    pub fn all_of(anchors: &crate::trust::Anchors) -> Vec<SubstituteRoot> {
        let name = |root: &crate::codesign::certificate::CertificateInfo| {
            root.common_name.clone().unwrap_or_else(|| root.subject.clone())
        };
        anchors
            .apple_substitutes
            .iter()
            .map(|root| SubstituteRoot { name: name(root), sha256: root.sha256_fingerprint.clone() })
            .collect()
    }
}

/// A part of the input that was not read, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Unread {
    pub path: String,
    pub rule: crate::rule_id::RuleId,
    pub message: String,
}

/// Problems that leave part of the input unread (the others are about bytes that were read).
pub const UNREAD_PROBLEMS: &[RuleId] = &[
    rule_id::INPUT_UNREADABLE,
    rule_id::INPUT_LIMIT,
    rule_id::INPUT_ARCHIVE_UNSAFE,
    rule_id::INPUT_ARCHIVE_MALFORMED,
    rule_id::INPUT_CONTAINER_UNREAD,
    rule_id::PKG_CHECKSUM_MISMATCH,
    rule_id::INPUT_DISK_IMAGE_MALFORMED,
];

/// Runs every selected rule over `scan`.
pub fn check(scan: &Scan, settings: &Settings) -> Outcome {
    let crate::settings::PolicyChoice { policy, source: policy_source, basis: policy_basis } =
        settings.policy_for(scan);
    let trust = assess_signatures(scan);
    let services = std::sync::OnceLock::new();
    let containers = std::sync::OnceLock::new();
    let cx = Context { scan, policy, settings, trust: &trust, services: &services, containers: &containers };
    let rules: Vec<&checks::Rule> = checks::all().into_iter().filter(|r| settings.enabled(&r.id, policy)).collect();
    let problems = problems::findings(scan);
    let from_rules = run_rules(&cx, &rules);
    // A rule that could not verify what it was given (a signature with an unknown key type)
    // reports it as not read, like the readers do.
    let mut unread: Vec<Unread> = problems
        .iter()
        .chain(&from_rules)
        .filter(|f| UNREAD_PROBLEMS.contains(&f.rule))
        .map(|f| Unread { path: scan.tree.notary_path(&f.path), rule: f.rule, message: f.message.clone() })
        .collect();
    unread.sort_by(|a, b| (&a.path, a.rule, &a.message).cmp(&(&b.path, b.rule, &b.message)));
    unread.dedup();
    let mut findings: Vec<Finding> =
        problems.into_iter().filter(|f| settings.enabled(f.rule.as_str(), policy)).collect();
    findings.extend(from_rules);
    if crate::verify::rules::ALL.iter().any(|id| settings.enabled(id, policy)) {
        let evaluate = |request: &crate::verify::NestedRequirement<'_>| {
            crate::analysis::requirements::nested_satisfies(scan, request, &settings.anchors)
        };
        let options = crate::verify::VerifyOptions { requirement_evaluator: Some(&evaluate), ..Default::default() };
        let verified = crate::verify::verify(scan, &options);
        findings.extend(verified.into_iter().filter(|f| settings.enabled(f.rule.as_str(), policy)));
    }
    // Paths as the notary service's log names them, so per-path settings match what users see.
    for f in &mut findings {
        f.path = scan.tree.notary_path(&f.path);
    }
    // Every finding takes its severity from its rule's page and the policy, then the user's settings.
    let mut findings: Vec<Finding> = findings.into_iter().filter_map(|f| settings.finalise(f, policy)).collect();
    findings.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
    findings.dedup();
    sources::locate(scan, &settings.sources, &mut findings);
    let apple_root_substitutes = SubstituteRoot::all_of(&settings.anchors);
    Outcome { policy, policy_source, policy_basis, findings, unread, apple_root_substitutes }
}

/// A lazily computed verdict per signed slice, keyed by (item index, slice index): only rules
/// that ask pay for certificate and signature checks.
fn assess_signatures(
    scan: &Scan,
) -> std::collections::HashMap<(usize, usize), std::sync::OnceLock<Option<crate::trust::Assessment>>> {
    scan.code_items()
        .enumerate()
        .flat_map(|(i, (_, facts))| match &facts.code {
            crate::model::Code::MachO { slices, .. } => slices
                .iter()
                .enumerate()
                .filter(|(_, sf)| sf.signature.is_some())
                .map(|(s, _)| ((i, s), std::sync::OnceLock::new()))
                .collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .collect()
}

fn run_rules(cx: &Context<'_>, rules: &[&checks::Rule]) -> Vec<Finding> {
    let mut sink = Sink::default();
    for rule in rules {
        if let Check::Scan(f) = rule.check {
            f(cx, &mut sink);
        }
    }
    let items: Vec<_> = cx.items().collect();
    let per_item: Vec<Vec<Finding>> = items
        .par_iter()
        .map(|item| {
            let mut sink = Sink::default();
            let slices = item.slices();
            for rule in rules {
                match rule.check {
                    Check::Item(f) => f(cx, item, &mut sink),
                    Check::Slice(f) => slices.iter().for_each(|s| f(cx, s, &mut sink)),
                    Check::Scan(_) | Check::Reported => {}
                }
            }
            sink.findings
        })
        .collect();
    sink.findings.extend(per_item.into_iter().flatten());
    sink.findings
}

/// Ids of every rule the engine can report, for the meta-tests and `bundlelint rules`.
pub fn rule_ids() -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = checks::all().iter().map(|r| r.id.as_str()).collect();
    ids.sort_unstable();
    ids
}

/// The page of a rule, which must exist for every id (a meta-test checks it).
pub fn page(id: &str) -> Option<&'static catalog::RuleMeta> {
    catalog::meta(id)
}

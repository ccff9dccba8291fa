//! Rules: one file per rule under `src/checks/<family>/`, each a pure function of the model.
//!
//! A rule declares its id (the page `rules/<family>/<id>.md` holds everything else: severity,
//! scope, policies, docs) and one check function at the granularity it needs. Rules never open
//! files and never re-parse; they read [`Scan`] through the views below and report through
//! [`Sink`].

pub mod constraints;
pub mod container;
pub mod entitlements;
pub mod expect;
pub mod identity;
pub mod input;
pub mod launchd;
pub mod layout;
pub mod library;
pub mod macho;
pub mod mas;
pub mod notary;
pub mod profile;
pub mod sandbox;
pub mod signature;
pub mod verified;

use crate::catalog::Policy;
use crate::finding::{Finding, Severity};
use crate::model::Scan;
// Rules read the model through these views.
pub use crate::discover::{SourceFile, SourceKind};
pub use crate::model::{ItemView, SliceView};

/// A rule and its check.
pub struct Rule {
    pub id: crate::rule_id::RuleId,
    pub check: Check,
}

/// The granularity a rule works at.
pub enum Check {
    /// Once per input, across items.
    Scan(fn(&Context<'_>, &mut Sink)),
    /// Once per code item.
    Item(fn(&Context<'_>, &ItemView<'_>, &mut Sink)),
    /// Once per Mach-O slice.
    Slice(fn(&Context<'_>, &SliceView<'_>, &mut Sink)),
    /// Reported by the reader itself (malformed input) or the verifier; no check function.
    Reported,
}

/// Everything a rule may read.
pub struct Context<'a> {
    pub scan: &'a Scan,
    pub policy: Policy,
    pub settings: &'a crate::settings::Settings,
    /// Verdicts on certificate-signed slices, by (item index, slice index), computed on first use.
    pub trust: &'a std::collections::HashMap<(usize, usize), std::sync::OnceLock<Option<crate::trust::Assessment>>>,
    /// The Mach service names the product vends and references, read on first use: it scans
    /// every executable's C strings, so the sandbox rules share one copy.
    pub services: &'a std::sync::OnceLock<crate::analysis::services::Services>,
    /// Verdicts on the signatures of the packages and disk images (`Tree::signatures`, same
    /// order; `None` for an unsigned one), computed once for every rule that judges them.
    pub containers: &'a std::sync::OnceLock<Vec<Option<crate::trust::ContainerAssessment>>>,
}

impl<'a> Context<'a> {
    /// The verdict on each container signature of the input, by its index in `Tree::signatures`.
    pub fn container_verdicts(&self) -> &'a [Option<crate::trust::ContainerAssessment>] {
        self.containers.get_or_init(|| {
            let anchors = &self.settings.anchors;
            let signatures = &self.scan.tree.signatures;
            signatures
                .iter()
                .map(|c| c.signature.as_ref().map(|s| crate::trust::assess_container(s, anchors)))
                .collect()
        })
    }

    /// The CMS verdict of a slice, when it is certificate-signed.
    pub fn trust_of(&self, slice: &SliceView<'_>) -> Option<&'a crate::trust::Assessment> {
        let cell = self.trust.get(&(slice.item.index, slice.index))?;
        cell.get_or_init(|| {
            let sig = slice.signature()?;
            let bytes = self.scan.tree.file(slice.item.code_path())?.bytes().ok()?;
            crate::trust::assess(sig, bytes, &self.settings.anchors)
        })
        .as_ref()
    }

    /// The product's services ([`crate::analysis::services::Services`]), collected once per check.
    pub fn services(&self) -> &'a crate::analysis::services::Services {
        self.services.get_or_init(|| crate::analysis::services::Services::collect(self.scan))
    }

    /// Every code item as a view ([`Scan::item_views`]).
    pub fn items(&self) -> impl Iterator<Item = ItemView<'a>> + 'a {
        self.scan.item_views()
    }

    /// Source files of `kind` whose contents are a dictionary, with their document; a file that
    /// does not parse is `malformed-plist`.
    pub fn sources(&self, kind: SourceKind) -> impl Iterator<Item = Source<'a>> + 'a {
        self.scan.discovery.sources.iter().filter(move |s| s.kind == kind).filter_map(|file| {
            let document = file.document.as_ref().ok()?;
            Some(Source { file, document, dict: document.dict()? })
        })
    }
}

/// A source file a rule judges on its own ([`Context::sources`]).
pub struct Source<'a> {
    pub file: &'a SourceFile,
    pub document: &'a crate::plist::Document,
    pub dict: &'a plist::Dictionary,
}

impl Source<'_> {
    /// A finding at `key` of the file (its line and column when the file is XML).
    pub fn finding(&self, rule: crate::rule_id::RuleId, key: &str, message: impl Into<String>) -> Finding {
        Finding::new(rule, Severity::Error, &self.file.path, message).span(self.document.key_span(key))
    }
}

/// Collects findings; severities are filled in from the rule's page by the engine.
#[derive(Default)]
pub struct Sink {
    pub findings: Vec<Finding>,
}

impl Sink {
    /// A finding skeleton for `rule` at `path`.
    pub fn finding(&self, rule: crate::rule_id::RuleId, path: &str, message: impl Into<String>) -> Finding {
        Finding::new(rule, Severity::Error, path, message)
    }

    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// A finding about a whole code item.
    pub fn item(
        &mut self,
        view: &ItemView<'_>,
        rule: crate::rule_id::RuleId,
        message: impl Into<String>,
    ) -> &mut Finding {
        let f = self.finding(rule, view.code_path(), message).item(view.item.path.clone());
        self.findings.push(f);
        self.findings.last_mut().expect("just pushed")
    }
}

/// Every rule, in id order within families.
pub fn all() -> Vec<&'static Rule> {
    let mut rules: Vec<&'static Rule> = Vec::new();
    rules.extend_from_slice(input::RULES);
    rules.extend_from_slice(container::RULES);
    rules.extend_from_slice(notary::RULES);
    rules.extend_from_slice(identity::RULES);
    rules.extend_from_slice(expect::RULES);
    rules.extend_from_slice(layout::RULES);
    rules.extend_from_slice(library::RULES);
    rules.extend_from_slice(macho::RULES);
    rules.extend_from_slice(signature::RULES);
    rules.extend_from_slice(entitlements::RULES);
    rules.extend_from_slice(profile::RULES);
    rules.extend_from_slice(mas::RULES);
    rules.extend_from_slice(sandbox::RULES);
    rules.extend_from_slice(launchd::RULES);
    rules.extend_from_slice(constraints::RULES);
    rules.extend(verified::rules());
    rules
}

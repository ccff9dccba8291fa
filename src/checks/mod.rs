//! Rules: one file per rule under `src/checks/<family>/`, each a pure function of the model.
//!
//! A rule declares its id (the page `rules/<family>/<id>.md` holds everything else: severity,
//! scope, policies, docs) and one check function at the granularity it needs. Rules never open
//! files and never re-parse; they read [`Scan`] through the views below and report through
//! [`Sink`].

pub mod constraints;
pub mod entitlements;
pub mod expect;
pub mod identity;
pub mod input;
pub mod launchd;
pub mod layout;
pub mod library;
pub mod macho;
pub mod notary;
pub mod profile;
pub mod sandbox;
pub mod signature;
pub mod verified;

use crate::catalog::Policy;
use crate::codesign::signature::Signature;
use crate::discover::{CodeItem, Role};
use crate::finding::{Finding, Severity};
use crate::macho::Slice;
use crate::model::{Code, ItemFacts, Scan, SliceFacts};

/// A rule and its check.
pub struct Rule {
    pub id: &'static str,
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
    pub settings: &'a crate::engine::Settings,
    /// Verdicts on certificate-signed slices, by (item index, slice index), computed on first use.
    pub trust: &'a std::collections::HashMap<(usize, usize), std::sync::OnceLock<Option<crate::trust::Assessment>>>,
    /// The Mach service names the product vends and references, read on first use: it scans
    /// every executable's C strings, so the sandbox rules share one copy.
    pub services: &'a std::sync::OnceLock<crate::services::Services>,
}

impl<'a> Context<'a> {
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

    /// The product's services ([`crate::services::Services`]), collected once per check.
    pub fn services(&self) -> &'a crate::services::Services {
        self.services.get_or_init(|| crate::services::Services::collect(self.scan))
    }

    pub fn items(&self) -> impl Iterator<Item = ItemView<'a>> + 'a {
        Context::items_of(self.scan)
    }

    /// Every code item of `scan` as a view. Mach-O files nothing loads (object files, dSYMs,
    /// archives: [`Role::NeverLoaded`]) are data, not code: no rule judges them as code. Views
    /// keep their index in the discovery.
    pub fn items_of(scan: &'a Scan) -> impl Iterator<Item = ItemView<'a>> + 'a {
        scan.code_items()
            .enumerate()
            .filter(|(_, (item, _))| item.role != Role::NeverLoaded)
            .map(move |(index, (item, facts))| ItemView { scan, index, item, facts })
    }
}

/// One code item and its facts.
#[derive(Clone, Copy)]
pub struct ItemView<'a> {
    pub scan: &'a Scan,
    pub index: usize,
    pub item: &'a CodeItem,
    pub facts: &'a ItemFacts,
}

impl<'a> ItemView<'a> {
    /// The Mach-O slices, if the item's code is Mach-O.
    pub fn slices(&self) -> Vec<SliceView<'a>> {
        match &self.facts.code {
            Code::MachO { file, slices } => file
                .slices
                .iter()
                .zip(slices)
                .enumerate()
                .map(|(index, (slice, facts))| SliceView {
                    item: *self,
                    index,
                    slice,
                    facts,
                    universal: file.universal,
                })
                .collect(),
            _ => Vec::new(),
        }
    }

    /// The file findings about the code point at: the executable, else the bundle.
    pub fn code_path(&self) -> &'a str {
        self.item.executable.as_deref().unwrap_or(&self.item.path)
    }

    /// The enclosing code item.
    pub fn parent(&self) -> Option<ItemView<'a>> {
        let index = self.item.parent?;
        let scan = self.scan;
        Some(ItemView { scan, index, item: scan.discovery.items.get(index)?, facts: scan.items.get(index)? })
    }

    /// The bundle's Info.plist, parsed.
    pub fn info(&self) -> Option<&'a crate::plist::Document> {
        self.item.info.as_ref()?.as_ref().ok()
    }

    /// Whether the item is a bundle whose main executable carries only a bare-file signature
    /// (see [`crate::codesign::code_directory::CodeDirectory::is_bare_file_signature`]): the
    /// verifier's `sig-resources-not-sealed` reports that once, naming what follows from it.
    pub fn bundle_signed_as_bare_file(&self) -> bool {
        self.item.bundle.is_some()
            && self.item.executable.is_some()
            && self
                .slices()
                .iter()
                .any(|s| s.signature().and_then(|sig| sig.primary()).is_some_and(|cd| cd.is_bare_file_signature()))
    }

    /// The main (first) slice's primary CodeDirectory identifier, when signed.
    pub fn signing_identifier(&self) -> Option<&'a str> {
        self.slices().into_iter().find_map(|s| s.signature()?.primary().map(|cd| cd.identifier.as_str()))
    }
}

/// One slice of a code item.
#[derive(Clone, Copy)]
pub struct SliceView<'a> {
    pub item: ItemView<'a>,
    /// Position among the item's slices.
    pub index: usize,
    pub slice: &'a Slice,
    pub facts: &'a SliceFacts,
    pub universal: bool,
}

impl<'a> SliceView<'a> {
    pub fn signature(&self) -> Option<&'a Signature> {
        self.facts.signature.as_ref()
    }

    /// A finding about this slice, located at its executable and architecture.
    pub fn finding(&self, sink: &Sink, rule: &'static str, message: impl Into<String>) -> Finding {
        sink.finding(rule, self.item.code_path(), message)
            .item(self.item.item.path.clone())
            .arch(self.slice.arch.clone())
    }
}

/// Collects findings; severities are filled in from the rule's page by the engine.
#[derive(Default)]
pub struct Sink {
    pub findings: Vec<Finding>,
}

impl Sink {
    /// A finding skeleton for `rule` at `path`.
    pub fn finding(&self, rule: &'static str, path: &str, message: impl Into<String>) -> Finding {
        Finding::new(rule, Severity::Error, path, message)
    }

    pub fn push(&mut self, finding: Finding) {
        self.findings.push(finding);
    }

    /// A finding about a whole code item.
    pub fn item(&mut self, view: &ItemView<'_>, rule: &'static str, message: impl Into<String>) -> &mut Finding {
        let f = self.finding(rule, view.code_path(), message).item(view.item.path.clone());
        self.findings.push(f);
        self.findings.last_mut().expect("just pushed")
    }
}

/// Every rule, in id order within families.
pub fn all() -> Vec<&'static Rule> {
    let mut rules: Vec<&'static Rule> = Vec::new();
    rules.extend_from_slice(input::RULES);
    rules.extend_from_slice(notary::RULES);
    rules.extend_from_slice(identity::RULES);
    rules.extend_from_slice(expect::RULES);
    rules.extend_from_slice(layout::RULES);
    rules.extend_from_slice(library::RULES);
    rules.extend_from_slice(macho::RULES);
    rules.extend_from_slice(signature::RULES);
    rules.extend_from_slice(entitlements::RULES);
    rules.extend_from_slice(profile::RULES);
    rules.extend_from_slice(sandbox::RULES);
    rules.extend_from_slice(launchd::RULES);
    rules.extend_from_slice(constraints::RULES);
    rules.extend(verified::rules());
    rules
}

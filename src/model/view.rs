//! Views for reading the model: a code item or a Mach-O slice with its facts and the scan they
//! belong to, so that analyses and rules can walk from a slice to its item, its parent and the
//! rest of the product.

use crate::codesign::signature::Signature;
use crate::discover::{CodeItem, Role};
use crate::finding::{Finding, Severity};
use crate::macho::Slice;

use super::{Code, ItemFacts, Scan, SliceFacts};

impl Scan {
    /// Every code item as a view. Mach-O files nothing loads (object files, dSYMs, archives:
    /// [`Role::NeverLoaded`]) are data, not code: nothing judges them as code. Views keep their
    /// index in the discovery.
    pub fn item_views(&self) -> impl Iterator<Item = ItemView<'_>> + '_ {
        self.code_items()
            .enumerate()
            .filter(|(_, (item, _))| item.role != Role::NeverLoaded)
            .map(move |(index, (item, facts))| ItemView { scan: self, index, item, facts })
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
    pub fn finding(&self, rule: crate::rule_id::RuleId, message: impl Into<String>) -> Finding {
        Finding::new(rule, Severity::Error, self.item.code_path(), message)
            .item(self.item.item.path.clone())
            .arch(self.slice.arch.clone())
    }
}

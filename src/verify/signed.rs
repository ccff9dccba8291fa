//! What a code item's signature covers, one unit per signed slice.
//!
//! A unit pairs the CodeDirectories of one signature with the bytes they hash and with the
//! components their special slots bind. Mach-O slices carry their signature in the SuperBlob; a
//! bundle without an executable is signed "detached" into files of `_CodeSignature/`
//! (`CodeDirectory`, alternates in `CodeRequirements-1`…`-5`, components under their canonical
//! names), with its Info.plist standing in as the code that the page hashes cover.

use std::borrow::Cow;

use crate::codesign::code_directory::CodeDirectory;
use crate::codesign::signature::Signature;
use crate::codesign::superblob::Slot;
use crate::discover::{Bundle, CodeItem};
use crate::input::{join, Tree};
use crate::macho::{Range, Slice};
use crate::model::{Code, ItemFacts};

/// Files of `_CodeSignature/` naming the alternate CodeDirectories of a detached signature, in
/// slot order (`cdAlternateCodeDirectorySlots` + n). The names are codesign's.
pub(super) const DETACHED_ALTERNATES: [&str; 5] =
    ["CodeRequirements-1", "CodeRequirements-2", "CodeRequirements-3", "CodeRequirements-4", "CodeRequirements-5"];
pub(super) const DETACHED_CODE_DIRECTORY: &str = "CodeDirectory";
pub(super) const DETACHED_SIGNATURE: &str = "CodeSignature";
pub(super) const CODE_RESOURCES: &str = "CodeResources";

/// The file a detached signature stores the component of special slot `slot` in.
pub(super) fn detached_component_name(slot: u32) -> Option<&'static str> {
    Some(match slot {
        2 => "CodeRequirements",
        3 => CODE_RESOURCES,
        4 => "CodeTopDirectory",
        5 => "CodeEntitlements",
        6 => "CodeRepSpecific",
        7 => "CodeEntitlementDER",
        8 => "LaunchConstraintSelf",
        9 => "LaunchConstraintParent",
        10 => "LaunchConstraintResponsible",
        11 => "LibraryConstraint",
        _ => return None,
    })
}

/// One CodeDirectory with the bytes it was parsed from.
#[derive(Debug)]
pub(super) struct CdView<'a> {
    pub cd: Cow<'a, CodeDirectory>,
    pub blob: &'a [u8],
    /// `CodeDirectory`, `AlternateCodeDirectory0`, … as the slot is named.
    pub slot_name: String,
    /// Tree path of the file holding the blob, and the blob's range in it.
    pub path: String,
    pub range: Range,
}

impl CdView<'_> {
    /// Whether the digest fields make sense: a known hash type whose digest size is `hashSize`.
    /// Slots of any other CodeDirectory cannot even be located reliably.
    pub fn digest_usable(&self) -> bool {
        self.cd.hash_type.is_some_and(|t| t.size() == usize::from(self.cd.hash_size))
    }

    /// `CodeDirectory (sha256)`: names the directory in messages.
    pub fn label(&self) -> String {
        match self.cd.hash_type {
            Some(t) => format!("{} ({})", self.slot_name, t.name()),
            None => format!("{} (hash type {})", self.slot_name, self.cd.hash_type_code),
        }
    }
}

/// Where the components bound by special slots come from.
#[derive(Debug)]
pub(super) enum ComponentSource<'a> {
    /// Blobs of the slice's embedded SuperBlob.
    Embedded { file: &'a [u8], signature: &'a Signature },
    /// Files in `_CodeSignature/`.
    Detached { dir: String },
}

/// One signature: a slice of a Mach-O, or a bundle's detached signature.
#[derive(Debug)]
pub(super) struct SignedUnit<'a> {
    /// The slice architecture; `None` for a detached signature.
    pub arch: Option<&'a str>,
    pub slice: Option<&'a Slice>,
    /// Tree path of the file the code slots cover.
    pub code_path: &'a str,
    /// The bytes the code slots cover, from their start (a slice, or the whole Info.plist).
    pub code: &'a [u8],
    /// Where `code` starts in `code_path`.
    pub code_offset: u64,
    /// Where the hashed code must end, relative to `code`: `LC_CODE_SIGNATURE`'s `dataoff` for
    /// Mach-O, the file length for a detached signature.
    pub code_end: u64,
    /// What `code_end` is, for messages.
    pub code_end_source: &'static str,
    /// Primary first, then alternates in slot order.
    pub cds: Vec<CdView<'a>>,
    pub components: ComponentSource<'a>,
    /// Whether this is the signature of a bundle (its main executable, or its detached signature),
    /// which binds the bundle's Info.plist and CodeResources.
    pub bundle_main: bool,
}

impl SignedUnit<'_> {
    /// `arm64`, or `detached signature`, for messages.
    pub fn arch_label(&self) -> &str {
        self.arch.unwrap_or("detached signature")
    }

    /// The CodeDirectory the system prefers (the strongest hash type), which codesign records as
    /// the code's cdhash.
    pub fn best(&self) -> Option<&CdView<'_>> {
        self.cds.iter().filter(|c| c.cd.hash_type.is_some()).max_by_key(|c| hash_rank(&c.cd))
    }

    pub fn primary(&self) -> Option<&CdView<'_>> {
        self.cds.first()
    }
}

/// codesign's preference order: SHA-384, SHA-256, truncated SHA-256, SHA-1.
fn hash_rank(cd: &CodeDirectory) -> u8 {
    use crate::codesign::digest::HashType::*;
    match cd.hash_type {
        Some(Sha384) => 4,
        Some(Sha256) => 3,
        Some(Sha256Truncated) => 2,
        Some(Sha1) => 1,
        Some(Sha512) | None => 0,
    }
}

/// Every signature of `item`: one unit per signed slice, or the detached signature of a bundle
/// without an executable. Unsigned slices and unreadable files yield nothing.
pub(super) fn units<'a>(tree: &'a Tree, item: &'a CodeItem, facts: &'a ItemFacts) -> Vec<SignedUnit<'a>> {
    match (&facts.code, &item.executable) {
        (Code::MachO { file, slices }, Some(path)) => {
            let Some(bytes) = tree.file(path).and_then(|f| f.bytes().ok()) else { return Vec::new() };
            file.slices
                .iter()
                .zip(slices)
                .filter_map(|(slice, slice_facts)| {
                    let signature = slice_facts.signature.as_ref()?;
                    macho_unit(bytes, path, slice, signature, item.bundle.is_some())
                })
                .collect()
        }
        (Code::Detached(signature), None) => {
            item.bundle.as_ref().and_then(|b| detached_unit(tree, b, signature)).into_iter().collect()
        }
        _ => Vec::new(),
    }
}

fn macho_unit<'a>(
    file: &'a [u8],
    path: &'a str,
    slice: &'a Slice,
    signature: &'a Signature,
    bundle_main: bool,
) -> Option<SignedUnit<'a>> {
    let code = slice.bytes(file)?;
    let sig_range = slice.code_signature?;
    let cds = signature
        .code_directories
        .iter()
        .filter_map(|c| {
            Some(CdView {
                cd: Cow::Borrowed(&c.cd),
                blob: c.range.slice(file)?,
                slot_name: c.slot.name(),
                path: path.to_owned(),
                range: c.range,
            })
        })
        .collect::<Vec<_>>();
    if cds.is_empty() {
        return None;
    }
    Some(SignedUnit {
        arch: Some(slice.arch.as_str()),
        slice: Some(slice),
        code_path: path,
        code,
        code_offset: slice.file_range.offset,
        code_end: sig_range.offset,
        code_end_source: "LC_CODE_SIGNATURE dataoff",
        cds,
        components: ComponentSource::Embedded { file, signature },
        bundle_main,
    })
}

/// The detached signature of a bundle without an executable, as the model read it from
/// `_CodeSignature/`. Its code is the Info.plist, which codesign takes as the nominal executable.
fn detached_unit<'a>(tree: &'a Tree, bundle: &'a Bundle, signature: &'a Signature) -> Option<SignedUnit<'a>> {
    let dir = join(&bundle.content, "_CodeSignature");
    let info_path = bundle.info_plist.as_deref()?;
    let info = tree.file(info_path)?.bytes().ok()?;
    let mut cds = Vec::new();
    let names = std::iter::once(DETACHED_CODE_DIRECTORY).chain(DETACHED_ALTERNATES);
    for (n, name) in names.enumerate() {
        // codesign stops at the first missing alternate.
        let Some(view) = detached_cd(tree, &dir, name, n, signature) else { break };
        cds.push(view);
    }
    if cds.is_empty() {
        return None;
    }
    Some(SignedUnit {
        arch: None,
        slice: None,
        code_path: info_path,
        code: info,
        code_offset: 0,
        code_end: info.len() as u64,
        code_end_source: "the size of Info.plist",
        cds,
        components: ComponentSource::Detached { dir },
        bundle_main: true,
    })
}

/// The `n`th CodeDirectory of a detached signature (0: the primary, then the alternates), with
/// the file that holds it; `None` when the model has none in that slot (absent or unparsable).
fn detached_cd<'a>(tree: &'a Tree, dir: &str, name: &str, n: usize, signature: &'a Signature) -> Option<CdView<'a>> {
    let slot = match n {
        0 => Slot::CodeDirectory,
        _ => Slot::AlternateCodeDirectory(u32::try_from(n - 1).ok()?),
    };
    let parsed = signature.code_directories.iter().find(|c| c.slot == slot)?;
    let path = join(dir, name);
    let blob = tree.file(&path)?.bytes().ok()?;
    let range = Range { offset: 0, size: blob.len() as u64 };
    Some(CdView { cd: Cow::Borrowed(&parsed.cd), blob, slot_name: slot.name(), range, path })
}

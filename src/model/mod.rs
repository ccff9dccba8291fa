//! The model: a tree of code items holding parsed facts and byte ranges.
//!
//! [`Scan::open`] runs the whole reading pipeline once — input, discovery, parsing (in parallel
//! per item) — and everything downstream (verification, rules, rendering) reads the result.

use rayon::prelude::*;

use crate::codesign::signature::{self, Signature};
use crate::codesign::superblob;
use crate::discover::{self, CodeItem, Discovery, ProfileFile};
use crate::input::{self, PathProblem, Tree};
use crate::macho::{self, MachOFile, Range};
use crate::plist::Document;
use crate::profile::{self, ProvisioningProfile};
use crate::seal::CodeResources;
use crate::Problem;

mod view;
pub use view::{ItemView, SliceView};

/// A slice's signature and embedded plists.
#[derive(Debug, Clone)]
pub struct SliceFacts {
    pub signature: Option<Signature>,
    /// `__TEXT,__info_plist`, parsed.
    pub info_plist: Option<Result<Document, Problem>>,
    /// `__TEXT,__launchd_plist`, parsed.
    pub launchd_plist: Option<Result<Document, Problem>>,
}

/// What an item's code is.
#[derive(Debug, Clone)]
pub enum Code {
    /// A bundle without an executable (resource-only) and without a detached signature.
    None,
    /// The executable named by the bundle is missing or unreadable.
    Unreadable(Problem),
    /// The file is not Mach-O.
    NotMachO(Problem),
    MachO {
        file: MachOFile,
        slices: Vec<SliceFacts>,
    },
    /// A resource-only bundle signed in `_CodeSignature/CodeSignature`.
    Detached(Box<Signature>),
}

/// Parsed facts of one code item (same index as in [`Discovery::items`]).
#[derive(Debug, Clone)]
pub struct ItemFacts {
    pub code: Code,
    pub code_resources: Option<Result<CodeResources, Problem>>,
}

/// A provisioning profile, parsed (same index as in [`Discovery::profiles`]).
#[derive(Debug, Clone)]
pub struct ProfileFacts {
    pub profile: Result<ProvisioningProfile, Problem>,
}

/// Everything read from one input.
#[derive(Debug)]
pub struct Scan {
    pub tree: Tree,
    pub discovery: Discovery,
    pub items: Vec<ItemFacts>,
    pub profiles: Vec<ProfileFacts>,
}

impl Scan {
    /// Opens and reads `path`. Errors only when `path` itself cannot be opened.
    pub fn open(path: &std::path::Path) -> std::io::Result<Scan> {
        Ok(Scan::from_tree(Tree::open(path)?))
    }

    pub fn from_tree(tree: Tree) -> Scan {
        let discovery = discover::discover(&tree);
        let items = discovery.items.par_iter().map(|item| item_facts(&tree, item)).collect();
        let profiles = discovery.profiles.par_iter().map(|p| profile_facts(&tree, &p.path)).collect();
        Scan { tree, discovery, items, profiles }
    }

    /// Code items with their facts.
    pub fn code_items(&self) -> impl Iterator<Item = (&CodeItem, &ItemFacts)> {
        self.discovery.items.iter().zip(&self.items)
    }

    /// Profiles with their facts.
    pub fn profiles(&self) -> impl Iterator<Item = (&ProfileFile, &ProfileFacts)> {
        self.discovery.profiles.iter().zip(&self.profiles)
    }

    /// The profile embedded in code item `index`, parsed.
    pub fn embedded_profile(&self, index: usize) -> Option<(&ProfileFile, &ProvisioningProfile)> {
        self.profiles().find(|(f, _)| f.owner == Some(index)).and_then(|(f, p)| Some((f, p.profile.as_ref().ok()?)))
    }

    /// Whether nothing here is something a rule judges: no code item, profile or launchd plist,
    /// and no problem reading the input (a problem is reported as a finding). Such an input was
    /// not checked, so it is never reported clean.
    pub fn holds_nothing_to_judge(&self) -> bool {
        self.discovery.items.is_empty()
            && self.discovery.profiles.is_empty()
            && self.discovery.launchd_plists.is_empty()
            && self.discovery.sources.is_empty()
            && self.discovery.problems.is_empty()
            && self.input_problems().is_empty()
    }

    /// Problems met while opening the input.
    pub fn input_problems(&self) -> &[PathProblem] {
        &self.tree.problems
    }
}

fn item_facts(tree: &Tree, item: &CodeItem) -> ItemFacts {
    crate::progress::item_read();
    let bundle = item.bundle.as_ref();
    let code_resources =
        bundle.and_then(|b| b.code_resources.as_deref()).and_then(|p| tree.file(p)).map(read_code_resources);
    let code = match (&item.executable, bundle) {
        (Some(path), _) => read_code(tree, path),
        (None, Some(b)) => {
            // A code-less bundle signed ad hoc may carry its CodeDirectory without a CMS file.
            let dir = input::join(&b.content, "_CodeSignature");
            let has_code_directory = tree.file(&input::join(&dir, "CodeDirectory")).is_some();
            match (&b.detached_signature, &b.executable_name) {
                (Some(cms_path), _) => detached_signature(tree, input::parent(cms_path)),
                (None, Some(name)) => Code::Unreadable(Problem::new(
                    crate::rule_id::INPUT_UNREADABLE,
                    format!("main executable `{name}` named by CFBundleExecutable is not in the bundle"),
                )),
                (None, None) if has_code_directory => detached_signature(tree, &dir),
                (None, None) => Code::None,
            }
        }
        (None, None) => Code::None,
    };
    ItemFacts { code, code_resources }
}

/// The seal of a large bundle is tens of megabytes of XML: it is read as a stream through a small
/// buffer, and read whole (for this call only) when it must be located what is wrong with it.
fn read_code_resources(file: &input::FileData) -> Result<CodeResources, Problem> {
    let unreadable = |e: String| Problem::new(crate::rule_id::INPUT_UNREADABLE, e);
    let streamed = file.reader().map(|r| CodeResources::parse_streamed(std::io::BufReader::with_capacity(64 << 10, r)));
    match streamed.map_err(unreadable)? {
        Some(cr) => Ok(cr),
        None => file.with_transient(CodeResources::parse).map_err(unreadable)?,
    }
}

fn profile_facts(tree: &Tree, path: &str) -> ProfileFacts {
    let profile = match tree.file(path).map(|f| f.bytes()) {
        Some(Ok(bytes)) => profile::parse_profile(bytes),
        Some(Err(e)) => Err(Problem::new(crate::rule_id::INPUT_UNREADABLE, e)),
        None => Err(Problem::new(crate::rule_id::INPUT_UNREADABLE, format!("{path} is not a regular file"))),
    };
    ProfileFacts { profile }
}

/// The slot each `_CodeSignature/` component file of a code-less bundle holds. Alternate
/// CodeDirectories are stored as `CodeRequirements-1` … `-5`, as Apple's tools name them.
fn component_slot(name: &str) -> Option<u32> {
    Some(match name {
        "CodeDirectory" => 0,
        "CodeRequirements" => 2,
        "CodeEntitlements" => 5,
        "CodeEntitlementDER" => 7,
        "CodeSignature" => 0x10000,
        _ => {
            let n: u32 = name.strip_prefix("CodeRequirements-")?.parse().ok()?;
            return (1..=5).contains(&n).then(|| 0x1000 + n - 1);
        }
    })
}

/// A code-less bundle's signature, kept as separate files in `_CodeSignature/`: they are put
/// back into one SuperBlob (the CMS file holds bare DER, so it is wrapped) and read as usual.
fn detached_signature(tree: &Tree, dir: &str) -> Code {
    let mut blobs: Vec<(u32, Vec<u8>)> = Vec::new();
    for (name, _) in tree.children(dir) {
        let Some(slot) = component_slot(name) else { continue };
        let bytes = match tree.file(&input::join(dir, name)).map(|f| f.bytes()) {
            Some(Ok(b)) => b,
            Some(Err(e)) => return Code::Unreadable(Problem::new(crate::rule_id::INPUT_UNREADABLE, e)),
            None => continue,
        };
        let blob = if slot == 0x10000 { wrap(superblob::MAGIC_BLOB_WRAPPER, bytes) } else { bytes.to_vec() };
        blobs.push((slot, blob));
    }
    let assembled = superblob::assemble(&blobs);
    let whole = Range { offset: 0, size: assembled.len() as u64 };
    Code::Detached(Box::new(signature::parse(&assembled, whole, whole)))
}

fn wrap(magic: u32, payload: &[u8]) -> Vec<u8> {
    let mut out = magic.to_be_bytes().to_vec();
    out.extend_from_slice(&u32::try_from(payload.len() + 8).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(payload);
    out
}

fn read_code(tree: &Tree, path: &str) -> Code {
    let Some(file) = tree.file(path) else {
        return Code::Unreadable(Problem::new(
            crate::rule_id::INPUT_UNREADABLE,
            format!("{path} is not a regular file"),
        ));
    };
    let bytes = match file.bytes() {
        Ok(b) => b,
        Err(e) => return Code::Unreadable(Problem::new(crate::rule_id::INPUT_UNREADABLE, e)),
    };
    match macho::parse(bytes) {
        Ok(parsed) => {
            let slices = parsed.slices.iter().map(|s| slice_facts(bytes, s)).collect();
            Code::MachO { file: parsed, slices }
        }
        Err(p) => Code::NotMachO(p),
    }
}

fn slice_facts(file: &[u8], slice: &macho::Slice) -> SliceFacts {
    let signature = slice.code_signature.map(|sig| signature::parse(file, slice.file_range, sig));
    let embedded = |r: Option<Range>| {
        r.map(|r| {
            let at = slice.file_range.offset + r.offset;
            slice
                .bytes(file)
                .and_then(|s| r.slice(s))
                .ok_or_else(|| {
                    Problem::at(crate::rule_id::MALFORMED_MACHO, at, "embedded plist section lies outside the slice")
                })
                .and_then(|b| Document::parse(trim_nul_padding(b)).map_err(|p| p.rebased(at)))
        })
    };
    SliceFacts { signature, info_plist: embedded(slice.info_plist), launchd_plist: embedded(slice.launchd_plist) }
}

/// Sections are padded with NUL bytes after the plist text.
fn trim_nul_padding(b: &[u8]) -> &[u8] {
    let end = b.iter().rposition(|&c| c != 0).map_or(0, |i| i + 1);
    &b[..end]
}

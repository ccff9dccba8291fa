//! Special slots: each component a signature binds (Info.plist, requirements, CodeResources,
//! entitlements, constraints…) hashes to the digest its slot records, a slot with a digest has its
//! component, and a component that is present is bound by its slot.
//!
//! Blob components are hashed whole, header included. A bundle's signature binds the bundle's
//! Info.plist and `_CodeSignature/CodeResources`; any other executable binds its embedded
//! `__TEXT,__info_plist` section. Every CodeDirectory is checked (codesign reads only the one
//! with the strongest hash; the kernel of an older system may read another).

use super::context::{hex_prefix, Collector, ItemContext, OfUnit};
use super::rules::{SIG_INFO_PLIST_NOT_BOUND, SIG_RESOURCES_NOT_SEALED, SIG_SPECIAL_SLOT_MISMATCH};
use super::signed::{detached_component_name, CdView, ComponentSource, SignedUnit};
use crate::codesign::digest::{HashType, Hasher};
use crate::codesign::superblob::MAGIC_BLOB_WRAPPER;
use crate::finding::{Finding, Severity};
use crate::input::{join, FileData};
use crate::macho::Range;

/// The highest special slot codesign knows (`cdLibraryConstraint`).
const LAST_KNOWN_SLOT: u32 = 11;
const INFO_SLOT: u32 = 1;
const RESOURCES_SLOT: u32 = 3;

/// A component a special slot may bind, as found.
#[derive(Debug)]
struct Component<'a> {
    content: Content<'a>,
    /// Tree path of the file holding it.
    path: String,
    /// Where it lies in `path`, when it is part of a larger file.
    range: Option<Range>,
}

/// Where a component's bytes are.
#[derive(Debug)]
enum Content<'a> {
    /// Part of a file already read (a blob of an embedded signature, an executable's section).
    Slice(&'a [u8]),
    /// A whole file (a bundle's Info.plist and seal, detached components): hashed as a stream,
    /// since a large bundle's seal is tens of megabytes that need not stay in memory.
    File(FileData),
}

impl Content<'_> {
    /// The content's digest of each of `types`, in one pass over a file (a large bundle's seal is
    /// read once however many CodeDirectories bind it); `None` when the file cannot be read.
    fn digests(&self, types: &[HashType]) -> Option<Vec<(HashType, Vec<u8>)>> {
        match self {
            Content::Slice(bytes) => Some(types.iter().map(|&t| (t, t.digest(bytes))).collect()),
            Content::File(file) => {
                let known: Option<Vec<(HashType, Vec<u8>)>> =
                    types.iter().map(|&t| Some((t, super::sealed_files::known_digest(file, t)?))).collect();
                if known.is_some() && super::sealed_files::known_digest(file, HashType::Sha256).is_some() {
                    return known;
                }
                let mut hashers: Vec<(HashType, Hasher)> = types.iter().map(|&t| (t, Hasher::new(t))).collect();
                file.for_each_chunk(1 << 20, |chunk| hashers.iter_mut().for_each(|(_, h)| h.update(chunk))).ok()?;
                Some(hashers.into_iter().map(|(t, h)| (t, h.finish())).collect())
            }
        }
    }
}

/// Size of a blob's magic and length header.
const BLOB_HEADER: u64 = 8;

/// Components that are blobs and are hashed whole (codesign's `cdComponentIsBlob`); the others
/// (the application-specific slot 4, rep-specific slot 6) are raw data.
fn is_blob_component(slot: u32) -> bool {
    matches!(slot, 2 | 5 | 7..=11)
}

/// What slot `slot` binds, for messages.
fn slot_name(slot: u32) -> &'static str {
    match slot {
        1 => "Info.plist",
        2 => "requirements",
        3 => "CodeResources",
        4 => "application",
        5 => "XML entitlements",
        6 => "rep-specific data",
        7 => "DER entitlements",
        8 => "launch constraints (self)",
        9 => "launch constraints (parent)",
        10 => "launch constraints (responsible process)",
        11 => "library constraints",
        _ => "unknown component",
    }
}

/// Checks every known special slot of every CodeDirectory of `unit`.
pub(super) fn check(ctx: &ItemContext<'_>, unit: &SignedUnit<'_>, sink: &mut Collector) {
    // A bundle whose binary was signed as a bare file misses slots 1 and 3 for one reason:
    // one finding names the signature and what follows from it.
    let bare = signed_as_bare_file(ctx, unit);
    if bare {
        sink.add(bare_file_bundle(ctx, unit));
    }
    for slot in 1..=LAST_KNOWN_SLOT {
        if bare && matches!(slot, INFO_SLOT | RESOURCES_SLOT) {
            continue;
        }
        // codesign reads a detached signature's component files only up to nSpecialSlots; others
        // are strays of `_CodeSignature/` (a layout matter). Embedded blobs count regardless: the
        // kernel refuses an entitlements blob no slot binds.
        let declared = unit.cds.iter().any(|c| c.cd.n_special_slots >= slot);
        if matches!(unit.components, ComponentSource::Detached { .. }) && !declared {
            continue;
        }
        let component = component(ctx, unit, slot);
        if let Some(finding) = check_slot(ctx, unit, slot, component.as_ref()) {
            sink.add(finding);
        }
    }
}

/// One finding per slot and unit, naming every CodeDirectory that disagrees.
fn check_slot(
    ctx: &ItemContext<'_>,
    unit: &SignedUnit<'_>,
    slot: u32,
    component: Option<&Component<'_>>,
) -> Option<Finding> {
    let usable: Vec<&CdView<'_>> = unit.cds.iter().filter(|c| c.digest_usable()).collect();
    let bound: Vec<&&CdView<'_>> = usable.iter().filter(|cd| recorded(cd, slot).is_some()).collect();
    let arch = unit.arch_label();
    match component {
        Some(c) => {
            let unbound: Vec<String> =
                usable.iter().filter(|cd| recorded(cd, slot).is_none()).map(|cd| cd.label()).collect();
            if !unbound.is_empty() {
                return Some(unbound_finding(ctx, unit, slot, c, &unbound));
            }
            let mut types: Vec<HashType> = bound.iter().filter_map(|cd| cd.cd.hash_type).collect();
            types.sort_by_key(|t| t.code());
            types.dedup();
            let digests = c.content.digests(&types)?;
            let wrong: Vec<(&CdView<'_>, Vec<u8>)> = bound
                .iter()
                .filter_map(|cd| {
                    let hash_type = cd.cd.hash_type?;
                    let actual = digests.iter().find(|(t, _)| *t == hash_type)?.1.clone();
                    let stored = recorded(cd, slot)?;
                    (actual.get(..stored.len()) != Some(stored)).then_some((**cd, actual))
                })
                .collect();
            let (first, actual) = wrong.first()?;
            let labels: Vec<String> = wrong.iter().map(|(cd, _)| cd.label()).collect();
            let message = format!(
                "{arch}: special slot {slot} ({}) of {} records {}, but {} hashes to {}",
                slot_name(slot),
                labels.join(" and "),
                hex_prefix(recorded(first, slot).unwrap_or_default()),
                c.path,
                hex_prefix(actual),
            );
            let mut f = ctx
                .finding(SIG_SPECIAL_SLOT_MISMATCH, &c.path, message)
                .of_unit(unit)
                .help(format!("{} was changed after signing: restore it or sign the code again", c.path));
            f.range = c.range;
            Some(f)
        }
        None => {
            let Some(first) = bound.first() else {
                return (slot == RESOURCES_SLOT && unit.bundle_main).then(|| unsealed_bundle(ctx, unit));
            };
            let labels: Vec<String> = bound.iter().map(|cd| cd.label()).collect();
            let digest = hex_prefix(recorded(first, slot).unwrap_or_default());
            if slot == RESOURCES_SLOT {
                return Some(
                    ctx.finding(
                        SIG_RESOURCES_NOT_SEALED,
                        unit.code_path,
                        format!(
                            "{arch}: special slot 3 of {} records CodeResources {digest}, but {} has no _CodeSignature/CodeResources",
                            labels.join(" and "),
                            ctx.container_root(),
                        ),
                    )
                    .of_unit(unit)
                    .help("the signature expects sealed resources that are gone: restore _CodeSignature/CodeResources or sign again"),
                );
            }
            Some(
                ctx.finding(
                    SIG_SPECIAL_SLOT_MISMATCH,
                    unit.code_path,
                    format!(
                        "{arch}: special slot {slot} ({}) of {} records {digest}, but there is no {} to match it",
                        slot_name(slot),
                        labels.join(" and "),
                        slot_name(slot),
                    ),
                )
                .of_unit(unit)
                .help("a signed component was removed: restore it or sign the code again"),
            )
        }
    }
}

/// The digest slot `slot` of `cd` records, unless the slot is absent or all zeros.
fn recorded<'c>(cd: &'c CdView<'_>, slot: u32) -> Option<&'c [u8]> {
    cd.cd.special_slot(slot).filter(|d| d.iter().any(|&b| b != 0))
}

/// Whether `unit` is a bundle's main executable whose every usable CodeDirectory binds neither
/// Info.plist nor resources, and the bundle has no `_CodeSignature/CodeResources`: the binary was
/// signed on its own (by the linker, or `codesign` on the file) and the bundle never was.
fn signed_as_bare_file(ctx: &ItemContext<'_>, unit: &SignedUnit<'_>) -> bool {
    let mut usable = unit.cds.iter().filter(|c| c.digest_usable()).peekable();
    unit.bundle_main
        && matches!(unit.components, ComponentSource::Embedded { .. })
        && usable.peek().is_some()
        && usable.all(|c| c.cd.is_bare_file_signature())
        && component(ctx, unit, RESOURCES_SLOT).is_none()
}

/// The one finding for a bundle signed as a bare file: what signed it, and the consequences
/// (resources unsealed, Info.plist unbound, the file's identifier instead of the bundle's).
fn bare_file_bundle(ctx: &ItemContext<'_>, unit: &SignedUnit<'_>) -> Finding {
    let root = ctx.container_root();
    let primary = unit.cds.first().map(|c| &c.cd);
    let how = match primary {
        Some(cd) if cd.is_linker_signed() => "only the linker's ad-hoc signature",
        Some(cd) if cd.is_adhoc() => "only an ad-hoc signature made for the bare file",
        _ => "only a signature made for the bare file",
    };
    let mut consequences =
        vec!["its resources are not sealed (no _CodeSignature/CodeResources, special slot 3 empty)".to_owned()];
    if let Some(info) = ctx.bundle().and_then(|b| b.info_plist.as_deref()) {
        consequences.push(format!("{info} is not bound (special slot 1 empty, Info.plist=not bound)"));
    }
    let bundle_id = ctx.item.info.as_ref().and_then(|i| i.as_ref().ok()).and_then(|d| d.string("CFBundleIdentifier"));
    if let (Some(cd), Some(bundle_id)) = (primary, bundle_id) {
        if cd.identifier != bundle_id {
            consequences
                .push(format!("it is identified as {:?}, not as its CFBundleIdentifier {bundle_id:?}", cd.identifier));
        }
    }
    let last = consequences.pop().unwrap_or_default();
    let listed = if consequences.is_empty() { last } else { format!("{} and {last}", consequences.join(", ")) };
    ctx.finding(
        SIG_RESOURCES_NOT_SEALED,
        unit.code_path,
        format!("{}: {root} is a bundle, but its binary carries {how}, not a bundle signature: {listed}", unit.arch_label()),
    )
    .of_unit(unit)
    .help("sign the bundle itself, not the bare executable: codesign --force --options runtime --timestamp --sign \"Developer ID Application: …\" <bundle>")
}

/// A bundle signed without `_CodeSignature/CodeResources` and without slot 3: codesign refuses it
/// ("code has no resources but signature indicates they must be present" / resources not found).
fn unsealed_bundle(ctx: &ItemContext<'_>, unit: &SignedUnit<'_>) -> Finding {
    let root = ctx.container_root();
    ctx.finding(
        SIG_RESOURCES_NOT_SEALED,
        unit.code_path,
        format!(
            "{}: {root} is a bundle, but its signature seals no resources (no _CodeSignature/CodeResources, special slot 3 empty)",
            unit.arch_label()
        ),
    )
    .of_unit(unit)
    .help("sign the bundle, not the bare executable: codesign --sign … <bundle>")
}

/// A component that exists but that some CodeDirectory does not bind.
fn unbound_finding(
    ctx: &ItemContext<'_>,
    unit: &SignedUnit<'_>,
    slot: u32,
    component: &Component<'_>,
    unbound: &[String],
) -> Finding {
    let arch = unit.arch_label();
    let cds = unbound.join(" and ");
    let mut f = match slot {
        INFO_SLOT => {
            let f = ctx.finding(
                SIG_INFO_PLIST_NOT_BOUND,
                unit.code_path,
                format!("{arch}: {cds} leaves special slot 1 empty, so {} is not bound to the signature (Info.plist=not bound)", component.path),
            );
            if unit.bundle_main {
                f.help("sign the bundle, not the bare executable: codesign --sign … <bundle>")
            } else {
                // Standalone code has no bundle Info.plist for the slot; codesign binds the
                // embedded one when there is one, so an unbound one is only information.
                f.at_most(Severity::Info)
                    .help("sign with the embedded Info.plist bound (codesign binds __TEXT,__info_plist automatically)")
            }
        }
        RESOURCES_SLOT => ctx
            .finding(
                SIG_RESOURCES_NOT_SEALED,
                unit.code_path,
                format!(
                    "{arch}: {cds} leaves special slot 3 empty, so {} does not seal the bundle's resources",
                    component.path
                ),
            )
            .help("sign the bundle, not the bare executable, so its resources are sealed"),
        _ => ctx
            .finding(
                SIG_SPECIAL_SLOT_MISMATCH,
                &component.path,
                format!(
                    "{arch}: the signature carries {} but special slot {slot} of {cds} does not bind them",
                    slot_name(slot)
                ),
            )
            .help("an unbound component was added to the signature: sign the code again"),
    };
    f.arch = unit.arch.map(str::to_owned);
    if f.range.is_none() {
        f.range = component.range;
    }
    f
}

/// The component slot `slot` binds for `unit`, if present.
fn component<'a>(ctx: &ItemContext<'a>, unit: &SignedUnit<'a>, slot: u32) -> Option<Component<'a>> {
    let tree = ctx.tree();
    // A file that cannot be opened is no component, as one that is absent.
    let whole_file = |path: &str| -> Option<Content<'a>> {
        let file = tree.file(path)?;
        file.reader().ok()?;
        Some(Content::File(file.clone()))
    };
    let bundle_file = |path: Option<&'a str>| -> Option<Component<'a>> {
        let path = path?;
        Some(Component { content: whole_file(path)?, path: path.to_owned(), range: None })
    };
    match (slot, unit.bundle_main) {
        (INFO_SLOT, true) => bundle_file(ctx.bundle()?.info_plist.as_deref()),
        (RESOURCES_SLOT, true) => bundle_file(ctx.bundle()?.code_resources.as_deref()),
        (RESOURCES_SLOT, false) => None,
        (INFO_SLOT, false) => {
            let slice = unit.slice?;
            let range = slice.info_plist?;
            Some(Component {
                content: Content::Slice(range.slice(unit.code)?),
                path: unit.code_path.to_owned(),
                range: Some(Range { offset: unit.code_offset.saturating_add(range.offset), size: range.size }),
            })
        }
        _ => match &unit.components {
            ComponentSource::Embedded { file, signature } => {
                let superblob = signature.superblob.as_ref()?;
                let entry = superblob.blobs.iter().find(|b| b.slot_type == slot)?;
                let mut range = Range {
                    offset: signature.range.offset.saturating_add(u64::from(entry.offset)),
                    size: u64::from(entry.length),
                };
                // Raw components (not blobs themselves) are stored in a wrapper blob, and the
                // slot hashes what it wraps.
                if !is_blob_component(slot) && entry.magic == MAGIC_BLOB_WRAPPER {
                    range = Range {
                        offset: range.offset.saturating_add(BLOB_HEADER),
                        size: range.size.saturating_sub(BLOB_HEADER),
                    };
                }
                Some(Component {
                    content: Content::Slice(range.slice(file)?),
                    path: unit.code_path.to_owned(),
                    range: Some(range),
                })
            }
            ComponentSource::Detached { dir } => {
                let path = join(dir, detached_component_name(slot)?);
                Some(Component { content: whole_file(&path)?, path, range: None })
            }
        },
    }
}

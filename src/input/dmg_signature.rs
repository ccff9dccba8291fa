//! The code signature of a disk image: a SuperBlob between the resource list and the trailer
//! whose CodeDirectory hashes the image's bytes `[0, codeLimit)` (one "page" when the page size
//! is 0), binds the trailer in special slot 6 (with its signature length set to 0, as it was
//! when the hash was made) and the requirements in slot 2.
//!
//! The hashes are verified here; the CMS signature over the CodeDirectory is recorded with them
//! ([`SignedBy`]) for the container rules, which judge it with the trust store.

use super::container_signature::{CmsSignature, SignedBy};
use super::udif::{Koly, KOLY_LEN, RELEASE_STEP};
use crate::codesign::digest::{HashType, Hasher};
use crate::codesign::{code_directory, superblob};
use crate::rule_id::DMG_SIGNATURE_INVALID;
use crate::Problem;

/// Special slot binding the trailer (`cdRepSpecificSlot`).
const REP_SPECIFIC_SLOT: u32 = 6;
const REQUIREMENTS_SLOT: u32 = 2;
/// Offset of CodeSignatureLength in the trailer.
const KOLY_SIGNATURE_LENGTH: usize = 304;

/// What the image's signature holds.
#[derive(Debug, Clone)]
pub struct ImageSignature {
    pub signed: SignedBy,
    /// File offset of a stapled ticket (slot `0x10002`, outside what the CodeDirectory covers).
    pub ticket: Option<u64>,
}

/// Reads the signature of the image `bytes` and checks its hashes; mismatches are recorded in
/// [`SignedBy::integrity`], located in the file. `Err` when the signature cannot be read at all.
/// `release` is given each part of `bytes` once hashed (to drop the pages of a mapped image).
pub fn verify(bytes: &[u8], koly: &Koly, release: &(dyn Fn(&[u8]) + Sync)) -> Result<ImageSignature, Vec<Problem>> {
    let at = koly.code_signature_offset;
    let blob = &bytes[at as usize..(at + koly.code_signature_length) as usize];
    let invalid = |offset: u64, message: String| vec![Problem::at(DMG_SIGNATURE_INVALID, offset, message)];
    let (sb, _) = superblob::parse(blob).map_err(|p| vec![p.rebased(at)])?;
    let mut directories: Vec<&superblob::BlobEntry> = sb
        .blobs
        .iter()
        .filter(|b| matches!(b.slot, superblob::Slot::CodeDirectory | superblob::Slot::AlternateCodeDirectory(_)))
        .collect();
    directories.sort_by_key(|b| b.slot_type);
    if directories.is_empty() {
        return Err(invalid(at, "the signature holds no CodeDirectory".into()));
    }
    let mut signed = SignedBy {
        content: Vec::new(),
        content_name: "the CodeDirectory".into(),
        content_algorithm: None,
        identifier: None,
        rsa: None,
        cms: None,
        integrity: Vec::new(),
    };
    for entry in directories {
        let cd_at = at + u64::from(entry.offset);
        let Some(cd_bytes) = entry.bytes(blob) else {
            return Err(invalid(cd_at, "a CodeDirectory lies outside the signature".into()));
        };
        let cd = code_directory::parse(cd_bytes).map_err(|p| vec![p.rebased(cd_at)])?;
        // The CMS signs the first CodeDirectory (slot 0).
        if signed.identifier.is_none() {
            signed.identifier = Some(cd.identifier.clone());
            signed.content = cd_bytes.to_vec();
        }
        let directory = Directory { parsed: &cd, bytes: cd_bytes, at: cd_at };
        signed.integrity.extend(check_directory(bytes, koly, blob, &sb, &directory, release));
    }
    let cms = sb.find(superblob::Slot::Signature);
    if let Some(payload) = cms.and_then(|e| e.payload(blob)).filter(|p| !p.is_empty()) {
        let offset = at + u64::from(cms.map_or(0, |e| e.offset)) + 8;
        signed.cms = Some(CmsSignature { offset, der: payload.to_vec() });
    }
    let ticket = sb.find(superblob::Slot::Ticket).map(|e| at + u64::from(e.offset));
    Ok(ImageSignature { signed, ticket })
}

/// The digest of `data`, hashed in steps whose pages are released once read: an image signed as
/// one page (page size 0) is hashed whole, and must not stay resident for it.
fn digest_released(hash: HashType, data: &[u8], release: &(dyn Fn(&[u8]) + Sync)) -> Vec<u8> {
    let mut hasher = Hasher::new(hash);
    for part in data.chunks(RELEASE_STEP) {
        hasher.update(part);
        release(part);
    }
    hasher.finish()
}

/// A CodeDirectory of the image's signature: parsed, its bytes, and their offset in the image.
struct Directory<'a> {
    parsed: &'a code_directory::CodeDirectory,
    bytes: &'a [u8],
    at: u64,
}

/// The mismatches of one CodeDirectory: its code hashes, the trailer slot, the requirements slot.
fn check_directory(
    bytes: &[u8],
    koly: &Koly,
    blob: &[u8],
    sb: &superblob::SuperBlob,
    directory: &Directory<'_>,
    release: &(dyn Fn(&[u8]) + Sync),
) -> Vec<Problem> {
    let (cd, cd_bytes, cd_at) = (directory.parsed, directory.bytes, directory.at);
    let mismatch = |message: String| Problem::at(DMG_SIGNATURE_INVALID, cd_at, message);
    let Some(hash) = cd.hash_type else {
        return vec![mismatch(format!("the CodeDirectory uses unknown hash type {}", cd.hash_type_code))];
    };
    let limit = cd.effective_code_limit();
    if limit != koly.code_signature_offset {
        return vec![mismatch(format!(
            "the CodeDirectory covers {limit} bytes, but the signature starts at byte {}",
            koly.code_signature_offset
        ))];
    }
    let mut problems = Vec::new();
    let signed = &bytes[..limit as usize];
    let page = cd.page_size().map_or(signed.len().max(1), |p| p as usize);
    let pages: Vec<&[u8]> = if signed.is_empty() { Vec::new() } else { signed.chunks(page).collect() };
    let stored: Vec<&[u8]> = cd.code_slots(cd_bytes).collect();
    if stored.len() != pages.len() {
        problems.push(mismatch(format!(
            "the CodeDirectory holds {} code hashes for {} bytes in pages of {page}",
            stored.len(),
            signed.len()
        )));
    } else if let Some(i) =
        pages.iter().zip(&stored).position(|(data, want)| !digest_released(hash, data, release).starts_with(want))
    {
        problems.push(mismatch(format!(
            "the hash of bytes {}..{} of the image does not match the one signed: the image changed after it was \
             signed",
            i * page,
            (i * page + pages[i].len())
        )));
    }
    if let Some(want) = cd.special_slot(REP_SPECIFIC_SLOT).filter(|d| d.iter().any(|&b| b != 0)) {
        let mut trailer = bytes[bytes.len() - KOLY_LEN..].to_vec();
        trailer[KOLY_SIGNATURE_LENGTH..KOLY_SIGNATURE_LENGTH + 8].fill(0);
        if !hash.digest(&trailer).starts_with(want) {
            problems.push(mismatch(
                "the hash of the koly trailer does not match the one signed (special slot 6): the trailer changed \
                 after the image was signed"
                    .into(),
            ));
        }
    }
    if let Some(want) = cd.special_slot(REQUIREMENTS_SLOT).filter(|d| d.iter().any(|&b| b != 0)) {
        let found = sb.find(superblob::Slot::Requirements).and_then(|e| e.bytes(blob));
        if found.is_none_or(|req| !hash.digest(req).starts_with(want)) {
            problems.push(mismatch(
                "the requirements do not match their hash (special slot 2): the signature was altered".into(),
            ));
        }
    }
    problems
}

//! One slice's embedded signature, every blob decoded into facts.
//!
//! Each blob is decoded independently: a malformed requirement set does not hide the
//! entitlements. Problems carry offsets relative to the whole file.

use serde::Serialize;

use super::cms::{self, CmsInfo};
use super::code_directory::{self, CodeDirectory};
use super::constraints::{self, Constraints};
use super::der_plist::{self, DerPlist};
use super::requirement::{self, RequirementEntry};
use super::superblob::{self, BlobEntry, Slot, SuperBlob};
use crate::macho::Range;
use crate::plist::Document;
use crate::Problem;

/// A decoded blob, or why it could not be decoded.
pub type Decoded<T> = Option<Result<T, Problem>>;

/// A CodeDirectory and the slot it was found in.
#[derive(Debug, Clone, Serialize)]
pub struct SlotCodeDirectory {
    pub slot: Slot,
    /// Blob range within the file.
    pub range: Range,
    #[serde(flatten)]
    pub cd: CodeDirectory,
}

/// XML entitlements as stored, and parsed.
#[derive(Debug, Clone)]
pub struct XmlEntitlements {
    /// Blob range within the file.
    pub range: Range,
    pub text: Vec<u8>,
    pub document: Result<Document, Problem>,
}

/// The CMS slot's content.
#[derive(Debug, Clone)]
pub enum CmsBlob {
    /// An empty wrapper: ad-hoc signatures carry one.
    Empty,
    Parsed(Box<CmsInfo>),
    Malformed(Problem),
}

/// How a slice is signed, in codesign's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SigningKind {
    /// No `LC_CODE_SIGNATURE`.
    Unsigned,
    /// The linker's ad-hoc signature (`linker-signed` flag).
    LinkerSigned,
    /// Ad-hoc: no certificate ("Sign to Run Locally").
    Adhoc,
    /// A CMS signature with certificates.
    Certificate,
    /// Signed, but the signature could not be read.
    Malformed,
}

#[derive(Debug, Clone)]
pub struct Signature {
    /// `LC_CODE_SIGNATURE` range within the file.
    pub range: Range,
    pub superblob: Option<SuperBlob>,
    /// Primary first, then alternates in slot order.
    pub code_directories: Vec<SlotCodeDirectory>,
    pub entitlements: Option<XmlEntitlements>,
    pub requirements: Decoded<Vec<RequirementEntry>>,
    pub der_entitlements: Decoded<DerPlist>,
    /// Launch constraints (self, parent, responsible) and library constraints, by slot.
    pub constraints: Vec<(Slot, Result<Constraints, Problem>)>,
    pub cms: Option<CmsBlob>,
    /// Every blob's slot and file range.
    pub blob_ranges: Vec<(Slot, Range)>,
    pub problems: Vec<Problem>,
}

impl Signature {
    /// The CodeDirectory in slot 0.
    pub fn primary(&self) -> Option<&CodeDirectory> {
        self.code_directories.iter().find(|c| c.slot == Slot::CodeDirectory).map(|c| &c.cd)
    }

    /// The CodeDirectory the kernel prefers: the strongest hash type it knows.
    pub fn best(&self) -> Option<&CodeDirectory> {
        self.code_directories.iter().map(|c| &c.cd).max_by_key(|cd| hash_rank(cd))
    }

    /// The entitlements: the XML blob when it parses, else the DER blob.
    pub fn entitlements_value(&self) -> Option<&plist::Value> {
        let xml = self.entitlements.as_ref().and_then(|e| e.document.as_ref().ok()).map(|d| &d.value);
        xml.or_else(|| self.der_entitlements.as_ref()?.as_ref().ok().map(|d| &d.value))
    }

    /// The parsed CMS signature, when certificate-signed.
    pub fn cms_info(&self) -> Option<&CmsInfo> {
        match &self.cms {
            Some(CmsBlob::Parsed(info)) => Some(info),
            _ => None,
        }
    }

    /// The constraints in `slot`, if present and decodable.
    pub fn constraint(&self, slot: Slot) -> Option<&Constraints> {
        self.constraints.iter().find(|(s, _)| *s == slot).and_then(|(_, c)| c.as_ref().ok())
    }

    /// File range of the XML entitlements blob.
    pub fn entitlements_range(&self) -> Option<Range> {
        self.entitlements.as_ref().map(|e| e.range)
    }

    /// The file range of the blob in `slot`.
    pub fn blob_range(&self, slot: Slot) -> Option<Range> {
        self.blob_ranges.iter().find(|(s, _)| *s == slot).map(|(_, r)| *r)
    }
}

/// How a slice is signed: certificate when the CMS blob carries data.
pub fn signing_kind(sig: Option<&Signature>) -> SigningKind {
    let Some(sig) = sig else { return SigningKind::Unsigned };
    let Some(cd) = sig.primary() else { return SigningKind::Malformed };
    if cd.is_linker_signed() {
        return SigningKind::LinkerSigned;
    }
    let cms_len = sig.blob_range(Slot::Signature).map(|r| r.size).unwrap_or(0);
    if cd.is_adhoc() || cms_len <= 8 {
        SigningKind::Adhoc
    } else {
        SigningKind::Certificate
    }
}

fn hash_rank(cd: &CodeDirectory) -> u8 {
    use super::digest::HashType::*;
    match cd.hash_type {
        Some(Sha1) => 1,
        Some(Sha256Truncated) => 2,
        Some(Sha256) => 3,
        Some(Sha384) => 4,
        Some(Sha512) => 5,
        None => 0,
    }
}

/// Decodes the signature of the slice occupying `slice_range` of `file`, whose
/// `LC_CODE_SIGNATURE` is `sig` (slice-relative).
pub fn parse(file: &[u8], slice_range: Range, sig: Range) -> Signature {
    let range = Range { offset: slice_range.offset.saturating_add(sig.offset), size: sig.size };
    let mut out = Signature {
        range,
        superblob: None,
        code_directories: Vec::new(),
        entitlements: None,
        requirements: None,
        der_entitlements: None,
        constraints: Vec::new(),
        cms: None,
        blob_ranges: Vec::new(),
        problems: Vec::new(),
    };
    let Some(region) = range.slice(file).filter(|_| sig.end() <= slice_range.size) else {
        out.problems.push(Problem::at(
            crate::rule_id::MALFORMED_SUPERBLOB,
            range.offset,
            format!("LC_CODE_SIGNATURE points at bytes {:#x}..{:#x}, outside the slice", sig.offset, sig.end()),
        ));
        return out;
    };
    let base = range.offset;
    let (sb, problems) = match superblob::parse(region) {
        Ok(parsed) => parsed,
        Err(p) => {
            out.problems.push(p.rebased(base));
            return out;
        }
    };
    out.problems.extend(problems.into_iter().map(|p| p.rebased(base)));
    let data = &region[..sb.length as usize];
    for blob in &sb.blobs {
        let blob_range = Range { offset: base + u64::from(blob.offset), size: u64::from(blob.length) };
        let at = blob_range.offset;
        out.blob_ranges.push((blob.slot, blob_range));
        let whole = blob.bytes(data).unwrap_or_default();
        let payload = blob.payload(data).unwrap_or_default();
        // Decoders report offsets within what they were given; rebase onto the file.
        let payload_at = at + 8;
        match blob.slot {
            Slot::CodeDirectory | Slot::AlternateCodeDirectory(_) => match code_directory::parse(whole) {
                Ok(cd) => out.code_directories.push(SlotCodeDirectory { slot: blob.slot, range: blob_range, cd }),
                Err(p) => out.problems.push(p.rebased(at)),
            },
            Slot::Entitlements => out.entitlements = Some(xml_entitlements(blob, data, blob_range)),
            Slot::Requirements => {
                out.requirements = Some(requirement::parse_requirement_set(whole).map_err(|p| p.rebased(at)));
            }
            Slot::DerEntitlements => {
                out.der_entitlements =
                    Some(der_plist::decode_der_entitlements(payload).map_err(|p| p.rebased(payload_at)));
            }
            Slot::LaunchConstraintSelf
            | Slot::LaunchConstraintParent
            | Slot::LaunchConstraintResponsible
            | Slot::LibraryConstraint => {
                out.constraints
                    .push((blob.slot, constraints::decode_constraints(payload).map_err(|p| p.rebased(payload_at))));
            }
            Slot::Signature => {
                out.cms = Some(match cms::parse_cms_payload(payload) {
                    Ok(None) => CmsBlob::Empty,
                    Ok(Some(info)) => CmsBlob::Parsed(Box::new(info)),
                    Err(p) => CmsBlob::Malformed(p.rebased(payload_at)),
                });
            }
            _ => {}
        }
        if let Some(p) = unexpected_magic(blob, at) {
            out.problems.push(p);
        }
    }
    out.code_directories.sort_by_key(|c| c.slot);
    out.problems.extend(decode_problems(&out));
    if out.code_directories.is_empty() {
        out.problems.push(Problem::at(
            crate::rule_id::MALFORMED_SUPERBLOB,
            base,
            "signature has no readable CodeDirectory",
        ));
    }
    out.superblob = Some(sb);
    out
}

/// Problems of the blobs decoded above, so every problem is also in [`Signature::problems`].
fn decode_problems(sig: &Signature) -> Vec<Problem> {
    let mut found: Vec<Problem> = Vec::new();
    if let Some(Err(p)) = &sig.requirements {
        found.push(p.clone());
    }
    if let Some(Ok(entries)) = &sig.requirements {
        // Each requirement's problem is located within the set: rebase it onto the file.
        let at = sig.blob_range(Slot::Requirements).map_or(0, |r| r.offset);
        found.extend(entries.iter().filter_map(|e| e.requirement.as_ref().err().map(|p| p.clone().rebased(at))));
    }
    if let Some(Err(p)) = &sig.der_entitlements {
        found.push(p.clone());
    }
    found.extend(sig.constraints.iter().filter_map(|(_, c)| c.as_ref().err().cloned()));
    if let Some(CmsBlob::Malformed(p)) = &sig.cms {
        found.push(p.clone());
    }
    if let Some(CmsBlob::Parsed(info)) = &sig.cms {
        // Certificates and attributes that could not be read leave the rest of the CMS readable;
        // their offsets are within the CMS payload, after the blob's 8-byte header.
        let at = sig.blob_range(Slot::Signature).map_or(0, |r| r.offset + 8);
        let signers = info.signers.iter().flat_map(|s| {
            let stamp = s
                .timestamp
                .iter()
                .flat_map(|t| t.certificate_problems.iter().chain(t.signers.iter().flat_map(|i| &i.problems)));
            s.problems.iter().chain(stamp)
        });
        found.extend(info.certificate_problems.iter().chain(signers).map(|p| p.clone().rebased(at)));
    }
    found
}

fn xml_entitlements(blob: &BlobEntry, data: &[u8], range: Range) -> XmlEntitlements {
    let text = blob.payload(data).unwrap_or_default().to_vec();
    let document = Document::parse(&text)
        .map_err(|p| Problem { code: crate::rule_id::MALFORMED_ENTITLEMENTS, ..p.rebased(range.offset + 8) });
    XmlEntitlements { range, text, document }
}

/// A blob whose magic does not match its slot is reported; it is still indexed.
fn unexpected_magic(blob: &BlobEntry, at: u64) -> Option<Problem> {
    use superblob::*;
    let expected = match blob.slot {
        Slot::CodeDirectory | Slot::AlternateCodeDirectory(_) => MAGIC_CODE_DIRECTORY,
        Slot::Requirements => MAGIC_REQUIREMENT_SET,
        Slot::Entitlements => MAGIC_ENTITLEMENTS,
        Slot::DerEntitlements => MAGIC_DER_ENTITLEMENTS,
        Slot::LaunchConstraintSelf
        | Slot::LaunchConstraintParent
        | Slot::LaunchConstraintResponsible
        | Slot::LibraryConstraint => MAGIC_CONSTRAINTS,
        Slot::Signature => MAGIC_BLOB_WRAPPER,
        _ => return None,
    };
    (blob.magic != expected).then(|| {
        Problem::at(
            crate::rule_id::MALFORMED_SUPERBLOB,
            at,
            format!("blob in slot {} has magic {:#010x}, expected {expected:#010x}", blob.slot.name(), blob.magic),
        )
    })
}

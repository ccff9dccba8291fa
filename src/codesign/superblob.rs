//! The embedded-signature SuperBlob (`0xfade0cc0`): an index of typed blobs.
//!
//! Layout (big-endian): magic, length, count, then `count` × {slot type, offset}. Each offset
//! points, within the SuperBlob, at a blob that starts with its own magic and length.

use serde::Serialize;

use crate::problem::bytes;
use crate::Problem;

pub const MAGIC_EMBEDDED_SIGNATURE: u32 = 0xfade_0cc0;
pub const MAGIC_DETACHED_SIGNATURE: u32 = 0xfade_0cc1;
pub const MAGIC_CODE_DIRECTORY: u32 = 0xfade_0c02;
pub const MAGIC_REQUIREMENT_SET: u32 = 0xfade_0c01;
pub const MAGIC_REQUIREMENT: u32 = 0xfade_0c00;
pub const MAGIC_ENTITLEMENTS: u32 = 0xfade_7171;
pub const MAGIC_DER_ENTITLEMENTS: u32 = 0xfade_7172;
pub const MAGIC_CONSTRAINTS: u32 = 0xfade_8181;
pub const MAGIC_BLOB_WRAPPER: u32 = 0xfade_0b01;

/// Most index entries accepted; real signatures hold a dozen at most.
const MAX_BLOBS: u32 = 64;
const HEADER_SIZE: usize = 12;
const INDEX_ENTRY_SIZE: usize = 8;
const BLOB_HEADER_SIZE: u32 = 8;

/// The slot an index entry names (`CSSLOT_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Slot {
    CodeDirectory,
    Info,
    Requirements,
    ResourceDir,
    Application,
    Entitlements,
    RepSpecific,
    DerEntitlements,
    LaunchConstraintSelf,
    LaunchConstraintParent,
    LaunchConstraintResponsible,
    LibraryConstraint,
    AlternateCodeDirectory(u32),
    Signature,
    Identification,
    Ticket,
    Unknown(u32),
}

impl Slot {
    pub fn from_type(t: u32) -> Slot {
        match t {
            0 => Slot::CodeDirectory,
            1 => Slot::Info,
            2 => Slot::Requirements,
            3 => Slot::ResourceDir,
            4 => Slot::Application,
            5 => Slot::Entitlements,
            6 => Slot::RepSpecific,
            7 => Slot::DerEntitlements,
            8 => Slot::LaunchConstraintSelf,
            9 => Slot::LaunchConstraintParent,
            10 => Slot::LaunchConstraintResponsible,
            11 => Slot::LibraryConstraint,
            0x1000..=0x1004 => Slot::AlternateCodeDirectory(t - 0x1000),
            0x10000 => Slot::Signature,
            0x10001 => Slot::Identification,
            0x10002 => Slot::Ticket,
            other => Slot::Unknown(other),
        }
    }

    /// The slot's name as rcodesign and Apple's headers spell it.
    pub fn name(&self) -> String {
        match self {
            Slot::CodeDirectory => "CodeDirectory".into(),
            Slot::Info => "Info".into(),
            Slot::Requirements => "Requirements".into(),
            Slot::ResourceDir => "ResourceDir".into(),
            Slot::Application => "Application".into(),
            Slot::Entitlements => "Entitlements".into(),
            Slot::RepSpecific => "RepSpecific".into(),
            Slot::DerEntitlements => "DEREntitlements".into(),
            Slot::LaunchConstraintSelf => "LaunchConstraintSelf".into(),
            Slot::LaunchConstraintParent => "LaunchConstraintParent".into(),
            Slot::LaunchConstraintResponsible => "LaunchConstraintResponsible".into(),
            Slot::LibraryConstraint => "LibraryConstraint".into(),
            Slot::AlternateCodeDirectory(n) => format!("AlternateCodeDirectory{n}"),
            Slot::Signature => "CMSSignature".into(),
            Slot::Identification => "Identification".into(),
            Slot::Ticket => "Ticket".into(),
            Slot::Unknown(t) => format!("Unknown({t:#x})"),
        }
    }
}

/// One blob named by the index.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BlobEntry {
    pub slot: Slot,
    pub slot_type: u32,
    /// Offset within the SuperBlob.
    pub offset: u32,
    pub magic: u32,
    /// Length from the blob's own header, including that header.
    pub length: u32,
}

impl BlobEntry {
    /// The whole blob (header included) within the SuperBlob bytes.
    pub fn bytes<'a>(&self, superblob: &'a [u8]) -> Option<&'a [u8]> {
        bytes::range(superblob, self.offset as usize, self.length as usize)
    }

    /// The blob after its 8-byte magic+length header.
    pub fn payload<'a>(&self, superblob: &'a [u8]) -> Option<&'a [u8]> {
        self.bytes(superblob)?.get(BLOB_HEADER_SIZE as usize..)
    }
}

/// The parsed index. Blobs that could not be located are left out and reported.
#[derive(Debug, Clone, Serialize)]
pub struct SuperBlob {
    pub magic: u32,
    pub length: u32,
    pub blobs: Vec<BlobEntry>,
}

impl SuperBlob {
    pub fn find(&self, slot: Slot) -> Option<&BlobEntry> {
        self.blobs.iter().find(|b| b.slot == slot)
    }
}

/// Parses the SuperBlob at the start of `data` (the `LC_CODE_SIGNATURE` region). Offsets in
/// problems are relative to `data`. Returns `Err` when not even the index can be read.
pub fn parse(data: &[u8]) -> Result<(SuperBlob, Vec<Problem>), Problem> {
    let magic =
        bytes::be_u32(data, 0).ok_or_else(|| malformed(0, "signature region shorter than a SuperBlob header"))?;
    if magic != MAGIC_EMBEDDED_SIGNATURE {
        return Err(malformed(
            0,
            format!("SuperBlob magic is {magic:#010x}, expected {MAGIC_EMBEDDED_SIGNATURE:#010x}"),
        ));
    }
    let length = bytes::be_u32(data, 4).ok_or_else(|| malformed(4, "SuperBlob header truncated"))?;
    let count = bytes::be_u32(data, 8).ok_or_else(|| malformed(8, "SuperBlob header truncated"))?;
    if length as usize > data.len() {
        return Err(malformed(
            4,
            format!("SuperBlob length {length} exceeds the {}-byte signature region", data.len()),
        ));
    }
    if count > MAX_BLOBS {
        return Err(malformed(8, format!("SuperBlob claims {count} blobs (at most {MAX_BLOBS} are accepted)")));
    }
    let index_end = HEADER_SIZE + count as usize * INDEX_ENTRY_SIZE;
    if index_end > length as usize {
        return Err(malformed(8, format!("index of {count} blobs does not fit in the {length}-byte SuperBlob")));
    }
    let superblob = &data[..length as usize];
    let mut problems = Vec::new();
    let mut blobs: Vec<BlobEntry> = Vec::new();
    for i in 0..count as usize {
        let at = HEADER_SIZE + i * INDEX_ENTRY_SIZE;
        let (Some(slot_type), Some(offset)) = (bytes::be_u32(superblob, at), bytes::be_u32(superblob, at + 4)) else {
            continue;
        };
        match read_blob(superblob, slot_type, offset, index_end) {
            Ok(entry) => {
                if let Some(clash) = blobs.iter().find(|b| overlaps(b, &entry)) {
                    problems.push(malformed(
                        at as u64,
                        format!(
                            "blob {} at {offset:#x} overlaps blob {} at {:#x}",
                            entry.slot.name(),
                            clash.slot.name(),
                            clash.offset
                        ),
                    ));
                    continue;
                }
                if blobs.iter().any(|b| b.slot == entry.slot) {
                    problems
                        .push(malformed(at as u64, format!("slot {} appears twice in the index", entry.slot.name())));
                    continue;
                }
                blobs.push(entry);
            }
            Err(p) => problems.push(p),
        }
    }
    Ok((SuperBlob { magic, length, blobs }, problems))
}

/// Builds a SuperBlob from (slot type, blob) pairs, in the given order. Used to read the
/// signature of code-less bundles, whose blobs are stored as separate files.
pub fn assemble(blobs: &[(u32, Vec<u8>)]) -> Vec<u8> {
    let header = HEADER_SIZE + blobs.len() * INDEX_ENTRY_SIZE;
    let total = header + blobs.iter().map(|(_, b)| b.len()).sum::<usize>();
    let mut out = Vec::with_capacity(total);
    out.extend_from_slice(&MAGIC_EMBEDDED_SIGNATURE.to_be_bytes());
    out.extend_from_slice(&u32::try_from(total).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(&u32::try_from(blobs.len()).unwrap_or(u32::MAX).to_be_bytes());
    let mut offset = header;
    for (slot, blob) in blobs {
        out.extend_from_slice(&slot.to_be_bytes());
        out.extend_from_slice(&u32::try_from(offset).unwrap_or(u32::MAX).to_be_bytes());
        offset += blob.len();
    }
    for (_, blob) in blobs {
        out.extend_from_slice(blob);
    }
    out
}

fn read_blob(superblob: &[u8], slot_type: u32, offset: u32, index_end: usize) -> Result<BlobEntry, Problem> {
    let slot = Slot::from_type(slot_type);
    if (offset as usize) < index_end {
        return Err(malformed(
            u64::from(offset),
            format!("blob {} starts at {offset:#x}, inside the SuperBlob index", slot.name()),
        ));
    }
    let magic = bytes::be_u32(superblob, offset as usize);
    let length = bytes::be_u32(superblob, offset as usize + 4);
    let (Some(magic), Some(length)) = (magic, length) else {
        return Err(malformed(
            u64::from(offset),
            format!("blob {} at {offset:#x} lies outside the SuperBlob", slot.name()),
        ));
    };
    if length < BLOB_HEADER_SIZE || u64::from(offset) + u64::from(length) > superblob.len() as u64 {
        return Err(malformed(
            u64::from(offset),
            format!(
                "blob {} at {offset:#x} claims {length} bytes; the SuperBlob holds {}",
                slot.name(),
                superblob.len()
            ),
        ));
    }
    Ok(BlobEntry { slot, slot_type, offset, magic, length })
}

fn overlaps(a: &BlobEntry, b: &BlobEntry) -> bool {
    let (a0, a1) = (u64::from(a.offset), u64::from(a.offset) + u64::from(a.length));
    let (b0, b1) = (u64::from(b.offset), u64::from(b.offset) + u64::from(b.length));
    a0 < b1 && b0 < a1
}

fn malformed(offset: u64, message: impl Into<String>) -> Problem {
    Problem::at(crate::rule_id::MALFORMED_SUPERBLOB, offset, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn superblob(entries: &[(u32, &[u8])]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut body = Vec::new();
        let header = 12 + entries.len() * 8;
        for (slot, blob) in entries {
            index.extend_from_slice(&slot.to_be_bytes());
            index.extend_from_slice(&((header + body.len()) as u32).to_be_bytes());
            body.extend_from_slice(blob);
        }
        let mut out = Vec::new();
        out.extend_from_slice(&MAGIC_EMBEDDED_SIGNATURE.to_be_bytes());
        out.extend_from_slice(&((header + body.len()) as u32).to_be_bytes());
        out.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        out.extend(index);
        out.extend(body);
        out
    }

    fn blob(magic: u32, payload: &[u8]) -> Vec<u8> {
        let mut b = magic.to_be_bytes().to_vec();
        b.extend_from_slice(&((payload.len() + 8) as u32).to_be_bytes());
        b.extend_from_slice(payload);
        b
    }

    #[test]
    fn reads_the_index() {
        let cms = blob(MAGIC_BLOB_WRAPPER, b"");
        let ent = blob(MAGIC_ENTITLEMENTS, b"<plist/>");
        let data = superblob(&[(0x10000, &cms), (5, &ent)]);
        let (sb, problems) = parse(&data).unwrap();
        assert!(problems.is_empty());
        assert_eq!(sb.blobs.len(), 2);
        assert_eq!(sb.find(Slot::Entitlements).unwrap().payload(&data).unwrap(), b"<plist/>");
        assert_eq!(sb.find(Slot::Signature).unwrap().payload(&data).unwrap(), b"");
    }

    #[test]
    fn overlapping_and_outside_blobs_are_problems() {
        let ent = blob(MAGIC_ENTITLEMENTS, b"abc");
        let mut data = superblob(&[(5, &ent), (7, &ent)]);
        // Point the second entry at the first blob.
        let first = u32::from_be_bytes(data[16..20].try_into().unwrap());
        data[24..28].copy_from_slice(&first.to_be_bytes());
        let (sb, problems) = parse(&data).unwrap();
        assert_eq!(sb.blobs.len(), 1);
        assert_eq!(problems[0].code, "malformed-superblob");

        let mut data = superblob(&[(5, &ent)]);
        data[16..20].copy_from_slice(&0xffff_fff0u32.to_be_bytes());
        let (sb, problems) = parse(&data).unwrap();
        assert!(sb.blobs.is_empty());
        assert_eq!(problems.len(), 1);
    }

    #[test]
    fn huge_counts_are_refused() {
        let mut data = superblob(&[]);
        data[8..12].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(parse(&data).is_err());
    }
}

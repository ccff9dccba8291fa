//! CodeDirectory blobs (`0xfade0c02`): every field of every version, and the cdhash.
//!
//! Fields are added by version; a field newer than the blob's version is `None`. Offsets inside
//! the blob (identifier, team, hashes) are checked against the blob's own length.

use serde::Serialize;

use super::digest::HashType;
use super::superblob::MAGIC_CODE_DIRECTORY;
use crate::problem::bytes;
use crate::Problem;

pub const VERSION_SCATTER: u32 = 0x20100;
pub const VERSION_TEAM: u32 = 0x20200;
pub const VERSION_CODE_LIMIT_64: u32 = 0x20300;
pub const VERSION_EXEC_SEG: u32 = 0x20400;
pub const VERSION_RUNTIME: u32 = 0x20500;
pub const VERSION_LINKAGE: u32 = 0x20600;
/// The oldest version the kernel accepts.
pub const VERSION_EARLIEST: u32 = 0x20001;

/// Most special slots a CodeDirectory may declare (Apple defines 11; leave room for new ones).
const MAX_SPECIAL_SLOTS: u32 = 64;

/// `CS_*` CodeDirectory flag bits and the names codesign prints for them.
pub const FLAG_NAMES: &[(u32, &str)] = &[
    (0x0001, "host"),
    (0x0002, "adhoc"),
    (0x0100, "hard"),
    (0x0200, "kill"),
    (0x0400, "expires"),
    (0x0800, "restrict"),
    (0x1000, "enforcement"),
    (0x2000, "library-validation"),
    (0x10000, "runtime"),
    (0x20000, "linker-signed"),
];
pub const FLAG_ADHOC: u32 = 0x0002;
pub const FLAG_RUNTIME: u32 = 0x10000;
pub const FLAG_LINKER_SIGNED: u32 = 0x20000;

/// `CS_EXECSEG_*` bits.
pub const EXEC_SEG_FLAG_NAMES: &[(u64, &str)] = &[
    (0x1, "main-binary"),
    (0x10, "allow-unsigned"),
    (0x20, "debugger"),
    (0x40, "jit"),
    (0x80, "skip-library-validation"),
    (0x100, "can-load-cdhash"),
    (0x200, "can-exec-cdhash"),
];

/// Names of the set bits of `value`, in table order; unknown bits as hex.
pub fn flag_names<T>(value: T, table: &[(T, &str)]) -> Vec<String>
where
    T: Copy + std::ops::BitAnd<Output = T> + std::ops::Not<Output = T> + PartialEq + Default + std::fmt::LowerHex,
{
    let mut names = Vec::new();
    let mut rest = value;
    for &(bit, name) in table {
        if value & bit != T::default() {
            names.push(name.to_owned());
            rest = rest & !bit;
        }
    }
    if rest != T::default() {
        names.push(format!("{rest:#x}"));
    }
    names
}

/// A parsed CodeDirectory.
#[derive(Debug, Clone, Serialize)]
pub struct CodeDirectory {
    pub version: u32,
    pub flags: u32,
    pub flag_names: Vec<String>,
    pub hash_offset: u32,
    pub ident_offset: u32,
    pub n_special_slots: u32,
    pub n_code_slots: u32,
    pub code_limit: u32,
    pub hash_size: u8,
    /// Raw `hashType` byte.
    pub hash_type_code: u8,
    /// `None` when the byte names no known algorithm.
    pub hash_type: Option<HashType>,
    pub platform: u8,
    /// `pageSize` as stored: log2 of the page size, 0 meaning one "page" for the whole code.
    pub page_size_log2: u8,
    pub scatter_offset: Option<u32>,
    pub team_offset: Option<u32>,
    pub code_limit_64: Option<u64>,
    pub exec_seg_base: Option<u64>,
    pub exec_seg_limit: Option<u64>,
    pub exec_seg_flags: Option<u64>,
    pub exec_seg_flag_names: Vec<String>,
    /// Hardened-runtime version, nibble-encoded like Mach-O versions.
    pub runtime: Option<u32>,
    pub pre_encrypt_offset: Option<u32>,
    pub linkage_hash_type: Option<u8>,
    pub linkage_application_type: Option<u8>,
    pub linkage_application_subtype: Option<u16>,
    pub linkage_offset: Option<u32>,
    pub linkage_size: Option<u32>,
    /// The signing identifier, decoded lossily; see [`CodeDirectory::identifier_raw`].
    pub identifier: String,
    /// The identifier's exact bytes (without the NUL): rules look for spaces and control bytes.
    #[serde(skip)]
    pub identifier_raw: Vec<u8>,
    pub team_id: Option<String>,
    /// Special slot digests, index 0 = slot 1 (Info.plist), as stored (all-zero = absent).
    #[serde(skip)]
    pub special_slots: Vec<Vec<u8>>,
    /// Code page digests in order.
    #[serde(skip)]
    pub code_slots_range: (usize, usize),
    /// Digest of the whole blob with its own hash type (the full cdhash).
    pub cdhash: Option<String>,
    /// The first 20 bytes of [`CodeDirectory::cdhash`], as codesign prints `CDHash=`.
    pub cdhash_truncated: Option<String>,
    /// Length of the blob.
    pub length: u32,
}

impl CodeDirectory {
    /// Page size in bytes; `None` for the "single page" form (`pageSize` 0).
    pub fn page_size(&self) -> Option<u64> {
        match self.page_size_log2 {
            0 => None,
            n if n < 32 => Some(1u64 << n),
            _ => None,
        }
    }

    /// The effective code limit (the 64-bit field when set).
    pub fn effective_code_limit(&self) -> u64 {
        match self.code_limit_64 {
            Some(l) if l != 0 => l,
            _ => u64::from(self.code_limit),
        }
    }

    /// Special slot numbers (1 = Info.plist …) whose digest is not all zeros.
    pub fn special_slots_present(&self) -> Vec<u32> {
        self.special_slots
            .iter()
            .enumerate()
            .filter(|(_, d)| d.iter().any(|&b| b != 0))
            .map(|(i, _)| i as u32 + 1)
            .collect()
    }

    /// Digest stored for special slot `n` (1-based), if declared.
    /// Whether the directory binds neither an Info.plist (slot 1) nor sealed resources (slot 3):
    /// a signature made for a bare file (by the linker, or `codesign` on the file alone), which is
    /// not a bundle signature even when the file is a bundle's main executable.
    pub fn is_bare_file_signature(&self) -> bool {
        let empty = |n| self.special_slot(n).is_none_or(|d| d.iter().all(|&b| b == 0));
        empty(1) && empty(3)
    }

    pub fn special_slot(&self, n: u32) -> Option<&[u8]> {
        self.special_slots.get((n as usize).checked_sub(1)?).map(Vec::as_slice)
    }

    /// The code page digests, given the blob bytes they were parsed from.
    pub fn code_slots<'a>(&self, blob: &'a [u8]) -> impl Iterator<Item = &'a [u8]> + 'a {
        let (start, end) = self.code_slots_range;
        let size = usize::from(self.hash_size).max(1);
        blob.get(start..end).unwrap_or(&[]).chunks_exact(size)
    }

    pub fn is_adhoc(&self) -> bool {
        self.flags & FLAG_ADHOC != 0
    }

    pub fn is_linker_signed(&self) -> bool {
        self.flags & FLAG_LINKER_SIGNED != 0
    }

    pub fn has_runtime(&self) -> bool {
        self.flags & FLAG_RUNTIME != 0
    }

    /// The runtime version as text (`14.0.0`), when present and non-zero.
    pub fn runtime_version(&self) -> Option<String> {
        self.runtime.filter(|&r| r != 0).map(|r| format!("{}.{}.{}", r >> 16, (r >> 8) & 0xff, r & 0xff))
    }
}

/// Parses a CodeDirectory blob (header included). Offsets in problems are relative to `blob`.
pub fn parse(blob: &[u8]) -> Result<CodeDirectory, Problem> {
    let magic = field_u32(blob, 0)?;
    if magic != MAGIC_CODE_DIRECTORY {
        return Err(malformed(
            0,
            format!("CodeDirectory magic is {magic:#010x}, expected {MAGIC_CODE_DIRECTORY:#010x}"),
        ));
    }
    let length = field_u32(blob, 4)?;
    if length as usize > blob.len() {
        return Err(malformed(4, format!("CodeDirectory length {length} exceeds its {}-byte blob", blob.len())));
    }
    let blob = &blob[..length as usize];
    let version = field_u32(blob, 8)?;
    if version < VERSION_EARLIEST {
        return Err(malformed(
            8,
            format!("CodeDirectory version {version:#x} is older than the earliest supported {VERSION_EARLIEST:#x}"),
        ));
    }
    let since = |v: u32| version >= v;
    let flags = field_u32(blob, 12)?;
    let hash_offset = field_u32(blob, 16)?;
    let ident_offset = field_u32(blob, 20)?;
    let n_special_slots = field_u32(blob, 24)?;
    let n_code_slots = field_u32(blob, 28)?;
    let code_limit = field_u32(blob, 32)?;
    let hash_size = field_u8(blob, 36)?;
    let hash_type_code = field_u8(blob, 37)?;
    let platform = field_u8(blob, 38)?;
    let page_size_log2 = field_u8(blob, 39)?;
    let scatter_offset = optional(since(VERSION_SCATTER), || field_u32(blob, 44))?;
    let team_offset = optional(since(VERSION_TEAM), || field_u32(blob, 48))?;
    let code_limit_64 = optional(since(VERSION_CODE_LIMIT_64), || field_u64(blob, 56))?;
    let exec_seg_base = optional(since(VERSION_EXEC_SEG), || field_u64(blob, 64))?;
    let exec_seg_limit = optional(since(VERSION_EXEC_SEG), || field_u64(blob, 72))?;
    let exec_seg_flags = optional(since(VERSION_EXEC_SEG), || field_u64(blob, 80))?;
    let runtime = optional(since(VERSION_RUNTIME), || field_u32(blob, 88))?;
    let pre_encrypt_offset = optional(since(VERSION_RUNTIME), || field_u32(blob, 92))?;
    let linkage_hash_type = optional(since(VERSION_LINKAGE), || field_u8(blob, 96))?;
    let linkage_application_type = optional(since(VERSION_LINKAGE), || field_u8(blob, 97))?;
    let linkage_application_subtype = optional(since(VERSION_LINKAGE), || field_u16(blob, 98))?;
    let linkage_offset = optional(since(VERSION_LINKAGE), || field_u32(blob, 100))?;
    let linkage_size = optional(since(VERSION_LINKAGE), || field_u32(blob, 104))?;

    let hash_type = HashType::from_code(hash_type_code);
    if hash_size == 0 {
        return Err(malformed(36, "CodeDirectory hashSize is 0"));
    }
    if n_special_slots > MAX_SPECIAL_SLOTS {
        return Err(malformed(24, format!("CodeDirectory declares {n_special_slots} special slots")));
    }
    let identifier_raw = bytes::c_str(blob, ident_offset as usize)
        .ok_or_else(|| {
            malformed(
                20,
                format!("identifier at {ident_offset:#x} is not a NUL-terminated string inside the CodeDirectory"),
            )
        })?
        .to_vec();
    let team_id = match team_offset {
        Some(0) | None => None,
        Some(off) => Some(
            String::from_utf8_lossy(bytes::c_str(blob, off as usize).ok_or_else(|| {
                malformed(
                    48,
                    format!("team identifier at {off:#x} is not a NUL-terminated string inside the CodeDirectory"),
                )
            })?)
            .into_owned(),
        ),
    };
    let size = usize::from(hash_size);
    let special_start = (hash_offset as usize).checked_sub(n_special_slots as usize * size).ok_or_else(|| {
        malformed(
            16,
            format!("{n_special_slots} special slots of {size} bytes do not fit before hashOffset {hash_offset:#x}"),
        )
    })?;
    let special_slots: Vec<Vec<u8>> = (0..n_special_slots as usize)
        .map(|i| {
            // Slot n is stored n digests before hashOffset.
            let at = hash_offset as usize - (i + 1) * size;
            blob.get(at..at + size).map(<[u8]>::to_vec)
        })
        .collect::<Option<_>>()
        .ok_or_else(|| malformed(special_start as u64, "special slot digests lie outside the CodeDirectory"))?;
    let code_end = (n_code_slots as usize)
        .checked_mul(size)
        .and_then(|n| n.checked_add(hash_offset as usize))
        .filter(|&end| end <= blob.len())
        .ok_or_else(|| malformed(28, format!("{n_code_slots} code slots of {size} bytes at {hash_offset:#x} overflow the {length}-byte CodeDirectory")))?;
    let cdhash = hash_type.map(|t| t.digest(blob));
    Ok(CodeDirectory {
        version,
        flags,
        flag_names: flag_names(flags, FLAG_NAMES),
        hash_offset,
        ident_offset,
        n_special_slots,
        n_code_slots,
        code_limit,
        hash_size,
        hash_type_code,
        hash_type,
        platform,
        page_size_log2,
        scatter_offset,
        team_offset,
        code_limit_64,
        exec_seg_base,
        exec_seg_limit,
        exec_seg_flags,
        exec_seg_flag_names: exec_seg_flags.map(|f| flag_names(f, EXEC_SEG_FLAG_NAMES)).unwrap_or_default(),
        runtime,
        pre_encrypt_offset,
        linkage_hash_type,
        linkage_application_type,
        linkage_application_subtype,
        linkage_offset,
        linkage_size,
        identifier: String::from_utf8_lossy(&identifier_raw).into_owned(),
        identifier_raw,
        team_id,
        special_slots,
        code_slots_range: (hash_offset as usize, code_end),
        cdhash_truncated: cdhash.as_ref().map(|h| hex::encode(&h[..h.len().min(20)])),
        cdhash: cdhash.map(hex::encode),
        length,
    })
}

fn optional<T>(present: bool, read: impl FnOnce() -> Result<T, Problem>) -> Result<Option<T>, Problem> {
    if present {
        read().map(Some)
    } else {
        Ok(None)
    }
}

fn field_u8(blob: &[u8], at: usize) -> Result<u8, Problem> {
    bytes::u8_at(blob, at).ok_or_else(|| truncated(at))
}

fn field_u16(blob: &[u8], at: usize) -> Result<u16, Problem> {
    bytes::range(blob, at, 2).map(|b| u16::from_be_bytes([b[0], b[1]])).ok_or_else(|| truncated(at))
}

fn field_u32(blob: &[u8], at: usize) -> Result<u32, Problem> {
    bytes::be_u32(blob, at).ok_or_else(|| truncated(at))
}

fn field_u64(blob: &[u8], at: usize) -> Result<u64, Problem> {
    bytes::be_u64(blob, at).ok_or_else(|| truncated(at))
}

fn truncated(at: usize) -> Problem {
    malformed(at as u64, format!("CodeDirectory ends before the field at offset {at:#x} its version requires"))
}

fn malformed(offset: u64, message: impl Into<String>) -> Problem {
    Problem::at(crate::rule_id::MALFORMED_CODE_DIRECTORY, offset, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-0x20400 CodeDirectory with two special slots and two code slots.
    pub(crate) fn sample() -> Vec<u8> {
        let ident = b"com.example.tool\0";
        let team = b"ABCDE12345\0";
        let header = 88usize;
        let ident_off = header;
        let team_off = ident_off + ident.len();
        let hash_off = team_off + team.len() + 2 * 32;
        let len = hash_off + 2 * 32;
        let mut b = vec![0u8; len];
        let put32 = |b: &mut Vec<u8>, at: usize, v: u32| b[at..at + 4].copy_from_slice(&v.to_be_bytes());
        put32(&mut b, 0, MAGIC_CODE_DIRECTORY);
        put32(&mut b, 4, len as u32);
        put32(&mut b, 8, 0x20400);
        put32(&mut b, 12, FLAG_ADHOC | FLAG_RUNTIME);
        put32(&mut b, 16, hash_off as u32);
        put32(&mut b, 20, ident_off as u32);
        put32(&mut b, 24, 2);
        put32(&mut b, 28, 2);
        put32(&mut b, 32, 5000);
        b[36] = 32;
        b[37] = 2;
        b[39] = 12;
        put32(&mut b, 48, team_off as u32);
        b[64..72].copy_from_slice(&0u64.to_be_bytes());
        b[72..80].copy_from_slice(&4096u64.to_be_bytes());
        b[80..88].copy_from_slice(&1u64.to_be_bytes());
        b[ident_off..ident_off + ident.len()].copy_from_slice(ident);
        b[team_off..team_off + team.len()].copy_from_slice(team);
        // Slot 2 (requirements) set, slot 1 empty.
        b[hash_off - 64..hash_off - 32].fill(0xaa);
        b
    }

    #[test]
    fn reads_every_field() {
        let cd = parse(&sample()).unwrap();
        assert_eq!(cd.identifier, "com.example.tool");
        assert_eq!(cd.team_id.as_deref(), Some("ABCDE12345"));
        assert_eq!(cd.flag_names, ["adhoc", "runtime"]);
        assert_eq!(cd.hash_type, Some(HashType::Sha256));
        assert_eq!(cd.page_size(), Some(4096));
        assert_eq!(cd.special_slots_present(), [2]);
        assert_eq!(cd.exec_seg_flag_names, ["main-binary"]);
        assert_eq!(cd.runtime, None);
        assert_eq!(cd.code_slots(&sample()).count(), 2);
        assert_eq!(cd.cdhash.as_ref().unwrap().len(), 64);
        assert_eq!(cd.cdhash_truncated.as_ref().unwrap().len(), 40);
    }

    #[test]
    fn every_truncation_and_bit_flip_is_handled() {
        let good = sample();
        for len in 0..good.len() {
            let _ = parse(&good[..len]);
        }
        for i in 0..good.len() * 8 {
            let mut bad = good.clone();
            bad[i / 8] ^= 1 << (i % 8);
            let _ = parse(&bad);
        }
    }

    #[test]
    fn slot_counts_that_overflow_are_problems() {
        let mut bad = sample();
        bad[28..32].copy_from_slice(&u32::MAX.to_be_bytes());
        assert_eq!(parse(&bad).unwrap_err().code, "malformed-code-directory");
    }
}

//! Finding the filesystem on a virtual disk: partition maps (GPT, Apple partition map, MBR) or a
//! filesystem written to the whole disk, told apart by their signatures.

use std::io::{Read, Seek, SeekFrom};

/// Most partition entries looked at in one map.
const MAX_PARTITIONS: u64 = 256;

/// What a range of the disk holds, by its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Filesystem {
    HfsPlus,
    Apfs,
    Fat,
    /// Classic HFS (`BD`), ISO 9660 and anything else without a reader here.
    Other,
}

impl Filesystem {
    pub fn name(self) -> &'static str {
        match self {
            Filesystem::HfsPlus => "HFS+",
            Filesystem::Apfs => "APFS",
            Filesystem::Fat => "FAT",
            Filesystem::Other => "unknown",
        }
    }
}

/// A byte range of the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub start: u64,
    pub len: u64,
}

/// The filesystem signature at `start`: HFS+/HFSX at +1024, APFS `NXSB` at +32, FAT boot sector.
pub fn sniff(disk: &mut (impl Read + Seek), start: u64) -> Option<Filesystem> {
    let head = read_at(disk, start, 1040)?;
    if matches!(head.get(1024..1026), Some(b"H+") | Some(b"HX")) {
        return Some(Filesystem::HfsPlus);
    }
    if head.get(32..36) == Some(b"NXSB") {
        return Some(Filesystem::Apfs);
    }
    let fat =
        head.get(54..59) == Some(b"FAT12") || head.get(54..59) == Some(b"FAT16") || head.get(82..87) == Some(b"FAT32");
    if fat && head.get(510..512) == Some(&[0x55, 0xaa]) {
        return Some(Filesystem::Fat);
    }
    None
}

/// Every partition the disk's map lists (GPT, then APM, then MBR), as byte ranges. Empty when
/// the disk has no map.
pub fn partitions(disk: &mut (impl Read + Seek), disk_len: u64) -> Vec<Extent> {
    let mut found = gpt(disk).or_else(|| apm(disk)).or_else(|| mbr(disk)).unwrap_or_default();
    found.retain(|e| e.len > 0 && e.start.checked_add(e.len).is_some_and(|end| end <= disk_len));
    found
}

fn read_at(disk: &mut (impl Read + Seek), at: u64, len: usize) -> Option<Vec<u8>> {
    disk.seek(SeekFrom::Start(at)).ok()?;
    let mut buf = Vec::with_capacity(len);
    disk.take(len as u64).read_to_end(&mut buf).ok()?;
    (buf.len() == len).then_some(buf)
}

fn le_u32(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 4).map_or(0, |s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as u64)
}

fn le_u64(b: &[u8], at: usize) -> u64 {
    b.get(at..at + 8).map_or(0, |s| u64::from_le_bytes(s.try_into().unwrap_or([0; 8])))
}

fn be_u32(b: &[u8], at: usize) -> u64 {
    crate::problem::bytes::be_u32(b, at).unwrap_or(0) as u64
}

/// GPT: header `EFI PART` at LBA 1, entries of `entry_size` bytes from `entries_lba`.
fn gpt(disk: &mut (impl Read + Seek)) -> Option<Vec<Extent>> {
    let header = read_at(disk, 512, 512)?;
    if !header.starts_with(b"EFI PART") {
        return None;
    }
    let entries_lba = le_u64(&header, 72);
    let count = le_u32(&header, 80).min(MAX_PARTITIONS);
    let size = le_u32(&header, 84);
    if !(128..=4096).contains(&size) {
        return Some(Vec::new());
    }
    let table = read_at(disk, entries_lba.checked_mul(512)?, (count * size) as usize)?;
    Some(
        table
            .chunks(size as usize)
            .filter(|e| e[..16].iter().any(|&b| b != 0))
            .filter_map(|e| {
                let (first, last) = (le_u64(e, 32), le_u64(e, 40));
                let len = last.checked_sub(first)?.checked_add(1)?.checked_mul(512)?;
                Some(Extent { start: first.checked_mul(512)?, len })
            })
            .collect(),
    )
}

/// Apple partition map: `PM` entries of 512 bytes from block 1, block size from the `ER` block.
fn apm(disk: &mut (impl Read + Seek)) -> Option<Vec<Extent>> {
    let ddm = read_at(disk, 0, 512)?;
    let block = if ddm.starts_with(b"ER") { (be_u32(&ddm, 0) & 0xffff).max(512) } else { 512 };
    let first = read_at(disk, block, 512)?;
    if !first.starts_with(b"PM") {
        return None;
    }
    let count = be_u32(&first, 4).min(MAX_PARTITIONS);
    let mut out = Vec::new();
    for i in 1..=count {
        let Some(entry) = read_at(disk, i * block, 512) else { break };
        if !entry.starts_with(b"PM") {
            break;
        }
        let (start, blocks) = (be_u32(&entry, 8), be_u32(&entry, 12));
        if let (Some(start), Some(len)) = (start.checked_mul(block), blocks.checked_mul(block)) {
            out.push(Extent { start, len });
        }
    }
    Some(out)
}

/// MBR: four entries at 446, when the boot signature is there.
fn mbr(disk: &mut (impl Read + Seek)) -> Option<Vec<Extent>> {
    let sector = read_at(disk, 0, 512)?;
    if sector.get(510..512) != Some(&[0x55, 0xaa]) {
        return None;
    }
    Some(
        (0..4)
            .map(|i| &sector[446 + 16 * i..462 + 16 * i])
            .filter(|e| e[4] != 0)
            .map(|e| Extent { start: le_u32(e, 8) * 512, len: le_u32(e, 12) * 512 })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Cursor;

    #[test]
    fn reads_an_mbr_and_sniffs_hfs() {
        let mut disk = vec![0u8; 8192];
        disk[446 + 4] = 0xaf;
        disk[446 + 8..446 + 12].copy_from_slice(&4u32.to_le_bytes());
        disk[446 + 12..446 + 16].copy_from_slice(&12u32.to_le_bytes());
        disk[510] = 0x55;
        disk[511] = 0xaa;
        disk[2048 + 1024..2048 + 1026].copy_from_slice(b"H+");
        let mut c = Cursor::new(disk);
        assert_eq!(partitions(&mut c, 8192), [Extent { start: 2048, len: 6144 }]);
        assert_eq!(sniff(&mut c, 2048), Some(Filesystem::HfsPlus));
        assert_eq!(sniff(&mut c, 0), None);
    }

    #[test]
    fn a_partition_past_the_disk_is_dropped() {
        let mut disk = vec![0u8; 1024];
        disk[446 + 4] = 0xaf;
        disk[446 + 8..446 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        disk[446 + 12..446 + 16].copy_from_slice(&u32::MAX.to_le_bytes());
        disk[510] = 0x55;
        disk[511] = 0xaa;
        assert!(partitions(&mut Cursor::new(disk), 1024).is_empty());
    }
}

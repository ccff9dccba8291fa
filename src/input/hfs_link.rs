//! HFS+ hard links (TN1150, "Hard Links"). A hard-linked file is stored once, as `iNode<N>` in
//! the hidden directory `\0\0\0\0HFS+ Private Data` at the root of the volume; each of its names
//! is an empty file record of type `hlnk` and creator `hfs+` whose BSD `special` field holds N.
//! A directory hard link (Time Machine's) is a file record of type `fdrp` and creator `MACS`
//! standing for `dir_<N>` in `.HFS+ Private Directory Data\r`.
//!
//! The `hfsplus` crate reads neither: its records leave out the Finder type and creator, and its
//! name comparison sorts the NULs of the hidden directory's name first where the volume's (Apple's
//! FastUnicodeCompare) sorts them last, so a path through that directory is never found. Here the
//! link record is read raw from the catalog B-tree, and the target is found by its directory's
//! catalog ID, which needs no name comparison across the NULs.

use std::io::{Read, Seek, Write};

use hfsplus::btree::{self, BTreeHeaderRecord};
use hfsplus::catalog::{self, CatalogFile, CatalogRecord};
use hfsplus::{unicode, VolumeHeader};

/// The hidden directory holding hard-linked files.
pub const FILE_LINKS_DIR: &str = "\0\0\0\0HFS+ Private Data";
/// The hidden directory holding hard-linked directories.
pub const DIR_LINKS_DIR: &str = ".HFS+ Private Directory Data\r";

/// Offsets in a catalog file record (`HFSPlusCatalogFile`), from its record type.
const RECORD_TYPE_FILE: u16 = 2;
const SPECIAL_AT: usize = 44;
const FINDER_TYPE_AT: usize = 48;
const FINDER_CREATOR_AT: usize = 52;

/// What a file record stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Record {
    /// A file with contents of its own (or a symlink).
    Plain,
    /// A hard link to `iNode<N>`.
    FileLink(u32),
    /// A hard link to the directory `dir_<N>`.
    DirLink(u32),
}

/// The volume's catalog, as read through `reader`.
pub struct Catalog<'a, R> {
    pub reader: &'a mut R,
    pub header: &'a VolumeHeader,
    pub tree: &'a BTreeHeaderRecord,
}

impl<R: Read + Seek> Catalog<'_, R> {
    /// What the file record `name` in the directory with catalog ID `parent` stands for.
    pub fn classify(&mut self, parent: u32, name: &str) -> Result<Record, String> {
        let wanted = unicode::string_to_utf16(name);
        let hfsx = self.header.is_hfsx;
        let compare = |record: &[u8]| -> hfsplus::Result<std::cmp::Ordering> {
            let (key_parent, key_name, _) =
                parse_key(record).ok_or_else(|| hfsplus::HfsPlusError::InvalidBTree("catalog key too short".into()))?;
            Ok(key_parent.cmp(&parent).then_with(|| {
                if hfsx {
                    unicode::compare_binary(&key_name, &wanted)
                } else {
                    unicode::compare_case_insensitive(&key_name, &wanted)
                }
            }))
        };
        let found = btree::search_btree(self.reader, self.tree, &compare).map_err(|e| e.to_string())?;
        let Some((node, index)) = found else { return Ok(Record::Plain) };
        let raw = node.record_data(index).map_err(|e| e.to_string())?;
        let record = parse_key(raw).and_then(|(_, _, at)| raw.get(at..)).unwrap_or_default();
        Ok(classify_record(record))
    }

    /// The record of `iNode<number>` in the hidden directory with catalog ID `links_dir`.
    pub fn link_target(&mut self, links_dir: u32, number: u32) -> Result<CatalogFile, String> {
        let name = format!("iNode{number}");
        match catalog::lookup_catalog(self.reader, self.header, self.tree, links_dir, &name) {
            Ok(Some(CatalogRecord::File(file))) => Ok(file),
            Ok(_) => Err(format!("its target `{name}` is missing from the volume's hard-link directory")),
            Err(e) => Err(format!("its target `{name}` cannot be found: {e}")),
        }
    }

    /// Streams the data fork of `file` to `out`; fails when it is compressed (its contents are
    /// then in an attribute and a resource fork) or shorter than its recorded length.
    pub fn read_data(&mut self, file: &CatalogFile, out: &mut dyn Write) -> Result<(), String> {
        let header = self.header;
        if header.attributes_file.logical_size > 0 {
            let attributes = btree::read_btree_header(self.reader, &header.attributes_file, header.block_size)
                .map_err(|e| e.to_string())?;
            let compressed = hfsplus::attributes::lookup(self.reader, &attributes, file.file_id, "com.apple.decmpfs")
                .map_err(|e| e.to_string())?;
            if compressed.is_some() {
                return Err("its target is stored compressed (decmpfs), which is not read through a hard link".into());
            }
        }
        let extents = btree::read_btree_header(self.reader, &header.extents_file, header.block_size)
            .map_err(|e| e.to_string())?;
        let mut out = out;
        let read =
            hfsplus::extents::read_fork_data(self.reader, header, &extents, &file.data_fork, file.file_id, &mut out)
                .map_err(|e| e.to_string())?;
        if read != file.data_fork.logical_size {
            return Err(format!("its target holds {read} of its {} bytes", file.data_fork.logical_size));
        }
        Ok(())
    }
}

/// A catalog key's parent ID and name, and where the record after it starts.
fn parse_key(raw: &[u8]) -> Option<(u32, Vec<u16>, usize)> {
    let key_len = usize::from(u16::from_be_bytes(raw.get(0..2)?.try_into().ok()?));
    let parent = u32::from_be_bytes(raw.get(2..6)?.try_into().ok()?);
    let name_len = usize::from(u16::from_be_bytes(raw.get(6..8)?.try_into().ok()?));
    let name = unicode::utf16be_to_u16(raw.get(8..8 + 2 * name_len)?);
    // The record starts after the key, on an even offset.
    let at = (key_len + 2 + 1) & !1;
    Some((parent, name, at))
}

/// What a raw catalog record (after its key) stands for.
fn classify_record(record: &[u8]) -> Record {
    let field = |at: usize| record.get(at..at + 4).and_then(|b| b.try_into().ok());
    let kind = record.get(0..2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let (Some(RECORD_TYPE_FILE), Some(special), Some(finder_type), Some(creator)) =
        (kind, field(SPECIAL_AT), field(FINDER_TYPE_AT), field(FINDER_CREATOR_AT))
    else {
        return Record::Plain;
    };
    let number = u32::from_be_bytes(special);
    match (&finder_type, &creator) {
        (b"hlnk", b"hfs+") => Record::FileLink(number),
        (b"fdrp", b"MACS") => Record::DirLink(number),
        _ => Record::Plain,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(finder_type: &[u8; 4], creator: &[u8; 4], special: u32) -> Vec<u8> {
        let mut r = vec![0u8; 248];
        r[..2].copy_from_slice(&RECORD_TYPE_FILE.to_be_bytes());
        r[SPECIAL_AT..SPECIAL_AT + 4].copy_from_slice(&special.to_be_bytes());
        r[FINDER_TYPE_AT..FINDER_TYPE_AT + 4].copy_from_slice(finder_type);
        r[FINDER_CREATOR_AT..FINDER_CREATOR_AT + 4].copy_from_slice(creator);
        r
    }

    #[test]
    fn link_records_are_told_by_type_and_creator() {
        assert_eq!(classify_record(&record(b"hlnk", b"hfs+", 23)), Record::FileLink(23));
        assert_eq!(classify_record(&record(b"fdrp", b"MACS", 7)), Record::DirLink(7));
        assert_eq!(classify_record(&record(b"APPL", b"hfs+", 23)), Record::Plain);
        assert_eq!(classify_record(&record(b"hlnk", b"hfs+", 23)[..50]), Record::Plain);
        assert_eq!(classify_record(&[]), Record::Plain);
    }

    #[test]
    fn keys_give_parent_name_and_an_even_record_offset() {
        // Key length 10: parent 2, name "ab" (2 UTF-16 units); the record starts at 12.
        let raw = [0, 10, 0, 0, 0, 2, 0, 2, 0, b'a', 0, b'b', 0xAA];
        assert_eq!(parse_key(&raw), Some((2, vec![u16::from(b'a'), u16::from(b'b')], 12)));
        assert_eq!(parse_key(&raw[..9]), None);
    }
}

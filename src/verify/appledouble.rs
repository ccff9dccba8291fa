//! AppleDouble sidecars an archive carries for a bundle's files (`__MACOSX/<dir>/._<name>`):
//! extracting the archive on a Mac restores them onto the files, and a resource fork or
//! non-empty Finder information makes `codesign --strict` refuse the bundle ("resource fork,
//! Finder information, or similar detritus not allowed"). Sidecars that only carry extended
//! attributes (quarantine, provenance) are harmless.
//!
//! `._` files inside the bundle itself are reported by the resource walk, where they are files
//! the seal does not list.

use super::rules::RES_APPLEDOUBLE_DETRITUS;
use super::Collector;
use crate::finding::Finding;
use crate::input::{base_name, join, parent, Entry};
use crate::model::Scan;
use crate::problem::bytes;

const APPLEDOUBLE_MAGIC: u32 = 0x0005_1607;
const HEADER_SIZE: usize = 26;
const ENTRY_SIZE: usize = 12;
/// Entry ids of the AppleDouble format.
const RESOURCE_FORK: u32 = 2;
const FINDER_INFO: u32 = 9;
/// The Finder information proper; extended attributes may follow it in the same entry.
const FINDER_INFO_SIZE: usize = 32;
/// Real sidecars hold two or three entries.
const MAX_ENTRIES: usize = 64;

/// Reports sidecars in `__MACOSX` that would put detritus on files of a bundle.
pub(super) fn archive_sidecars(scan: &Scan, sink: &mut Collector) {
    for (path, entry) in scan.tree.entries() {
        let Entry::File(data) = entry else { continue };
        let Some(target) = sidecar_target(path) else { continue };
        let Some(bundle_item) = enclosing_bundle(scan, &target) else { continue };
        let Ok(content) = data.bytes() else { continue };
        if let Some(what) = detritus(content) {
            sink.add(
                Finding::new(
                    RES_APPLEDOUBLE_DETRITUS,
                    super::rules::page_severity(RES_APPLEDOUBLE_DETRITUS),
                    path,
                    format!(
                        "{path} carries {what} for {target}; unpacked on a Mac it becomes detritus codesign --strict refuses (resource fork, Finder information, or similar detritus not allowed)"
                    ),
                )
                .item(bundle_item)
                .help("archive with `ditto -c -k --keepParent` from a clean copy, or strip with `xattr -cr` before signing"),
            );
        }
    }
}

/// The file a `__MACOSX/…/._name` sidecar describes.
fn sidecar_target(path: &str) -> Option<String> {
    let (before, after) = path.split_once("__MACOSX/")?;
    if !(before.is_empty() || before.ends_with('/')) {
        return None;
    }
    let name = base_name(after).strip_prefix("._")?;
    Some(join(&format!("{before}{}", parent(after)), name).trim_start_matches('/').to_owned())
}

/// The innermost bundle item containing tree path `target`.
fn enclosing_bundle<'a>(scan: &'a Scan, target: &str) -> Option<&'a str> {
    scan.discovery
        .items
        .iter()
        .filter_map(|i| i.bundle.as_ref().map(|b| (i.path.as_str(), b.root.as_str())))
        .filter(|(_, root)| target.strip_prefix(root).is_some_and(|rest| rest.starts_with('/')))
        .max_by_key(|(_, root)| root.len())
        .map(|(item, _)| item)
}

/// What an AppleDouble file carries that codesign refuses, if anything.
pub(super) fn detritus(data: &[u8]) -> Option<&'static str> {
    if bytes::be_u32(data, 0)? != APPLEDOUBLE_MAGIC {
        return None;
    }
    let count = usize::from(be_u16(data, 24)?).min(MAX_ENTRIES);
    for i in 0..count {
        let at = HEADER_SIZE + i * ENTRY_SIZE;
        let (id, offset, length) =
            (bytes::be_u32(data, at)?, bytes::be_u32(data, at + 4)?, bytes::be_u32(data, at + 8)?);
        match id {
            RESOURCE_FORK if length > 0 => return Some("a resource fork"),
            FINDER_INFO => {
                let shown = (length as usize).min(FINDER_INFO_SIZE);
                let info = bytes::range(data, offset as usize, shown)?;
                if info.iter().any(|&b| b != 0) {
                    return Some("Finder information");
                }
            }
            _ => {}
        }
    }
    None
}

fn be_u16(data: &[u8], at: usize) -> Option<u16> {
    bytes::range(data, at, 2).map(|b| u16::from_be_bytes([b[0], b[1]]))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An AppleDouble file with a Finder info entry (`finder`) and a resource fork of `fork` bytes.
    pub(crate) fn sidecar(finder: [u8; 32], fork: u32) -> Vec<u8> {
        let mut d = Vec::new();
        d.extend_from_slice(&APPLEDOUBLE_MAGIC.to_be_bytes());
        d.extend_from_slice(&0x0002_0000u32.to_be_bytes());
        d.extend_from_slice(b"Mac OS X        ");
        d.extend_from_slice(&2u16.to_be_bytes());
        let finder_at = (HEADER_SIZE + 2 * ENTRY_SIZE) as u32;
        for (id, off, len) in [(FINDER_INFO, finder_at, 32u32), (RESOURCE_FORK, finder_at + 32, fork)] {
            d.extend_from_slice(&id.to_be_bytes());
            d.extend_from_slice(&off.to_be_bytes());
            d.extend_from_slice(&len.to_be_bytes());
        }
        d.extend_from_slice(&finder);
        d.extend(std::iter::repeat_n(0u8, fork as usize));
        d
    }

    #[test]
    fn only_forks_and_finder_information_are_detritus() {
        assert_eq!(detritus(&sidecar([0; 32], 0)), None);
        assert_eq!(detritus(&sidecar([0; 32], 10)), Some("a resource fork"));
        let mut info = [0; 32];
        info[0] = b'T';
        assert_eq!(detritus(&sidecar(info, 0)), Some("Finder information"));
        assert_eq!(detritus(b"not appledouble"), None);
        let good = sidecar(info, 0);
        for len in 0..good.len() {
            let _ = detritus(&good[..len]);
        }
    }

    #[test]
    fn sidecars_name_their_files() {
        assert_eq!(
            sidecar_target("__MACOSX/A.app/Contents/._Info.plist").as_deref(),
            Some("A.app/Contents/Info.plist")
        );
        assert_eq!(sidecar_target("x/__MACOSX/Payload/B.app/._B").as_deref(), Some("x/Payload/B.app/B"));
        assert_eq!(sidecar_target("__MACOSX/A.app/Contents/Info.plist"), None);
        assert_eq!(sidecar_target("not__MACOSX/._x"), None);
    }
}

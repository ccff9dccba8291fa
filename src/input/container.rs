//! Recognising containers: disk images (UDIF ones are read by `dmg`, the others refused), flat
//! packages, xar, tar, compressed streams, and archives nested inside an input.
//!
//! A gate must never call such a file clean without having read it. As a top-level input it is
//! refused with its name ("`App.dmg` is a disk image"); inside a bundle or folder it becomes an
//! `input-container-unread` problem, which marks the run incomplete.

use std::path::Path;

use super::FileData;

/// Bytes read from the start of a file to recognise it (tar's `ustar` sits at 257).
pub const HEAD_BYTES: usize = 512;
/// Bytes read from the end (a UDIF disk image ends with its 512-byte `koly` trailer).
pub const TAIL_BYTES: usize = 512;

/// A kind of container, named as users call it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    DiskImage,
    EncryptedDiskImage,
    SparseDiskImage,
    FlatPackage,
    Xar,
    Tar,
    Gzip,
    Bzip2,
    Xz,
    SevenZip,
    Rar,
    Cpio,
    Zip,
}

impl Container {
    /// "a disk image", "a flat installer package"…
    pub fn description(self) -> &'static str {
        match self {
            Container::DiskImage => "a disk image",
            Container::EncryptedDiskImage => "an encrypted disk image",
            Container::SparseDiskImage => "a sparse disk image",
            Container::FlatPackage => "a flat installer package (xar)",
            Container::Xar => "a xar archive",
            Container::Tar => "a tar archive",
            Container::Gzip => "a gzip-compressed file",
            Container::Bzip2 => "a bzip2-compressed file",
            Container::Xz => "an xz-compressed file",
            Container::SevenZip => "a 7-Zip archive",
            Container::Rar => "a RAR archive",
            Container::Cpio => "a cpio archive",
            Container::Zip => "a zip archive",
        }
    }

    /// The family named in "bundlelint does not read … yet".
    pub fn family(self) -> &'static str {
        match self {
            Container::DiskImage | Container::EncryptedDiskImage | Container::SparseDiskImage => {
                "disk images inside an input"
            }
            Container::FlatPackage | Container::Xar => "flat packages and xar archives",
            Container::Zip => "archives inside an input",
            _ => "this kind of archive",
        }
    }
}

/// What the bytes of a file say it is, when it is a container. `head` is the start of the file,
/// `tail` its end (both may be shorter than asked for a small file).
pub fn identify(name: &str, head: &[u8], tail: &[u8]) -> Option<Container> {
    let extension = Path::new(name).extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    if head.starts_with(b"xar!") {
        return Some(if matches!(extension.as_str(), "pkg" | "mpkg") {
            Container::FlatPackage
        } else {
            Container::Xar
        });
    }
    if head.starts_with(b"encrcdsa") || head.starts_with(b"cdsaencr") {
        return Some(Container::EncryptedDiskImage);
    }
    if head.starts_with(b"sprs") {
        return Some(Container::SparseDiskImage);
    }
    // The UDIF trailer: `koly`, version 4, header size 512, at the last 512 bytes.
    if tail.len() == TAIL_BYTES && tail.starts_with(b"koly") {
        return Some(Container::DiskImage);
    }
    if head.get(257..262) == Some(b"ustar") {
        return Some(Container::Tar);
    }
    let by_magic = [
        (&b"\x1f\x8b"[..], Container::Gzip),
        (b"BZh", Container::Bzip2),
        (b"\xfd7zXZ\x00", Container::Xz),
        (b"7z\xbc\xaf\x27\x1c", Container::SevenZip),
        (b"Rar!\x1a\x07", Container::Rar),
        (b"070707", Container::Cpio),
        (b"070701", Container::Cpio),
        (b"070702", Container::Cpio),
        (b"\xc7\x71", Container::Cpio),
        (b"PK\x03\x04", Container::Zip),
        (b"PK\x05\x06", Container::Zip),
    ];
    if let Some((_, kind)) = by_magic.iter().find(|(magic, _)| head.starts_with(magic)) {
        let lower = name.to_ascii_lowercase();
        let tarball = [".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tbz2", ".tar.xz", ".txz"];
        if matches!(kind, Container::Gzip | Container::Bzip2 | Container::Xz)
            && tarball.iter().any(|t| lower.ends_with(t))
        {
            return Some(Container::Tar);
        }
        return Some(*kind);
    }
    // Disk images whose data fork does not announce itself (raw, read-write, ISO hybrid): the
    // extension is all there is, and it is what the notary service goes by too.
    match extension.as_str() {
        "dmg" | "sparseimage" | "smi" | "cdr" | "iso" => Some(Container::DiskImage),
        "pkg" | "mpkg" | "xip" => Some(Container::FlatPackage),
        _ => None,
    }
}

/// Recognises a file of the tree from its first and last bytes.
pub fn identify_file(name: &str, data: &FileData) -> Option<Container> {
    let (head, tail) = data.head_and_tail(HEAD_BYTES, TAIL_BYTES);
    identify(name, &head, &tail)
}

/// Why a container inside a tree was not read, or `None` when it holds nothing that runs or is
/// read elsewhere. The notary service opens nested zip and jar archives, disk images and packages
/// and judges the code in them; nested zips are opened by discovery, every other container that
/// can hold code is reported as not read.
pub fn unread_inside(name: &str, data: &FileData) -> Option<String> {
    let kind = identify_file(name, data)?;
    match kind {
        // Discovery opens nested zip and jar archives itself (`discover::add_nested_archive`).
        Container::Zip => None,
        // Single compressed streams and other archive formats are data to the notary service.
        Container::Gzip | Container::Bzip2 | Container::Xz | Container::SevenZip | Container::Rar | Container::Cpio => {
            None
        }
        _ => Some(format!(
            "`{name}` is {}; bundlelint does not read {} yet, so the code in it was not checked",
            kind.description(),
            kind.family()
        )),
    }
}

/// What a lone file given on the command line is, when bundlelint does not read it: a
/// container, a static library, or nothing it knows. `None` for what it reads.
pub fn refuse_top_level(name: &str, data: &FileData) -> Option<String> {
    let (head, tail) = data.head_and_tail(HEAD_BYTES, TAIL_BYTES);
    let lower = name.to_ascii_lowercase();
    // Mach-O is read as code; a .zip or .ipa as an archive (a corrupt one is a finding).
    if crate::macho::is_macho(&head) || lower.ends_with(".zip") || lower.ends_with(".ipa") {
        return None;
    }
    if let Some(kind) = identify(name, &head, &tail) {
        // A zip at the top level is read as an archive; everything else is not read yet.
        if kind == Container::Zip {
            return None;
        }
        if let Some(why) = unread_disk_image(name, kind) {
            return Some(why);
        }
        return Some(format!(
            "`{name}` is {}; bundlelint does not read {} yet, so nothing in it was checked",
            kind.description(),
            kind.family()
        ));
    }
    if head.starts_with(b"!<arch>\n") {
        return Some(format!(
            "`{name}` is a static library (ar archive): it is linked into code, never loaded, and bundlelint \
             judges the code it is linked into"
        ));
    }
    if is_profile(name) || is_property_list(&head) || data.is_empty() {
        return None;
    }
    Some(format!(
        "`{name}` is not something bundlelint reads: give a bundle, a folder, a Mach-O file, a .zip or .ipa \
         archive, a provisioning profile or a property list"
    ))
}

/// Why a disk image given as the input is not read: UDIF images (with a `koly` trailer) are read
/// before this is asked, so what remains is encrypted, sparse or raw.
fn unread_disk_image(name: &str, kind: Container) -> Option<String> {
    let why = match kind {
        Container::EncryptedDiskImage => {
            "is an encrypted disk image: it cannot be read without its password, and macOS cannot sign an encrypted \
             image, so nothing in it was checked"
        }
        Container::SparseDiskImage => {
            "is a sparse (read-write) disk image: bundlelint reads read-only UDIF images, the only kind that can be \
             signed, so nothing in it was checked"
        }
        Container::DiskImage => {
            "is a disk image without a UDIF trailer (raw, ISO or read-write): bundlelint reads UDIF images (`hdiutil \
             create -format UDZO`, ULFO, ULMO, UDBZ, UDRO), so nothing in it was checked"
        }
        _ => return None,
    };
    Some(format!("`{name}` {why}"))
}

fn is_profile(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".mobileprovision") || lower.ends_with(".provisionprofile")
}

/// A binary or XML property list (an XML one may start with a byte-order mark and whitespace).
fn is_property_list(head: &[u8]) -> bool {
    if head.starts_with(b"bplist") {
        return true;
    }
    let text = head.strip_prefix(b"\xef\xbb\xbf").unwrap_or(head);
    let start = text.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(text.len());
    let text = &text[start..];
    text.starts_with(b"<?xml") || text.starts_with(b"<!DOCTYPE plist") || text.starts_with(b"<plist")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailer() -> Vec<u8> {
        let mut t = b"koly".to_vec();
        t.resize(TAIL_BYTES, 0);
        t
    }

    #[test]
    fn recognises_containers_by_their_bytes() {
        assert_eq!(identify("Installer.pkg", b"xar!\x00\x1c", b""), Some(Container::FlatPackage));
        assert_eq!(identify("thing.xar", b"xar!\x00\x1c", b""), Some(Container::Xar));
        assert_eq!(identify("renamed.bin", &[0; 16], &trailer()), Some(Container::DiskImage));
        assert_eq!(identify("x", b"encrcdsa", b""), Some(Container::EncryptedDiskImage));
        let mut tar = vec![0u8; 300];
        tar[257..262].copy_from_slice(b"ustar");
        assert_eq!(identify("a", &tar, b""), Some(Container::Tar));
        assert_eq!(identify("lib.jar", b"PK\x03\x04", b""), Some(Container::Zip));
        assert_eq!(identify("x.tgz", b"\x1f\x8b\x08", b""), Some(Container::Tar));
        assert_eq!(identify("man.1.gz", b"\x1f\x8b\x08", b""), Some(Container::Gzip));
    }

    #[test]
    fn extension_names_images_whose_bytes_do_not() {
        assert_eq!(identify("App.dmg", &[0; 64], &[0; 64]), Some(Container::DiskImage));
        assert_eq!(identify("data.bin", &[0; 64], &[0; 64]), None);
        assert_eq!(identify("Info.plist", b"<?xml", b""), None);
    }

    #[test]
    fn top_level_refusals_name_the_kind() {
        let raw = FileData::from_vec(vec![0u8; 2048]);
        let why = refuse_top_level("App.dmg", &raw).unwrap();
        assert!(why.contains("`App.dmg` is a disk image without a UDIF trailer"), "{why}");
        let encrypted = FileData::from_vec(b"encrcdsa\0\0\0\x02".to_vec());
        assert!(refuse_top_level("App.dmg", &encrypted).unwrap().contains("cannot be read without its password"));
        let inside = unread_inside("App.dmg", &FileData::from_vec([vec![0u8; 1024], trailer()].concat())).unwrap();
        assert!(inside.contains("does not read disk images inside an input yet"), "{inside}");
        let pkg = FileData::from_vec(b"xar!\x00\x1c\x00\x01".to_vec());
        assert!(refuse_top_level("Installer.pkg", &pkg).unwrap().contains("flat installer package"));
        let text = FileData::from_vec(b"# hello\n".to_vec());
        assert!(refuse_top_level("README.md", &text).unwrap().contains("not something bundlelint reads"));
        assert!(refuse_top_level("libfoo.a", &FileData::from_vec(b"!<arch>\nfoo".to_vec())).is_some());
    }

    #[test]
    fn what_bundlelint_reads_is_not_refused() {
        let macho = FileData::from_vec(vec![0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1]);
        assert_eq!(refuse_top_level("tool", &macho), None);
        assert_eq!(refuse_top_level("a.zip", &FileData::from_vec(b"PK\x05\x06".to_vec())), None);
        assert_eq!(refuse_top_level("Info.plist", &FileData::from_vec(b"\n  <?xml v".to_vec())), None);
        assert_eq!(refuse_top_level("x.plist", &FileData::from_vec(b"bplist00".to_vec())), None);
        assert_eq!(refuse_top_level("e.mobileprovision", &FileData::from_vec(vec![0x30, 0x80])), None);
    }
}

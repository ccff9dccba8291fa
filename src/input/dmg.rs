//! A UDIF disk image as a tree: the image is parsed and its checksums verified, the HFS+, APFS or FAT
//! volume on it is found and walked, and the volume's files become the tree's entries
//! (`Example.app/Contents/MacOS/Example`), as the notary service sees them after mounting.
//!
//! Fail closed: whatever is not read — an unsupported filesystem, a second volume, a directory hard
//! link, a file that cannot be opened — is
//! an `input-container-unread` problem, so the run is reported incomplete rather than clean. The
//! image's own signature is recorded with its hashes checked ([`ContainerSignature`]); the
//! container rules judge it.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::container_signature::{ContainerFormat, ContainerSignature};
use super::partition::{self, Extent, Filesystem};
use super::udif::{self, Disk, DiskSource, SECTOR};
use super::{volume, FileData, InputKind, PathProblem, Tree};
use crate::rule_id::{INPUT_CONTAINER_UNREAD, INPUT_UNREADABLE};
use crate::Problem;

/// Whether `data` ends with a UDIF `koly` trailer.
pub fn is_udif(data: &FileData) -> bool {
    let (_, tail) = data.head_and_tail(0, udif::KOLY_LEN);
    tail.len() == udif::KOLY_LEN && tail.starts_with(b"koly")
}

/// Reads the disk image in `data` into a tree named `origin`.
pub fn read(data: FileData, origin: String) -> Tree {
    let name = super::base_name(&origin.replace('\\', "/")).to_owned();
    let image = read_image(&data, &name);
    let mut entries = image.entries.into_iter().collect();
    let mut problems = image.problems;
    let mut signatures: Vec<ContainerSignature> = image.signature.into_iter().collect();
    // Packages on the image are unpacked as the notary service unpacks them
    // (`Release.dmg/Release.pkg/com.example.app.pkg Contents/Payload/…`).
    let mut installed_modes = BTreeMap::new();
    super::pkg::expand_packages(&mut entries, &mut problems, &mut signatures, &mut installed_modes, 1);
    Tree { origin, kind: InputKind::Archive, entries, problems, base: None, signatures, installed_modes }
}

/// Replaces every UDIF disk image in a folder's `entries` (not inside a bundle, whose seal covers
/// it as one file) by the files on its volume, under the image's path
/// (`dist/Release.dmg/Example.app/…`), with the packages on it unpacked.
pub fn expand_images(
    entries: &mut BTreeMap<String, super::Entry>,
    problems: &mut Vec<PathProblem>,
    signatures: &mut Vec<ContainerSignature>,
    installed_modes: &mut BTreeMap<String, u32>,
) {
    let images: Vec<(String, FileData)> = entries
        .iter()
        .filter_map(|(path, entry)| match entry {
            super::Entry::File(data)
                if path.to_ascii_lowercase().ends_with(".dmg")
                    && !super::pkg::inside_bundle(entries, path)
                    && is_udif(data) =>
            {
                Some((path.clone(), data.clone()))
            }
            _ => None,
        })
        .collect();
    for (path, data) in images {
        let name = super::base_name(&path).to_owned();
        if let Err(why) = data.bytes() {
            problems.push(PathProblem { path, problem: Problem::new(INPUT_UNREADABLE, why) });
            continue;
        }
        let image = read_image(&data, &name);
        if entries.len() + image.entries.len() > super::MAX_ENTRIES {
            let message =
                format!("`{name}` holds more files than the {} a tree may hold; not read", super::MAX_ENTRIES);
            problems.push(PathProblem { path, problem: Problem::new(crate::rule_id::INPUT_LIMIT, message) });
            continue;
        }
        // Problems about the image itself are named by its name; place them at its path.
        let at = |p: String| if p == name { path.clone() } else { super::join(&path, &p) };
        let mut inner: BTreeMap<String, super::Entry> =
            image.entries.into_iter().map(|(p, e)| (super::join(&path, &p), e)).collect();
        let mut inner_problems: Vec<PathProblem> =
            image.problems.into_iter().map(|p| PathProblem { path: at(p.path), problem: p.problem }).collect();
        let mut inner_signatures: Vec<ContainerSignature> =
            image.signature.into_iter().map(|s| ContainerSignature { path: path.clone(), ..s }).collect();
        super::pkg::expand_packages(&mut inner, &mut inner_problems, &mut inner_signatures, installed_modes, 1);
        entries.insert(path, super::Entry::Dir);
        entries.extend(inner);
        problems.extend(inner_problems);
        signatures.extend(inner_signatures);
    }
}

/// What reading an image gave.
#[derive(Debug, Default)]
pub struct ReadImage {
    pub entries: Vec<(String, super::Entry)>,
    pub problems: Vec<PathProblem>,
    /// The image's own signature, signed or not; `None` when the image could not be parsed.
    pub signature: Option<ContainerSignature>,
}

/// The entries, problems and signature of the image `bytes`, called `name` in messages. Never
/// panics.
pub fn read_bytes(bytes: &[u8], name: &str) -> ReadImage {
    read_image(&FileData::from_vec(bytes.to_vec()), name)
}

/// The entries, problems and signature of the image in `data`, called `name` in messages. The
/// files of its volume are read from `data` when asked for; the pages of a mapped image are
/// released as they are read, so the image is never resident whole. Never panics.
pub fn read_image(data: &FileData, name: &str) -> ReadImage {
    let bytes = match data.bytes() {
        Ok(bytes) => bytes,
        Err(why) => {
            return ReadImage {
                problems: vec![at_image(name, Problem::new(INPUT_UNREADABLE, why))],
                ..ReadImage::default()
            }
        }
    };
    let image = match udif::parse(bytes) {
        Ok(image) => image,
        Err(problem) => return ReadImage { problems: vec![at_image(name, problem)], ..ReadImage::default() },
    };
    let release = |part: &[u8]| data.release(part);
    let mut problems: Vec<PathProblem> =
        udif::verify_checksums(bytes, &image, &release).into_iter().map(|p| at_image(name, p)).collect();
    let mut signature = ContainerSignature {
        path: name.to_owned(),
        format: ContainerFormat::DiskImage,
        submitted: true,
        signature: None,
        ticket: None,
    };
    if image.is_signed() {
        match super::dmg_signature::verify(bytes, &image.koly, &release) {
            Ok(read) => {
                signature.signature = Some(read.signed);
                signature.ticket = read.ticket;
            }
            Err(unreadable) => problems.extend(unreadable.into_iter().map(|p| at_image(name, p))),
        }
    }
    let (entries, more) = read_volume(&DiskSource::new(data.clone(), image), name);
    problems.extend(more);
    ReadImage { entries, problems, signature: Some(signature) }
}

/// The files of the image's volume.
fn read_volume(source: &Arc<DiskSource>, name: &str) -> (Vec<(String, super::Entry)>, Vec<PathProblem>) {
    let mut problems = Vec::new();
    let volumes = find_volumes(source);
    let Some(&(extent, kind)) =
        volumes.iter().find(|(_, kind)| matches!(kind, Filesystem::HfsPlus | Filesystem::Apfs | Filesystem::Fat))
    else {
        let found = volumes.first().map(|(_, k)| format!("holds a {} volume", k.name()));
        let message = format!(
            "`{name}` {}; bundlelint reads HFS+, APFS and FAT volumes only, so nothing on it was checked",
            found.as_deref().unwrap_or("holds no volume bundlelint recognises")
        );
        problems.push(at_image(name, Problem::at(INPUT_CONTAINER_UNREAD, 0, message)));
        return (Vec::new(), problems);
    };
    for (other, kind) in volumes.iter().filter(|(e, _)| *e != extent) {
        let message = format!(
            "`{name}` holds a second {} volume (at byte {:#x} of the disk) that was not read",
            kind.name(),
            other.start
        );
        problems.push(at_image(name, Problem::at(INPUT_CONTAINER_UNREAD, 0, message)));
    }
    let disk = Disk::window(source, extent.start, extent.len);
    let (mut volume, reopen) = match volume::open(kind, disk) {
        Ok(opened) => opened,
        Err(why) => {
            let message =
                format!("the {} volume of `{name}` cannot be read, so nothing on it was checked: {why}", kind.name());
            problems.push(at_image(name, Problem::at(INPUT_CONTAINER_UNREAD, 0, message)));
            return (Vec::new(), problems);
        }
    };
    let walked = volume::walk(volume.as_mut(), &reopen, name);
    problems.extend(walked.problems.into_iter().map(|p| if p.path.is_empty() { at_image(name, p.problem) } else { p }));
    (walked.entries, problems)
}

fn at_image(name: &str, problem: Problem) -> PathProblem {
    PathProblem { path: name.to_owned(), problem }
}

/// Every distinct range of the disk holding a recognised filesystem, in the order found: block
/// tables named for a filesystem, then the partition map's entries, then the whole disk.
fn find_volumes(source: &Arc<DiskSource>) -> Vec<(Extent, Filesystem)> {
    let image = source.image();
    let disk_len = image.disk_len();
    let mut disk = Disk::new(source);
    let named = image
        .tables
        .iter()
        .filter(|t| ["Apple_HFS", "Apple_APFS"].iter().any(|fs| t.name.contains(fs)))
        .map(|t| Extent { start: t.first_sector * SECTOR, len: t.sector_count * SECTOR });
    let mut candidates: Vec<Extent> = named.collect();
    candidates.extend(partition::partitions(&mut disk, disk_len));
    candidates.push(Extent { start: 0, len: disk_len });
    let mut found: Vec<(Extent, Filesystem)> = Vec::new();
    for extent in candidates {
        if found.iter().any(|(e, _)| e.start == extent.start) {
            continue;
        }
        if let Some(kind) = partition::sniff(&mut disk, extent.start) {
            found.push((extent, kind));
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_truncated_image_is_one_malformed_problem() {
        let ReadImage { entries, problems, signature } = read_bytes(b"koly", "X.dmg");
        assert!(entries.is_empty());
        assert!(signature.is_none());
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].path, "X.dmg");
        assert_eq!(problems[0].problem.code, crate::rule_id::INPUT_DISK_IMAGE_MALFORMED);
    }
}

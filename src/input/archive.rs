//! Reading `.zip` and `.ipa` archives in memory, refusing members that could escape or explode.
//!
//! Nothing is extracted: members become tree entries held in memory. A member whose name is
//! absolute or climbs out of the root, a symlink pointing outside the archive, and a member that
//! expands beyond the limits below are refused with `input-archive-unsafe` and left out.

use std::collections::BTreeMap;
use std::io::Read;

use super::data::Member;
use super::{Entry, FileData, InputKind, PathProblem, Tree, MAX_ENTRIES};
use crate::Problem;

/// Most bytes one member may expand to.
pub const MAX_MEMBER_BYTES: u64 = 2 << 30;
/// Most bytes all members together may expand to.
pub const MAX_ARCHIVE_BYTES: u64 = 4 << 30;
/// A member expanding past [`RATIO_CHECK_FLOOR`] bytes may not exceed this compression ratio:
/// real code and resources stay far below it, deflate bombs sit near deflate's maximum (~1032).
pub const MAX_COMPRESSION_RATIO: u64 = 200;
pub const RATIO_CHECK_FLOOR: u64 = 64 << 20;
/// Longest symlink target accepted.
const MAX_LINK_TARGET: u64 = 4096;

const ZIP_MAGIC: &[u8] = b"PK\x03\x04";
const ZIP_EMPTY_MAGIC: &[u8] = b"PK\x05\x06";

pub(super) fn looks_like_zip(path: &std::path::Path, data: &FileData) -> bool {
    let by_name =
        path.extension().map(|e| e.eq_ignore_ascii_case("zip") || e.eq_ignore_ascii_case("ipa")).unwrap_or(false);
    let head = data.head(4);
    by_name || head == ZIP_MAGIC || head == ZIP_EMPTY_MAGIC
}

/// Reads the member table of the zip in `archive` into a tree. Every member is inflated once, as
/// a stream, to measure it and check its CRC and expansion; its contents stay compressed in the
/// archive and are inflated again only when a reader asks for them. A corrupt archive yields a
/// tree with what could be read and an `input-archive-malformed` problem.
pub fn read_zip(archive: FileData, origin: String) -> Tree {
    // Problems about the archive as a whole are located at the archive itself.
    let name = origin.rsplit('/').next().unwrap_or(&origin).to_owned();
    let mut out = ZipReader {
        archive_name: name,
        archive: archive.clone(),
        entries: BTreeMap::new(),
        problems: Vec::new(),
        expanded: 0,
    };
    match archive.bytes().map(|bytes| zip::ZipArchive::new(std::io::Cursor::new(bytes))) {
        Ok(Ok(mut zip)) => out.read_all(&mut zip),
        Ok(Err(e)) => {
            out.note("", crate::rule_id::INPUT_ARCHIVE_MALFORMED, None, format!("not a readable zip archive: {e}"))
        }
        Err(e) => out.note("", crate::rule_id::INPUT_UNREADABLE, None, e),
    }
    Tree {
        origin,
        kind: InputKind::Archive,
        entries: out.entries,
        problems: out.problems,
        base: None,
        signatures: Vec::new(),
        installed_modes: Default::default(),
    }
}

struct ZipReader {
    archive_name: String,
    archive: FileData,
    entries: BTreeMap<String, Entry>,
    problems: Vec<PathProblem>,
    expanded: u64,
}

impl ZipReader {
    fn note(&mut self, path: &str, code: crate::rule_id::RuleId, offset: Option<u64>, message: String) {
        let problem = Problem { code, message, offset };
        let path = if path.is_empty() { self.archive_name.clone() } else { path.to_owned() };
        self.problems.push(PathProblem { path, problem });
    }

    fn read_all<R: Read + std::io::Seek>(&mut self, archive: &mut zip::ZipArchive<R>) {
        if archive.len() > MAX_ENTRIES {
            let n = archive.len();
            self.note(
                "",
                crate::rule_id::INPUT_ARCHIVE_UNSAFE,
                None,
                format!("archive lists {n} members, more than the {MAX_ENTRIES} accepted"),
            );
            return;
        }
        for index in 0..archive.len() {
            let member = match archive.by_index(index) {
                Ok(m) => m,
                Err(e) => {
                    self.note(
                        "",
                        crate::rule_id::INPUT_ARCHIVE_MALFORMED,
                        None,
                        format!("member #{index} cannot be read: {e}"),
                    );
                    continue;
                }
            };
            self.read_member(member);
            if self.expanded > MAX_ARCHIVE_BYTES {
                self.note(
                    "",
                    crate::rule_id::INPUT_ARCHIVE_UNSAFE,
                    None,
                    format!("archive expands beyond {MAX_ARCHIVE_BYTES} bytes; the rest is not read"),
                );
                return;
            }
        }
    }

    fn read_member<R: Read>(&mut self, mut member: zip::read::ZipFile<'_, R>) {
        let raw_name = member.name().to_owned();
        let offset = Some(member.header_start());
        let Some(name) = safe_member_name(&raw_name) else {
            let why = if raw_name.starts_with('/') || raw_name.starts_with('\\') || raw_name.get(1..2) == Some(":") {
                "has an absolute path"
            } else {
                "climbs out of the archive root"
            };
            return self.note(
                &raw_name,
                crate::rule_id::INPUT_ARCHIVE_UNSAFE,
                offset,
                format!("member `{raw_name}` {why}; refused"),
            );
        };
        if member.is_dir() {
            self.add_parents(&name);
            self.entries.insert(name, Entry::Dir);
            return;
        }
        if member.is_symlink() {
            let mut target = String::new();
            let read = (&mut member).take(MAX_LINK_TARGET).read_to_string(&mut target);
            if let Err(e) = read {
                return self.note(
                    &name,
                    crate::rule_id::INPUT_ARCHIVE_MALFORMED,
                    offset,
                    format!("symlink target unreadable: {e}"),
                );
            }
            if !link_stays_inside(&name, &target) {
                return self.note(
                    &name,
                    crate::rule_id::INPUT_ARCHIVE_UNSAFE,
                    offset,
                    format!("symlink `{name}` points to `{target}`, outside the archive; refused"),
                );
            }
            self.add_parents(&name);
            self.entries.insert(name, Entry::Symlink(target));
            return;
        }
        let compressed = member.compressed_size();
        let deflated = match member.compression() {
            zip::CompressionMethod::Stored => false,
            zip::CompressionMethod::Deflated => true,
            other => {
                let why = format!("member `{name}` uses compression {other}, which bundlelint does not inflate");
                return self.note(&name, crate::rule_id::INPUT_ARCHIVE_MALFORMED, offset, why);
            }
        };
        let start = member.data_start();
        let budget = MAX_MEMBER_BYTES.min(MAX_ARCHIVE_BYTES.saturating_sub(self.expanded));
        // Measured as a stream, never held: the zip reader checks the CRC at the end.
        let read = std::io::copy(&mut (&mut member).take(budget.saturating_add(1)), &mut std::io::sink());
        let size = match read {
            Ok(n) => n,
            Err(e) => {
                return self.note(
                    &name,
                    crate::rule_id::INPUT_ARCHIVE_MALFORMED,
                    offset,
                    format!("member cannot be inflated: {e}"),
                )
            }
        };
        if size > budget {
            return self.note(
                &name,
                crate::rule_id::INPUT_ARCHIVE_UNSAFE,
                offset,
                format!("member `{name}` expands beyond {budget} bytes (archive bomb); refused"),
            );
        }
        if size > RATIO_CHECK_FLOOR && size / compressed.max(1) > MAX_COMPRESSION_RATIO {
            return self.note(&name, crate::rule_id::INPUT_ARCHIVE_UNSAFE, offset, format!("member `{name}` expands {size} bytes from {compressed} (ratio over {MAX_COMPRESSION_RATIO}:1, archive bomb); refused"));
        }
        self.expanded += size;
        self.add_parents(&name);
        if self.entries.contains_key(&name) {
            self.note(
                &name,
                crate::rule_id::INPUT_ARCHIVE_MALFORMED,
                offset,
                format!("member `{name}` appears more than once; the last copy is used"),
            );
        }
        let member = Member { archive: self.archive.clone(), start, compressed, deflated };
        self.entries.insert(name, Entry::File(FileData::from_member(member, size)));
    }

    /// Zips often omit directory members; the tree needs them for discovery.
    fn add_parents(&mut self, path: &str) {
        let mut dir = super::parent(path);
        while !dir.is_empty() {
            self.entries.entry(dir.to_owned()).or_insert(Entry::Dir);
            dir = super::parent(dir);
        }
    }
}

/// The member name as a clean relative tree path, or `None` if it is absolute or uses `..` to
/// leave the root. Empty and `.` components are dropped.
pub(super) fn safe_member_name(raw: &str) -> Option<String> {
    if raw.starts_with('/') || raw.starts_with('\\') || raw.get(1..2) == Some(":") || raw.contains('\0') {
        return None;
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in raw.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// Whether a symlink at `link_path` with `target` resolves lexically inside the archive root.
fn link_stays_inside(link_path: &str, target: &str) -> bool {
    if target.is_empty() || target.starts_with('/') || target.contains('\0') {
        return false;
    }
    let mut depth: usize = super::parent(link_path).split('/').filter(|p| !p.is_empty()).count();
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => match depth.checked_sub(1) {
                Some(d) => depth = d,
                None => return false,
            },
            _ => depth += 1,
        }
    }
    true
}

/// The first member of the zip in `bytes` that holds code or another container, judged from its
/// first bytes (only those are inflated). `Ok(None)`: nothing in it runs.
/// A Mach-O file inside an archive nested in the input, and whether each slice is signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NestedCode {
    /// The member's name in the archive.
    pub member: String,
    /// Each slice's architecture, and whether it carries `LC_CODE_SIGNATURE`.
    pub slices: Vec<(String, bool)>,
}

/// What a zip or jar inside an input holds that the notary service judges: its Mach-O members,
/// and what could not be read (too large, not parsable, or a container of its own).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NestedArchive {
    pub code: Vec<NestedCode>,
    pub unread: Vec<String>,
}

/// Largest nested Mach-O member read whole, and the most read from one nested archive in all:
/// nested archives hold native libraries, not applications.
const NESTED_MEMBER_BYTES: u64 = 64 << 20;
const NESTED_ARCHIVE_BYTES: u64 = 256 << 20;

/// Reads the Mach-O members of a nested zip or jar, in memory and never extracted.
pub fn nested_archive(bytes: &[u8]) -> Result<NestedArchive, String> {
    let mut archive =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| format!("not a readable zip archive: {e}"))?;
    if archive.len() > MAX_ENTRIES {
        return Err(format!("it lists {} members, more than the {MAX_ENTRIES} accepted", archive.len()));
    }
    let mut found = NestedArchive::default();
    let mut budget = NESTED_ARCHIVE_BYTES;
    for index in 0..archive.len() {
        let mut member = archive.by_index(index).map_err(|e| format!("member #{index} cannot be read: {e}"))?;
        if member.is_dir() || member.is_symlink() {
            continue;
        }
        let name = member.name().to_owned();
        let mut head = Vec::with_capacity(super::container::HEAD_BYTES);
        (&mut member)
            .take(super::container::HEAD_BYTES as u64)
            .read_to_end(&mut head)
            .map_err(|e| format!("member `{name}` cannot be inflated: {e}"))?;
        if !crate::macho::is_macho(&head) {
            if let Some(kind) = super::container::identify(&name, &head, &[]) {
                found.unread.push(format!("`{name}` is {} inside it", kind.description()));
            }
            continue;
        }
        let size = member.size();
        if size > NESTED_MEMBER_BYTES || size > budget {
            found.unread.push(format!("`{name}` ({size} bytes) is larger than bundlelint reads inside an archive"));
            continue;
        }
        budget -= size;
        let mut whole = head;
        (&mut member)
            .take(size.saturating_sub(whole.len() as u64))
            .read_to_end(&mut whole)
            .map_err(|e| format!("member `{name}` cannot be inflated: {e}"))?;
        match crate::macho::parse(&whole) {
            Ok(file) => found.code.push(NestedCode {
                member: name,
                slices: file.slices.iter().map(|s| (s.arch.clone(), s.code_signature.is_some())).collect(),
            }),
            Err(problem) => found.unread.push(format!("`{name}` is not a readable Mach-O file: {}", problem.message)),
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_names() {
        assert_eq!(safe_member_name("Payload/A.app/A").as_deref(), Some("Payload/A.app/A"));
        assert_eq!(safe_member_name("./a//b/").as_deref(), Some("a/b"));
        assert_eq!(safe_member_name("../evil"), None);
        assert_eq!(safe_member_name("a/../../evil"), None);
        assert_eq!(safe_member_name("/etc/passwd"), None);
        assert_eq!(safe_member_name("C:/x"), None);
    }

    #[test]
    fn link_targets() {
        assert!(link_stays_inside("K.framework/K", "Versions/Current/K"));
        assert!(link_stays_inside("K.framework/Versions/Current", "A"));
        assert!(link_stays_inside("a/b/c", "../x"));
        assert!(!link_stays_inside("a/b", "../../x"));
        assert!(!link_stays_inside("a", "/etc/passwd"));
    }

    fn zip_with(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        let mut w = zip::ZipWriter::new(&mut out);
        for (name, data) in members {
            w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
            std::io::Write::write_all(&mut w, data).unwrap();
        }
        w.finish().unwrap();
        out.into_inner()
    }

    #[test]
    fn refuses_escaping_members_and_keeps_the_rest() {
        let bytes = zip_with(&[("../../evil", b"x"), ("ok/file", b"y")]);
        let tree = read_zip(FileData::from_vec(bytes), "t.zip".into());
        assert!(tree.get("ok/file").is_some());
        assert!(tree.get("ok").is_some());
        assert_eq!(tree.problems.len(), 1);
        assert_eq!(tree.problems[0].problem.code, crate::rule_id::INPUT_ARCHIVE_UNSAFE);
    }

    #[test]
    fn members_are_inflated_on_demand_with_their_exact_bytes() {
        let big: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
        let tree = read_zip(FileData::from_vec(zip_with(&[("a/big", &big), ("a/small", b"hello")])), "t.zip".into());
        assert!(tree.problems.is_empty(), "{:?}", tree.problems);
        let member = tree.file("a/big").unwrap();
        assert_eq!(member.len(), big.len() as u64);
        assert_eq!(member.head(4), big[..4]);
        let mut streamed = Vec::new();
        member.for_each_chunk(4096, |c| streamed.extend_from_slice(c)).unwrap();
        assert_eq!(streamed, big);
        assert_eq!(member.bytes().unwrap(), big.as_slice());
        assert_eq!(tree.file("a/small").unwrap().bytes().unwrap(), b"hello");
    }

    #[test]
    fn garbage_is_a_malformed_archive_not_a_crash() {
        let tree = read_zip(FileData::from_vec(b"PK\x03\x04garbage".to_vec()), "t.zip".into());
        assert_eq!(tree.problems[0].problem.code, crate::rule_id::INPUT_ARCHIVE_MALFORMED);
    }
}

//! Flat installer packages (`.pkg`) read into the tree, as the notary service unpacks them.
//!
//! A component package (`pkgbuild`) holds `PackageInfo`, `Bom`, `Payload` and `Scripts`; a
//! product package (`productbuild`) holds a `Distribution` and one directory per component. The
//! notary service names what it finds in a component `C.pkg` as `C.pkg Contents/Payload/<path>`
//! (`Release.pkg/com.example.app.pkg Contents/Payload/Applications/Example.app/…` in its log), so
//! the tree does too: a component's members go under `<component> Contents/`, its `Payload` and
//! `Scripts` expanded to the files they install. A component package given on its own is its own
//! component (`X.pkg Contents/Payload/…`).
//!
//! A `Payload` is decoded as one stream and never held whole: the files the pipeline parses are
//! kept, the others described by their length, ends and digests (`pkg_files.rs`).
//!
//! Every checksum is verified on the way ([`super::xar`]); what is not verified — a checksum in an
//! unknown algorithm, a payload in an unknown format, a signature of an unknown style — is
//! reported with `input-container-unread`, so the run is never called clean without it. The
//! package's signature is recorded as read ([`ContainerSignature`]) for the container rules,
//! which judge it with the trust store.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::archive::{MAX_ARCHIVE_BYTES, MAX_MEMBER_BYTES};
use super::container_signature::{self, CmsSignature, ContainerFormat, ContainerSignature, RsaSignature, SignedBy};
use super::pkg_files::{reread_allowance, PayloadSource, Walk, MAX_HELD_BYTES};
use super::xar::{self, Kind, MemberError, TocCheck};
use super::{join, Entry, FileData, PathProblem, MAX_ENTRIES};
use crate::rule_id;
use crate::Problem;

/// Packages inside packages (a product's payload installing another package) are read this deep;
/// deeper ones stay files and are reported as not read.
pub const MAX_PACKAGE_DEPTH: usize = 3;

/// What reading one package produced.
#[derive(Debug, Default)]
pub struct Unpacked {
    pub entries: BTreeMap<String, Entry>,
    pub problems: Vec<PathProblem>,
    /// This package's signature, then those of the packages inside it.
    pub signatures: Vec<ContainerSignature>,
    /// The permission bits each file of a `Payload` is installed with.
    pub installed_modes: BTreeMap<String, u32>,
}

/// Whether a file is a flat package this module reads: named `.pkg`/`.mpkg`/`.xar`, with the
/// `xar!` magic (a plain `.xar` is read the same way; its files keep their paths).
pub fn is_package(name: &str, head: &[u8]) -> bool {
    has_package_extension(name) && head.starts_with(b"xar!")
}

fn has_package_extension(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    [".pkg", ".mpkg", ".xar"].iter().any(|e| lower.ends_with(e))
}

/// Reads the package `bytes`, named `name`, into entries under tree path `at` (`""` for the
/// input itself). `depth` counts the packages it sits in.
pub fn unpack(bytes: &[u8], name: &str, at: &str, depth: usize) -> Unpacked {
    unpack_file(&FileData::from_vec(bytes.to_vec()), name, at, depth).unwrap_or_default()
}

/// Reads the package in `archive` as [`unpack`] does. The payload's large files keep a reference
/// to `archive` to be decoded again if asked for. `Err` when `archive` cannot be read.
pub fn unpack_file(archive: &FileData, name: &str, at: &str, depth: usize) -> Result<Unpacked, String> {
    let mut reader = Reader {
        name: name.to_owned(),
        location: if at.is_empty() { name.to_owned() } else { at.to_owned() },
        at: at.to_owned(),
        out: Unpacked::default(),
        depth,
        is_package: !name.to_ascii_lowercase().ends_with(".xar"),
        unread: Vec::new(),
        expanded: 0,
        archive: archive.clone(),
        held: 0,
    };
    archive.with_transient(|bytes| reader.read(bytes))?;
    if !reader.unread.is_empty() {
        let message = format!(
            "`{}` is a flat installer package that bundlelint did not fully check: {}",
            reader.name,
            reader.unread.join("; ")
        );
        reader.note_at(&reader.location.clone(), Problem::at(rule_id::INPUT_CONTAINER_UNREAD, 0, message));
    }
    let mut out = reader.out;
    if depth + 1 < MAX_PACKAGE_DEPTH {
        expand_packages(&mut out.entries, &mut out.problems, &mut out.signatures, &mut out.installed_modes, depth + 1);
    }
    Ok(out)
}

/// A package given as the input: its files become the tree (`X.pkg Contents/Payload/…` for a
/// component package, `C.pkg Contents/Payload/…` for each component of a product package).
pub(super) fn read_input(data: &FileData, name: &str, origin: String) -> std::io::Result<super::Tree> {
    // Mapped for the whole run: payload files not kept in memory are decoded from it again.
    data.bytes().map_err(std::io::Error::other)?;
    let unpacked = unpack_file(data, name, "", 0).map_err(std::io::Error::other)?;
    Ok(super::Tree {
        origin,
        kind: super::InputKind::Archive,
        entries: unpacked.entries,
        problems: unpacked.problems,
        // Nothing beside a package is looked up: its paths are not on disk.
        base: None,
        signatures: unpacked.signatures,
        installed_modes: unpacked.installed_modes,
    })
}

/// Replaces every package file in `entries` by what it holds (see [`unpack`]). A package inside a
/// bundle stays a file: the bundle's seal covers it as one, and discovery reports it as not read.
pub fn expand_packages(
    entries: &mut BTreeMap<String, Entry>,
    problems: &mut Vec<PathProblem>,
    signatures: &mut Vec<ContainerSignature>,
    installed_modes: &mut BTreeMap<String, u32>,
    depth: usize,
) {
    let packages: Vec<(String, FileData)> = entries
        .iter()
        .filter_map(|(path, entry)| match entry {
            // By name first: opening every file of a large bundle to read its magic costs.
            Entry::File(data)
                if has_package_extension(super::base_name(path))
                    && !inside_bundle(entries, path)
                    && is_package(super::base_name(path), &data.head(4)) =>
            {
                Some((path.clone(), data.clone()))
            }
            _ => None,
        })
        .collect();
    for (path, data) in packages {
        let name = super::base_name(&path).to_owned();
        let unpacked = match unpack_file(&data, &name, &path, depth) {
            Ok(u) => u,
            Err(why) => {
                let problem = Problem::new(rule_id::INPUT_UNREADABLE, why);
                problems.push(PathProblem { path, problem });
                continue;
            }
        };
        if entries.len() + unpacked.entries.len() > MAX_ENTRIES {
            let message = format!("`{name}` holds more files than the {MAX_ENTRIES} a tree may hold; not read");
            problems.push(PathProblem { path, problem: Problem::new(rule_id::INPUT_LIMIT, message) });
            continue;
        }
        entries.insert(path, Entry::Dir);
        entries.extend(unpacked.entries);
        problems.extend(unpacked.problems);
        signatures.extend(unpacked.signatures);
        installed_modes.extend(unpacked.installed_modes);
    }
}

/// Whether an ancestor of `path` is a bundle: a directory named with an extension that holds
/// `Contents`, `Info.plist` or `_CodeSignature` (the shapes of macOS and iOS bundles).
pub(super) fn inside_bundle(entries: &BTreeMap<String, Entry>, path: &str) -> bool {
    let mut dir = super::parent(path);
    while !dir.is_empty() {
        let named = super::base_name(dir).contains('.');
        if named && ["Contents", "Info.plist", "_CodeSignature"].iter().any(|c| entries.contains_key(&join(dir, c))) {
            return true;
        }
        dir = super::parent(dir);
    }
    false
}

struct Reader {
    name: String,
    /// Where problems about the package as a whole are located.
    location: String,
    /// The tree path entries go under.
    at: String,
    out: Unpacked,
    /// How many packages hold this one.
    depth: usize,
    /// Named `.pkg`/`.mpkg` (a plain `.xar` is no installer package).
    is_package: bool,
    /// What was not verified or not read, for the `input-container-unread` problem.
    unread: Vec<String>,
    expanded: u64,
    /// The package file itself.
    archive: FileData,
    /// Bytes of payload files kept in memory so far (at most [`MAX_HELD_BYTES`]).
    held: u64,
}

impl Reader {
    fn note_at(&mut self, path: &str, problem: Problem) {
        self.out.problems.push(PathProblem { path: path.to_owned(), problem });
    }

    fn note(&mut self, problem: Problem) {
        let location = self.location.clone();
        self.note_at(&location, problem);
    }

    fn read(&mut self, bytes: &[u8]) {
        let archive = match xar::parse(bytes) {
            Ok(a) => a,
            Err(problem) => return self.note(problem),
        };
        for problem in archive.problems.clone() {
            self.note(problem);
        }
        let checksum = match archive.check_toc() {
            Ok(TocCheck::Verified(style)) => Some(style),
            Ok(TocCheck::Absent) => None,
            Ok(TocCheck::Unverified(why)) => {
                self.unread.push(why);
                None
            }
            Err(problem) => {
                self.note(problem);
                None
            }
        };
        if self.is_package {
            let signature = self.signature(&archive, checksum.as_deref());
            let ticket = if self.depth == 0 { container_signature::package_ticket(bytes) } else { None };
            self.out.signatures.push(ContainerSignature {
                path: self.location.clone(),
                format: ContainerFormat::Package,
                submitted: self.depth == 0,
                signature,
                ticket,
            });
        }
        let layout = Layout::of(&self.name, &archive.members);
        for member in &archive.members {
            if self.out.entries.len() >= MAX_ENTRIES {
                self.note(Problem::new(
                    rule_id::INPUT_LIMIT,
                    format!("more than {MAX_ENTRIES} entries; the rest of the package is not read"),
                ));
                break;
            }
            self.read_member(&archive, member, &layout);
        }
        if layout.root_component.is_none() {
            self.check_distribution(&layout);
        }
    }

    /// A product package's `Distribution` names each component in a `<pkg-ref>`; `#name` is a
    /// component inside the archive, anything else a package Installer looks for beside it.
    fn check_distribution(&mut self, layout: &Layout) {
        let path = join(&self.at, "Distribution");
        let Some(Entry::File(data)) = self.out.entries.get(&path) else { return };
        let Ok(text) = data.bytes().map(<[u8]>::to_vec) else { return };
        for (offset, id, reference) in pkg_refs(&text) {
            let why = match reference.strip_prefix('#') {
                None => format!(
                    "names `{reference}` without `#`: a package outside the archive, which Installer looks for beside it (\"Failed to locate package at path …/{reference}\")"
                ),
                Some(name) if !layout.components.iter().any(|c| *c == percent_decoded(name)) => {
                    format!("names `#{name}`, but the package holds no component of that name")
                }
                Some(_) => continue,
            };
            let message = format!("the Distribution of `{}`: pkg-ref `{id}` {why}", self.name);
            self.note_at(&path, Problem::at(rule_id::PKG_DISTRIBUTION_PKGREF_NOT_EMBEDDED, offset, message));
        }
    }

    /// The package's signatures as written: the RSA `<signature>` and the CMS `<x-signature>`
    /// over the TOC checksum (`checksum` names its algorithm once verified). Other styles are
    /// reported as not read; a signature without a checksum to cover is an integrity problem.
    fn signature(&mut self, archive: &xar::Xar<'_>, checksum: Option<&str>) -> Option<SignedBy> {
        if archive.signatures.is_empty() {
            return None;
        }
        let mut signed = SignedBy {
            content: Vec::new(),
            content_name: format!("the {} TOC checksum", checksum.unwrap_or("missing")),
            content_algorithm: checksum.map(str::to_owned),
            identifier: None,
            rsa: None,
            cms: None,
            integrity: Vec::new(),
        };
        match (checksum, &archive.toc_checksum) {
            (Some(_), Some((_, offset, size))) => {
                signed.content = archive.heap(*offset, *size, "TOC checksum").map(<[u8]>::to_vec).unwrap_or_default()
            }
            _ => signed.integrity.push(Problem::at(
                rule_id::PKG_SIGNATURE_INVALID,
                archive.toc_range.0,
                "the package is signed but its table of contents has no checksum the signature could cover",
            )),
        }
        for sig in &archive.signatures {
            let value = match archive.heap(sig.offset, sig.size, &format!("<{}>", sig.element)) {
                Ok(value) => value.to_vec(),
                Err(problem) => {
                    signed.integrity.push(Problem { code: rule_id::PKG_SIGNATURE_INVALID, ..problem });
                    continue;
                }
            };
            let offset = archive.heap_start.saturating_add(sig.offset);
            match (sig.element.as_str(), sig.style.as_str()) {
                ("signature", "RSA") if signed.rsa.is_none() => {
                    signed.rsa = Some(RsaSignature { offset, value, certificates: sig.certificates.clone() })
                }
                ("x-signature", "CMS") if signed.cms.is_none() => {
                    signed.cms = Some(CmsSignature { offset, der: value })
                }
                (element, style) => {
                    self.unread.push(format!("its `{element}` signature of style `{style}` was not verified"))
                }
            }
        }
        Some(signed)
    }

    fn read_member(&mut self, archive: &xar::Xar<'_>, member: &xar::Member, layout: &Layout) {
        let (tree_path, expands) = layout.place(&member.path);
        let path = join(&self.at, &tree_path);
        match &member.kind {
            Kind::Directory => return self.insert(path, Entry::Dir),
            Kind::Symlink(target) => return self.insert(path, Entry::Symlink(target.clone())),
            Kind::File => {}
            Kind::Hardlink | Kind::Other(_) => {
                return self.unread.push(format!("`{}` is a {:?} entry, which is not read", member.path, member.kind));
            }
        }
        let Some(data) = &member.data else { return self.insert(path, Entry::File(FileData::from_vec(Vec::new()))) };
        if expands {
            return self.expand_payload(archive, data, &path, &member.path);
        }
        let budget = MAX_MEMBER_BYTES.min(MAX_ARCHIVE_BYTES.saturating_sub(self.expanded));
        let (bytes, unverified) = match archive.read(data, budget, &member.path) {
            Ok(read) => read,
            Err(MemberError::Malformed(problem)) | Err(MemberError::Mismatch(problem)) => {
                return self.note_at(&path, problem);
            }
            Err(MemberError::Unsupported(style)) => {
                return self.unread.push(format!("`{}` is encoded as `{style}`, which is not decoded", member.path));
            }
        };
        self.unread.extend(unverified);
        self.expanded += bytes.len() as u64;
        self.insert(path, Entry::File(FileData::from_vec(bytes)));
    }

    /// `Payload` or `Scripts` (xar member `member`, stored as `data`): a compressed cpio archive,
    /// its files placed under `dir`. Read as one stream: the member's checksums are verified at
    /// its end, and nothing it holds enters the tree unless they match.
    fn expand_payload(&mut self, archive: &xar::Xar<'_>, data: &xar::Data, dir: &str, member: &str) {
        let budget = MAX_MEMBER_BYTES.min(MAX_ARCHIVE_BYTES.saturating_sub(self.expanded));
        let file = self.archive.clone();
        let release = move |part: &[u8]| file.release(part);
        let mut stream = match archive.stream(data, budget, member, &release) {
            Ok(stream) => stream,
            Err(MemberError::Malformed(problem)) | Err(MemberError::Mismatch(problem)) => {
                return self.note_at(dir, problem);
            }
            Err(MemberError::Unsupported(style)) => {
                return self.unread.push(format!("`{member}` is encoded as `{style}`, which is not decoded"));
            }
        };
        let cap = MAX_MEMBER_BYTES.min(MAX_ARCHIVE_BYTES.saturating_sub(self.expanded.saturating_add(data.size)));
        let source = Arc::new(PayloadSource {
            archive: self.archive.clone(),
            stored: (archive.heap_start.saturating_add(data.offset), data.length),
            encoding: data.encoding.clone(),
            cap,
            allowance: AtomicU64::new(0),
            name: dir.to_owned(),
        });
        let room = MAX_ENTRIES.saturating_sub(self.out.entries.len());
        let walked = Walk::new(source.clone(), room, MAX_HELD_BYTES.saturating_sub(self.held)).run(&mut stream, cap);
        // The checksums first: a payload that does not match them is not read at all.
        match stream.finish() {
            Ok(unverified) => self.unread.extend(unverified),
            Err(MemberError::Malformed(problem)) | Err(MemberError::Mismatch(problem)) => {
                return self.note_at(dir, problem);
            }
            Err(MemberError::Unsupported(style)) => {
                return self.unread.push(format!("`{member}` is encoded as `{style}`, which is not decoded"));
            }
        }
        self.expanded += data.size;
        let walked = match walked {
            Ok(walked) => walked,
            Err(why) => return self.unread.push(format!("`{member}` was not read: {why}")),
        };
        self.expanded += walked.decoded;
        self.held += walked.held;
        source.allowance.store(reread_allowance(walked.decoded), Ordering::Relaxed);
        if let Some((offset, why)) = walked.stop {
            self.unread
                .push(format!("the cpio archive in `{member}` stops at byte {offset} of its decoded bytes: {why}"));
        }
        self.insert(dir.to_owned(), Entry::Dir);
        for (name, offset, mode, entry) in walked.entries {
            let Some(relative) = super::archive::safe_member_name(&name) else {
                if !matches!(name.as_str(), "." | "./") {
                    let problem = Problem::at(
                        rule_id::INPUT_ARCHIVE_UNSAFE,
                        offset,
                        format!("`{name}` in `{member}` climbs out of the payload; refused"),
                    );
                    self.note_at(dir, problem);
                }
                continue;
            };
            let path = join(dir, &relative);
            if member.ends_with("Payload") && matches!(entry, Entry::File(_)) {
                self.out.installed_modes.insert(path.clone(), mode & 0o7777);
            }
            self.insert(path, entry);
        }
    }

    fn insert(&mut self, path: String, entry: Entry) {
        let mut dir = super::parent(&path);
        while !dir.is_empty() && dir.len() > self.at.len() {
            self.out.entries.entry(dir.to_owned()).or_insert(Entry::Dir);
            dir = super::parent(dir);
        }
        self.out.entries.insert(path, entry);
    }
}

/// Which members belong to a component, and so go under `<component> Contents/`.
/// The `<pkg-ref>` elements of a Distribution that name a package (their text), with the byte
/// offset of each, its `id` and the reference. Malformed XML ends the list (Installer refuses it).
fn pkg_refs(xml: &[u8]) -> Vec<(u64, String, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_reader(xml);
    let mut out = Vec::new();
    let mut open: Option<(u64, String)> = None;
    loop {
        let at = reader.buffer_position();
        match reader.read_event() {
            Ok(Event::Start(tag)) if tag.name().as_ref() == "pkg-ref" => {
                let id = tag.try_get_attribute("id").ok().flatten().map(|a| a.value.into_owned()).unwrap_or_default();
                open = Some((at, id));
            }
            Ok(Event::Text(text)) => {
                if let Some((at, id)) = open.take() {
                    let reference = text.trim().to_owned();
                    if !reference.is_empty() {
                        out.push((at, id, reference));
                    }
                }
            }
            Ok(Event::End(_)) => open = None,
            Ok(Event::Eof) | Err(_) => break,
            Ok(_) => {}
        }
    }
    out
}

/// `%20`-style escapes decoded, as productbuild writes names with spaces.
fn percent_decoded(name: &str) -> String {
    let bytes = name.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Layout {
    /// The package itself is a component (its root holds `PackageInfo` or `Payload`).
    root_component: Option<String>,
    /// Top-level directories that are components.
    components: Vec<String>,
}

impl Layout {
    fn of(name: &str, members: &[xar::Member]) -> Layout {
        let is_marker = |rest: &str| rest == "PackageInfo" || rest == "Payload";
        let root = members.iter().any(|m| is_marker(&m.path));
        let mut components: Vec<String> = members
            .iter()
            .filter_map(|m| m.path.split_once('/').filter(|(_, rest)| is_marker(rest)).map(|(dir, _)| dir.to_owned()))
            .collect();
        components.sort();
        components.dedup();
        Layout { root_component: root.then(|| name.to_owned()), components }
    }

    /// The tree path (relative to the package) of xar path `path`, and whether it is a
    /// component's `Payload` or `Scripts`, whose files it installs.
    fn place(&self, path: &str) -> (String, bool) {
        if let Some(name) = &self.root_component {
            let expands = path == "Payload" || path == "Scripts";
            return (format!("{name} Contents/{path}"), expands);
        }
        if let Some((dir, rest)) = path.split_once('/') {
            if self.components.iter().any(|c| c == dir) {
                let expands = rest == "Payload" || rest == "Scripts";
                return (format!("{dir} Contents/{rest}"), expands);
            }
        }
        if self.components.iter().any(|c| c == path) {
            return (format!("{path} Contents"), false);
        }
        (path.to_owned(), false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::payload::tests::odc;
    use crate::input::xar::tests::{build, gzip, zlib};

    fn problems(out: &Unpacked) -> &[PathProblem] {
        &out.problems
    }

    fn payload() -> Vec<u8> {
        gzip(&odc(&[
            (".", 0o040755, b""),
            ("./Applications", 0o040755, b""),
            ("./Applications/Example.app/Contents/MacOS/Example", 0o100755, b"\xcf\xfa\xed\xfe"),
        ]))
    }

    #[test]
    fn pkg_refs_are_read_with_their_references() {
        let xml = br#"<installer-gui-script><pkg-ref id="a"/><choice><pkg-ref id="a"/></choice>
            <pkg-ref id="a" version="1">#A%20B.pkg</pkg-ref><pkg-ref id="b">b.pkg</pkg-ref></installer-gui-script>"#;
        let refs: Vec<(String, String)> = pkg_refs(xml).into_iter().map(|(_, id, r)| (id, r)).collect();
        assert_eq!(refs, [("a".into(), "#A%20B.pkg".into()), ("b".into(), "b.pkg".into())]);
        assert_eq!(percent_decoded("A%20B.pkg"), "A B.pkg");
        assert_eq!(percent_decoded("100%"), "100%");
    }

    #[test]
    fn a_component_package_is_its_own_component() {
        let pkg = build(&[
            ("PackageInfo", &zlib(b"<pkg-info/>"), "application/x-gzip"),
            ("Payload", &payload(), "application/octet-stream"),
        ]);
        let out = unpack(&pkg, "Example.pkg", "", 0);
        assert!(problems(&out).is_empty(), "{:?}", out.problems);
        let recorded: Vec<_> =
            out.signatures.iter().map(|s| (s.path.as_str(), s.submitted, s.signature.is_some())).collect();
        assert_eq!(recorded, [("Example.pkg", true, false)], "recorded unsigned, as submitted");
        // Inside another package's payload, signing is the outer package's business.
        let inner = unpack(&pkg, "Example.pkg", "Outer.pkg Contents/Payload/Example.pkg", 1);
        assert!(inner.problems.is_empty());
        assert!(!inner.signatures[0].submitted);
        let exe = "Example.pkg Contents/Payload/Applications/Example.app/Contents/MacOS/Example";
        assert!(matches!(out.entries.get(exe), Some(Entry::File(_))), "{:?}", out.entries.keys());
        assert!(out.entries.contains_key("Example.pkg Contents/PackageInfo"));
        assert!(matches!(out.entries.get("Example.pkg Contents/Payload/Applications"), Some(Entry::Dir)));
    }

    #[test]
    fn an_unknown_payload_format_leaves_the_package_unread() {
        let pkg = build(&[("Payload", b"LARGEPAYLOAD", "application/octet-stream")]);
        let out = unpack(&pkg, "X.pkg", "", 0);
        assert_eq!(problems(&out).len(), 1, "{:?}", out.problems);
        let problem = &problems(&out)[0];
        assert_eq!((problem.path.as_str(), problem.problem.code), ("X.pkg", rule_id::INPUT_CONTAINER_UNREAD));
        assert!(problem.problem.message.contains("`Payload` was not read"), "{}", problem.problem.message);
    }

    #[test]
    fn a_tampered_payload_is_a_checksum_mismatch_and_not_read() {
        let mut pkg = build(&[("Payload", &payload(), "application/octet-stream")]);
        let last = pkg.len() - 10;
        pkg[last] ^= 0xff;
        let out = unpack(&pkg, "X.pkg", "dist/X.pkg", 0);
        let codes: Vec<_> = problems(&out).iter().map(|p| (p.path.as_str(), p.problem.code)).collect();
        assert_eq!(codes, [("dist/X.pkg/X.pkg Contents/Payload", rule_id::PKG_CHECKSUM_MISMATCH)]);
        assert!(!out.entries.keys().any(|k| k.contains("Example.app")));
    }

    #[test]
    fn every_cut_or_changed_payload_byte_is_a_problem_and_nothing_of_it_is_read() {
        let (gzip_payload, pbzx_payload) = (payload(), {
            let cpio =
                odc(&[(".", 0o040755, b""), ("./Example.app/Contents/MacOS/Example", 0o100755, b"\xcf\xfa\xed\xfe")]);
            let mut p = b"pbzx".to_vec();
            p.extend_from_slice(&(1u64 << 24).to_be_bytes());
            p.extend_from_slice(&(cpio.len() as u64).to_be_bytes());
            p.extend_from_slice(&(cpio.len() as u64).to_be_bytes());
            p.extend_from_slice(&cpio);
            p
        });
        for stored in [gzip_payload, pbzx_payload] {
            let pkg = build(&[
                ("PackageInfo", &zlib(b"<pkg-info/>"), "application/x-gzip"),
                ("Payload", &stored, "application/octet-stream"),
            ]);
            for cut in 0..pkg.len() {
                let _ = unpack(&pkg[..cut], "X.pkg", "", 0);
            }
            // The payload is stored last: each of its bytes is covered by its checksums, which are
            // only known at the end of the stream, so nothing read before may stay.
            for at in pkg.len() - stored.len()..pkg.len() {
                let mut changed = pkg.clone();
                changed[at] ^= 0x55;
                let out = unpack(&changed, "X.pkg", "", 0);
                let codes: Vec<_> = out.problems.iter().map(|p| p.problem.code).collect();
                assert_eq!(codes, [rule_id::PKG_CHECKSUM_MISMATCH], "byte {at}");
                assert!(!out.entries.keys().any(|k| k.contains("Example")), "byte {at}: {:?}", out.entries.keys());
            }
        }
    }

    #[test]
    fn product_components_are_named_like_the_notary_log() {
        let member = |path: &str| xar::Member { path: path.into(), kind: Kind::File, mode: None, data: None };
        let members =
            [member("Distribution"), member("com.example.app.pkg/PackageInfo"), member("com.example.app.pkg/Payload")];
        let layout = Layout::of("Release.pkg", &members);
        assert_eq!(
            layout.place("com.example.app.pkg/Payload"),
            ("com.example.app.pkg Contents/Payload".to_owned(), true)
        );
        assert_eq!(layout.place("Distribution"), ("Distribution".to_owned(), false));
    }
}

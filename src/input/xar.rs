//! Reading xar archives — the container of flat installer packages (`.pkg`) — from bytes.
//!
//! Layout: a big-endian header, a zlib-compressed XML table of contents (TOC), then the heap.
//! Every offset in the TOC is relative to the heap. The TOC's own checksum (a hash of the
//! compressed TOC bytes) sits in the heap; each file's data carries the hash of its stored bytes
//! (`archived-checksum`) and of its decoded bytes (`extracted-checksum`). Everything here is
//! verified: a mismatch is a [`Problem`] with the byte offset of what does not match, a checksum
//! that cannot be computed is reported as not verified, never as verified.
//!
//! Elements of the TOC that are not needed are skipped, so writers that add their own (Homebrew's
//! `<contents>`, repeated `<name>`s, `<ea>` attributes) read like Apple's.

use std::io::Read;

use quick_xml::events::{BytesStart, Event};

use crate::rule_id;
use crate::Problem;

const MAGIC: &[u8] = b"xar!";
/// The fixed part of the header; a checksum name may follow it (header size > 28).
const HEADER_FIXED: usize = 28;
/// Largest decompressed TOC accepted (Apple's TOCs are kilobytes; a 500 000-file TOC is ~200 MB).
pub const MAX_TOC_BYTES: u64 = 256 << 20;
/// Longest text kept for one element (certificates in base64 are a few kilobytes).
const MAX_TEXT: usize = 1 << 20;
/// File elements named unsafely that are reported one by one; the rest are counted.
const MAX_UNSAFE_NAMES_SAID: usize = 100;
/// Deepest element nesting followed in the TOC.
const MAX_XML_DEPTH: usize = super::MAX_DEPTH * 4;
/// Memory the xz decoder may use, in KiB (dictionaries of real payloads are ≤ 64 MiB).
const XZ_MEMORY_KIB: u32 = 256 * 1024;

/// A hash named by a xar checksum style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    /// The style as written (`sha1`, `SHA256`, `md5`…).
    pub style: String,
    /// The expected value (hex in file checksums, raw bytes for the TOC checksum).
    pub value: Vec<u8>,
}

/// How a file's stored bytes are encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Encoding {
    Stored,
    /// `application/x-gzip` (a zlib stream in practice) or `application/zlib`.
    Zlib,
    Bzip2,
    /// `application/x-lzma` or `application/x-xz` (an xz stream in practice).
    Xz,
    Other(String),
}

/// Where a file's data sits in the heap and how to check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Data {
    /// Offset of the stored bytes, relative to the heap.
    pub offset: u64,
    /// Stored length.
    pub length: u64,
    /// Decoded size.
    pub size: u64,
    pub encoding: Encoding,
    pub archived: Option<Checksum>,
    pub extracted: Option<Checksum>,
}

/// What a TOC entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    File,
    Directory,
    Symlink(String),
    Hardlink,
    Other(String),
}

/// One `<file>` of the TOC.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Member {
    /// `/`-separated path from the archive root.
    pub path: String,
    pub kind: Kind,
    pub mode: Option<u32>,
    pub data: Option<Data>,
}

/// A `<signature>` or `<x-signature>` of the TOC: where it sits and the certificates it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// `signature` (RSA over the TOC checksum) or `x-signature` (CMS).
    pub element: String,
    pub style: String,
    pub offset: u64,
    pub size: u64,
    /// DER certificates, leaf first as written.
    pub certificates: Vec<Vec<u8>>,
}

/// What the TOC checksum check found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TocCheck {
    Verified(String),
    /// No checksum: nothing protects the TOC (and no signature can cover it).
    Absent,
    /// A checksum that bundlelint cannot compute (an unknown algorithm).
    Unverified(String),
}

/// A parsed xar archive over its bytes.
#[derive(Debug)]
pub struct Xar<'a> {
    bytes: &'a [u8],
    /// Where the heap starts in the file.
    pub heap_start: u64,
    /// The compressed TOC's range in the file.
    pub toc_range: (u64, u64),
    /// The checksum algorithm the header names (`none`, `sha1`, `sha224`…).
    pub header_checksum: String,
    /// The TOC's `<checksum>`: style, heap offset, size.
    pub toc_checksum: Option<(String, u64, u64)>,
    pub signatures: Vec<Signature>,
    pub members: Vec<Member>,
    /// Problems met in the TOC (unsafe names, limits); the archive is still usable.
    pub problems: Vec<Problem>,
}

/// Why a member's data could not be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberError {
    /// The bytes are malformed, lie outside the archive, or exceed a limit.
    Malformed(Problem),
    /// A checksum does not match.
    Mismatch(Problem),
    /// An encoding bundlelint does not decode.
    Unsupported(String),
}

/// Parses the header and TOC of the xar in `bytes`. Fails only when the header or the TOC
/// cannot be read at all; other problems are listed in [`Xar::problems`].
pub fn parse(bytes: &[u8]) -> Result<Xar<'_>, Problem> {
    let malformed = |offset: u64, message: String| Problem::at(rule_id::INPUT_ARCHIVE_MALFORMED, offset, message);
    if !bytes.starts_with(MAGIC) {
        return Err(malformed(0, "not a xar archive: no `xar!` magic".into()));
    }
    let be16 = |o: usize| bytes.get(o..o + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    let (Some(header_size), Some(_version)) = (be16(4), be16(6)) else {
        return Err(malformed(4, format!("the {} bytes end inside the xar header", bytes.len())));
    };
    let header_size = usize::from(header_size);
    let (Some(toc_compressed), Some(toc_uncompressed), Some(algorithm)) = (
        crate::problem::bytes::be_u64(bytes, 8),
        crate::problem::bytes::be_u64(bytes, 16),
        crate::problem::bytes::be_u32(bytes, 24),
    ) else {
        return Err(malformed(8, format!("the {} bytes end inside the xar header", bytes.len())));
    };
    if header_size < HEADER_FIXED || header_size > bytes.len() {
        return Err(malformed(
            4,
            format!("header size {header_size} is not between 28 and the file's {} bytes", bytes.len()),
        ));
    }
    let header_checksum = header_algorithm(algorithm, &bytes[HEADER_FIXED..header_size]);
    let toc_end = (header_size as u64).checked_add(toc_compressed).filter(|e| *e <= bytes.len() as u64);
    let Some(toc_end) = toc_end else {
        return Err(malformed(
            8,
            format!("compressed TOC of {toc_compressed} bytes runs past the end of the {}-byte file", bytes.len()),
        ));
    };
    if toc_uncompressed > MAX_TOC_BYTES {
        return Err(Problem::at(
            rule_id::INPUT_ARCHIVE_UNSAFE,
            16,
            format!("the TOC declares {toc_uncompressed} bytes, more than the {MAX_TOC_BYTES} accepted"),
        ));
    }
    let compressed = &bytes[header_size..toc_end as usize];
    // The declared size bounds the read, never the allocation: a small file may claim a lot.
    let xml = read_capped(flate2::read::ZlibDecoder::new(compressed), toc_uncompressed + 1)
        .map_err(|e| malformed(header_size as u64, format!("the TOC is not a zlib stream: {e}")))?;
    if xml.len() as u64 != toc_uncompressed {
        return Err(malformed(
            16,
            format!(
                "the TOC inflates to {} bytes, not the {toc_uncompressed} the header declares",
                xml.len().min(toc_uncompressed as usize + 1)
            ),
        ));
    }
    let mut xar = Xar {
        bytes,
        heap_start: toc_end,
        toc_range: (header_size as u64, toc_end),
        header_checksum,
        toc_checksum: None,
        signatures: Vec::new(),
        members: Vec::new(),
        problems: Vec::new(),
    };
    TocParser::default().run(&xml, &mut xar).map_err(|(offset, message)| {
        malformed(header_size as u64, format!("the TOC is not valid XML at byte {offset} of its text: {message}"))
    })?;
    Ok(xar)
}

/// The header's checksum algorithm: Apple numbers sha256 and sha512 as 3 and 4; other writers
/// use 3 for "named in the header" with the name after the fixed header.
fn header_algorithm(number: u32, extension: &[u8]) -> String {
    match number {
        0 => "none".into(),
        1 => "sha1".into(),
        2 => "md5".into(),
        3 if !extension.is_empty() => {
            let name = extension.split(|b| *b == 0).next().unwrap_or_default();
            String::from_utf8_lossy(name).to_ascii_lowercase()
        }
        3 => "sha256".into(),
        4 => "sha512".into(),
        n => format!("algorithm #{n}"),
    }
}

impl<'a> Xar<'a> {
    /// The compressed TOC bytes (what the TOC checksum and the signatures cover).
    pub fn toc_bytes(&self) -> &'a [u8] {
        &self.bytes[self.toc_range.0 as usize..self.toc_range.1 as usize]
    }

    /// `len` heap bytes at heap offset `offset`, or a problem naming the file offset.
    pub fn heap(&self, offset: u64, len: u64, what: &str) -> Result<&'a [u8], Problem> {
        let start = self.heap_start.checked_add(offset);
        let end = start.and_then(|s| s.checked_add(len)).filter(|e| *e <= self.bytes.len() as u64);
        match (start, end) {
            (Some(s), Some(e)) => Ok(&self.bytes[s as usize..e as usize]),
            _ => Err(Problem::at(
                rule_id::INPUT_ARCHIVE_MALFORMED,
                start.unwrap_or(u64::MAX).min(self.bytes.len() as u64),
                format!(
                    "{what}: {len} bytes at heap offset {offset} lie outside the {}-byte archive",
                    self.bytes.len()
                ),
            )),
        }
    }

    /// Verifies the TOC checksum: the hash of the compressed TOC against the heap copy.
    pub fn check_toc(&self) -> Result<TocCheck, Problem> {
        let Some((style, offset, size)) = self.toc_checksum.clone() else {
            return Ok(if self.header_checksum == "none" {
                TocCheck::Absent
            } else {
                TocCheck::Unverified(format!(
                    "the header names a {} TOC checksum but the TOC says nowhere where it is",
                    self.header_checksum
                ))
            });
        };
        if !style.eq_ignore_ascii_case(&self.header_checksum) {
            return Err(Problem::at(
                rule_id::INPUT_ARCHIVE_MALFORMED,
                24,
                format!("the header names a {} TOC checksum, the TOC a {style} one", self.header_checksum),
            ));
        }
        let stored = self.heap(offset, size, "TOC checksum")?;
        let Some(actual) = digest(&style, self.toc_bytes()) else {
            return Ok(TocCheck::Unverified(format!(
                "the TOC checksum uses {style}, which bundlelint does not compute"
            )));
        };
        if actual != stored {
            return Err(Problem::at(
                rule_id::PKG_CHECKSUM_MISMATCH,
                self.heap_start + offset,
                format!(
                    "the TOC's {style} is {}, but the archive records {} (the table of contents was changed after \
                     it was written; pkgutil: \"package is invalid (checksum did not verify)\")",
                    hex::encode(&actual),
                    hex::encode(stored)
                ),
            ));
        }
        Ok(TocCheck::Verified(style))
    }

    /// The decoded contents of `data`, at most `cap` bytes, with both checksums verified.
    /// `Ok` carries the names of checksums that could not be computed (unknown algorithms).
    pub fn read(&self, data: &Data, cap: u64, name: &str) -> Result<(Vec<u8>, Vec<String>), MemberError> {
        let stored = self.heap(data.offset, data.length, name).map_err(MemberError::Malformed)?;
        let at = self.heap_start.saturating_add(data.offset);
        let mut unverified = Vec::new();
        check(&data.archived, stored, "archived", name, at, &mut unverified)?;
        refuse_oversized(data, cap, name, at)?;
        let decoded = decode(&data.encoding, stored, data.size).map_err(|why| undecodable(why, name, at))?;
        if decoded.len() as u64 != data.size {
            return Err(MemberError::Malformed(Problem::at(
                rule_id::INPUT_ARCHIVE_MALFORMED,
                at,
                format!(
                    "`{name}` decodes to {}{} bytes, not the {} its TOC entry declares",
                    if decoded.len() as u64 > data.size { "more than " } else { "" },
                    decoded.len().min(data.size as usize),
                    data.size
                ),
            )));
        }
        check(&data.extracted, &decoded, "extracted", name, at, &mut unverified)?;
        Ok((decoded, unverified))
    }
}

/// Refuses a member whose declared decoded size is past `cap`, before any of it is decoded: the
/// size is the archive's word, so a bomb is stopped by what it claims.
fn refuse_oversized(data: &Data, cap: u64, name: &str, at: u64) -> Result<(), MemberError> {
    if data.size <= cap {
        return Ok(());
    }
    Err(MemberError::Malformed(Problem::at(
        rule_id::INPUT_ARCHIVE_UNSAFE,
        at,
        format!("`{name}` declares {} bytes decoded, more than the {cap} accepted; refused", data.size),
    )))
}

/// Why a member at `at` could not be decoded, as the error its reader reports.
fn undecodable(why: Decode, name: &str, at: u64) -> MemberError {
    match why {
        Decode::Unsupported(style) => MemberError::Unsupported(style),
        Decode::Failed(e) => MemberError::Malformed(Problem::at(
            rule_id::INPUT_ARCHIVE_MALFORMED,
            at,
            format!("`{name}` cannot be decoded: {e}"),
        )),
    }
}

/// How many bytes of the archive a [`MemberStream`] reads before it lets their pages go.
const RELEASE_EVERY: usize = 16 << 20;

impl<'a> Xar<'a> {
    /// The decoded contents of `data` as a stream of at most `cap` bytes, for members too large
    /// to hold (a package's `Payload`). Its checksums are computed as it is read and verified by
    /// [`MemberStream::finish`]; nothing read from it may be trusted before that. `release` is
    /// told of each stretch of the archive read, so that a memory-mapped archive can let its
    /// pages go.
    pub fn stream(
        &self,
        data: &Data,
        cap: u64,
        name: &str,
        release: &'a (dyn Fn(&[u8]) + Sync),
    ) -> Result<MemberStream<'a>, MemberError> {
        let stored = self.heap(data.offset, data.length, name).map_err(MemberError::Malformed)?;
        let at = self.heap_start.saturating_add(data.offset);
        let mut unverified = Vec::new();
        let mut expected = Vec::new();
        let stored_is_decoded = data.encoding == Encoding::Stored;
        if stored_is_decoded {
            expected.extend(Expected::of(&data.archived, "archived", name, &mut unverified));
        } else {
            check(&data.archived, stored, "archived", name, at, &mut unverified)?;
        }
        refuse_oversized(data, cap, name, at)?;
        expected.extend(Expected::of(&data.extracted, "extracted", name, &mut unverified));
        let source = Releasing { bytes: stored, position: 0, released: 0, release };
        let decoded = decoder(&data.encoding, source).map_err(|why| undecodable(why, name, at))?;
        Ok(MemberStream {
            decoded,
            expected,
            unverified,
            read: 0,
            size: data.size,
            at,
            name: name.to_owned(),
            failed: None,
        })
    }
}

/// A checksum to verify over a stream, and its running hash.
struct Expected {
    which: &'static str,
    checksum: Checksum,
    hasher: Box<dyn sha2::digest::DynDigest + Send>,
}

impl Expected {
    /// The check of `checksum`, if it names an algorithm bundlelint computes (else it is noted in
    /// `unverified`, as [`Xar::read`] does).
    fn of(
        checksum: &Option<Checksum>,
        which: &'static str,
        name: &str,
        unverified: &mut Vec<String>,
    ) -> Option<Expected> {
        let checksum = checksum.as_ref().filter(|c| !c.style.eq_ignore_ascii_case("none"))?;
        match hasher(&checksum.style) {
            Some(hasher) => Some(Expected { which, checksum: checksum.clone(), hasher }),
            None => {
                unverified.push(format!("the {which} {} checksum of `{name}`", checksum.style));
                None
            }
        }
    }
}

/// A member's decoded bytes, read as a stream (see [`Xar::stream`]).
pub struct MemberStream<'a> {
    decoded: Box<dyn Read + Send + 'a>,
    expected: Vec<Expected>,
    unverified: Vec<String>,
    read: u64,
    size: u64,
    at: u64,
    name: String,
    /// Why decoding failed, once it did.
    failed: Option<String>,
}

impl Read for MemberStream<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        // One byte past the declared size shows a member longer than declared.
        let left = self.size.saturating_add(1).saturating_sub(self.read);
        let want = buf.len().min(usize::try_from(left).unwrap_or(usize::MAX));
        if want == 0 {
            return Ok(0);
        }
        let n = match self.decoded.read(&mut buf[..want]) {
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => return Err(e),
            Err(e) => {
                self.failed.get_or_insert_with(|| e.to_string());
                return Err(e);
            }
        };
        self.read += n as u64;
        for expected in &mut self.expected {
            expected.hasher.update(&buf[..n]);
        }
        Ok(n)
    }
}

impl MemberStream<'_> {
    /// Reads what is left and verifies the member as [`Xar::read`] does: its checksums and its
    /// decoded size. `Ok` carries the names of checksums that could not be computed.
    pub fn finish(mut self) -> Result<Vec<String>, MemberError> {
        let mut sink = vec![0u8; 1 << 16];
        while self.failed.is_none() {
            match self.read(&mut sink) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(_) => break,
            }
        }
        let (at, name) = (self.at, self.name.clone());
        let hashed: Vec<(&str, Checksum, Vec<u8>)> =
            self.expected.drain(..).map(|e| (e.which, e.checksum, e.hasher.finalize().to_vec())).collect();
        let verify = |which: &str| -> Result<(), MemberError> {
            for (_, expected, actual) in hashed.iter().filter(|(w, _, _)| *w == which) {
                mismatch(expected, actual, which, &name, at)?;
            }
            Ok(())
        };
        verify("archived")?;
        if let Some(e) = &self.failed {
            return Err(MemberError::Malformed(Problem::at(
                rule_id::INPUT_ARCHIVE_MALFORMED,
                at,
                format!("`{name}` cannot be decoded: {e}"),
            )));
        }
        if self.read != self.size {
            return Err(MemberError::Malformed(Problem::at(
                rule_id::INPUT_ARCHIVE_MALFORMED,
                at,
                format!(
                    "`{name}` decodes to {}{} bytes, not the {} its TOC entry declares",
                    if self.read > self.size { "more than " } else { "" },
                    self.read.min(self.size),
                    self.size
                ),
            )));
        }
        verify("extracted")?;
        Ok(self.unverified)
    }
}

/// The stored bytes of a member, read in order; every [`RELEASE_EVERY`] bytes the part read is
/// handed to `release`.
struct Releasing<'a> {
    bytes: &'a [u8],
    position: usize,
    released: usize,
    release: &'a (dyn Fn(&[u8]) + Sync),
}

impl Read for Releasing<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let rest = &self.bytes[self.position..];
        let n = buf.len().min(rest.len());
        buf[..n].copy_from_slice(&rest[..n]);
        self.position += n;
        if self.position - self.released >= RELEASE_EVERY || (n == 0 && self.position > self.released) {
            (self.release)(&self.bytes[self.released..self.position]);
            self.released = self.position;
        }
        Ok(n)
    }
}

/// A mismatch between `expected` and the `actual` hash as the problem [`check`] reports.
fn mismatch(expected: &Checksum, actual: &[u8], which: &str, name: &str, at: u64) -> Result<(), MemberError> {
    if actual == expected.value {
        return Ok(());
    }
    Err(MemberError::Mismatch(Problem::at(
        rule_id::PKG_CHECKSUM_MISMATCH,
        at,
        format!(
            "`{name}`: the {which} {} is {}, but the TOC records {} (the file's bytes were changed after the \
             package was written)",
            expected.style,
            hex::encode(actual),
            hex::encode(&expected.value)
        ),
    )))
}

fn check(
    expected: &Option<Checksum>,
    bytes: &[u8],
    which: &str,
    name: &str,
    at: u64,
    unverified: &mut Vec<String>,
) -> Result<(), MemberError> {
    let Some(expected) = expected else { return Ok(()) };
    if expected.style.eq_ignore_ascii_case("none") {
        return Ok(());
    }
    let Some(actual) = digest(&expected.style, bytes) else {
        unverified.push(format!("the {which} {} checksum of `{name}`", expected.style));
        return Ok(());
    };
    mismatch(expected, &actual, which, name, at)
}

/// The hash of `bytes` with the algorithm a xar checksum style names, or `None` when unknown.
pub fn digest(style: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    let mut hasher = hasher(style)?;
    hasher.update(bytes);
    Some(hasher.finalize().to_vec())
}

/// A running hash in the algorithm a xar checksum style names, or `None` when unknown.
pub fn hasher(style: &str) -> Option<Box<dyn sha2::digest::DynDigest + Send>> {
    Some(match style.to_ascii_lowercase().as_str() {
        "sha1" => Box::<sha1::Sha1>::default(),
        "md5" => Box::<md5::Md5>::default(),
        "sha224" => Box::<sha2::Sha224>::default(),
        "sha256" => Box::<sha2::Sha256>::default(),
        "sha384" => Box::<sha2::Sha384>::default(),
        "sha512" => Box::<sha2::Sha512>::default(),
        _ => return None,
    })
}

pub(crate) enum Decode {
    Unsupported(String),
    Failed(String),
}

/// Decodes `stored` into at most `size + 1` bytes (one more shows a member longer than declared).
fn decode(encoding: &Encoding, stored: &[u8], size: u64) -> Result<Vec<u8>, Decode> {
    read_capped(decoder(encoding, stored)?, size.saturating_add(1)).map_err(Decode::Failed)
}

/// A reader of what `stored` decodes to in `encoding`.
pub(crate) fn decoder<'a, R: Read + Send + 'a>(
    encoding: &Encoding,
    mut stored: R,
) -> Result<Box<dyn Read + Send + 'a>, Decode> {
    Ok(match encoding {
        Encoding::Stored => Box::new(stored),
        Encoding::Zlib => {
            // `application/x-gzip` members are zlib streams; accept a real gzip stream too.
            let mut magic = Vec::with_capacity(2);
            (&mut stored).take(2).read_to_end(&mut magic).map_err(|e| Decode::Failed(e.to_string()))?;
            let gzip = magic == [0x1f, 0x8b];
            let whole = std::io::Cursor::new(magic).chain(stored);
            if gzip {
                Box::new(flate2::read::GzDecoder::new(whole))
            } else {
                Box::new(flate2::read::ZlibDecoder::new(whole))
            }
        }
        Encoding::Bzip2 => Box::new(bzip2::read::BzDecoder::new(stored)),
        Encoding::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(stored, true, XZ_MEMORY_KIB)),
        Encoding::Other(style) => return Err(Decode::Unsupported(style.clone())),
    })
}

/// Reads everything `reader` gives up to `limit` bytes, growing the buffer as data arrives (a
/// declared size is never trusted for an allocation).
pub fn read_capped(reader: impl Read, limit: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(limit.min(1 << 20) as usize);
    reader.take(limit).read_to_end(&mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

fn encoding_of(style: &str) -> Encoding {
    match style.to_ascii_lowercase().as_str() {
        "application/octet-stream" | "" => Encoding::Stored,
        "application/x-gzip" | "application/zlib" | "application/x-zlib" | "application/gzip" => Encoding::Zlib,
        "application/x-bzip2" | "application/bzip2" => Encoding::Bzip2,
        "application/x-lzma" | "application/x-xz" | "application/xz" => Encoding::Xz,
        other => Encoding::Other(other.to_owned()),
    }
}

/// A `<file>` being read.
#[derive(Default)]
struct OpenFile {
    /// Index in the element stack of the `<file>` element.
    depth: usize,
    /// Its place in [`TocParser::slots`] and its parent's (a directory's `<name>` may follow
    /// its children, so paths are made once the whole TOC is read).
    slot: usize,
    name: Option<String>,
    kind: Option<String>,
    link: Option<String>,
    mode: Option<String>,
    offset: Option<u64>,
    length: Option<u64>,
    size: Option<u64>,
    encoding: Option<String>,
    archived: Option<Checksum>,
    extracted: Option<Checksum>,
    has_data: bool,
}

/// A `<file>` read, waiting for its path.
struct Slot {
    parent: Option<usize>,
    name: String,
    /// Where the element ended in the TOC text, for messages.
    position: u64,
    member: Option<Member>,
}

/// A `<signature>`/`<x-signature>` being read.
struct OpenSignature {
    depth: usize,
    sig: Signature,
}

#[derive(Default)]
struct TocParser {
    /// Names of the open elements.
    stack: Vec<String>,
    /// `style` attribute of each open element.
    styles: Vec<Option<String>>,
    files: Vec<OpenFile>,
    slots: Vec<Slot>,
    signature: Option<OpenSignature>,
    text: String,
    checksum: (Option<String>, Option<u64>, Option<u64>),
}

impl TocParser {
    fn run(mut self, xml: &[u8], xar: &mut Xar<'_>) -> Result<(), (u64, String)> {
        let mut reader = quick_xml::Reader::from_reader(xml);
        reader.config_mut().check_end_names = true;
        loop {
            let position = reader.buffer_position();
            let event = reader.read_event().map_err(|e| (reader.error_position(), e.to_string()))?;
            match event {
                Event::Eof => break,
                Event::Start(tag) => {
                    self.open(&tag, position)?;
                }
                Event::Empty(tag) => {
                    self.open(&tag, position)?;
                    self.close(xar, position);
                }
                Event::End(_) => self.close(xar, position),
                Event::Text(text) => self.push_text(&text, position)?,
                Event::CData(text) => self.push_text(&text, position)?,
                Event::GeneralRef(reference) => {
                    let resolved = match reference.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => quick_xml::escape::resolve_xml_entity(&reference).unwrap_or_default().to_owned(),
                    };
                    self.push_text(&resolved, position)?;
                }
                _ => {}
            }
            if self.slots.len() > super::MAX_ENTRIES {
                xar.problems.push(Problem::at(
                    rule_id::INPUT_LIMIT,
                    0,
                    format!("the TOC lists more than {} files; the rest is not read", super::MAX_ENTRIES),
                ));
                break;
            }
        }
        if !self.stack.is_empty() {
            return Err((xml.len() as u64, format!("the text ends before <{}> is closed", self.stack.join("><"))));
        }
        self.place_members(xar);
        Ok(())
    }

    /// Gives each file its path from its ancestors' names; a file named unsafely (`..`, `a/b`,
    /// empty) is refused with everything below it.
    fn place_members(self, xar: &mut Xar<'_>) {
        let mut paths: Vec<Option<String>> = Vec::with_capacity(self.slots.len());
        let mut budget = super::PathBudget::default();
        // The first path too long, and how many more there were; set when the budget is spent.
        let mut too_long: Option<(usize, usize)> = None;
        let mut spent = false;
        let mut unsafe_named = 0usize;
        for slot in &self.slots {
            // Parents are opened, hence placed, before their children.
            let parent = match slot.parent {
                None => Some(String::new()),
                Some(p) => paths.get(p).cloned().flatten(),
            };
            let path = match parent {
                _ if spent => None,
                Some(_) if !safe_name(&slot.name) && unsafe_named >= MAX_UNSAFE_NAMES_SAID => {
                    unsafe_named += 1;
                    None
                }
                Some(parent) if !safe_name(&slot.name) => {
                    unsafe_named += 1;
                    xar.problems.push(Problem::at(
                        rule_id::INPUT_ARCHIVE_MALFORMED,
                        xar.toc_range.0,
                        format!(
                            "a TOC file element (ending at byte {} of the TOC text) is named `{}` in `{parent}`, \
                             which is not a plain file name; refused with everything below it",
                            slot.position,
                            crate::problem::truncate(&slot.name.escape_debug().to_string(), 256),
                            parent = crate::problem::truncate(&parent, 256),
                        ),
                    ));
                    None
                }
                Some(parent) => {
                    let path = super::join(&parent, &slot.name);
                    match budget.take(&path) {
                        Ok(()) => Some(path),
                        Err(over @ super::OverBudget::TooLong(_)) => {
                            match &mut too_long {
                                Some((_, more)) => *more += 1,
                                None => {
                                    too_long = Some((xar.problems.len(), 0));
                                    let message = format!(
                                        "a TOC file element (ending at byte {} of the TOC text) in `{parent}`: {}",
                                        slot.position,
                                        over.message()
                                    );
                                    xar.problems.push(Problem::at(rule_id::INPUT_LIMIT, xar.toc_range.0, message));
                                }
                            }
                            None
                        }
                        Err(over @ super::OverBudget::Spent) => {
                            spent = true;
                            let message = format!("the TOC: {}", over.message());
                            xar.problems.push(Problem::at(rule_id::INPUT_LIMIT, xar.toc_range.0, message));
                            None
                        }
                    }
                }
                None => None,
            };
            paths.push(path);
        }
        if unsafe_named > MAX_UNSAFE_NAMES_SAID {
            let message = format!(
                "{} more TOC file elements are not named plainly; refused with everything below them",
                unsafe_named - MAX_UNSAFE_NAMES_SAID
            );
            xar.problems.push(Problem::at(rule_id::INPUT_ARCHIVE_MALFORMED, xar.toc_range.0, message));
        }
        if let Some((at, more)) = too_long.filter(|&(_, more)| more > 0) {
            xar.problems[at].message.push_str(&format!(" (and {more} more elements as long)"));
        }
        for (slot, path) in self.slots.into_iter().zip(paths) {
            if let (Some(mut member), Some(path)) = (slot.member, path) {
                member.path = path;
                xar.members.push(member);
            }
        }
    }

    fn push_text(&mut self, text: &str, position: u64) -> Result<(), (u64, String)> {
        if self.text.len() + text.len() > MAX_TEXT {
            return Err((position, format!("an element's text is longer than {MAX_TEXT} bytes")));
        }
        self.text.push_str(text);
        Ok(())
    }

    fn open(&mut self, tag: &BytesStart<'_>, position: u64) -> Result<(), (u64, String)> {
        if self.stack.len() >= MAX_XML_DEPTH {
            return Err((position, format!("elements nest deeper than {MAX_XML_DEPTH}")));
        }
        let name = tag.name().as_ref().to_owned();
        let style = tag.try_get_attribute("style").ok().flatten().map(|a| a.value.into_owned());
        self.text.clear();
        let depth = self.stack.len();
        let in_toc = self.stack.len() == 2 && self.stack[0] == "xar" && self.stack[1] == "toc";
        if name == "file" {
            if in_toc || self.current_relative().is_some_and(|r| r.is_empty()) {
                let parent = self.files.last().map(|f| f.slot);
                let slot = self.slots.len();
                self.slots.push(Slot { parent, name: String::new(), position, member: None });
                self.files.push(OpenFile { depth, slot, ..Default::default() });
            }
        } else if in_toc && (name == "signature" || name == "x-signature") {
            let sig = Signature {
                element: name.clone(),
                style: style.clone().unwrap_or_default(),
                offset: 0,
                size: 0,
                certificates: Vec::new(),
            };
            self.signature = Some(OpenSignature { depth, sig });
        }
        self.stack.push(name);
        self.styles.push(style);
        Ok(())
    }

    /// The open element names below the innermost open `<file>`, when the innermost open file
    /// is the element itself or its ancestor.
    fn current_relative(&self) -> Option<&[String]> {
        let file = self.files.last()?;
        self.stack.get(file.depth + 1..)
    }

    fn close(&mut self, xar: &mut Xar<'_>, position: u64) {
        let Some(name) = self.stack.pop() else { return };
        let style = self.styles.pop().flatten();
        let text = std::mem::take(&mut self.text);
        let value = text.trim();
        let depth = self.stack.len();
        // The TOC checksum.
        if self.stack.len() == 3 && self.stack[..3] == ["xar", "toc", "checksum"] {
            match name.as_str() {
                "offset" => self.checksum.1 = value.parse().ok(),
                "size" => self.checksum.2 = value.parse().ok(),
                _ => {}
            }
            return;
        }
        if self.stack.len() == 2 && self.stack[..2] == ["xar", "toc"] && name == "checksum" {
            if let (Some(offset), Some(size)) = (self.checksum.1, self.checksum.2) {
                xar.toc_checksum = Some((style.unwrap_or_default(), offset, size));
            } else {
                xar.problems.push(Problem::at(
                    rule_id::INPUT_ARCHIVE_MALFORMED,
                    xar.toc_range.0,
                    "the TOC's <checksum> has no usable <offset> and <size>",
                ));
            }
            return;
        }
        if let Some(open) = &mut self.signature {
            if depth == open.depth {
                let done = self.signature.take().map(|s| s.sig);
                xar.signatures.extend(done);
                return;
            }
            match name.as_str() {
                "offset" if depth == open.depth + 1 => open.sig.offset = value.parse().unwrap_or(u64::MAX),
                "size" if depth == open.depth + 1 => open.sig.size = value.parse().unwrap_or(u64::MAX),
                "X509Certificate" => {
                    use base64::Engine;
                    let compact: String = value.chars().filter(|c| !c.is_whitespace()).collect();
                    match base64::engine::general_purpose::STANDARD.decode(compact) {
                        Ok(der) => open.sig.certificates.push(der),
                        Err(e) => xar.problems.push(Problem::at(
                            rule_id::INPUT_ARCHIVE_MALFORMED,
                            xar.toc_range.0,
                            format!("a certificate in the TOC's <{}> is not base64: {e}", open.sig.element),
                        )),
                    }
                }
                _ => {}
            }
            return;
        }
        let Some(file) = self.files.last_mut() else { return };
        if depth == file.depth && name == "file" {
            let Some(file) = self.files.pop() else { return };
            let slot = file.slot;
            let name = file.name.clone().unwrap_or_default();
            let member = finish_file(file, xar);
            if let Some(s) = self.slots.get_mut(slot) {
                (s.name, s.position, s.member) = (name, position, member);
            }
            return;
        }
        let relative: Vec<&str> = self.stack[file.depth + 1..].iter().map(String::as_str).collect();
        match (relative.as_slice(), name.as_str()) {
            // Some writers repeat <name>; the first one names the file.
            ([], "name") if file.name.is_none() => file.name = Some(text.clone()),
            ([], "type") => {
                file.kind = Some(value.to_owned());
                file.link = file.link.take().or(style);
            }
            ([], "link") => file.link = Some(text.clone()),
            ([], "mode") => file.mode = Some(value.to_owned()),
            ([], "data") => file.has_data = true,
            (["data"], "offset") => file.offset = value.parse().ok(),
            (["data"], "length") => file.length = value.parse().ok(),
            (["data"], "size") => file.size = value.parse().ok(),
            (["data"], "encoding") => file.encoding = Some(style.unwrap_or_default()),
            (["data"], "archived-checksum") => file.archived = Some(checksum(style, value)),
            (["data"], "extracted-checksum") => file.extracted = Some(checksum(style, value)),
            _ => {}
        }
    }
}

fn checksum(style: Option<String>, value: &str) -> Checksum {
    // A value that is not hex can never match: keep its bytes so the comparison fails loudly.
    let value = hex::decode(value).unwrap_or_else(|_| value.as_bytes().to_vec());
    Checksum { style: style.unwrap_or_else(|| "sha1".into()), value }
}

fn safe_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('\0')
}

/// The member a closed `<file>` describes, its path still empty.
fn finish_file(file: OpenFile, xar: &mut Xar<'_>) -> Option<Member> {
    let name = file.name.unwrap_or_default();
    let kind = match file.kind.as_deref().unwrap_or("file") {
        "file" => Kind::File,
        "directory" => Kind::Directory,
        "symlink" | "link" => Kind::Symlink(file.link.unwrap_or_default()),
        "hardlink" => Kind::Hardlink,
        other => Kind::Other(other.to_owned()),
    };
    let mode = file.mode.as_deref().and_then(|m| u32::from_str_radix(m, 8).ok());
    let data = match (file.has_data, file.offset, file.length, file.size) {
        (false, ..) => None,
        (true, Some(offset), Some(length), Some(size)) => Some(Data {
            offset,
            length,
            size,
            encoding: encoding_of(file.encoding.as_deref().unwrap_or("")),
            archived: file.archived,
            extracted: file.extracted,
        }),
        (true, ..) => {
            xar.problems.push(Problem::at(
                rule_id::INPUT_ARCHIVE_MALFORMED,
                xar.toc_range.0,
                format!("the TOC entry of `{name}` has <data> without <offset>, <length> and <size>"),
            ));
            None
        }
    };
    Some(Member { path: String::new(), kind, mode, data })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A xar with the given TOC files (`(name, stored bytes, encoding style)`) and a sha1 TOC
    /// checksum at heap offset 0.
    pub(crate) fn build(files: &[(&str, &[u8], &str)]) -> Vec<u8> {
        use sha1::Digest;
        let mut heap = Vec::new();
        let mut elements = String::new();
        for (id, (name, stored, style)) in files.iter().enumerate() {
            let decoded = match *style {
                "application/x-gzip" => {
                    let mut d = Vec::new();
                    flate2::read::ZlibDecoder::new(*stored).read_to_end(&mut d).unwrap();
                    d
                }
                _ => stored.to_vec(),
            };
            elements += &format!(
                "<file id=\"{}\"><name>{name}</name><type>file</type><unknown-element><x/></unknown-element><data>\
                 <offset>{}</offset><length>{}</length><size>{}</size><encoding style=\"{style}\"/>\
                 <archived-checksum style=\"sha1\">{}</archived-checksum>\
                 <extracted-checksum style=\"sha1\">{}</extracted-checksum></data></file>",
                id + 1,
                20 + heap.len(),
                stored.len(),
                decoded.len(),
                hex::encode(sha1::Sha1::digest(stored)),
                hex::encode(sha1::Sha1::digest(&decoded)),
            );
            heap.extend_from_slice(stored);
        }
        assemble(&elements, &heap)
    }

    /// A xar whose TOC holds the file `elements` as written, with a sha1 TOC checksum at heap
    /// offset 0 followed by `heap`.
    fn assemble(elements: &str, heap: &[u8]) -> Vec<u8> {
        use sha1::Digest;
        let toc = format!(
            "<?xml version=\"1.0\"?><xar><toc><checksum style=\"sha1\"><offset>0</offset><size>20</size></checksum>\
             {elements}</toc></xar>"
        );
        let compressed = zlib(toc.as_bytes());
        let mut out = b"xar!".to_vec();
        out.extend_from_slice(&28u16.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes());
        out.extend_from_slice(&(compressed.len() as u64).to_be_bytes());
        out.extend_from_slice(&(toc.len() as u64).to_be_bytes());
        out.extend_from_slice(&1u32.to_be_bytes());
        out.extend_from_slice(&compressed);
        out.extend_from_slice(&sha1::Sha1::digest(&compressed));
        out.extend_from_slice(heap);
        out
    }

    pub(crate) fn zlib(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    /// `bytes` gzip-compressed, as a package's `Payload` usually is.
    pub(crate) fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    #[test]
    fn reads_members_and_verifies_every_checksum() {
        let bytes = build(&[("a", b"hello", "application/octet-stream"), ("b", &zlib(b"world"), "application/x-gzip")]);
        let xar = parse(&bytes).unwrap();
        assert!(xar.problems.is_empty(), "{:?}", xar.problems);
        assert_eq!(xar.check_toc().unwrap(), TocCheck::Verified("sha1".into()));
        let names: Vec<_> = xar.members.iter().map(|m| m.path.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let b = xar.members[1].data.as_ref().unwrap();
        assert_eq!(xar.read(b, 1 << 20, "b").unwrap().0, b"world");
    }

    #[test]
    fn a_changed_byte_is_a_checksum_mismatch_at_its_offset() {
        let mut bytes = build(&[("a", b"hello", "application/octet-stream")]);
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let xar = parse(&bytes).unwrap();
        let data = xar.members[0].data.clone().unwrap();
        match xar.read(&data, 1 << 20, "a") {
            Err(MemberError::Mismatch(p)) => {
                assert_eq!(p.code, rule_id::PKG_CHECKSUM_MISMATCH);
                assert_eq!(p.offset, Some(xar.heap_start + 20));
            }
            other => panic!("{other:?}"),
        }
        // The TOC checksum itself.
        let mut bytes = build(&[("a", b"hello", "application/octet-stream")]);
        let heap = parse(&bytes).unwrap().heap_start as usize;
        bytes[heap] ^= 1;
        let p = parse(&bytes).unwrap().check_toc().unwrap_err();
        assert_eq!((p.code, p.offset), (rule_id::PKG_CHECKSUM_MISMATCH, Some(heap as u64)));
    }

    #[test]
    fn garbage_and_truncations_are_problems_not_panics() {
        let bytes = build(&[("a", b"hello", "application/octet-stream")]);
        for cut in 0..bytes.len() {
            if let Ok(xar) = parse(&bytes[..cut]) {
                let _ = xar.check_toc();
                for m in &xar.members {
                    if let Some(d) = &m.data {
                        let _ = xar.read(d, 1 << 20, &m.path);
                    }
                }
            }
        }
        assert!(parse(b"xar!").is_err());
        assert!(parse(b"not a xar").is_err());
    }

    #[test]
    fn header_checksum_names_follow_both_conventions() {
        assert_eq!(header_algorithm(3, b""), "sha256");
        assert_eq!(header_algorithm(3, b"sha224\0\0\0"), "sha224");
        assert_eq!(header_algorithm(4, b""), "sha512");
        assert_eq!(header_algorithm(2, b""), "md5");
    }

    #[test]
    fn unknown_encodings_are_reported_not_skipped() {
        let bytes = build(&[("a", b"hello", "application/x-future")]);
        let xar = parse(&bytes).unwrap();
        let data = xar.members[0].data.clone().unwrap();
        assert_eq!(xar.read(&data, 100, "a"), Err(MemberError::Unsupported("application/x-future".into())));
    }

    #[test]
    fn paths_made_long_by_nesting_are_refused_once_and_counted() {
        // Twenty directories of 200-byte names make a path of 4,019 bytes; each of the 1,000
        // files of 100-byte names inside would make one longer than read.
        let name = "d".repeat(200);
        let mut elements = String::new();
        for id in 0..20 {
            elements += &format!("<file id=\"{}\"><name>{name}</name><type>directory</type>", id + 1);
        }
        for id in 0..1000 {
            let file = format!("{id:0>100}");
            elements += &format!("<file id=\"{}\"><name>{file}</name><type>file</type></file>", id + 21);
        }
        elements += &"</file>".repeat(20);
        elements += "<file id=\"2000\"><name>top</name><type>file</type></file>";
        let bytes = assemble(&elements, &[]);
        let xar = parse(&bytes).unwrap();
        assert!(xar.members.iter().all(|m| m.path.len() <= crate::input::MAX_PATH_LEN));
        assert!(xar.members.iter().any(|m| m.path == "top"), "the rest is read");
        let too_long: Vec<_> =
            xar.problems.iter().filter(|p| p.message.contains("longer than the 4096 read")).collect();
        assert_eq!(too_long.len(), 1, "{:?}", xar.problems);
        assert!(too_long[0].message.ends_with("(and 999 more elements as long)"), "{}", too_long[0].message);
    }
}

//! File contents, loaded on first use: memory-mapped when large, read when small, held in
//! memory when they came out of an archive, or — for the large files of a package's payload —
//! described by their length, first and last bytes and digests, and decoded again on demand.

use std::ffi::OsStr;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// Files at least this large are memory-mapped; smaller ones are read, which is cheaper and keeps
/// the number of mappings (bounded by the kernel) low for bundles with many small resources.
const MMAP_THRESHOLD: u64 = 64 * 1024;

#[derive(Debug)]
enum Origin {
    /// A file on disk: its directory (shared by its siblings) and its name. A bundle of 100 000
    /// files holds 100 000 of these, so the full path is only made when the file is opened.
    Disk(Arc<Path>, Box<OsStr>),
    Memory,
    /// A member of an archive, inflated on demand from the archive's bytes.
    Member(Member),
    /// A file passed over in a stream (a package's payload): what was learnt on the way.
    Streamed(Streamed),
    /// Contents read on demand from wherever their [`Source`] finds them (a file on a disk
    /// image's volume).
    Source(Box<dyn Source>),
}

/// A source whose decoded bytes can be produced again from any offset: a package payload, which
/// is read once as a stream (see `pkg.rs`) and decoded anew when a file of it is asked for.
pub(crate) trait Reread: std::fmt::Debug + Send + Sync {
    /// Calls `read` with a reader of the `len` decoded bytes at `offset`; `Err` says why they
    /// cannot be had (an allowance for reading again spent, the source unreadable).
    fn reread(
        &self,
        offset: u64,
        len: u64,
        read: &mut dyn FnMut(&mut dyn std::io::Read) -> std::io::Result<()>,
    ) -> Result<(), String>;
}

/// A digest computed while a file streamed past, so that verifying it needs no second read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DigestKind {
    Sha1,
    Sha256,
}

/// A file of a payload that was not kept: its bytes are at `offset` of `source`.
#[derive(Debug)]
pub(crate) struct Streamed {
    pub source: Arc<dyn Reread>,
    pub offset: u64,
    /// The first bytes ([`STREAMED_HEAD`] or fewer) and the last ([`STREAMED_TAIL`] or fewer).
    pub head: Box<[u8]>,
    pub tail: Box<[u8]>,
    pub sha1: [u8; 20],
    pub sha256: [u8; 32],
}

/// How many first bytes of a streamed file are kept: what recognising a file by its magic
/// reads (`head(32)`, a script's 128, containers' 512), with room. Every streamed file costs
/// this much memory, so it stays small.
pub(crate) const STREAMED_HEAD: usize = 1024;
/// How many last bytes are kept: a disk image's 512-byte trailer.
pub(crate) const STREAMED_TAIL: usize = 512;

impl Streamed {
    /// The whole file, decoded again.
    fn load(&self, len: u64) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        self.source.reread(self.offset, len, &mut |r| r.read_to_end(&mut out).map(drop))?;
        if out.len() as u64 != len {
            return Err(format!("the payload gave {} bytes of a {len}-byte file when read again", out.len()));
        }
        Ok(out)
    }

    fn for_each_chunk(&self, len: u64, chunk: usize, each: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        let mut buffer = vec![0u8; chunk.clamp(1, 1 << 24)];
        let mut total = 0u64;
        self.source.reread(self.offset, len, &mut |r| {
            read_pieces(r, &mut buffer, &mut |piece| {
                total += piece.len() as u64;
                each(piece);
            })
        })?;
        if total != len {
            return Err(format!("the payload gave {total} bytes of a {len}-byte file when read again"));
        }
        Ok(())
    }

    /// The first `n` bytes, from those kept when the file is short or `n` small.
    fn head(&self, len: u64, n: usize) -> Result<Vec<u8>, String> {
        if n <= self.head.len() || self.head.len() as u64 == len {
            return Ok(self.head[..n.min(self.head.len())].to_vec());
        }
        let mut out = Vec::new();
        let want = len.min(n as u64);
        self.source.reread(self.offset, want, &mut |r| r.read_to_end(&mut out).map(drop))?;
        Ok(out)
    }

    /// The last `n` bytes, from those kept when enough.
    fn tail(&self, len: u64, n: usize) -> Result<Vec<u8>, String> {
        if n <= self.tail.len() || self.tail.len() as u64 == len {
            return Ok(self.tail[self.tail.len() - n.min(self.tail.len())..].to_vec());
        }
        let want = len.min(n as u64);
        let mut out = Vec::new();
        self.source.reread(self.offset + (len - want), want, &mut |r| r.read_to_end(&mut out).map(drop))?;
        Ok(out)
    }
}

/// Contents produced on demand, each time they are asked for: nothing is kept between calls.
pub(crate) trait Source: std::fmt::Debug + Send + Sync {
    /// The whole contents.
    fn read_all(&self) -> Result<Vec<u8>, String>;
    /// Feeds the whole contents to `each` in pieces, in order, keeping none of them.
    fn stream(&self, each: &mut dyn FnMut(&[u8])) -> Result<(), String>;
    /// The first `n` bytes (fewer when the contents are shorter).
    fn head(&self, n: usize) -> Result<Vec<u8>, String>;
}

/// Where an archive member's compressed bytes sit, and how to inflate them.
#[derive(Debug)]
pub(crate) struct Member {
    /// The whole archive.
    pub archive: FileData,
    /// Offset and length of the member's data in the archive.
    pub start: u64,
    pub compressed: u64,
    pub deflated: bool,
}

impl Member {
    /// A reader of the inflated contents, capped one byte past `len` so that a member inflating
    /// beyond what was measured when the archive was opened is noticed.
    fn reader(&self, len: u64) -> Result<Box<dyn std::io::Read + '_>, String> {
        let whole = self.archive.bytes()?;
        let end = self.start.checked_add(self.compressed).filter(|e| *e <= whole.len() as u64);
        let data = end
            .and_then(|e| whole.get(usize::try_from(self.start).ok()?..usize::try_from(e).ok()?))
            .ok_or_else(|| format!("member data at {:#x} lies outside the archive", self.start))?;
        let cap = len.saturating_add(1);
        Ok(if self.deflated {
            Box::new(std::io::Read::take(flate2::read::DeflateDecoder::new(data), cap))
        } else {
            Box::new(std::io::Read::take(data, cap))
        })
    }
}

#[derive(Debug)]
enum Backing {
    Map(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Backing {
    fn as_slice(&self) -> &[u8] {
        match self {
            Backing::Map(m) => m,
            Backing::Owned(v) => v,
        }
    }
}

#[derive(Debug)]
struct Inner {
    origin: Origin,
    len: u64,
    loaded: OnceLock<Result<Backing, String>>,
}

/// A regular file's bytes, shared and loaded lazily. Cloning is cheap.
#[derive(Debug, Clone)]
pub struct FileData(Arc<Inner>);

impl FileData {
    /// File `name` in directory `dir`, `len` bytes long when the tree was opened.
    pub(crate) fn from_disk(dir: Arc<Path>, name: &OsStr, len: u64) -> FileData {
        FileData(Arc::new(Inner { origin: Origin::Disk(dir, name.into()), len, loaded: OnceLock::new() }))
    }

    /// A member of an archive held by `member.archive`, `len` bytes once inflated.
    pub(crate) fn from_member(member: Member, len: u64) -> FileData {
        FileData(Arc::new(Inner { origin: Origin::Member(member), len, loaded: OnceLock::new() }))
    }

    /// A file of a payload that was not kept in memory, `len` bytes long (see [`Streamed`]).
    pub(crate) fn from_streamed(streamed: Streamed, len: u64) -> FileData {
        FileData(Arc::new(Inner { origin: Origin::Streamed(streamed), len, loaded: OnceLock::new() }))
    }

    /// The digest of the whole contents computed when they streamed past, if they did: callers
    /// that hash files use it rather than reading the file again.
    pub fn known_digest(&self, kind: DigestKind) -> Option<&[u8]> {
        match &self.0.origin {
            Origin::Streamed(s) => Some(match kind {
                DigestKind::Sha1 => &s.sha1[..],
                DigestKind::Sha256 => &s.sha256[..],
            }),
            _ => None,
        }
    }

    /// Contents read from `source` when asked for, `len` bytes long when the tree was made.
    pub(crate) fn from_source(source: Box<dyn Source>, len: u64) -> FileData {
        FileData(Arc::new(Inner { origin: Origin::Source(source), len, loaded: OnceLock::new() }))
    }

    /// Bytes already in memory (nested archives, tests).
    pub fn from_vec(bytes: Vec<u8>) -> FileData {
        let len = bytes.len() as u64;
        let loaded = OnceLock::new();
        let _ = loaded.set(Ok(Backing::Owned(bytes)));
        FileData(Arc::new(Inner { origin: Origin::Memory, len, loaded }))
    }

    /// Size as recorded when the tree was opened.
    pub fn len(&self) -> u64 {
        self.0.len
    }

    pub fn is_empty(&self) -> bool {
        self.0.len == 0
    }

    /// The whole contents. The first call maps or reads the file; an I/O failure is returned as
    /// text and remembered, so every caller sees the same answer.
    pub fn bytes(&self) -> Result<&[u8], String> {
        let loaded = self.0.loaded.get_or_init(|| match &self.0.origin {
            Origin::Disk(dir, name) => load(&dir.join(&**name), self.0.len),
            Origin::Memory => Ok(Backing::Owned(Vec::new())),
            Origin::Member(m) => inflate(m, self.0.len).map(Backing::Owned),
            Origin::Streamed(s) => s.load(self.0.len).map(Backing::Owned),
            Origin::Source(s) => read_source(s.as_ref(), self.0.len).map(Backing::Owned),
        });
        match loaded {
            Ok(b) => Ok(b.as_slice()),
            Err(e) => Err(e.clone()),
        }
    }

    /// Runs `f` over the whole contents without keeping them: a file not loaded yet is read (or
    /// mapped, when large) for this call only and released when `f` returns. Sealed resources are
    /// hashed this way, so a bundle of 100 000 files never holds more than a few at once, in
    /// memory or in mappings (bounded by the kernel's `vm.max_map_count`).
    pub fn with_transient<T>(&self, f: impl FnOnce(&[u8]) -> T) -> Result<T, String> {
        if let Some(loaded) = self.0.loaded.get() {
            return loaded.as_ref().map(|b| f(b.as_slice())).map_err(Clone::clone);
        }
        match &self.0.origin {
            Origin::Disk(dir, name) => {
                // Dropping the backing unmaps the file (or frees the buffer) before the next one.
                let backing = load(&dir.join(&**name), self.0.len)?;
                Ok(f(backing.as_slice()))
            }
            Origin::Memory => Ok(f(&[])),
            Origin::Member(m) => Ok(f(&inflate(m, self.0.len)?)),
            Origin::Streamed(s) => Ok(f(&s.load(self.0.len)?)),
            Origin::Source(s) => Ok(f(&read_source(s.as_ref(), self.0.len)?)),
        }
    }

    /// Feeds the whole contents to `each` in chunks of at most `chunk` bytes, without keeping
    /// them: a file not loaded yet is read through one buffer, so hashing a 10 GB resource costs
    /// one buffer of memory. Files already in memory are passed whole.
    pub fn for_each_chunk(&self, chunk: usize, mut each: impl FnMut(&[u8])) -> Result<(), String> {
        if let Some(loaded) = self.0.loaded.get() {
            return loaded.as_ref().map(|b| each(b.as_slice())).map_err(Clone::clone);
        }
        if let Origin::Streamed(s) = &self.0.origin {
            return s.for_each_chunk(self.0.len, chunk, &mut each);
        }
        if let Origin::Source(source) = &self.0.origin {
            return stream_source(source.as_ref(), self.0.len, &mut each);
        }
        let mut buffer = vec![0u8; chunk.clamp(1, 1 << 24)];
        read_pieces(self.reader()?, &mut buffer, &mut each).map_err(|e| e.to_string())
    }

    /// A reader of the whole contents that keeps nothing once dropped: loaded contents are read
    /// in place, a file on disk is opened, an archive member is inflated as it is read, contents
    /// from a [`Source`] are read whole into the reader (to be dropped with it). Reading
    /// past the length the file had when the tree was opened is an error (the file changed).
    pub fn reader(&self) -> Result<Box<dyn std::io::Read + '_>, String> {
        let (reader, name): (Box<dyn std::io::Read + '_>, String) = match (self.0.loaded.get(), &self.0.origin) {
            (Some(loaded), _) => return loaded.as_ref().map(|b| Box::new(b.as_slice()) as _).map_err(Clone::clone),
            (None, Origin::Disk(dir, name)) => {
                let path = dir.join(&**name);
                let file = std::fs::File::open(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
                (Box::new(file), path.display().to_string())
            }
            (None, Origin::Member(m)) => (m.reader(self.0.len)?, "archive member".to_owned()),
            (None, Origin::Memory) => return Ok(Box::new(std::io::empty())),
            // Decoded again whole: a reader borrowing the payload's decoder cannot be returned.
            (None, Origin::Streamed(s)) => return Ok(Box::new(std::io::Cursor::new(s.load(self.0.len)?))),
            (None, Origin::Source(s)) => {
                return Ok(Box::new(std::io::Cursor::new(read_source(s.as_ref(), self.0.len)?)))
            }
        };
        Ok(Box::new(Bounded { inner: reader, name, left: self.0.len, opened_len: self.0.len }))
    }

    /// Lets the kernel drop the resident pages behind `part` (a sub-slice of [`FileData::bytes`])
    /// once they have been read: verifying a large file then never keeps it all in memory. Only
    /// memory-mapped files are affected; anything else is ignored.
    pub fn release(&self, part: &[u8]) {
        let Some(Ok(Backing::Map(map))) = self.0.loaded.get() else { return };
        let (base, start) = (map.as_ptr() as usize, part.as_ptr() as usize);
        let Some(offset) = start.checked_sub(base) else { return };
        if part.is_empty() || offset.saturating_add(part.len()) > map.len() {
            return;
        }
        // SAFETY: MADV_DONTNEED on a private, read-only file mapping only discards cached pages;
        // a later read faults them back in from the file with the same contents, so slices
        // borrowed from the map stay valid.
        let _ = unsafe { map.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, offset, part.len()) };
    }

    /// The first `n` bytes (fewer if the file is shorter), without loading a large file whole.
    pub fn head(&self, n: usize) -> Vec<u8> {
        self.try_head(n).unwrap_or_default()
    }

    /// The first `n` bytes, or why they cannot be read: for callers that must not take an
    /// unreadable file for one that is merely not code.
    pub fn try_head(&self, n: usize) -> Result<Vec<u8>, String> {
        // Contents that failed to load whole may still give their first bytes (a streamed file
        // keeps them).
        if let Some(Ok(b)) = self.0.loaded.get() {
            let s = b.as_slice();
            return Ok(s[..n.min(s.len())].to_vec());
        }
        match &self.0.origin {
            Origin::Disk(dir, name) => read_head(&dir.join(&**name), n).map_err(|e| e.to_string()),
            Origin::Memory => Ok(Vec::new()),
            Origin::Member(m) => read_member_head(m, n),
            Origin::Streamed(s) => s.head(self.0.len, n),
            Origin::Source(s) => s.head(n),
        }
    }
}

impl FileData {
    /// The first `head` and the last `tail` bytes (overlapping for a short file), with one open
    /// and without loading a large file whole: enough to recognise containers by their trailers.
    pub fn head_and_tail(&self, head: usize, tail: usize) -> (Vec<u8>, Vec<u8>) {
        let ends = |s: &[u8]| (s[..head.min(s.len())].to_vec(), s[s.len().saturating_sub(tail)..].to_vec());
        if let Some(Ok(b)) = self.0.loaded.get() {
            return ends(b.as_slice());
        }
        match &self.0.origin {
            Origin::Disk(dir, name) => read_head_and_tail(&dir.join(&**name), head, tail).unwrap_or_default(),
            Origin::Memory => (Vec::new(), Vec::new()),
            // Inflating a whole member to see its last bytes is not worth it: members are
            // recognised by their first bytes and name.
            Origin::Member(m) => (read_member_head(m, head).unwrap_or_default(), Vec::new()),
            Origin::Streamed(s) => {
                (s.head(self.0.len, head).unwrap_or_default(), s.tail(self.0.len, tail).unwrap_or_default())
            }
            // Likewise for files on a volume: reading to the end of each to recognise it would
            // read the whole volume.
            Origin::Source(s) => (s.head(head).unwrap_or_default(), Vec::new()),
        }
    }
}

/// A reader that fails once more than the recorded length has been read.
struct Bounded<R> {
    inner: R,
    name: String,
    left: u64,
    opened_len: u64,
}

impl<R: std::io::Read> std::io::Read for Bounded<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self
            .inner
            .read(buf)
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot read {}: {e}", self.name)))?;
        self.left = self.left.checked_sub(n as u64).ok_or_else(|| {
            std::io::Error::other(format!(
                "{} is longer than the {} bytes it had when opened",
                self.name, self.opened_len
            ))
        })?;
        Ok(n)
    }
}

/// Reads `reader` to its end through `buffer`, handing each piece read to `each`.
pub(crate) fn read_pieces(
    mut reader: impl std::io::Read,
    buffer: &mut [u8],
    each: &mut dyn FnMut(&[u8]),
) -> std::io::Result<()> {
    loop {
        match reader.read(buffer) {
            Ok(0) => return Ok(()),
            Ok(n) => each(&buffer[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
}

fn read_head_and_tail(path: &std::path::Path, head: usize, tail: usize) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path)?;
    let mut first = Vec::with_capacity(head);
    (&mut file).take(head as u64).read_to_end(&mut first)?;
    let len = file.metadata()?.len();
    let start = len.saturating_sub(tail as u64);
    file.seek(SeekFrom::Start(start))?;
    let mut last = Vec::with_capacity(tail);
    file.take(tail as u64).read_to_end(&mut last)?;
    Ok((first, last))
}

fn load(path: &std::path::Path, len: u64) -> Result<Backing, String> {
    let describe = |e: std::io::Error| format!("cannot read {}: {e}", path.display());
    if len < MMAP_THRESHOLD {
        return std::fs::read(path).map(Backing::Owned).map_err(describe);
    }
    let file = std::fs::File::open(path).map_err(describe)?;
    // SAFETY: the map is read-only and private to this process. A file truncated by another
    // process while mapped would fault; inputs are build outputs the user asked us to read.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(describe)?;
    Ok(Backing::Map(map))
}

/// Inflates a whole member (at most `len` bytes, as measured when the archive was opened).
fn inflate(member: &Member, len: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut out = Vec::with_capacity(usize::try_from(len.min(64 << 20)).unwrap_or(0));
    member.reader(len)?.read_to_end(&mut out).map_err(|e| format!("archive member cannot be inflated: {e}"))?;
    if out.len() as u64 > len {
        return Err(format!("archive member inflates beyond the {len} bytes it had when opened"));
    }
    Ok(out)
}

/// The whole contents of `source`, which must be the `len` bytes listed when the tree was made.
fn read_source(source: &dyn Source, len: u64) -> Result<Vec<u8>, String> {
    let bytes = source.read_all()?;
    if bytes.len() as u64 != len {
        return Err(format!("{} bytes read where {len} were listed", bytes.len()));
    }
    Ok(bytes)
}

/// Streams `source` to `each`, failing when it gives other than the `len` bytes listed.
fn stream_source(source: &dyn Source, len: u64, each: &mut dyn FnMut(&[u8])) -> Result<(), String> {
    let mut seen = 0u64;
    let mut beyond = false;
    source.stream(&mut |piece| {
        seen = seen.saturating_add(piece.len() as u64);
        beyond |= seen > len;
        if !beyond {
            each(piece);
        }
    })?;
    if seen != len {
        return Err(format!("{seen} bytes read where {len} were listed"));
    }
    Ok(())
}

fn read_member_head(member: &Member, n: usize) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let mut buf = Vec::with_capacity(n);
    member.reader(n as u64)?.take(n as u64).read_to_end(&mut buf).map_err(|e| e.to_string())?;
    Ok(buf)
}

fn read_head(path: &std::path::Path, n: usize) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let mut buf = Vec::with_capacity(n);
    std::fs::File::open(path)?.take(n as u64).read_to_end(&mut buf)?;
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Contents that read as `bytes`, or fail with `error`.
    #[derive(Debug)]
    struct Fixed {
        bytes: Vec<u8>,
        error: Option<&'static str>,
    }

    impl Source for Fixed {
        fn read_all(&self) -> Result<Vec<u8>, String> {
            self.error.map_or_else(|| Ok(self.bytes.clone()), |e| Err(e.to_owned()))
        }

        fn stream(&self, each: &mut dyn FnMut(&[u8])) -> Result<(), String> {
            self.bytes.chunks(3).for_each(each);
            self.error.map_or(Ok(()), |e| Err(e.to_owned()))
        }

        fn head(&self, n: usize) -> Result<Vec<u8>, String> {
            self.error.map_or_else(|| Ok(self.bytes[..n.min(self.bytes.len())].to_vec()), |e| Err(e.to_owned()))
        }
    }

    fn source(bytes: &[u8], error: Option<&'static str>, len: u64) -> FileData {
        FileData::from_source(Box::new(Fixed { bytes: bytes.to_vec(), error }), len)
    }

    #[test]
    fn contents_from_a_source_read_alike_every_way() {
        let data = source(b"hello world", None, 11);
        let mut streamed = Vec::new();
        data.for_each_chunk(4, |c| streamed.extend_from_slice(c)).unwrap();
        assert_eq!(streamed, b"hello world");
        assert_eq!(data.head(5), b"hello");
        assert_eq!(data.with_transient(<[u8]>::to_vec).unwrap(), b"hello world");
        let mut read = Vec::new();
        std::io::Read::read_to_end(&mut data.reader().unwrap(), &mut read).unwrap();
        assert_eq!(read, b"hello world");
        assert_eq!(data.bytes().unwrap(), b"hello world");
    }

    #[test]
    fn a_source_that_fails_or_changes_length_is_an_error_every_way() {
        let failing = source(b"hello", Some("chunk 3 does not decode"), 5);
        assert!(failing.for_each_chunk(4, |_| {}).unwrap_err().contains("chunk 3"));
        assert!(failing.bytes().unwrap_err().contains("chunk 3"));
        assert!(failing.head(2).is_empty());
        let longer = source(b"hello world", None, 5);
        let mut fed = 0;
        assert!(longer.for_each_chunk(4, |c| fed += c.len()).unwrap_err().contains("11 bytes read where 5"));
        assert!(fed <= 5, "{fed}");
        assert!(longer.with_transient(|_| ()).is_err());
        assert!(source(b"hi", None, 5).bytes().unwrap_err().contains("2 bytes read where 5"));
    }
}

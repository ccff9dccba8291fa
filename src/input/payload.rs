//! Reading a flat package's `Payload` and `Scripts`: a cpio archive (portable "odc" or "newc"),
//! gzip-compressed (`pkgbuild --compression legacy`) or in Apple's chunked xz format, `pbzx`.
//!
//! Everything is decoded as a stream under a byte cap ([`open`]) and the cpio archive is read as
//! one ([`CpioReader`]): the package reader decides for each file, as it passes, what to keep
//! (see [`super::pkg`]). A pbzx payload can be read again from any of its chunks ([`open_at`]).
//! A format that is not recognised is reported, never taken as an empty payload.

use std::io::Read as _;

use super::xar::read_capped;

/// How a payload's bytes are compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    Gzip,
    Pbzx,
    Bzip2,
    Xz,
    /// A cpio archive stored as is.
    None,
}

/// The compression the first bytes of a payload announce, or `None` when they announce nothing
/// bundlelint reads (e.g. the format of `pkgbuild --large-payload`, which is not documented).
pub fn compression(head: &[u8]) -> Option<Compression> {
    let kinds: [(&[u8], Compression); 7] = [
        (b"\x1f\x8b", Compression::Gzip),
        (b"pbzx", Compression::Pbzx),
        (b"BZh", Compression::Bzip2),
        (b"\xfd7zXZ\x00", Compression::Xz),
        (b"070707", Compression::None),
        (b"070701", Compression::None),
        (b"070702", Compression::None),
    ];
    kinds.iter().find(|(magic, _)| head.starts_with(magic)).map(|(_, kind)| *kind)
}

/// Memory the xz decoder may use, in KiB.
const XZ_MEMORY_KIB: u32 = 256 * 1024;

/// The cpio archive inside a payload, decoded to at most `cap` bytes. `Err` says why not.
pub fn decompress(bytes: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let mut reader = open(bytes, cap)?;
    std::io::Read::read_to_end(&mut reader, &mut out).map_err(|e| e.to_string())?;
    Ok(out)
}

/// A reader of the cpio archive inside the payload `stored` yields, decoded as it is read and
/// never past `cap` bytes (reading further is an error saying so). `Err` when the first bytes
/// announce no format bundlelint reads.
pub fn open<'a, R: std::io::Read + 'a>(mut stored: R, cap: u64) -> Result<Box<dyn std::io::Read + 'a>, String> {
    let mut head = [0u8; 8];
    let got = read_full(&mut stored, &mut head).map_err(|e| e.to_string())?;
    let head = &head[..got];
    let Some(kind) = compression(head) else {
        let head: String = head.iter().map(|b| format!("{b:02x}")).collect();
        return Err(format!("its format (first bytes {head}) is not gzip, pbzx, bzip2, xz or cpio"));
    };
    // The first bytes, read to recognise the format, go back in front of the rest.
    let stored = std::io::Cursor::new(head.to_vec()).chain(stored);
    let decoded: Box<dyn std::io::Read + 'a> = match kind {
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(stored)),
        Compression::Bzip2 => Box::new(bzip2::read::MultiBzDecoder::new(stored)),
        Compression::Xz => Box::new(lzma_rust2::XzReader::new_mem_limit(stored, true, XZ_MEMORY_KIB)),
        Compression::Pbzx => Box::new(Pbzx::new(stored, 0)?),
        Compression::None => Box::new(stored),
    };
    Ok(Box::new(Capped { inner: decoded, left: cap, cap }))
}

/// A decoded stream that refuses to grow past `cap` bytes.
struct Capped<R> {
    inner: R,
    left: u64,
    cap: u64,
}

impl<R: std::io::Read> std::io::Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            // One byte more says whether the stream really ends at the cap.
            let mut probe = [0u8; 1];
            return match self.inner.read(&mut probe)? {
                0 => Ok(0),
                _ => Err(std::io::Error::other(format!("it expands beyond {} bytes; refused", self.cap))),
            };
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.left -= n as u64;
        Ok(n)
    }
}

/// Apple's pbzx: `pbzx`, a u64 chunk size, then chunks of `{u64 decoded length, u64 stored
/// length, bytes}` — an xz stream, or the bytes themselves when both lengths are equal. Every
/// chunk decodes on its own, so one can be read from any chunk's start ([`Pbzx::new`]'s `at`).
struct Pbzx<R> {
    stored: R,
    /// Offset in the stored bytes of the next chunk header.
    at: u64,
    /// The current chunk, decoded.
    chunk: Vec<u8>,
    used: usize,
}

impl<R: std::io::Read> Pbzx<R> {
    /// Reads the header of `stored`, a pbzx stream whose first chunk header is `skip` bytes past
    /// its 12-byte header (0 to start at the first chunk).
    fn new(mut stored: R, skip: u64) -> Result<Pbzx<R>, String> {
        let mut header = [0u8; 12];
        std::io::Read::read_exact(&mut stored, &mut header).map_err(|_| "the pbzx header is cut short".to_owned())?;
        std::io::copy(&mut std::io::Read::take(&mut stored, skip), &mut std::io::sink()).map_err(|e| e.to_string())?;
        Ok(Pbzx { stored, at: 12 + skip, chunk: Vec::new(), used: 0 })
    }

    /// Decodes the next chunk; `false` at the end of the stream.
    fn next_chunk(&mut self) -> Result<bool, String> {
        let at = self.at;
        let mut header = [0u8; 16];
        let got = read_full(&mut self.stored, &mut header).map_err(|e| e.to_string())?;
        if got == 0 {
            return Ok(false);
        }
        if got < 16 {
            return Err(format!("the pbzx chunk header at byte {at} is cut short"));
        }
        let decoded = u64::from_be_bytes(header[..8].try_into().unwrap_or_default());
        let stored = u64::from_be_bytes(header[8..].try_into().unwrap_or_default());
        // A chunk is at most 16 MiB in Apple's writer; its stored length bounds what is read,
        // its decoded length (checked below) what is kept.
        if decoded > MAX_PBZX_CHUNK || stored > MAX_PBZX_CHUNK.saturating_mul(2) {
            return Err(format!("the pbzx chunk at byte {at} declares {decoded} bytes, more than a chunk may hold"));
        }
        let mut raw = Vec::new();
        std::io::Read::take(&mut self.stored, stored).read_to_end(&mut raw).map_err(|e| e.to_string())?;
        if raw.len() as u64 != stored {
            return Err(format!("the pbzx chunk at byte {at} declares {stored} bytes past the end"));
        }
        self.chunk = if decoded == stored {
            raw
        } else {
            let part = read_capped(lzma_rust2::XzReader::new_mem_limit(&raw[..], true, XZ_MEMORY_KIB), decoded + 1)
                .map_err(|e| format!("the pbzx chunk at byte {at} is not an xz stream: {e}"))?;
            if part.len() as u64 != decoded {
                return Err(format!(
                    "the pbzx chunk at byte {at} decodes to {} bytes, not the {decoded} it declares",
                    part.len()
                ));
            }
            part
        };
        self.used = 0;
        self.at = at + 16 + stored;
        Ok(true)
    }
}

impl<R: std::io::Read> std::io::Read for Pbzx<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.used == self.chunk.len() {
            if !self.next_chunk().map_err(std::io::Error::other)? {
                return Ok(0);
            }
        }
        let n = buf.len().min(self.chunk.len() - self.used);
        buf[..n].copy_from_slice(&self.chunk[self.used..self.used + n]);
        self.used += n;
        Ok(n)
    }
}

/// The largest decoded pbzx chunk accepted (Apple's writer makes 16 MiB chunks).
const MAX_PBZX_CHUNK: u64 = 64 << 20;

/// Where decoding a pbzx payload can start to reach decoded byte `offset`: the stored offset of
/// the chunk holding it (past the 12-byte header) and the decoded offset that chunk starts at.
/// Only chunk headers are read. `None` when `stored` is no pbzx stream.
pub fn pbzx_seek(stored: &[u8], offset: u64) -> Option<(u64, u64)> {
    if !stored.starts_with(b"pbzx") {
        return None;
    }
    let (mut at, mut decoded_at) = (12usize, 0u64);
    loop {
        let decoded = crate::problem::bytes::be_u64(stored, at)?;
        let length = crate::problem::bytes::be_u64(stored, at + 8)?;
        if offset < decoded_at.saturating_add(decoded) {
            return Some(((at - 12) as u64, decoded_at));
        }
        at = at.checked_add(16)?.checked_add(usize::try_from(length).ok()?)?;
        decoded_at = decoded_at.saturating_add(decoded);
    }
}

/// A reader of the decoded payload from decoded byte `offset` on: a pbzx payload starts at the
/// chunk holding it, anything else is decoded from its start. Never past `cap` decoded bytes.
pub fn open_at<'a>(stored: &'a [u8], offset: u64, cap: u64) -> Result<Box<dyn std::io::Read + 'a>, String> {
    let (mut reader, start): (Box<dyn std::io::Read + 'a>, u64) = match pbzx_seek(stored, offset) {
        Some((skip, start)) if skip > 0 => (Box::new(Pbzx::new(stored, skip)?), start),
        _ => (open(stored, cap)?, 0),
    };
    std::io::copy(&mut (&mut reader).take(offset - start), &mut std::io::sink()).map_err(|e| e.to_string())?;
    Ok(reader)
}

/// Fills `buf` as far as `reader` goes; the count read.
fn read_full(reader: &mut impl std::io::Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut got = 0;
    while got < buf.len() {
        match reader.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// What a cpio entry is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CpioKind {
    Dir,
    /// A regular file: its bytes' range in the archive.
    File(std::ops::Range<usize>),
    Symlink(String),
    /// Devices, FIFOs, sockets: nothing that runs.
    Special,
}

/// One entry of a cpio archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpioEntry {
    /// The name as stored (`./Applications/…`).
    pub name: String,
    pub mode: u32,
    pub kind: CpioKind,
    /// Offset of the entry's header in the archive.
    pub offset: usize,
}

/// The entries of a cpio archive ("odc" `070707` or "newc" `070701`/`070702`), up to `max`.
/// `Err` carries the byte offset and the reason reading stopped, with what was read before.
pub fn cpio(bytes: &[u8], max: usize) -> (Vec<CpioEntry>, Option<(usize, String)>) {
    let mut entries: Vec<CpioEntry> = Vec::new();
    let mut links = Links::default();
    let mut reader = CpioReader::new(bytes);
    loop {
        if entries.len() >= max {
            let at = reader.position() as usize;
            return (entries, Some((at, format!("more than {max} entries; the rest is not read"))));
        }
        let header = match reader.next_header() {
            Ok(Some(h)) => h,
            Ok(None) => return (entries, None),
            Err(stop) => return (entries, Some((stop.offset as usize, stop.why))),
        };
        let start = reader.position() as usize;
        let kind = match header.kind() {
            HeaderKind::File => match reader.skip_data(&header) {
                Ok(()) => CpioKind::File(start..start + header.size as usize),
                Err(stop) => return (entries, Some((stop.offset as usize, stop.why))),
            },
            HeaderKind::Dir => CpioKind::Dir,
            HeaderKind::Symlink => match reader.symlink_target(&header) {
                Ok(target) => CpioKind::Symlink(target),
                Err(stop) => return (entries, Some((stop.offset as usize, stop.why))),
            },
            HeaderKind::Special => match reader.skip_data(&header) {
                Ok(()) => CpioKind::Special,
                Err(stop) => return (entries, Some((stop.offset as usize, stop.why))),
            },
        };
        if let CpioKind::File(range) = &kind {
            for earlier in links.record(&header, entries.len()) {
                entries[earlier].kind = CpioKind::File(range.clone());
            }
        }
        entries.push(CpioEntry { name: header.name, mode: header.mode, kind, offset: header.offset as usize });
    }
}

/// newc stores a hard-linked file's bytes with its last link only: the earlier links, empty,
/// wait here for them.
#[derive(Default)]
pub struct Links(std::collections::HashMap<(u64, u64), Vec<usize>>);

impl Links {
    /// Notes file entry number `index` (described by `header`); returns the earlier entries
    /// that share the bytes this entry carries.
    pub fn record(&mut self, header: &CpioHeader, index: usize) -> Vec<usize> {
        if !header.newc || header.nlink <= 1 {
            return Vec::new();
        }
        let group = self.0.entry((header.dev, header.ino)).or_default();
        if header.size == 0 {
            group.push(index);
            Vec::new()
        } else {
            std::mem::take(group)
        }
    }
}

/// What a cpio header describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeaderKind {
    Dir,
    File,
    Symlink,
    Special,
}

/// One cpio header, read; the entry's data follows it in the stream.
#[derive(Debug, Clone)]
pub struct CpioHeader {
    pub name: String,
    pub mode: u32,
    pub nlink: u64,
    pub dev: u64,
    pub ino: u64,
    pub newc: bool,
    /// Size of the entry's data.
    pub size: u64,
    /// Offset of the header in the archive.
    pub offset: u64,
}

impl CpioHeader {
    pub fn kind(&self) -> HeaderKind {
        match self.mode & 0o170000 {
            0o040000 => HeaderKind::Dir,
            0o100000 => HeaderKind::File,
            0o120000 => HeaderKind::Symlink,
            _ => HeaderKind::Special,
        }
    }
}

/// Why reading a cpio archive stopped, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CpioStop {
    pub offset: u64,
    pub why: String,
    /// The decoder under the archive failed (the payload is unreadable), rather than the
    /// archive being malformed.
    pub decoding: bool,
}

/// Longest entry name or symbolic link target read (names are paths: `PATH_MAX` is 1024).
const MAX_NAME: u64 = 1 << 16;

/// A cpio archive read as a stream: a header, then its data, entry after entry.
pub struct CpioReader<R> {
    inner: R,
    position: u64,
}

impl<R: std::io::Read> CpioReader<R> {
    pub fn new(inner: R) -> CpioReader<R> {
        CpioReader { inner, position: 0 }
    }

    /// Bytes of the archive read so far.
    pub fn position(&self) -> u64 {
        self.position
    }

    fn stop(&self, at: u64, why: impl Into<String>) -> CpioStop {
        CpioStop { offset: at, why: why.into(), decoding: false }
    }

    /// Reads exactly `buf.len()` bytes; at the end of the archive, the number read.
    fn fill(&mut self, buf: &mut [u8]) -> Result<usize, CpioStop> {
        let got = read_full(&mut self.inner, buf).map_err(|e| CpioStop {
            offset: self.position,
            why: e.to_string(),
            decoding: true,
        })?;
        self.position += got as u64;
        Ok(got)
    }

    /// The next header, or `None` after the `TRAILER!!!` entry.
    pub fn next_header(&mut self) -> Result<Option<CpioHeader>, CpioStop> {
        let at = self.position;
        let mut magic = [0u8; 6];
        if self.fill(&mut magic)? < 6 {
            return Err(self.stop(at, "the archive ends without a TRAILER!!! entry"));
        }
        let newc = match &magic {
            b"070707" => false,
            b"070701" | b"070702" => true,
            _ => {
                return Err(
                    self.stop(at, format!("no cpio header (`{}`)", String::from_utf8_lossy(&magic).escape_debug()))
                )
            }
        };
        let mut fixed = [0u8; 104];
        let fixed = &mut fixed[..if newc { 104 } else { 70 }];
        if self.fill(fixed)? < fixed.len() {
            return Err(self.stop(at, "the archive ends inside a header"));
        }
        let field = |offset: usize, len: usize, radix: u32| -> Result<u64, String> {
            let raw = &fixed[offset - 6..offset - 6 + len];
            let text = std::str::from_utf8(raw).map_err(|_| "a header field is not ASCII".to_string())?;
            u64::from_str_radix(text, radix)
                .map_err(|_| format!("header field `{}` is not a number", text.escape_debug()))
        };
        let fields = if newc {
            [(94, 8), (54, 8), (14, 8), (38, 8), (62, 8), (6, 8)].map(|(o, l)| field(o, l, 16))
        } else {
            [(59, 6), (65, 11), (18, 6), (42, 6), (6, 6), (12, 6)].map(|(o, l)| field(o, l, 8))
        };
        let mut values = [0u64; 6];
        for (value, parsed) in values.iter_mut().zip(fields) {
            *value = parsed.map_err(|why| self.stop(at, why))?;
        }
        let [name_size, size, mode, nlink, dev, ino] = values;
        if name_size > MAX_NAME {
            return Err(self.stop(at, format!("an entry name of {name_size} bytes is longer than any path")));
        }
        let mut name = vec![0u8; name_size as usize];
        if self.fill(&mut name)? < name.len() {
            return Err(self.stop(at, "an entry name runs past the end"));
        }
        self.pad(newc)?;
        let name = String::from_utf8_lossy(name.strip_suffix(b"\0").unwrap_or(&name)).into_owned();
        if name == "TRAILER!!!" {
            return Ok(None);
        }
        Ok(Some(CpioHeader { name, mode: mode as u32, nlink, dev, ino, newc, size, offset: at }))
    }

    /// newc aligns names and data to 4 bytes.
    fn pad(&mut self, newc: bool) -> Result<(), CpioStop> {
        let padding = if newc { (4 - self.position % 4) % 4 } else { 0 };
        let mut skip = [0u8; 3];
        let want = &mut skip[..padding as usize];
        if self.fill(want)? < want.len() {
            return Err(self.stop(self.position, "the archive ends inside an entry's padding"));
        }
        Ok(())
    }

    /// A reader of the data of the entry `header` describes (exactly its size, or an error).
    /// [`CpioReader::finish_data`] must follow once it is read.
    pub fn data<'r>(&'r mut self, header: &'r CpioHeader) -> Data<'r, R> {
        Data { reader: self, header, left: header.size }
    }

    /// Skips over the rest of the data of `header` and its padding.
    pub fn skip_data(&mut self, header: &CpioHeader) -> Result<(), CpioStop> {
        let mut data = self.data(header);
        let mut sink = [0u8; 1 << 14];
        while data.read_some(&mut sink)? > 0 {}
        self.pad(header.newc)
    }

    /// The target of the symbolic link `header` describes.
    pub fn symlink_target(&mut self, header: &CpioHeader) -> Result<String, CpioStop> {
        if header.size > MAX_NAME {
            return Err(
                self.stop(header.offset, format!("`{}` links to a target of {} bytes", header.name, header.size))
            );
        }
        let mut target = vec![0u8; header.size as usize];
        let mut data = self.data(header);
        let mut got = 0;
        while got < target.len() {
            got += data.read_some(&mut target[got..])?;
        }
        self.pad(header.newc)?;
        Ok(String::from_utf8_lossy(&target).into_owned())
    }
}

/// The data of one cpio entry.
pub struct Data<'r, R> {
    reader: &'r mut CpioReader<R>,
    header: &'r CpioHeader,
    left: u64,
}

impl<R: std::io::Read> Data<'_, R> {
    /// Reads some of the data into `buf`: 0 once all is read; an error if the archive ends first.
    pub fn read_some(&mut self, buf: &mut [u8]) -> Result<usize, CpioStop> {
        if self.left == 0 || buf.is_empty() {
            return Ok(0);
        }
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = loop {
            match self.reader.inner.read(&mut buf[..want]) {
                Ok(n) => break n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(CpioStop { offset: self.reader.position, why: e.to_string(), decoding: true }),
            }
        };
        if n == 0 {
            let end = self.reader.position;
            return Err(self.reader.stop(
                self.header.offset,
                format!(
                    "`{}` declares {} bytes, past the end of the {end}-byte archive",
                    self.header.name, self.header.size
                ),
            ));
        }
        self.reader.position += n as u64;
        self.left -= n as u64;
        Ok(n)
    }

    /// Ends the entry: its padding is read.
    pub fn finish(self) -> Result<(), CpioStop> {
        let newc = self.header.newc;
        self.reader.pad(newc)
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// An odc cpio archive of `(name, mode, data)` entries.
    pub(crate) fn odc(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let trailer: [(&str, u32, &[u8]); 1] = [("TRAILER!!!", 0, b"")];
        for (i, (name, mode, data)) in entries.iter().chain(trailer.iter()).enumerate() {
            out.extend_from_slice(
                format!(
                    "070707{:06o}{:06o}{:06o}{:06o}{:06o}{:06o}{:06o}{:011o}{:06o}{:011o}",
                    0,
                    i + 1,
                    mode,
                    0,
                    0,
                    1,
                    0,
                    0,
                    name.len() + 1,
                    data.len()
                )
                .as_bytes(),
            );
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            out.extend_from_slice(data);
        }
        out
    }

    /// A newc cpio archive of `(name, mode, data)` entries.
    pub(crate) fn newc(entries: &[(&str, u32, &[u8])]) -> Vec<u8> {
        let mut out = Vec::new();
        let trailer: [(&str, u32, &[u8]); 1] = [("TRAILER!!!", 0, b"")];
        for (i, (name, mode, data)) in entries.iter().chain(trailer.iter()).enumerate() {
            let header = format!(
                "070701{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}{:08x}",
                i + 1,
                mode,
                0,
                0,
                1,
                0,
                data.len(),
                0,
                0,
                0,
                0,
                name.len() + 1,
                0
            );
            out.extend_from_slice(header.as_bytes());
            out.extend_from_slice(name.as_bytes());
            out.push(0);
            while out.len() % 4 != 0 {
                out.push(0);
            }
            out.extend_from_slice(data);
            while out.len() % 4 != 0 {
                out.push(0);
            }
        }
        out
    }

    #[test]
    fn reads_odc_and_newc_alike() {
        let entries: [(&str, u32, &[u8]); 3] =
            [(".", 0o040755, b""), ("./bin/tool", 0o100755, b"\xcf\xfa\xed\xfe"), ("./link", 0o120777, b"bin/tool")];
        for archive in [odc(&entries), newc(&entries)] {
            let (read, stop) = cpio(&archive, 100);
            assert_eq!(stop, None);
            assert_eq!(read.len(), 3);
            let CpioKind::File(range) = &read[1].kind else { panic!("{:?}", read[1]) };
            assert_eq!(&archive[range.clone()], b"\xcf\xfa\xed\xfe");
            assert_eq!(read[2].kind, CpioKind::Symlink("bin/tool".into()));
        }
    }

    #[test]
    fn truncated_cpio_stops_with_an_offset() {
        let archive = odc(&[("./a", 0o100644, b"hello")]);
        for cut in 0..archive.len() {
            let (_, stop) = cpio(&archive[..cut], 100);
            assert!(stop.is_some(), "cut at {cut}");
        }
    }

    #[test]
    fn pbzx_chunks_decode_stored_and_xz() {
        // `hello pbzx` as an xz stream (Python's lzma module).
        let xz = hex::decode(XZ_HELLO).unwrap();
        let mut p = b"pbzx".to_vec();
        p.extend_from_slice(&(1u64 << 24).to_be_bytes());
        p.extend_from_slice(&10u64.to_be_bytes());
        p.extend_from_slice(&(xz.len() as u64).to_be_bytes());
        p.extend_from_slice(&xz);
        p.extend_from_slice(&6u64.to_be_bytes());
        p.extend_from_slice(&6u64.to_be_bytes());
        p.extend_from_slice(b" world");
        assert_eq!(decompress(&p, 1 << 20).unwrap(), b"hello pbzx world");
        assert!(decompress(&p, 12).unwrap_err().contains("expands beyond"));
        assert!(decompress(b"????", 10).unwrap_err().contains("not gzip, pbzx"));
        for cut in 0..p.len() {
            let _ = decompress(&p[..cut], 1 << 20);
        }
    }

    const XZ_HELLO: &str =
        "fd377a585a000004e6d6b4460200210116000000742fe5a301000968656c6c6f2070627a780000006d7ba46f2f1499a50001220a151ae1671fb6f37d010000000004595a";
}

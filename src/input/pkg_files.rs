//! The files of a package's payload, read in one pass without holding the payload.
//!
//! A payload (gzip or pbzx over cpio) is a stream: gzip cannot be entered in the middle, and a
//! 1 GB payload must not cost 1 GB of memory. So the payload is decoded once, as its xar member's
//! checksums are computed ([`super::xar::MemberStream`]), and each file is judged as it passes:
//!
//! - files the pipeline parses are kept in memory ([`FileData::from_vec`]): Mach-O (thin and
//!   universal), property lists, provisioning profiles and other CMS blobs, zip/jar archives
//!   (whose native code the notary opens), nested packages, icons, AppleDouble sidecars, anything
//!   under `_CodeSignature/`, and every file under [`HOLD_BELOW`] bytes (cheap to hold, and
//!   whatever reads one later need not decode the payload again) — within [`MAX_HELD_BYTES`] per
//!   package;
//! - every other file (resources: media, data, models) keeps what later steps need without its
//!   bytes ([`Streamed`]): its length, its first and last bytes (recognising a file by its magic or
//!   a disk image by its trailer) and its SHA-1 and SHA-256, computed on the way (the two digests
//!   a resource seal records; the seal verifier takes them from
//!   [`FileData::known_digest`] instead of reading the file).
//!
//! Anything that still asks for a streamed file's bytes gets them by decoding the payload again
//! ([`PayloadSource`]): a pbzx payload from the chunk holding the file, a gzip one from its start.
//! That costs time, so it is bounded: all re-reading of one payload may decode
//! [`reread_allowance`] bytes; past it the file's bytes are an error naming why, which the step
//! asking reports as unreadable (a finding, never a silent pass).
//!
//! Nothing the pass yields enters the tree until the member's checksums are verified at the end
//! of the stream, so a tampered payload is still reported as a checksum mismatch and not read.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use std::io::Read as _;

use sha1::Digest as _;

use super::data::{Reread, Streamed, STREAMED_HEAD, STREAMED_TAIL};
use super::payload::{self, CpioReader, CpioStop, HeaderKind, Links};
use super::xar;
use super::{Entry, FileData};

/// Payload files smaller than this are kept in memory whatever they are.
///
/// A streamed file still costs its first and last bytes and its digests (about 1.6 KiB), so past
/// [`MAX_HELD_BYTES`] memory grows by at most that much per file, bounded by the entry limit.
pub const HOLD_BELOW: u64 = 64 << 10;

/// Payload bytes one package keeps in memory, at most; files the pipeline parses beyond it are
/// streamed like resources (and decoded again if parsed).
pub const MAX_HELD_BYTES: u64 = 512 << 20;

/// What re-reading one payload may decode in all: four passes over it, and 256 MiB more.
pub fn reread_allowance(decoded: u64) -> u64 {
    decoded.saturating_mul(4).saturating_add(256 << 20)
}

/// Chunk in which streamed files are hashed.
const CHUNK: usize = 1 << 20;

/// Where a payload's decoded bytes come from, to decode them again.
#[derive(Debug)]
pub struct PayloadSource {
    /// The package file.
    pub archive: FileData,
    /// Offset and length of the payload's stored bytes in the package file.
    pub stored: (u64, u64),
    /// How the xar member is encoded (`Stored` in Apple's packages).
    pub encoding: xar::Encoding,
    /// The decoded payload's cap, as on the first pass.
    pub cap: u64,
    /// Decoded bytes re-reading may still cost (set once the first pass is done).
    pub allowance: AtomicU64,
    /// The payload's tree path, for messages.
    pub name: String,
}

impl PayloadSource {
    /// Takes `cost` decoded bytes from the allowance, or says why not.
    fn charge(&self, cost: u64) -> Result<(), String> {
        self.allowance
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |left| left.checked_sub(cost))
            .map(drop)
            .map_err(|left| {
                format!(
                    "this file of `{}` was not kept in memory when the package was read, and decoding the payload \
                     again for it ({cost} bytes) would exceed what is left of the allowance for that ({left} bytes)",
                    self.name
                )
            })
    }
}

impl Reread for PayloadSource {
    fn reread(
        &self,
        offset: u64,
        len: u64,
        read: &mut dyn FnMut(&mut dyn std::io::Read) -> std::io::Result<()>,
    ) -> Result<(), String> {
        let unreadable = |e: String| format!("`{}` cannot be decoded again: {e}", self.name);
        self.archive.with_transient(|bytes| -> Result<(), String> {
            let (start, length) = self.stored;
            let stored = usize::try_from(start)
                .ok()
                .zip(usize::try_from(length).ok())
                .and_then(|(s, l)| crate::problem::bytes::range(bytes, s, l))
                .ok_or_else(|| unreadable("the payload lies outside the package".into()))?;
            let end = offset.saturating_add(len);
            let reader: Box<dyn std::io::Read + '_> = if self.encoding == xar::Encoding::Stored {
                let from = payload::pbzx_seek(stored, offset).map_or(0, |(_, decoded)| decoded);
                self.charge(end - from)?;
                payload::open_at(stored, offset, self.cap).map_err(unreadable)?
            } else {
                self.charge(end)?;
                let member = xar::decoder(&self.encoding, stored).map_err(|_| unreadable("undecodable".into()))?;
                let mut decoded = payload::open(member, self.cap).map_err(unreadable)?;
                std::io::copy(&mut std::io::Read::take(&mut decoded, offset), &mut std::io::sink())
                    .map_err(|e| unreadable(e.to_string()))?;
                decoded
            };
            read(&mut std::io::Read::take(reader, len)).map_err(|e| unreadable(e.to_string()))
        })?
    }
}

/// What one pass over a payload found.
#[derive(Default)]
pub struct Walked {
    /// Every entry: its name as stored, the offset of its header, its mode, what it is.
    pub entries: Vec<(String, u64, u32, Entry)>,
    /// Where and why the cpio archive stopped early.
    pub stop: Option<(u64, String)>,
    /// Decoded bytes passed over.
    pub decoded: u64,
    /// Bytes of files kept in memory.
    pub held: u64,
}

/// One pass over a payload (see the module's documentation).
pub struct Walk {
    source: Arc<PayloadSource>,
    /// Entries that may still be read.
    room: usize,
    /// Bytes that may still be kept in memory.
    hold: u64,
    buffer: Vec<u8>,
}

impl Walk {
    pub fn new(source: Arc<PayloadSource>, room: usize, hold: u64) -> Walk {
        Walk { source, room, hold, buffer: vec![0; CHUNK] }
    }

    /// Reads the payload `stored` yields, decoded to at most `cap` bytes. `Err` when it cannot be
    /// decoded (its format unknown, its compression broken, its cap passed).
    ///
    /// The payload is decoded on a thread of its own, a few blocks ahead of this one, which reads
    /// the cpio archive and hashes the files streamed past: decoding and hashing overlap.
    pub fn run(self, stored: impl std::io::Read + Send, cap: u64) -> Result<Walked, String> {
        std::thread::scope(|scope| {
            let (blocks, received) = std::sync::mpsc::sync_channel(DECODED_AHEAD);
            let decoder = scope.spawn(move || decode_ahead(stored, cap, &blocks));
            // Dropped when the walk ends, early or not, which stops the decoding thread.
            let walked = self.walk(Received { blocks: received, block: Vec::new(), used: 0 });
            // Joined here rather than by the scope, which waits for the closure only: joining
            // the thread waits for it to end, its thread-local destructors included.
            match decoder.join() {
                Ok(()) => walked,
                Err(_) => Err("the payload's decoder failed".to_owned()),
            }
        })
    }

    fn walk(mut self, decoded: impl std::io::Read) -> Result<Walked, String> {
        let mut cpio = CpioReader::new(decoded);
        let mut walked = Walked::default();
        let mut links = Links::default();
        // Devices, FIFOs and sockets are not kept, but count towards the entry limit.
        let mut specials = 0;
        let mut paths = super::PathBudget::default();
        let result = loop {
            if walked.entries.len() + specials >= self.room {
                let at = cpio.position();
                break Err(CpioStop {
                    offset: at,
                    why: format!("more than {} entries; the rest is not read", self.room),
                    decoding: false,
                });
            }
            let header = match cpio.next_header() {
                Ok(Some(header)) => header,
                Ok(None) => break Ok(()),
                Err(stop) => break Err(stop),
            };
            if let Err(over) = paths.take(&header.name) {
                let why = match over {
                    super::OverBudget::TooLong(len) => format!(
                        "an entry's name is {len} bytes, longer than the {} read; the rest is not read",
                        super::MAX_PATH_LEN
                    ),
                    super::OverBudget::Spent => over.message(),
                };
                break Err(CpioStop { offset: header.offset, why, decoding: false });
            }
            let entry = match header.kind() {
                HeaderKind::Dir => cpio.skip_data(&header).map(|()| Some(Entry::Dir)),
                HeaderKind::Symlink => cpio.symlink_target(&header).map(|t| Some(Entry::Symlink(t))),
                HeaderKind::Special => cpio.skip_data(&header).map(|()| None),
                HeaderKind::File => self.file(&mut cpio, &header, &mut walked.held).map(|f| Some(Entry::File(f))),
            };
            let entry = match entry {
                Ok(Some(entry)) => entry,
                Ok(None) => {
                    specials += 1;
                    continue;
                }
                Err(stop) => break Err(stop),
            };
            if let Entry::File(data) = &entry {
                for earlier in links.record(&header, walked.entries.len()) {
                    walked.entries[earlier].3 = Entry::File(data.clone());
                }
            }
            walked.entries.push((header.name, header.offset, header.mode, entry));
        };
        walked.decoded = cpio.position();
        match result {
            Ok(()) => {}
            Err(stop) if stop.decoding => return Err(stop.why),
            Err(stop) => walked.stop = Some((stop.offset, stop.why)),
        }
        Ok(walked)
    }

    /// Reads the data of the file `header` describes: kept, or streamed past (see the module's
    /// documentation).
    fn file<R: std::io::Read>(
        &mut self,
        cpio: &mut CpioReader<R>,
        header: &payload::CpioHeader,
        held: &mut u64,
    ) -> Result<FileData, CpioStop> {
        let offset = cpio.position();
        let mut data = cpio.data(header);
        let mut head = vec![0u8; header.size.min(STREAMED_HEAD as u64) as usize];
        let mut got = 0;
        while got < head.len() {
            got += data.read_some(&mut head[got..])?;
        }
        if header.size <= self.hold && worth_holding(&header.name, &head, header.size) {
            let mut bytes = head;
            // The size is bounded by the decoded payload's cap; the buffer grows as bytes arrive.
            loop {
                let n = data.read_some(&mut self.buffer)?;
                if n == 0 {
                    break;
                }
                bytes.extend_from_slice(&self.buffer[..n]);
            }
            data.finish()?;
            self.hold -= header.size;
            *held += header.size;
            return Ok(FileData::from_vec(bytes));
        }
        let (mut sha1, mut sha256) = (sha1::Sha1::new(), sha2::Sha256::new());
        sha1.update(&head);
        sha256.update(&head);
        let mut tail = head[head.len().saturating_sub(STREAMED_TAIL)..].to_vec();
        loop {
            let n = data.read_some(&mut self.buffer)?;
            if n == 0 {
                break;
            }
            let chunk = &self.buffer[..n];
            sha1.update(chunk);
            sha256.update(chunk);
            if chunk.len() >= STREAMED_TAIL {
                tail.clear();
                tail.extend_from_slice(&chunk[chunk.len() - STREAMED_TAIL..]);
            } else {
                tail.extend_from_slice(chunk);
                tail.drain(..tail.len().saturating_sub(STREAMED_TAIL));
            }
        }
        data.finish()?;
        let streamed = Streamed {
            source: self.source.clone(),
            offset,
            head: head.into_boxed_slice(),
            tail: tail.into_boxed_slice(),
            sha1: sha1.finalize().into(),
            sha256: sha256.finalize().into(),
        };
        Ok(FileData::from_streamed(streamed, header.size))
    }
}

/// Decoded blocks the decoding thread may be ahead by.
const DECODED_AHEAD: usize = 4;

/// Decodes the payload `stored` yields into blocks sent to `blocks`, until it ends, fails (the
/// error is sent) or nobody receives any more.
fn decode_ahead(stored: impl std::io::Read, cap: u64, blocks: &std::sync::mpsc::SyncSender<std::io::Result<Vec<u8>>>) {
    let mut decoded = match payload::open(stored, cap) {
        Ok(decoded) => decoded,
        Err(why) => return drop(blocks.send(Err(std::io::Error::other(why)))),
    };
    loop {
        let mut block = Vec::with_capacity(CHUNK);
        match std::io::Read::take(&mut decoded, CHUNK as u64).read_to_end(&mut block) {
            Ok(0) => return,
            Ok(_) => {
                if blocks.send(Ok(block)).is_err() {
                    return;
                }
            }
            Err(e) => return drop(blocks.send(Err(e))),
        }
    }
}

/// The decoded payload as the decoding thread sends it.
struct Received {
    blocks: std::sync::mpsc::Receiver<std::io::Result<Vec<u8>>>,
    block: Vec<u8>,
    used: usize,
}

impl std::io::Read for Received {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        while self.used == self.block.len() {
            match self.blocks.recv() {
                Ok(block) => {
                    self.block = block?;
                    self.used = 0;
                }
                // The decoding thread is done.
                Err(_) => return Ok(0),
            }
        }
        let n = buf.len().min(self.block.len() - self.used);
        buf[..n].copy_from_slice(&self.block[self.used..self.used + n]);
        self.used += n;
        Ok(n)
    }
}

/// Whether a payload file is kept in memory: small, or of a kind the pipeline parses (by its
/// first bytes or its name).
pub fn worth_holding(name: &str, head: &[u8], len: u64) -> bool {
    const MAGICS: &[&[u8]] = &[
        b"bplist",           // binary property list
        b"<?xml",            // XML property list (and other XML the pipeline may read)
        b"<plist",           //
        b"<!DOCTYPE plist",  //
        b"\x30\x80",         // CMS (provisioning profiles), indefinite length
        b"\x30\x82",         // DER, lengths of 2 bytes
        b"\x30\x83",         // DER, lengths of 3 bytes
        b"PK\x03\x04",       // zip, jar (their native code is judged)
        b"PK\x05\x06",       // empty zip
        b"xar!",             // a package inside the payload
        b"icns",             // an app icon
        b"\x00\x05\x16\x07", // AppleDouble sidecar
        b"!<arch>\n",        // static library
    ];
    const NAMES: &[&str] = &[
        ".plist",
        ".provisionprofile",
        ".mobileprovision",
        ".entitlements",
        ".xcent",
        ".icns",
        ".pkg",
        ".jar",
        ".zip",
    ];
    let lower = name.to_ascii_lowercase();
    len < HOLD_BELOW
        || crate::macho::is_macho(head)
        || MAGICS.iter().any(|m| head.starts_with(m))
        || NAMES.iter().any(|n| lower.ends_with(n))
        || lower.contains("/_codesignature/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::payload::tests::{newc, odc};
    use crate::input::xar::tests::gzip;

    /// pbzx with every chunk stored as is (decoded length = stored length), `chunk` bytes each.
    fn pbzx_stored(bytes: &[u8], chunk: usize) -> Vec<u8> {
        let mut out = b"pbzx".to_vec();
        out.extend_from_slice(&(chunk as u64).to_be_bytes());
        for part in bytes.chunks(chunk) {
            out.extend_from_slice(&(part.len() as u64).to_be_bytes());
            out.extend_from_slice(&(part.len() as u64).to_be_bytes());
            out.extend_from_slice(part);
        }
        out
    }

    /// Bytes no magic claims, `len` long, different at every offset.
    fn resource(len: usize) -> Vec<u8> {
        (0..len).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8 | 0x40).collect()
    }

    fn macho(len: usize) -> Vec<u8> {
        let mut bytes = b"\xcf\xfa\xed\xfe\x0c\x00\x00\x01".to_vec();
        bytes.resize(len, 7);
        bytes
    }

    /// Walks `payload` (the whole "package" is the payload) keeping at most `hold` bytes.
    fn walk(payload: &[u8], hold: u64) -> (Walked, Arc<PayloadSource>) {
        let source = Arc::new(PayloadSource {
            archive: FileData::from_vec(payload.to_vec()),
            stored: (0, payload.len() as u64),
            encoding: xar::Encoding::Stored,
            cap: 1 << 30,
            allowance: AtomicU64::new(0),
            name: "X.pkg Contents/Payload".into(),
        });
        let walked = Walk::new(source.clone(), 100, hold).run(payload, 1 << 30).unwrap();
        source.allowance.store(reread_allowance(walked.decoded), Ordering::Relaxed);
        (walked, source)
    }

    fn file<'a>(walked: &'a Walked, name: &str) -> &'a FileData {
        match walked.entries.iter().find(|e| e.0 == name) {
            Some((_, _, _, Entry::File(data))) => data,
            other => panic!("{name}: {other:?}"),
        }
    }

    #[test]
    fn code_and_metadata_are_held_resources_are_not() {
        let big = 10 << 20;
        assert!(worth_holding("./a/Contents/MacOS/a", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01", big));
        assert!(worth_holding("./a/Contents/MacOS/a", b"\xca\xfe\xba\xbe\x00\x00\x00\x02", big));
        assert!(worth_holding("./a/Contents/Resources/lib.jar", b"PK\x03\x04", big));
        assert!(worth_holding("./a/Contents/_CodeSignature/CodeResources", b"<?xml", big));
        assert!(worth_holding("./a/Contents/Resources/small.dat", b"\x00\x01", 1000));
        assert!(!worth_holding("./a/Contents/Resources/movie.mov", b"\x00\x00\x00\x20ftypqt  ", big));
        assert!(!worth_holding("./a/Contents/Resources/tool.sh", b"#!/bin/sh\n", big));
    }

    #[test]
    fn a_large_resource_is_not_held_but_digested_and_read_again_on_demand() {
        use sha2::Digest;
        let (big, code) = (resource(300_000), macho(100_000));
        let entries: [(&str, u32, &[u8]); 4] = [
            (".", 0o040755, b""),
            ("./a.app/Contents/MacOS/a", 0o100755, &code),
            ("./a.app/Contents/Resources/big.dat", 0o100644, &big),
            ("./a.app/Contents/Resources/after.dat", 0o100644, b"after"),
        ];
        // gzip is decoded again from its start; pbzx from the chunk holding the file.
        for payload in [gzip(&odc(&entries)), pbzx_stored(&newc(&entries), 65_536)] {
            let (walked, _) = walk(&payload, MAX_HELD_BYTES);
            assert_eq!(walked.stop, None);
            let (code_file, big_file) =
                (file(&walked, "./a.app/Contents/MacOS/a"), file(&walked, "./a.app/Contents/Resources/big.dat"));
            assert_eq!(code_file.known_digest(crate::input::DigestKind::Sha256), None, "code is held");
            assert_eq!(walked.held, 100_000 + 5);
            assert_eq!(big_file.len(), big.len() as u64);
            assert_eq!(big_file.known_digest(crate::input::DigestKind::Sha256), Some(&sha2::Sha256::digest(&big)[..]));
            assert_eq!(big_file.known_digest(crate::input::DigestKind::Sha1), Some(&sha1::Sha1::digest(&big)[..]));
            assert_eq!(big_file.head(8), big[..8]);
            assert_eq!(big_file.head_and_tail(16, 512), (big[..16].to_vec(), big[big.len() - 512..].to_vec()));
            // Asked for more than was kept, the head is decoded again.
            assert_eq!(big_file.head(10_000), big[..10_000]);
            let mut streamed = Vec::new();
            big_file.for_each_chunk(4096, |c| streamed.extend_from_slice(c)).unwrap();
            assert_eq!(streamed, big);
            assert_eq!(big_file.bytes().unwrap(), big.as_slice());
            assert_eq!(file(&walked, "./a.app/Contents/Resources/after.dat").bytes().unwrap(), b"after");
        }
    }

    #[test]
    fn code_beyond_the_memory_budget_is_streamed_and_still_readable() {
        let code = macho(200_000);
        let payload = gzip(&odc(&[(".", 0o040755, b""), ("./tool", 0o100755, &code)]));
        let (walked, _) = walk(&payload, 150_000);
        let tool = file(&walked, "./tool");
        assert_eq!(walked.held, 0);
        assert!(tool.known_digest(crate::input::DigestKind::Sha1).is_some(), "streamed past the budget");
        assert!(crate::macho::is_macho(&tool.head(32)));
        assert_eq!(tool.bytes().unwrap(), code.as_slice());
    }

    #[test]
    fn reading_again_past_the_allowance_is_an_error_not_an_empty_file() {
        let big = resource(300_000);
        let payload = gzip(&odc(&[(".", 0o040755, b""), ("./big.dat", 0o100644, &big)]));
        let (walked, source) = walk(&payload, MAX_HELD_BYTES);
        source.allowance.store(1000, Ordering::Relaxed);
        let data = file(&walked, "./big.dat");
        let why = data.bytes().unwrap_err();
        assert!(why.contains("X.pkg Contents/Payload") && why.contains("allowance"), "{why}");
        assert!(data.with_transient(|b| b.len()).is_err());
        assert!(data.for_each_chunk(4096, |_| {}).is_err());
        // What was learnt in the pass is still there: the seal can be verified without the bytes.
        assert!(data.known_digest(crate::input::DigestKind::Sha256).is_some());
        assert_eq!(data.head(4), big[..4]);
    }

    #[test]
    fn a_cpio_archive_cut_short_keeps_what_was_read_before() {
        let archive = odc(&[(".", 0o040755, b""), ("./a", 0o100644, b"hello"), ("./b", 0o100644, b"world")]);
        let cut = &archive[..archive.len() - 90];
        let (walked, _) = walk(&gzip(cut), MAX_HELD_BYTES);
        let names: Vec<&str> = walked.entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, [".", "./a"]);
        assert!(walked.stop.is_some());
    }

    #[test]
    fn a_name_longer_than_any_path_stops_the_payload_where_it_is() {
        let long = format!("./{}", "n".repeat(5000));
        let entries: [(&str, u32, &[u8]); 3] =
            [(".", 0o040755, b""), ("./before", 0o100644, b"before"), (&long, 0o100644, b"after")];
        let (walked, _) = walk(&gzip(&odc(&entries)), MAX_HELD_BYTES);
        let names: Vec<_> = walked.entries.iter().map(|e| e.0.as_str()).collect();
        assert_eq!(names, [".", "./before"]);
        let (offset, why) = walked.stop.expect("stopped");
        assert!(offset > 0);
        assert_eq!(why, "an entry's name is 5002 bytes, longer than the 4096 read; the rest is not read");
    }
}

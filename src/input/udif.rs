//! Reading UDIF disk images (`.dmg`) from their bytes: the `koly` trailer, the XML resource list,
//! the `blkx` block tables and their chunks, and a lazy reader over the virtual disk.
//!
//! Layout: `[data fork: chunks][XML resource list][code signature][koly trailer, last 512 bytes]`.
//! All integers are big-endian. The virtual disk is never materialised: [`Disk`] decodes the
//! chunk under the read position on demand and keeps a few decoded chunks.

use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use rayon::prelude::*;

use super::FileData;

use crate::problem::bytes::{be_u32, be_u64, range};
use crate::rule_id::INPUT_DISK_IMAGE_MALFORMED;
use crate::Problem;

/// Size of the `koly` trailer.
pub const KOLY_LEN: usize = 512;
/// Bytes per sector of the virtual disk.
pub const SECTOR: u64 = 512;
/// Largest XML resource list read (real ones are a few KiB to a few MiB).
const MAX_XML_BYTES: u64 = 64 << 20;
/// Largest decoded chunk: hdiutil writes chunks of 1 MiB or less; a table asking for more is
/// refused before anything is allocated.
pub const MAX_CHUNK_BYTES: u64 = 64 << 20;
/// Most chunks in one image (a 100 GiB image of 1 MiB chunks holds about 100 000).
const MAX_CHUNKS: usize = 4_000_000;
/// Largest virtual disk accepted (sectors × 512).
pub const MAX_DISK_BYTES: u64 = 1 << 40;
/// Chunks decoded in parallel at a time when checksums are verified: enough to keep every core
/// busy, few enough that their results take no memory to speak of.
const PARALLEL_BATCH: usize = 256;
/// Bytes of a mapped image read between two releases of their pages.
pub const RELEASE_STEP: usize = 8 << 20;
/// Most decoded chunks kept by a [`DiskSource`].
const CACHED_CHUNKS: usize = 8;
/// LZMA dictionary memory allowed to an xz chunk, in KiB.
const XZ_MEMORY_KIB: u32 = 256 * 1024;

/// A UDIF checksum field: algorithm, width in bits, up to 128 bytes of value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checksum {
    pub kind: u32,
    pub bits: u32,
    pub value: Vec<u8>,
}

impl Checksum {
    fn parse(bytes: &[u8], at: usize) -> Checksum {
        Checksum {
            kind: be_u32(bytes, at).unwrap_or(0),
            bits: be_u32(bytes, at + 4).unwrap_or(0),
            value: range(bytes, at + 8, 128).unwrap_or_default().to_vec(),
        }
    }

    /// The CRC32 it records, when it is one (type 2, 32 bits).
    pub fn crc32(&self) -> Option<u32> {
        (self.kind == 2 && self.bits == 32).then(|| be_u32(&self.value, 0)).flatten()
    }
}

/// The `koly` trailer, every field.
#[derive(Debug, Clone)]
pub struct Koly {
    pub version: u32,
    pub header_size: u32,
    pub flags: u32,
    pub running_data_fork_offset: u64,
    pub data_fork_offset: u64,
    pub data_fork_length: u64,
    pub resource_fork_offset: u64,
    pub resource_fork_length: u64,
    pub segment_number: u32,
    pub segment_count: u32,
    pub segment_id: [u8; 16],
    pub data_checksum: Checksum,
    pub xml_offset: u64,
    pub xml_length: u64,
    pub code_signature_offset: u64,
    pub code_signature_length: u64,
    pub master_checksum: Checksum,
    pub image_variant: u32,
    pub sector_count: u64,
}

/// What a chunk holds and how it is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkKind {
    Zero,
    Raw,
    Ignore,
    Adc,
    Zlib,
    Bzip2,
    Lzfse,
    Lzma,
    Comment,
    Terminator,
}

impl ChunkKind {
    fn from_code(code: u32) -> Option<ChunkKind> {
        Some(match code {
            0 => ChunkKind::Zero,
            1 => ChunkKind::Raw,
            2 => ChunkKind::Ignore,
            0x8000_0004 => ChunkKind::Adc,
            0x8000_0005 => ChunkKind::Zlib,
            0x8000_0006 => ChunkKind::Bzip2,
            0x8000_0007 => ChunkKind::Lzfse,
            0x8000_0008 => ChunkKind::Lzma,
            0x7fff_fffe => ChunkKind::Comment,
            0xffff_ffff => ChunkKind::Terminator,
            _ => return None,
        })
    }

    pub fn name(self) -> &'static str {
        match self {
            ChunkKind::Zero => "zero",
            ChunkKind::Raw => "raw",
            ChunkKind::Ignore => "ignore",
            ChunkKind::Adc => "ADC",
            ChunkKind::Zlib => "zlib",
            ChunkKind::Bzip2 => "bzip2",
            ChunkKind::Lzfse => "LZFSE",
            ChunkKind::Lzma => "LZMA",
            ChunkKind::Comment => "comment",
            ChunkKind::Terminator => "terminator",
        }
    }

    /// Whether the chunk reads as zeros without any stored bytes.
    fn is_zeros(self) -> bool {
        matches!(self, ChunkKind::Zero | ChunkKind::Ignore)
    }
}

/// One run of sectors of the virtual disk and where its bytes are stored.
#[derive(Debug, Clone)]
pub struct Chunk {
    pub kind: ChunkKind,
    /// First sector on the virtual disk (absolute).
    pub sector: u64,
    pub sectors: u64,
    /// Offset of the stored bytes in the image file, and their length.
    pub offset: u64,
    pub length: u64,
    /// Index of the block table it belongs to.
    pub table: usize,
}

impl Chunk {
    fn byte_len(&self) -> u64 {
        self.sectors * SECTOR
    }
}

/// One `blkx` block table: a partition (or a piece of the disk layout) and its chunks.
#[derive(Debug, Clone)]
pub struct BlockTable {
    /// `Name` from the resource list, e.g. `disk image (Apple_HFS : 2)`.
    pub name: String,
    pub first_sector: u64,
    pub sector_count: u64,
    pub checksum: Checksum,
}

/// A parsed disk image. `chunks` are the data-bearing chunks of every table, sorted by sector.
#[derive(Debug, Clone)]
pub struct Image {
    pub koly: Koly,
    pub tables: Vec<BlockTable>,
    pub chunks: Vec<Chunk>,
    /// Keys of the resource list other than `blkx` (`plst`, licence resources…), for `inspect`.
    pub other_resources: Vec<String>,
}

impl Image {
    /// Size of the virtual disk in bytes.
    pub fn disk_len(&self) -> u64 {
        self.tables.iter().map(|t| t.first_sector.saturating_add(t.sector_count)).max().unwrap_or(0) * SECTOR
    }

    pub fn is_signed(&self) -> bool {
        self.koly.code_signature_length > 0
    }
}

fn malformed(offset: u64, message: impl Into<String>) -> Problem {
    Problem::at(INPUT_DISK_IMAGE_MALFORMED, offset, message)
}

/// Whether `bytes` end with a `koly` trailer.
pub fn has_trailer(bytes: &[u8]) -> bool {
    bytes.len() >= KOLY_LEN && bytes[bytes.len() - KOLY_LEN..].starts_with(b"koly")
}

/// Parses the trailer at the end of `bytes` and checks that its ranges lie inside the file.
pub fn parse_koly(bytes: &[u8]) -> Result<Koly, Problem> {
    if !has_trailer(bytes) {
        return Err(malformed(0, "no `koly` trailer in the last 512 bytes"));
    }
    let at = bytes.len() - KOLY_LEN;
    let k = &bytes[at..];
    let u32_at = |o: usize| be_u32(k, o).unwrap_or(0);
    let u64_at = |o: usize| be_u64(k, o).unwrap_or(0);
    let mut segment_id = [0u8; 16];
    segment_id.copy_from_slice(&k[64..80]);
    let koly = Koly {
        version: u32_at(4),
        header_size: u32_at(8),
        flags: u32_at(12),
        running_data_fork_offset: u64_at(16),
        data_fork_offset: u64_at(24),
        data_fork_length: u64_at(32),
        resource_fork_offset: u64_at(40),
        resource_fork_length: u64_at(48),
        segment_number: u32_at(56),
        segment_count: u32_at(60),
        segment_id,
        data_checksum: Checksum::parse(k, 80),
        xml_offset: u64_at(216),
        xml_length: u64_at(224),
        code_signature_offset: u64_at(296),
        code_signature_length: u64_at(304),
        master_checksum: Checksum::parse(k, 352),
        image_variant: u32_at(488),
        sector_count: u64_at(492),
    };
    let at = at as u64;
    if koly.version != 4 || koly.header_size != KOLY_LEN as u32 {
        return Err(malformed(
            at + 4,
            format!("the koly trailer has version {} and size {}, not 4 and 512", koly.version, koly.header_size),
        ));
    }
    let ranges = [
        ("data fork", 24, koly.data_fork_offset, koly.data_fork_length),
        ("XML resource list", 216, koly.xml_offset, koly.xml_length),
        ("resource fork", 40, koly.resource_fork_offset, koly.resource_fork_length),
        ("code signature", 296, koly.code_signature_offset, koly.code_signature_length),
    ];
    for (what, field, offset, length) in ranges {
        if length > 0 && offset.checked_add(length).is_none_or(|end| end > at) {
            return Err(malformed(
                at + field,
                format!(
                    "the koly trailer places the {what} at {offset:#x}+{length:#x}, beyond the {at:#x} bytes before the \
                     trailer"
                ),
            ));
        }
    }
    if koly.xml_length == 0 {
        return Err(malformed(at + 224, "the koly trailer records no XML resource list (an old-style image)"));
    }
    if koly.xml_length > MAX_XML_BYTES {
        return Err(malformed(at + 224, format!("the XML resource list is {} bytes long", koly.xml_length)));
    }
    Ok(koly)
}

/// Parses the image: trailer, resource list, block tables. Checksums are not verified here
/// (see [`verify_checksums`]).
pub fn parse(bytes: &[u8]) -> Result<Image, Problem> {
    let koly = parse_koly(bytes)?;
    let xml_at = koly.xml_offset;
    let xml = &bytes[xml_at as usize..(xml_at + koly.xml_length) as usize];
    let value = plist::Value::from_reader_xml(xml)
        .map_err(|e| malformed(xml_at, format!("the resource list at {xml_at:#x} is not readable: {e}")))?;
    let forks = value
        .as_dictionary()
        .and_then(|d| d.get("resource-fork"))
        .and_then(plist::Value::as_dictionary)
        .ok_or_else(|| malformed(xml_at, "the resource list has no `resource-fork` dictionary"))?;
    let other_resources = forks.keys().filter(|k| *k != "blkx").cloned().collect();
    let blkx = forks
        .get("blkx")
        .and_then(plist::Value::as_array)
        .ok_or_else(|| malformed(xml_at, "the resource list has no `blkx` block tables"))?;
    let mut tables = Vec::new();
    let mut chunks = Vec::new();
    for (index, entry) in blkx.iter().enumerate() {
        let dict = entry.as_dictionary();
        let name = dict
            .and_then(|d| d.get("Name").or_else(|| d.get("CFName")))
            .and_then(plist::Value::as_string)
            .unwrap_or("")
            .to_owned();
        let data = dict
            .and_then(|d| d.get("Data"))
            .and_then(plist::Value::as_data)
            .ok_or_else(|| malformed(xml_at, format!("block table #{index} `{name}` has no Data")))?;
        let table = parse_mish(data, index, &name, &koly, xml_at, &mut chunks)?;
        tables.push(table);
        if chunks.len() > MAX_CHUNKS {
            return Err(malformed(xml_at, format!("more than {MAX_CHUNKS} chunks")));
        }
    }
    chunks.sort_by_key(|c| c.sector);
    if let Some(pair) = chunks.windows(2).find(|w| w[0].sector + w[0].sectors > w[1].sector) {
        return Err(malformed(
            pair[1].offset,
            format!(
                "chunks overlap on the virtual disk: sectors {}+{} of `{}` and {}+{} of `{}`",
                pair[0].sector,
                pair[0].sectors,
                tables[pair[0].table].name,
                pair[1].sector,
                pair[1].sectors,
                tables[pair[1].table].name
            ),
        ));
    }
    Ok(Image { koly, tables, chunks, other_resources })
}

const MISH_HEADER: usize = 204;
const MISH_CHUNK: usize = 40;

/// Parses one `mish` block table, appending its data chunks (absolute sectors and offsets).
fn parse_mish(
    data: &[u8],
    index: usize,
    name: &str,
    koly: &Koly,
    xml_at: u64,
    chunks: &mut Vec<Chunk>,
) -> Result<BlockTable, Problem> {
    let bad = |what: String| malformed(xml_at, format!("block table `{name}`: {what}"));
    if data.len() < MISH_HEADER || !data.starts_with(b"mish") {
        return Err(bad(format!("{} bytes, not a `mish` table", data.len())));
    }
    let first_sector = be_u64(data, 8).unwrap_or(0);
    let sector_count = be_u64(data, 16).unwrap_or(0);
    let data_offset = be_u64(data, 24).unwrap_or(0);
    let checksum = Checksum::parse(data, 64);
    let count = be_u32(data, 200).unwrap_or(0) as usize;
    let end =
        first_sector.checked_add(sector_count).filter(|e| e.checked_mul(SECTOR).is_some_and(|b| b <= MAX_DISK_BYTES));
    let Some(end) = end else {
        return Err(bad(format!("sectors {first_sector}+{sector_count} exceed the largest disk read")));
    };
    if count > (data.len() - MISH_HEADER) / MISH_CHUNK {
        return Err(bad(format!("declares {count} chunks but holds {} bytes", data.len())));
    }
    let fork_end = koly.data_fork_offset + koly.data_fork_length;
    for i in 0..count {
        let at = MISH_HEADER + i * MISH_CHUNK;
        let code = be_u32(data, at).unwrap_or(0);
        let Some(kind) = ChunkKind::from_code(code) else {
            return Err(bad(format!("chunk {i} has unknown type {code:#010x}")));
        };
        if matches!(kind, ChunkKind::Comment | ChunkKind::Terminator) {
            continue;
        }
        let sector = be_u64(data, at + 8).unwrap_or(0);
        let sectors = be_u64(data, at + 16).unwrap_or(0);
        let stored = be_u64(data, at + 24).unwrap_or(0);
        let length = be_u64(data, at + 32).unwrap_or(0);
        let absolute = first_sector.checked_add(sector).filter(|s| s.checked_add(sectors).is_some_and(|e| e <= end));
        let Some(absolute) = absolute else {
            return Err(bad(format!(
                "chunk {i} (sectors {sector}+{sectors}) lies outside the table's {sector_count} sectors"
            )));
        };
        if sectors == 0 {
            continue;
        }
        if !kind.is_zeros() && sectors * SECTOR > MAX_CHUNK_BYTES {
            return Err(bad(format!("chunk {i} ({}) decodes to {} bytes", kind.name(), sectors * SECTOR)));
        }
        let offset = koly.data_fork_offset.checked_add(data_offset).and_then(|o| o.checked_add(stored));
        let in_fork = offset.and_then(|o| o.checked_add(length)).is_some_and(|e| e <= fork_end);
        let offset = match offset {
            Some(o) if kind.is_zeros() || in_fork => o,
            _ => {
                return Err(bad(format!(
                    "chunk {i} ({}) is stored at {stored:#x}+{length:#x}, outside the data fork",
                    kind.name()
                )))
            }
        };
        chunks.push(Chunk { kind, sector: absolute, sectors, offset, length, table: index });
    }
    Ok(BlockTable { name: name.to_owned(), first_sector, sector_count, checksum })
}

/// Decodes one chunk from the image's bytes into exactly its sector count × 512 bytes.
pub fn decode_chunk(bytes: &[u8], chunk: &Chunk) -> Result<Vec<u8>, String> {
    let want = chunk.byte_len();
    if chunk.kind.is_zeros() {
        return Ok(vec![0; want as usize]);
    }
    let stored = stored_bytes(bytes, chunk).ok_or_else(|| "its bytes lie outside the file".to_owned())?;
    let reader: Box<dyn Read + '_> = match chunk.kind {
        ChunkKind::Raw => Box::new(stored),
        ChunkKind::Zlib => Box::new(flate2::read::ZlibDecoder::new(stored)),
        ChunkKind::Bzip2 => Box::new(bzip2::read::BzDecoder::new(stored)),
        ChunkKind::Adc => Box::new(adc::AdcDecoder::new(stored)),
        ChunkKind::Lzma => Box::new(lzma_rust2::XzReader::new_mem_limit(stored, true, XZ_MEMORY_KIB)),
        ChunkKind::Lzfse => return decode_lzfse(stored, want),
        _ => return Err(format!("{} chunks hold no data", chunk.kind.name())),
    };
    read_exactly(reader, want)
}

fn decode_lzfse(stored: &[u8], want: u64) -> Result<Vec<u8>, String> {
    let mut decoder = lzfse_rust::LzfseRingDecoder::default();
    read_exactly(decoder.reader_bytes(stored), want)
}

/// Reads `want` bytes, refusing a stream that ends early or runs past it (read one byte further
/// at most, so a bomb costs no more than the table claims).
fn read_exactly(reader: impl Read, want: u64) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(want as usize);
    reader.take(want + 1).read_to_end(&mut out).map_err(|e| e.to_string())?;
    if out.len() as u64 != want {
        let got = if out.len() as u64 > want { format!("more than {want}") } else { out.len().to_string() };
        return Err(format!("it decodes to {got} bytes, its table says {want}"));
    }
    Ok(out)
}

/// Verifies the data-fork CRC32, the master CRC32 (over every table's CRC32) and each table's
/// CRC32 over its decoded sectors. Decodes the whole image once, chunk by chunk, in bounded
/// memory; `release` is given each part of `bytes` once read (to drop the pages of a mapped
/// image). Returns every mismatch or undecodable chunk.
pub fn verify_checksums(bytes: &[u8], image: &Image, release: &(dyn Fn(&[u8]) + Sync)) -> Vec<Problem> {
    let mut problems = Vec::new();
    let koly = &image.koly;
    let trailer_at = (bytes.len() - KOLY_LEN) as u64;
    if let Some(recorded) = koly.data_checksum.crc32() {
        let fork = &bytes[koly.data_fork_offset as usize..(koly.data_fork_offset + koly.data_fork_length) as usize];
        let mut crc = crc32fast::Hasher::new();
        for part in fork.chunks(RELEASE_STEP) {
            crc.update(part);
            release(part);
        }
        let actual = crc.finalize();
        if actual != recorded {
            problems.push(malformed(
                trailer_at + 88,
                format!("the CRC32 of the data fork is {actual:#010x}, the image records {recorded:#010x}"),
            ));
        }
    }
    if let Some(recorded) = koly.master_checksum.crc32() {
        let mut all = crc32fast::Hasher::new();
        for table in &image.tables {
            all.update(table.checksum.value.get(..4).unwrap_or(&[0; 4]));
        }
        let actual = all.finalize();
        if actual != recorded {
            problems.push(malformed(
                trailer_at + 360,
                format!(
                    "the CRC32 over the block tables' checksums is {actual:#010x}, the image records {recorded:#010x}"
                ),
            ));
        }
    }
    // A table's CRC32 covers its decoded chunks in order; `ignore` chunks (free space) are left
    // out, as the images hdiutil and others write show (an all-free table records 0). Chunks are
    // decoded in parallel, a batch at a time, and their CRC32s combined in order.
    let mut hashers: Vec<crc32fast::Hasher> = image.tables.iter().map(|_| crc32fast::Hasher::new()).collect();
    let mut failed = vec![false; image.tables.len()];
    let indexed: Vec<(usize, &Chunk)> = image.chunks.iter().enumerate().collect();
    for batch in indexed.chunks(PARALLEL_BATCH) {
        let crcs: Vec<Result<crc32fast::Hasher, String>> =
            batch.par_iter().map(|(_, chunk)| chunk_crc(bytes, chunk, release)).collect();
        for ((index, chunk), crc) in batch.iter().zip(crcs) {
            let t = chunk.table;
            match crc {
                _ if failed[t] => {}
                Ok(crc) => hashers[t].combine(&crc),
                Err(why) => {
                    failed[t] = true;
                    problems.push(chunk_problem(image, *index, chunk, &why));
                }
            }
        }
    }
    for (t, table) in image.tables.iter().enumerate() {
        let Some(recorded) = table.checksum.crc32() else { continue };
        if failed[t] {
            continue;
        }
        let actual = std::mem::take(&mut hashers[t]).finalize();
        if actual != recorded {
            problems.push(malformed(
                koly.xml_offset,
                format!(
                    "the CRC32 of block table `{}` (sectors {}+{}) is {actual:#010x}, the image records {recorded:#010x}",
                    table.name, table.first_sector, table.sector_count
                ),
            ));
        }
    }
    problems
}

/// The CRC32 of one chunk's decoded sectors (none for an `ignore` chunk), releasing its stored
/// bytes once decoded.
fn chunk_crc(bytes: &[u8], chunk: &Chunk, release: &(dyn Fn(&[u8]) + Sync)) -> Result<crc32fast::Hasher, String> {
    let mut crc = crc32fast::Hasher::new();
    match chunk.kind {
        ChunkKind::Ignore => {}
        ChunkKind::Zero => feed_zeros(&mut crc, chunk.byte_len()),
        _ => {
            let decoded = decode_chunk(bytes, chunk);
            if let Some(stored) = stored_bytes(bytes, chunk) {
                release(stored);
            }
            crc.update(&decoded?);
        }
    }
    Ok(crc)
}

fn chunk_problem(image: &Image, index: usize, chunk: &Chunk, why: &str) -> Problem {
    malformed(
        chunk.offset,
        format!(
            "chunk {index} of `{}` ({}, {} bytes at {:#x}) does not decode: {why}",
            image.tables[chunk.table].name,
            chunk.kind.name(),
            chunk.length,
            chunk.offset
        ),
    )
}

fn feed_zeros(hasher: &mut crc32fast::Hasher, mut n: u64) {
    static ZEROS: [u8; 64 * 1024] = [0; 64 * 1024];
    while n > 0 {
        let step = n.min(ZEROS.len() as u64) as usize;
        hasher.update(&ZEROS[..step]);
        n -= step as u64;
    }
}

/// Most decoded bytes kept by the chunk cache shared by every [`Disk`] over one image: a few
/// chunks of the usual 1 MiB, and never more than this whatever sizes a hostile table claims.
const CACHED_BYTES: usize = 32 << 20;

/// An image's bytes and tables, and the decoded chunks shared by every reader over them. Files on
/// the image's volume are read long after the image was opened, by several threads, each through
/// its own [`Disk`]; the cache makes the many small files stored in one chunk cost one decode.
#[derive(Debug)]
pub struct DiskSource {
    data: FileData,
    image: Image,
    cache: Mutex<ChunkCache>,
}

#[derive(Debug, Default)]
struct ChunkCache {
    /// Most recently used last.
    chunks: Vec<(usize, Arc<Vec<u8>>)>,
    bytes: usize,
    /// Chunks that did not decode, remembered so that a reader retrying them does not pay for
    /// decoding them again.
    failed: Vec<usize>,
}

impl ChunkCache {
    fn get(&mut self, index: usize) -> Option<Arc<Vec<u8>>> {
        let found = self.chunks.iter().position(|(i, _)| *i == index)?;
        let entry = self.chunks.remove(found);
        let data = entry.1.clone();
        self.chunks.push(entry);
        Some(data)
    }

    fn put(&mut self, index: usize, data: Arc<Vec<u8>>) {
        if self.chunks.iter().any(|(i, _)| *i == index) {
            return;
        }
        self.bytes += data.len();
        self.chunks.push((index, data));
        while self.chunks.len() > CACHED_CHUNKS || (self.bytes > CACHED_BYTES && self.chunks.len() > 1) {
            let (_, dropped) = self.chunks.remove(0);
            self.bytes -= dropped.len();
        }
    }
}

impl DiskSource {
    /// The image `image` parsed from `data`.
    pub fn new(data: FileData, image: Image) -> Arc<DiskSource> {
        Arc::new(DiskSource { data, image, cache: Mutex::new(ChunkCache::default()) })
    }

    pub fn image(&self) -> &Image {
        &self.image
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, ChunkCache> {
        // A reader that panicked while holding the lock left the cache consistent (every change
        // to it is a single push or remove), so a poisoned lock is still usable.
        self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The decoded bytes of chunk `index`, from the cache or decoded now. Decoding happens
    /// outside the lock, so readers on other threads are not held up by it; the stored bytes are
    /// released from memory once decoded, so reading a large image never keeps it resident.
    fn chunk_bytes(&self, index: usize) -> std::io::Result<Arc<Vec<u8>>> {
        let chunk = &self.image.chunks[index];
        let undecodable = |why: &str| {
            std::io::Error::new(std::io::ErrorKind::InvalidData, chunk_problem(&self.image, index, chunk, why).message)
        };
        {
            let mut cache = self.cache();
            if let Some(found) = cache.get(index) {
                return Ok(found);
            }
            if cache.failed.contains(&index) {
                return Err(undecodable("it did not decode before"));
            }
        }
        let bytes = self.data.bytes().map_err(|why| undecodable(&why))?;
        let decoded = decode_chunk(bytes, chunk);
        release_stored(&self.data, bytes, chunk);
        match decoded {
            Ok(decoded) => {
                let decoded = Arc::new(decoded);
                self.cache().put(index, decoded.clone());
                Ok(decoded)
            }
            Err(why) => {
                self.cache().failed.push(index);
                Err(undecodable(&why))
            }
        }
    }
}

/// Lets the pages holding a chunk's stored bytes go once they are decoded.
fn release_stored(data: &FileData, bytes: &[u8], chunk: &Chunk) {
    if let Some(stored) = stored_bytes(bytes, chunk) {
        data.release(stored);
    }
}

/// The bytes a chunk is stored in, when they lie inside the file.
fn stored_bytes<'a>(bytes: &'a [u8], chunk: &Chunk) -> Option<&'a [u8]> {
    usize::try_from(chunk.offset).ok().and_then(|o| range(bytes, o, usize::try_from(chunk.length).ok()?))
}

/// A read-only, seekable view of the virtual disk (or of `[start, start + len)` of it) that
/// decodes chunks on demand through its source's shared cache. Sectors no chunk covers read as
/// zeros. Cloning is cheap: the clone has its own position over the same source.
#[derive(Debug, Clone)]
pub struct Disk {
    source: Arc<DiskSource>,
    start: u64,
    len: u64,
    pos: u64,
}

impl Disk {
    /// The whole virtual disk.
    pub fn new(source: &Arc<DiskSource>) -> Disk {
        Disk { source: source.clone(), start: 0, len: source.image.disk_len(), pos: 0 }
    }

    /// `len` bytes of the disk starting at byte `start` (a partition).
    pub fn window(source: &Arc<DiskSource>, start: u64, len: u64) -> Disk {
        let disk_len = source.image.disk_len();
        let start = start.min(disk_len);
        Disk { source: source.clone(), start, len: len.min(disk_len - start), pos: 0 }
    }

    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

impl Read for Disk {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.pos >= self.len || buf.is_empty() {
            return Ok(0);
        }
        let at = self.start + self.pos;
        let sector = at / SECTOR;
        let source = &*self.source;
        let chunks = &source.image.chunks;
        // The last chunk starting at or before `sector`.
        let index = chunks.partition_point(|c| c.sector <= sector).checked_sub(1);
        let room = (self.len - self.pos).min(buf.len() as u64);
        let n = match index.filter(|&i| sector < chunks[i].sector + chunks[i].sectors) {
            Some(i) => {
                let chunk = &chunks[i];
                let within = at - chunk.sector * SECTOR;
                let n = room.min(chunk.byte_len() - within) as usize;
                if chunk.kind.is_zeros() {
                    buf[..n].fill(0);
                } else {
                    let data = source.chunk_bytes(i)?;
                    buf[..n].copy_from_slice(&data[within as usize..within as usize + n]);
                }
                n
            }
            None => {
                // A gap: zeros up to the next chunk.
                let next = index.map_or(0, |i| i + 1);
                let gap_end = chunks.get(next).map_or(u64::MAX, |c| c.sector * SECTOR);
                let n = room.min(gap_end.saturating_sub(at)) as usize;
                buf[..n].fill(0);
                n
            }
        };
        self.pos += n as u64;
        Ok(n)
    }
}

impl Seek for Disk {
    fn seek(&mut self, to: SeekFrom) -> std::io::Result<u64> {
        let target = match to {
            SeekFrom::Start(o) => Some(o),
            SeekFrom::End(d) => self.len.checked_add_signed(d),
            SeekFrom::Current(d) => self.pos.checked_add_signed(d),
        };
        let target = target.ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "seek before the start of the disk")
        })?;
        self.pos = target;
        Ok(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A minimal image: `disk` stored as one zlib chunk (or raw), one table, valid CRCs.
    pub(crate) fn image_of(disk: &[u8], zlib: bool) -> Vec<u8> {
        assert_eq!(disk.len() % 512, 0);
        let stored = if zlib {
            let mut e = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
            std::io::Write::write_all(&mut e, disk).unwrap();
            e.finish().unwrap()
        } else {
            disk.to_vec()
        };
        let sectors = (disk.len() / 512) as u64;
        let crc = crc32fast::hash(disk);
        let mut mish = Vec::new();
        mish.extend_from_slice(b"mish");
        mish.extend_from_slice(&1u32.to_be_bytes());
        mish.extend_from_slice(&0u64.to_be_bytes());
        mish.extend_from_slice(&sectors.to_be_bytes());
        mish.extend_from_slice(&0u64.to_be_bytes());
        mish.extend_from_slice(&0u32.to_be_bytes());
        mish.extend_from_slice(&0u32.to_be_bytes());
        mish.resize(64, 0);
        mish.extend_from_slice(&2u32.to_be_bytes());
        mish.extend_from_slice(&32u32.to_be_bytes());
        mish.extend_from_slice(&crc.to_be_bytes());
        mish.resize(200, 0);
        mish.extend_from_slice(&2u32.to_be_bytes());
        let kind: u32 = if zlib { 0x8000_0005 } else { 1 };
        for (k, sector, count, off, len) in
            [(kind, 0, sectors, 0, stored.len() as u64), (0xffff_ffff, sectors, 0, stored.len() as u64, 0)]
        {
            mish.extend_from_slice(&k.to_be_bytes());
            mish.extend_from_slice(&0u32.to_be_bytes());
            for v in [sector, count, off, len] {
                mish.extend_from_slice(&v.to_be_bytes());
            }
        }
        let mut blkx = plist::Dictionary::new();
        blkx.insert("Name".into(), "whole disk (Apple_HFS : 0)".into());
        blkx.insert("ID".into(), "0".into());
        blkx.insert("Data".into(), plist::Value::Data(mish));
        let mut forks = plist::Dictionary::new();
        forks.insert("blkx".into(), vec![plist::Value::Dictionary(blkx)].into());
        forks.insert("LPic".into(), vec![plist::Value::Integer(1.into())].into());
        let mut root = plist::Dictionary::new();
        root.insert("resource-fork".into(), plist::Value::Dictionary(forks));
        let mut xml = Vec::new();
        plist::to_writer_xml(&mut xml, &plist::Value::Dictionary(root)).unwrap();
        let mut out = stored.clone();
        let xml_at = out.len() as u64;
        out.extend_from_slice(&xml);
        let mut koly = vec![0u8; 512];
        koly[..4].copy_from_slice(b"koly");
        koly[4..8].copy_from_slice(&4u32.to_be_bytes());
        koly[8..12].copy_from_slice(&512u32.to_be_bytes());
        koly[32..40].copy_from_slice(&(stored.len() as u64).to_be_bytes());
        koly[80..84].copy_from_slice(&2u32.to_be_bytes());
        koly[84..88].copy_from_slice(&32u32.to_be_bytes());
        koly[88..92].copy_from_slice(&crc32fast::hash(&stored).to_be_bytes());
        koly[216..224].copy_from_slice(&xml_at.to_be_bytes());
        koly[224..232].copy_from_slice(&(xml.len() as u64).to_be_bytes());
        koly[352..356].copy_from_slice(&2u32.to_be_bytes());
        koly[356..360].copy_from_slice(&32u32.to_be_bytes());
        koly[360..364].copy_from_slice(&crc32fast::hash(&crc.to_be_bytes()).to_be_bytes());
        koly[492..500].copy_from_slice(&sectors.to_be_bytes());
        out.extend_from_slice(&koly);
        out
    }

    fn disk() -> Vec<u8> {
        (0..4096u32).map(|i| (i * 7 % 251) as u8).collect()
    }

    #[test]
    fn reads_every_field_and_the_disk_lazily() {
        let bytes = image_of(&disk(), true);
        let image = parse(&bytes).unwrap();
        assert_eq!(image.koly.sector_count, 8);
        assert_eq!(image.tables[0].name, "whole disk (Apple_HFS : 0)");
        assert_eq!(image.other_resources, ["LPic"]);
        assert!(verify_checksums(&bytes, &image, &|_| {}).is_empty());
        let source = DiskSource::new(FileData::from_vec(bytes.clone()), image);
        let mut d = Disk::new(&source);
        d.seek(SeekFrom::Start(1000)).unwrap();
        let mut buf = [0u8; 100];
        d.read_exact(&mut buf).unwrap();
        assert_eq!(&buf[..], &disk()[1000..1100]);
        let mut all = Vec::new();
        Disk::window(&source, 512, 1024).read_to_end(&mut all).unwrap();
        assert_eq!(all, disk()[512..1536]);
    }

    #[test]
    fn a_changed_byte_is_a_crc_mismatch_with_its_offset() {
        let mut bytes = image_of(&disk(), false);
        bytes[100] ^= 1;
        let image = parse(&bytes).unwrap();
        let problems = verify_checksums(&bytes, &image, &|_| {});
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems[0].message.contains("CRC32 of the data fork"));
        assert!(problems[1].message.contains("block table `whole disk (Apple_HFS : 0)`"));
    }

    #[test]
    fn a_damaged_chunk_is_reported_not_read() {
        let mut bytes = image_of(&disk(), true);
        bytes[5] ^= 0xff;
        bytes[6] ^= 0xff;
        let image = parse(&bytes).unwrap();
        let problems = verify_checksums(&bytes, &image, &|_| {});
        assert!(problems.iter().any(|p| p.message.contains("does not decode") && p.offset == Some(0)), "{problems:?}");
        let mut out = Vec::new();
        assert!(Disk::new(&DiskSource::new(FileData::from_vec(bytes), image)).read_to_end(&mut out).is_err());
    }

    #[test]
    fn hostile_trailers_are_problems() {
        let good = image_of(&disk(), true);
        let at = good.len() - 512;
        for (field, value) in [(224usize, u64::MAX), (216, u64::MAX - 3), (24, 1 << 50), (492, u64::MAX)] {
            let mut bytes = good.clone();
            bytes[at + field..at + field + 8].copy_from_slice(&value.to_be_bytes());
            let _ = parse(&bytes).map(|image| verify_checksums(&bytes, &image, &|_| {}));
        }
        let mut bytes = good.clone();
        bytes[at + 4] = 9;
        assert!(parse(&bytes).unwrap_err().message.contains("version"));
        assert!(parse(&good[..good.len() - 1]).is_err());
    }
}

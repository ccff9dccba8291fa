//! Reading a flat package's `Payload` and `Scripts`: a cpio archive (portable "odc" or "newc"),
//! gzip-compressed (`pkgbuild --compression legacy`) or in Apple's chunked xz format, `pbzx`.
//!
//! Everything is decoded in memory under a byte cap; cpio entries become tree entries. A format
//! that is not recognised is reported, never taken as an empty payload.

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
    let Some(kind) = compression(bytes) else {
        let head: String = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
        return Err(format!("its format (first bytes {head}) is not gzip, pbzx, bzip2, xz or cpio"));
    };
    let out = match kind {
        Compression::Gzip => read_capped(flate2::read::MultiGzDecoder::new(bytes), cap.saturating_add(1))?,
        Compression::Bzip2 => read_capped(bzip2::read::MultiBzDecoder::new(bytes), cap.saturating_add(1))?,
        Compression::Xz => {
            read_capped(lzma_rust2::XzReader::new_mem_limit(bytes, true, XZ_MEMORY_KIB), cap.saturating_add(1))?
        }
        Compression::Pbzx => pbzx(bytes, cap)?,
        Compression::None => bytes.to_vec(),
    };
    if out.len() as u64 > cap {
        return Err(format!("it expands beyond {cap} bytes; refused"));
    }
    Ok(out)
}

/// Apple's pbzx: `pbzx`, a u64 chunk size, then chunks of `{u64 decoded length, u64 stored
/// length, bytes}` — an xz stream, or the bytes themselves when both lengths are equal.
fn pbzx(bytes: &[u8], cap: u64) -> Result<Vec<u8>, String> {
    let be64 = |at: usize| crate::problem::bytes::be_u64(bytes, at);
    let mut at = 12;
    if be64(4).is_none() {
        return Err("the pbzx header is cut short".into());
    }
    let mut out: Vec<u8> = Vec::new();
    while at < bytes.len() {
        let (Some(decoded), Some(stored)) = (be64(at), be64(at + 8)) else {
            return Err(format!("the pbzx chunk header at byte {at} is cut short"));
        };
        let start = at + 16;
        let chunk = usize::try_from(stored)
            .ok()
            .and_then(|n| crate::problem::bytes::range(bytes, start, n))
            .ok_or_else(|| format!("the pbzx chunk at byte {at} declares {stored} bytes past the end"))?;
        let left = cap.saturating_sub(out.len() as u64);
        if decoded > left {
            return Err(format!("it expands beyond {cap} bytes; refused"));
        }
        if decoded == stored {
            out.extend_from_slice(chunk);
        } else {
            let part = read_capped(lzma_rust2::XzReader::new_mem_limit(chunk, true, XZ_MEMORY_KIB), decoded + 1)
                .map_err(|e| format!("the pbzx chunk at byte {at} is not an xz stream: {e}"))?;
            if part.len() as u64 != decoded {
                return Err(format!(
                    "the pbzx chunk at byte {at} decodes to {} bytes, not the {decoded} it declares",
                    part.len()
                ));
            }
            out.extend_from_slice(&part);
        }
        at = start + chunk.len();
    }
    Ok(out)
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
    // newc stores a hard-linked file's bytes with its last link only.
    let mut links: std::collections::HashMap<(u64, u64), Vec<usize>> = std::collections::HashMap::new();
    let mut at = 0;
    loop {
        if entries.len() >= max {
            return (entries, Some((at, format!("more than {max} entries; the rest is not read"))));
        }
        let header = match parse_header(bytes, at) {
            Ok(h) => h,
            Err(why) => return (entries, Some((at, why))),
        };
        if header.name == "TRAILER!!!" {
            return (entries, None);
        }
        let kind = match header.mode & 0o170000 {
            0o040000 => CpioKind::Dir,
            0o100000 => CpioKind::File(header.data.clone()),
            0o120000 => CpioKind::Symlink(String::from_utf8_lossy(&bytes[header.data.clone()]).into_owned()),
            _ => CpioKind::Special,
        };
        if let CpioKind::File(range) = &kind {
            if header.newc && header.nlink > 1 {
                let group = links.entry((header.dev, header.ino)).or_default();
                if range.is_empty() {
                    group.push(entries.len());
                } else {
                    for &earlier in group.iter() {
                        entries[earlier].kind = CpioKind::File(range.clone());
                    }
                    group.clear();
                }
            }
        }
        entries.push(CpioEntry { name: header.name, mode: header.mode, kind, offset: at });
        at = header.next;
    }
}

struct Header {
    name: String,
    mode: u32,
    nlink: u64,
    dev: u64,
    ino: u64,
    newc: bool,
    data: std::ops::Range<usize>,
    next: usize,
}

fn parse_header(bytes: &[u8], at: usize) -> Result<Header, String> {
    let field = |offset: usize, len: usize, radix: u32| -> Result<u64, String> {
        let raw = crate::problem::bytes::range(bytes, at + offset, len).ok_or("the archive ends inside a header")?;
        let text = std::str::from_utf8(raw).map_err(|_| "a header field is not ASCII".to_string())?;
        u64::from_str_radix(text, radix).map_err(|_| format!("header field `{}` is not a number", text.escape_debug()))
    };
    let magic = crate::problem::bytes::range(bytes, at, 6).ok_or("the archive ends without a TRAILER!!! entry")?;
    let (newc, header_len, name_size, file_size, mode, nlink, dev, ino) = match magic {
        b"070707" => (
            false,
            76,
            field(59, 6, 8)?,
            field(65, 11, 8)?,
            field(18, 6, 8)?,
            field(42, 6, 8)?,
            field(6, 6, 8)?,
            field(12, 6, 8)?,
        ),
        b"070701" | b"070702" => (
            true,
            110,
            field(94, 8, 16)?,
            field(54, 8, 16)?,
            field(14, 8, 16)?,
            field(38, 8, 16)?,
            field(62, 8, 16)?,
            field(6, 8, 16)?,
        ),
        _ => return Err(format!("no cpio header (`{}`)", String::from_utf8_lossy(magic).escape_debug())),
    };
    let pad = |n: usize| if newc { n.next_multiple_of(4) } else { n };
    let name_start = at + header_len;
    let name_len = usize::try_from(name_size).map_err(|_| "name size out of range")?;
    let name = crate::problem::bytes::range(bytes, name_start, name_len).ok_or("an entry name runs past the end")?;
    let name = String::from_utf8_lossy(name.strip_suffix(b"\0").unwrap_or(name)).into_owned();
    let data_start = at + pad(header_len + name_len);
    let data_len = usize::try_from(file_size).map_err(|_| "file size out of range")?;
    let data_end = data_start.checked_add(data_len).filter(|e| *e <= bytes.len()).ok_or_else(|| {
        format!("`{name}` declares {file_size} bytes, past the end of the {}-byte archive", bytes.len())
    })?;
    let next = at + pad(data_end - at);
    Ok(Header { name, mode: mode as u32, nlink, dev, ino, newc, data: data_start..data_end, next })
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

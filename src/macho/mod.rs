//! Mach-O files: the universal header, and per slice the load commands code signing depends on.
//!
//! goblin parses the load commands; this module reduces them to plain facts with byte ranges
//! (relative to the slice) and checks every range against the bytes before anything uses it.

mod commands;
mod names;
mod strings;

use serde::Serialize;

pub use names::{
    arch_name, file_type_description, file_type_name, is_never_loaded, platform_display_name, platform_name,
    ARCHIVE_FILE_TYPE,
};
pub use strings::{MAX_C_STRINGS, MAX_C_STRING_LEN};

use crate::problem::bytes;
use crate::Problem;

const FAT_MAGIC: u32 = 0xcafe_babe;
const FAT_MAGIC_64: u32 = 0xcafe_babf;
const MH_MAGIC: u32 = 0xfeed_face;
const MH_MAGIC_64: u32 = 0xfeed_facf;
const MH_CIGAM: u32 = 0xcefa_edfe;
const MH_CIGAM_64: u32 = 0xcffa_edfe;
/// Java class files share the fat magic; their "arch count" (the class version) is far above any
/// real universal file, which is how Apple's tools tell them apart too.
const MAX_FAT_ARCHES: u32 = 32;

/// Whether `head` starts like a Mach-O or universal file.
pub fn is_macho(head: &[u8]) -> bool {
    match bytes::be_u32(head, 0) {
        Some(FAT_MAGIC) | Some(FAT_MAGIC_64) => {
            bytes::be_u32(head, 4).map(|n| n > 0 && n <= MAX_FAT_ARCHES).unwrap_or(false)
        }
        Some(MH_MAGIC) | Some(MH_MAGIC_64) | Some(MH_CIGAM) | Some(MH_CIGAM_64) => true,
        _ => false,
    }
}

/// A byte range, relative to whatever the owner says (slice or file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Range {
    pub offset: u64,
    pub size: u64,
}

impl Range {
    pub fn end(&self) -> u64 {
        self.offset.saturating_add(self.size)
    }

    /// The bytes of this range in `data`, if it lies inside.
    pub fn slice<'a>(&self, data: &'a [u8]) -> Option<&'a [u8]> {
        let start = usize::try_from(self.offset).ok()?;
        let len = usize::try_from(self.size).ok()?;
        bytes::range(data, start, len)
    }
}

/// A parsed Mach-O file: one slice for a thin file, every slice of a universal one.
#[derive(Debug, Clone, Serialize)]
pub struct MachOFile {
    pub universal: bool,
    pub slices: Vec<Slice>,
    /// Problems with the universal header itself (slices carry their own).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

/// A `LC_BUILD_VERSION` or `LC_VERSION_MIN_*` command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BuildTarget {
    /// The load command it came from.
    pub command: &'static str,
    pub platform: u32,
    pub platform_name: &'static str,
    pub minos: String,
    /// Empty when the field is zero ("n/a").
    pub sdk: String,
    #[serde(skip)]
    pub minos_raw: u32,
    #[serde(skip)]
    pub sdk_raw: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DylibKind {
    Load,
    Weak,
    Reexport,
    Lazy,
    Upward,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DylibRef {
    pub kind: DylibKind,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SectionInfo {
    pub segment: String,
    pub name: String,
    /// File range of the section contents, relative to the slice; `None` for zero-fill sections.
    pub file_range: Option<Range>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SegmentInfo {
    pub name: String,
    pub file_range: Range,
    pub vmaddr: u64,
    pub vmsize: u64,
    pub maxprot: u32,
    pub initprot: u32,
    pub sections: Vec<SectionInfo>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EncryptionInfo {
    pub range: Range,
    pub cryptid: u32,
}

/// One architecture's Mach-O image.
#[derive(Debug, Clone, Serialize)]
pub struct Slice {
    /// Position in the universal file, `None` for a thin file.
    pub index: Option<usize>,
    /// Where the slice lies in the file.
    pub file_range: Range,
    pub cpu_type: u32,
    pub cpu_subtype: u32,
    pub arch: String,
    pub is_64: bool,
    pub file_type: u32,
    pub file_type_name: &'static str,
    pub header_flags: u32,
    /// Every `LC_BUILD_VERSION` / `LC_VERSION_MIN_*` (zippered binaries carry two).
    pub build_targets: Vec<BuildTarget>,
    pub dylibs: Vec<DylibRef>,
    pub install_name: Option<String>,
    pub rpaths: Vec<String>,
    pub segments: Vec<SegmentInfo>,
    pub uuid: Option<String>,
    /// `LC_CODE_SIGNATURE` data range, relative to the slice.
    pub code_signature: Option<Range>,
    pub encryption: Option<EncryptionInfo>,
    /// `__TEXT,__info_plist`, relative to the slice.
    pub info_plist: Option<Range>,
    /// `__TEXT,__launchd_plist`, relative to the slice.
    pub launchd_plist: Option<Range>,
    /// Problems reading this slice; offsets are relative to the file.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl Slice {
    /// The slice's own bytes within the whole file.
    pub fn bytes<'a>(&self, file: &'a [u8]) -> Option<&'a [u8]> {
        self.file_range.slice(file)
    }

    pub fn segment(&self, name: &str) -> Option<&SegmentInfo> {
        self.segments.iter().find(|s| s.name == name)
    }

    /// The primary build target: the first `LC_BUILD_VERSION`, else the `LC_VERSION_MIN_*`.
    pub fn build_target(&self) -> Option<&BuildTarget> {
        self.build_targets.first()
    }

    /// Whether nothing maps this slice as code (an object file, dSYM, archive…): see
    /// [`is_never_loaded`].
    pub fn never_loaded(&self) -> bool {
        is_never_loaded(self.file_type)
    }

    /// The name codesign and lipo use, with the slice index for display.
    pub fn label(&self) -> String {
        self.arch.clone()
    }
}

/// Parses a thin or universal Mach-O. `Err` only when the bytes are not Mach-O at all or the
/// universal header is unreadable; a broken slice is reported inside its [`Slice::problems`].
pub fn parse(data: &[u8]) -> Result<MachOFile, Problem> {
    let magic = bytes::be_u32(data, 0)
        .ok_or_else(|| Problem::at(crate::rule_id::MALFORMED_MACHO, 0, "file shorter than a Mach-O magic number"))?;
    match magic {
        FAT_MAGIC | FAT_MAGIC_64 => parse_universal(data, magic == FAT_MAGIC_64),
        MH_MAGIC | MH_MAGIC_64 | MH_CIGAM | MH_CIGAM_64 => {
            let whole = Range { offset: 0, size: data.len() as u64 };
            Ok(MachOFile { universal: false, slices: vec![parse_slice(data, whole, None)], problems: Vec::new() })
        }
        other => Err(Problem::at(
            crate::rule_id::MALFORMED_MACHO,
            0,
            format!("magic {other:#010x} is not a Mach-O magic number"),
        )),
    }
}

fn parse_universal(data: &[u8], wide: bool) -> Result<MachOFile, Problem> {
    let count = bytes::be_u32(data, 4)
        .ok_or_else(|| Problem::at(crate::rule_id::MALFORMED_MACHO, 4, "universal header truncated"))?;
    if count == 0 || count > MAX_FAT_ARCHES {
        return Err(Problem::at(
            crate::rule_id::MALFORMED_MACHO,
            4,
            format!("universal header claims {count} architectures"),
        ));
    }
    let entry_size = if wide { 32 } else { 20 };
    let mut problems = Vec::new();
    let mut slices: Vec<Slice> = Vec::new();
    for index in 0..count as usize {
        let at = 8 + index * entry_size;
        let Some(arch) = read_fat_arch(data, at, wide) else {
            problems.push(Problem::at(
                crate::rule_id::MALFORMED_MACHO,
                at as u64,
                format!("universal entry #{index} lies past the end of the file"),
            ));
            break;
        };
        if arch.range.end() > data.len() as u64 {
            problems.push(Problem::at(
                crate::rule_id::MALFORMED_MACHO,
                at as u64,
                format!(
                    "universal entry #{index} ({}) claims bytes {:#x}..{:#x}, past the end of the {}-byte file",
                    arch_name(arch.cpu_type, arch.cpu_subtype),
                    arch.range.offset,
                    arch.range.end(),
                    data.len()
                ),
            ));
            continue;
        }
        if let Some(other) = slices.iter().find(|s| overlaps(&s.file_range, &arch.range)) {
            problems.push(Problem::at(
                crate::rule_id::MALFORMED_MACHO,
                at as u64,
                format!("universal entry #{index} overlaps the {} slice", other.arch),
            ));
            continue;
        }
        let mut slice = if is_archive(arch.range.slice(data).unwrap_or_default()) {
            archive_slice(&arch, index)
        } else {
            parse_slice(data, arch.range, Some(index))
        };
        if (slice.cpu_type, slice.cpu_subtype & 0x00ff_ffff) != (arch.cpu_type, arch.cpu_subtype & 0x00ff_ffff)
            && slice.cpu_type != 0
        {
            slice.problems.push(Problem::at(
                crate::rule_id::MALFORMED_MACHO,
                at as u64,
                format!(
                    "universal header says {} but the slice header says {}",
                    arch_name(arch.cpu_type, arch.cpu_subtype),
                    slice.arch
                ),
            ));
        }
        slices.push(slice);
    }
    Ok(MachOFile { universal: true, slices, problems })
}

struct FatArch {
    cpu_type: u32,
    cpu_subtype: u32,
    range: Range,
}

fn read_fat_arch(data: &[u8], at: usize, wide: bool) -> Option<FatArch> {
    let cpu_type = bytes::be_u32(data, at)?;
    let cpu_subtype = bytes::be_u32(data, at + 4)?;
    let (offset, size) = if wide {
        (bytes::be_u64(data, at + 8)?, bytes::be_u64(data, at + 16)?)
    } else {
        (u64::from(bytes::be_u32(data, at + 8)?), u64::from(bytes::be_u32(data, at + 12)?))
    };
    Some(FatArch { cpu_type, cpu_subtype, range: Range { offset, size } })
}

/// `ar` archives start with this line; `lipo` puts them in universal files as it does Mach-O.
const ARCHIVE_MAGIC: &[u8] = b"!<arch>\n";

fn is_archive(data: &[u8]) -> bool {
    data.starts_with(ARCHIVE_MAGIC)
}

/// A universal file's static-archive slice: its architecture is the one the universal header
/// gives, and there are no load commands to read.
fn archive_slice(arch: &FatArch, index: usize) -> Slice {
    let mut slice = empty_slice(arch.range, Some(index));
    slice.cpu_type = arch.cpu_type;
    slice.cpu_subtype = arch.cpu_subtype;
    slice.arch = arch_name(arch.cpu_type, arch.cpu_subtype);
    slice.file_type = ARCHIVE_FILE_TYPE;
    slice.file_type_name = file_type_name(ARCHIVE_FILE_TYPE);
    slice
}

/// The `filetype` of every slice, read from the headers alone (discovery runs before parsing);
/// `None` for a slice whose header cannot be read, [`ARCHIVE_FILE_TYPE`] for an archive.
pub fn slice_file_types(data: &[u8]) -> Vec<Option<u32>> {
    let wide = match bytes::be_u32(data, 0) {
        Some(FAT_MAGIC) => false,
        Some(FAT_MAGIC_64) => true,
        _ => return vec![thin_file_type(data)],
    };
    let count = bytes::be_u32(data, 4).unwrap_or(0).min(MAX_FAT_ARCHES) as usize;
    let entry_size = if wide { 32 } else { 20 };
    (0..count)
        .map(|index| {
            let arch = read_fat_arch(data, 8 + index * entry_size, wide)?;
            thin_file_type(data.get(usize::try_from(arch.range.offset).ok()?..)?)
        })
        .collect()
}

fn thin_file_type(data: &[u8]) -> Option<u32> {
    if is_archive(data) {
        return Some(ARCHIVE_FILE_TYPE);
    }
    let raw = bytes::range(data, 12, 4)?;
    let word = [raw[0], raw[1], raw[2], raw[3]];
    match bytes::be_u32(data, 0)? {
        MH_MAGIC | MH_MAGIC_64 => Some(u32::from_be_bytes(word)),
        MH_CIGAM | MH_CIGAM_64 => Some(u32::from_le_bytes(word)),
        _ => None,
    }
}

fn overlaps(a: &Range, b: &Range) -> bool {
    a.offset < b.end() && b.offset < a.end()
}

/// Parses the slice at `range` of `file`. Never fails: what cannot be read becomes a problem.
fn parse_slice(file: &[u8], range: Range, index: Option<usize>) -> Slice {
    let mut slice = empty_slice(range, index);
    let Some(data) = range.slice(file) else {
        slice.problems.push(Problem::at(crate::rule_id::MALFORMED_MACHO, range.offset, "slice lies outside the file"));
        return slice;
    };
    let header = match commands::Header::read(data) {
        Ok(h) => h,
        Err(why) => {
            slice.problems.push(Problem::at(
                crate::rule_id::MALFORMED_MACHO,
                range.offset,
                format!("slice cannot be parsed: {why}"),
            ));
            return slice;
        }
    };
    fill_header(&mut slice, &header);
    // goblin is defensive, but a parser bug on hostile bytes must not take the whole run down:
    // a panic here becomes a finding about this slice.
    let Ok(walked) = std::panic::catch_unwind(|| commands::walk(data, &header)) else {
        slice.problems.push(Problem::at(
            crate::rule_id::MALFORMED_MACHO,
            range.offset,
            "slice cannot be parsed (parser failure)",
        ));
        return slice;
    };
    let base = range.offset;
    slice.problems.extend(
        walked.problems.iter().map(|(at, why)| Problem::at(crate::rule_id::MALFORMED_MACHO, base + at, why.clone())),
    );
    fill_load_commands(&mut slice, &walked.commands, data);
    fill_segments(&mut slice, &walked.segments, data.len() as u64);
    slice
}

/// A slice at `range` of which nothing is known yet.
fn empty_slice(file_range: Range, index: Option<usize>) -> Slice {
    Slice {
        index,
        file_range,
        cpu_type: 0,
        cpu_subtype: 0,
        arch: "unknown".to_owned(),
        is_64: false,
        file_type: 0,
        file_type_name: "unknown",
        header_flags: 0,
        build_targets: Vec::new(),
        dylibs: Vec::new(),
        install_name: None,
        rpaths: Vec::new(),
        segments: Vec::new(),
        uuid: None,
        code_signature: None,
        encryption: None,
        info_plist: None,
        launchd_plist: None,
        problems: Vec::new(),
    }
}

fn fill_header(slice: &mut Slice, header: &commands::Header) {
    slice.cpu_type = header.cpu_type;
    slice.cpu_subtype = header.cpu_subtype;
    slice.arch = arch_name(slice.cpu_type, slice.cpu_subtype);
    slice.is_64 = header.is_64;
    slice.file_type = header.file_type;
    slice.file_type_name = file_type_name(slice.file_type);
    slice.header_flags = header.flags;
}

fn fill_load_commands(slice: &mut Slice, commands: &[goblin::mach::load_command::LoadCommand], data: &[u8]) {
    use goblin::mach::load_command::CommandVariant as C;
    let base = slice.file_range.offset;
    for lc in commands {
        let lc_offset = lc.offset;
        match &lc.command {
            C::BuildVersion(b) => {
                slice.build_targets.push(build_target("LC_BUILD_VERSION", b.platform, b.minos, b.sdk))
            }
            C::VersionMinMacosx(v) => {
                slice.build_targets.push(build_target("LC_VERSION_MIN_MACOSX", 1, v.version, v.sdk))
            }
            C::VersionMinIphoneos(v) => {
                slice.build_targets.push(build_target("LC_VERSION_MIN_IPHONEOS", 2, v.version, v.sdk))
            }
            C::VersionMinTvos(v) => slice.build_targets.push(build_target("LC_VERSION_MIN_TVOS", 3, v.version, v.sdk)),
            C::VersionMinWatchos(v) => {
                slice.build_targets.push(build_target("LC_VERSION_MIN_WATCHOS", 4, v.version, v.sdk))
            }
            C::LoadDylib(d)
            | C::LoadWeakDylib(d)
            | C::ReexportDylib(d)
            | C::LazyLoadDylib(d)
            | C::LoadUpwardDylib(d) => {
                let kind = match &lc.command {
                    C::LoadWeakDylib(_) => DylibKind::Weak,
                    C::ReexportDylib(_) => DylibKind::Reexport,
                    C::LazyLoadDylib(_) => DylibKind::Lazy,
                    C::LoadUpwardDylib(_) => DylibKind::Upward,
                    _ => DylibKind::Load,
                };
                match lc_string(data, lc_offset, d.dylib.name, d.cmdsize) {
                    Some(name) => slice.dylibs.push(DylibRef { kind, name }),
                    None => slice.problems.push(bad_string(base, lc_offset, "dylib")),
                }
            }
            C::IdDylib(d) => match lc_string(data, lc_offset, d.dylib.name, d.cmdsize) {
                Some(name) => slice.install_name = Some(name),
                None => slice.problems.push(bad_string(base, lc_offset, "LC_ID_DYLIB")),
            },
            C::Rpath(r) => match lc_string(data, lc_offset, r.path, r.cmdsize) {
                Some(path) => slice.rpaths.push(path),
                None => slice.problems.push(bad_string(base, lc_offset, "LC_RPATH")),
            },
            C::Uuid(u) => slice.uuid = Some(format_uuid(&u.uuid)),
            C::CodeSignature(cs) => {
                let range = Range { offset: u64::from(cs.dataoff), size: u64::from(cs.datasize) };
                if range.end() > data.len() as u64 {
                    slice.problems.push(Problem::at(
                        crate::rule_id::MALFORMED_MACHO,
                        base + lc_offset as u64,
                        format!(
                            "LC_CODE_SIGNATURE claims bytes {:#x}..{:#x}, past the end of the {}-byte slice",
                            range.offset,
                            range.end(),
                            data.len()
                        ),
                    ));
                }
                slice.code_signature = Some(range);
            }
            C::EncryptionInfo32(e) => slice.encryption = Some(encryption(e.cryptoff, e.cryptsize, e.cryptid)),
            C::EncryptionInfo64(e) => slice.encryption = Some(encryption(e.cryptoff, e.cryptsize, e.cryptid)),
            _ => {}
        }
    }
}

fn fill_segments(slice: &mut Slice, segments: &[goblin::mach::segment::Segment<'_>], slice_len: u64) {
    let base = slice.file_range.offset;
    for segment in segments {
        let name = fixed_name(&segment.segname);
        let file_range = Range { offset: segment.fileoff, size: segment.filesize };
        if file_range.end() > slice_len {
            slice.problems.push(Problem::at(
                crate::rule_id::MALFORMED_MACHO,
                base,
                format!(
                    "segment {name} claims file bytes {:#x}..{:#x}, past the end of the {slice_len}-byte slice",
                    file_range.offset,
                    file_range.end()
                ),
            ));
        }
        let mut sections = Vec::new();
        match segment.sections() {
            Ok(list) => {
                for (section, _) in list {
                    let sectname = fixed_name(&section.sectname);
                    let zero_fill = matches!(section.flags & 0xff, 0x1 | 0xc | 0x12);
                    let file_range = (!zero_fill && section.offset != 0)
                        .then(|| Range { offset: u64::from(section.offset), size: section.size });
                    sections.push(SectionInfo { segment: fixed_name(&section.segname), name: sectname, file_range });
                }
            }
            Err(e) => slice.problems.push(Problem::at(
                crate::rule_id::MALFORMED_MACHO,
                base,
                format!("sections of {name} unreadable: {e}"),
            )),
        }
        for s in &sections {
            let in_bounds = s.file_range.map(|r| r.end() <= slice_len).unwrap_or(true);
            if s.segment == "__TEXT" && s.name == "__info_plist" && in_bounds {
                slice.info_plist = s.file_range;
            }
            if s.segment == "__TEXT" && s.name == "__launchd_plist" && in_bounds {
                slice.launchd_plist = s.file_range;
            }
        }
        slice.segments.push(SegmentInfo {
            name,
            file_range,
            vmaddr: segment.vmaddr,
            vmsize: segment.vmsize,
            maxprot: segment.maxprot,
            initprot: segment.initprot,
            sections,
        });
    }
}

fn build_target(command: &'static str, platform: u32, minos: u32, sdk: u32) -> BuildTarget {
    BuildTarget {
        command,
        platform,
        platform_name: platform_name(platform),
        minos: format_version(minos),
        sdk: if sdk == 0 { String::new() } else { format_version(sdk) },
        minos_raw: minos,
        sdk_raw: sdk,
    }
}

fn encryption(cryptoff: u32, cryptsize: u32, cryptid: u32) -> EncryptionInfo {
    EncryptionInfo { range: Range { offset: u64::from(cryptoff), size: u64::from(cryptsize) }, cryptid }
}

/// A version as Info.plist writes it (`10.15.4`, `14`), encoded like `LC_BUILD_VERSION`
/// (`0x000a0f04`), so the two compare as numbers; `None` when it is not `major[.minor[.patch]]`.
pub fn parse_version(text: &str) -> Option<u32> {
    let mut parts = text.trim().split('.').map(|p| p.parse::<u32>().ok());
    let major = parts.next()??;
    let minor = parts.next().flatten().unwrap_or(0);
    let patch = parts.next().flatten().unwrap_or(0);
    (major <= 0xffff && minor <= 0xff && patch <= 0xff).then_some((major << 16) | (minor << 8) | patch)
}

/// `xxxx.yy.zz` nibble-encoded version as codesign prints it: `12.0`, `10.15.4`.
pub fn format_version(v: u32) -> String {
    let (major, minor, patch) = (v >> 16, (v >> 8) & 0xff, v & 0xff);
    if patch == 0 {
        format!("{major}.{minor}")
    } else {
        format!("{major}.{minor}.{patch}")
    }
}

/// A string stored inside a load command at `str_offset` from the command's start.
fn lc_string(data: &[u8], lc_offset: usize, str_offset: u32, cmdsize: u32) -> Option<String> {
    if str_offset >= cmdsize {
        return None;
    }
    let start = lc_offset.checked_add(str_offset as usize)?;
    let end = lc_offset.checked_add(cmdsize as usize)?;
    let region = data.get(start..end.min(data.len()))?;
    let len = region.iter().position(|&b| b == 0).unwrap_or(region.len());
    Some(String::from_utf8_lossy(&region[..len]).into_owned())
}

fn bad_string(base: u64, lc_offset: usize, what: &str) -> Problem {
    Problem::at(
        crate::rule_id::MALFORMED_MACHO,
        base + lc_offset as u64,
        format!("{what} load command has its string outside the command"),
    )
}

fn fixed_name(raw: &[u8; 16]) -> String {
    let len = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    String::from_utf8_lossy(&raw[..len]).into_owned()
}

fn format_uuid(u: &[u8; 16]) -> String {
    let h = hex::encode_upper(u);
    format!("{}-{}-{}-{}-{}", &h[0..8], &h[8..12], &h[12..16], &h[16..20], &h[20..32])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_print_like_codesign() {
        assert_eq!(format_version(0x000c_0000), "12.0");
        assert_eq!(format_version(0x000a_0f04), "10.15.4");
    }

    #[test]
    fn java_class_files_are_not_universal() {
        // 0xcafebabe then minor 0, major 52 (Java 8) reads as 52 << 16 "architectures".
        assert!(!is_macho(&[0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x34]));
        assert!(is_macho(&[0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x02]));
    }

    #[test]
    fn universal_static_archives_read_clean_and_are_never_loaded() {
        let mut fat = vec![0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 1];
        for word in [0x0100_0007u32, 3, 32, 16, 0] {
            fat.extend(word.to_be_bytes());
        }
        fat.resize(32, 0);
        fat.extend(b"!<arch>\n12345678");
        assert_eq!(slice_file_types(&fat), vec![Some(ARCHIVE_FILE_TYPE)]);
        let parsed = parse(&fat).unwrap();
        let slice = &parsed.slices[0];
        assert!(slice.problems.is_empty() && parsed.problems.is_empty(), "{:?}", slice.problems);
        assert!(slice.never_loaded());
        assert_eq!((slice.arch.as_str(), slice.file_type_name), ("x86_64", "archive"));
    }

    #[test]
    fn legacy_architectures_have_lipo_names() {
        assert_eq!(arch_name(18, 10), "ppc7400");
        assert_eq!(arch_name(0x0100_0012, 0), "ppc64");
        assert_eq!(arch_name(6, 0), "m68k");
    }

    #[test]
    fn garbage_is_a_problem() {
        assert!(parse(b"").is_err());
        assert!(parse(b"\xca\xfe\xba\xbe\x00\x00\x00\x02").map(|f| !f.problems.is_empty()).unwrap_or(true));
    }
}

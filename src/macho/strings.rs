//! C string literals of a slice: `__TEXT,__cstring` (where C, Objective-C `@"…"` CFString and
//! long Swift string literals keep their bytes) and `__TEXT,__oslogstring` (os_log formats).
//!
//! Read on demand from the section ranges recorded at parse time, so slices nobody asks about
//! cost nothing. Bounded: strings longer than [`MAX_C_STRING_LEN`] or not UTF-8 are skipped, and
//! at most [`MAX_C_STRINGS`] are returned per slice.

use super::Slice;

/// At most this many strings per slice.
pub const MAX_C_STRINGS: usize = 100_000;
/// Longer strings are skipped (identifiers and service names are far shorter).
pub const MAX_C_STRING_LEN: usize = 1024;

/// The sections whose contents are NUL-terminated string literals.
const STRING_SECTIONS: &[(&str, &str)] = &[("__TEXT", "__cstring"), ("__TEXT", "__oslogstring")];

impl Slice {
    /// The C strings of the slice's string-literal sections, in file order. `file` is the whole
    /// file the slice came from. Empty strings, non-UTF-8 and over-long strings are skipped.
    pub fn c_strings<'a>(&self, file: &'a [u8]) -> impl Iterator<Item = &'a str> + 'a {
        let data = self.bytes(file).unwrap_or_default();
        let ranges: Vec<_> = self
            .segments
            .iter()
            .flat_map(|seg| &seg.sections)
            .filter(|s| STRING_SECTIONS.contains(&(s.segment.as_str(), s.name.as_str())))
            .filter_map(|s| s.file_range)
            .collect();
        ranges.into_iter().filter_map(move |r| r.slice(data)).flat_map(split_c_strings).take(MAX_C_STRINGS)
    }
}

/// The NUL-terminated strings of `bytes` (a trailing unterminated run counts too).
fn split_c_strings(bytes: &[u8]) -> impl Iterator<Item = &str> {
    bytes
        .split(|&b| b == 0)
        .filter(|s| !s.is_empty() && s.len() <= MAX_C_STRING_LEN)
        .filter_map(|s| std::str::from_utf8(s).ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::macho::{Range, SectionInfo, SegmentInfo};

    #[test]
    fn strings_split_on_nul_and_skip_junk() {
        let got: Vec<&str> = split_c_strings(b"\0one\0\0two\0\xff\xfe\0three").collect();
        assert_eq!(got, ["one", "two", "three"]);
        let long = vec![b'a'; MAX_C_STRING_LEN + 1];
        assert_eq!(split_c_strings(&long).count(), 0);
    }

    #[test]
    fn only_string_sections_are_read_and_ranges_are_checked() {
        let file = b"XXXXABCD.srv\0other\0ZZZZ".to_vec();
        let mut slice = crate::macho::parse(b"\xcf\xfa\xed\xfe").map(|f| f.slices[0].clone()).unwrap();
        slice.file_range = Range { offset: 4, size: (file.len() - 4) as u64 };
        let section = |name: &str, offset, size| SectionInfo {
            segment: "__TEXT".into(),
            name: name.into(),
            file_range: Some(Range { offset, size }),
        };
        slice.segments = vec![SegmentInfo {
            name: "__TEXT".into(),
            file_range: Range { offset: 0, size: 20 },
            vmaddr: 0,
            vmsize: 0,
            maxprot: 5,
            initprot: 5,
            sections: vec![
                section("__cstring", 0, 15),
                section("__text", 15, 4),
                // Past the end of the slice: ignored, not a panic.
                section("__oslogstring", 10, 1000),
            ],
        }];
        let got: Vec<&str> = slice.c_strings(&file).collect();
        assert_eq!(got, ["ABCD.srv", "other"]);
    }
}

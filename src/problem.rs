//! Structured problems found while reading untrusted bytes.
//!
//! Parsers never decide policy and never abort the scan: when bytes are malformed they return a
//! [`Problem`] naming what is wrong and where, and the caller records it next to whatever could
//! still be read. Rules later turn problems into findings (`malformed-*`, `input-*`).

use serde::Serialize;

use crate::rule_id::RuleId;

/// At most `max` bytes of `s`, cut at a character boundary, with an ellipsis when cut: for a
/// value quoted in a message that the input could make as long as it likes.
pub fn truncate(s: &str, max: usize) -> String {
    if s.len() <= max {
        return s.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Something malformed or unreadable in the input, with the byte offset where it was seen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Stable kebab-case code, used as the rule id of the finding it becomes
    /// (e.g. `malformed-superblob`, `malformed-requirement`, `input-archive-unsafe`).
    pub code: RuleId,
    /// One line naming the concrete values involved.
    pub message: String,
    /// Byte offset, relative to the start of the file the problem was found in, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

impl Problem {
    pub fn new(code: RuleId, message: impl Into<String>) -> Self {
        Problem { code, message: message.into(), offset: None }
    }

    pub fn at(code: RuleId, offset: u64, message: impl Into<String>) -> Self {
        Problem { code, message: message.into(), offset: Some(offset) }
    }

    /// Shifts the offset by `base`: parsers report offsets relative to the slice they were given,
    /// callers rebase them onto the file.
    pub fn rebased(mut self, base: u64) -> Self {
        self.offset = self.offset.map(|o| o.saturating_add(base));
        self
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.offset {
            Some(o) => write!(f, "{} at byte {o:#x}: {}", self.code, self.message),
            None => write!(f, "{}: {}", self.code, self.message),
        }
    }
}

impl std::error::Error for Problem {}

/// Bounds-checked reads over untrusted bytes. Every accessor returns `None` instead of panicking.
pub mod bytes {
    /// `len` bytes at `offset`, or `None` when the range is not inside `data`.
    pub fn range(data: &[u8], offset: usize, len: usize) -> Option<&[u8]> {
        let end = offset.checked_add(len)?;
        data.get(offset..end)
    }

    pub fn be_u32(data: &[u8], offset: usize) -> Option<u32> {
        range(data, offset, 4).map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }

    pub fn be_u64(data: &[u8], offset: usize) -> Option<u64> {
        range(data, offset, 8).map(|b| {
            let mut a = [0u8; 8];
            a.copy_from_slice(b);
            u64::from_be_bytes(a)
        })
    }

    pub fn u8_at(data: &[u8], offset: usize) -> Option<u8> {
        data.get(offset).copied()
    }

    /// A NUL-terminated string starting at `offset` (the NUL is required), as raw bytes.
    pub fn c_str(data: &[u8], offset: usize) -> Option<&[u8]> {
        let rest = data.get(offset..)?;
        let nul = rest.iter().position(|&b| b == 0)?;
        Some(&rest[..nul])
    }
}

//! DER-encoded property lists: the DER entitlements blob (`0xfade7172`) and the payload of launch
//! and library constraint blobs (`0xfade8181`).
//!
//! The encoding (Apple's CoreEntitlements format, as also written by codesign and rcodesign):
//! a document is `[APPLICATION 16] { INTEGER version, value }`, and a value is one of
//!
//! | DER                         | plist                                      |
//! |-----------------------------|--------------------------------------------|
//! | BOOLEAN                     | boolean                                    |
//! | INTEGER                     | integer (64-bit, signed or unsigned)       |
//! | UTF8String                  | string                                     |
//! | OCTET STRING                | data                                       |
//! | SEQUENCE                    | array                                      |
//! | `[CONTEXT 16]`              | dictionary: SEQUENCE { UTF8String, value }… |
//!
//! Some App Store binaries carry a dictionary encoded as a SET instead (also at the top, with no
//! wrapper); it is accepted and reported as not canonical.

use ::plist::{Dictionary, Integer, Value};

use crate::problem::bytes;
use crate::Problem;

const CODE: crate::rule_id::RuleId = crate::rule_id::MALFORMED_DER_ENTITLEMENTS;

/// Deepest nesting of arrays and dictionaries accepted.
pub const MAX_DEPTH: usize = 64;
/// Most DER elements decoded from one document, bounding the work a hostile blob can cause.
pub const MAX_ELEMENTS: usize = 65_536;

/// The identifier octets this format uses (all in low-tag-number form).
mod tag {
    pub const BOOLEAN: u8 = 0x01;
    pub const INTEGER: u8 = 0x02;
    pub const OCTET_STRING: u8 = 0x04;
    pub const UTF8_STRING: u8 = 0x0c;
    pub const SEQUENCE: u8 = 0x30;
    pub const SET: u8 = 0x31;
    /// `[CONTEXT 16]`, constructed: a dictionary.
    pub const DICTIONARY: u8 = 0xb0;
    /// `[APPLICATION 16]`, constructed: the document wrapper.
    pub const DOCUMENT: u8 = 0x70;
    /// Low five bits all set: the tag number continues in further octets.
    pub const HIGH_TAG_NUMBER: u8 = 0x1f;
}

/// A decoded DER property list and how faithfully it was encoded.
#[derive(Debug, Clone, PartialEq)]
pub struct DerPlist {
    pub value: Value,
    /// The INTEGER before the value in the `[APPLICATION 16]` wrapper (1 in every signature seen),
    /// or `None` when the document had no wrapper.
    pub version: Option<i64>,
    /// True when the bytes are exactly what a canonical encoder (codesign) writes: every
    /// dictionary tagged `[CONTEXT 16]` with keys in strictly ascending byte order, a document
    /// wrapper, minimal lengths and integers, and booleans encoded as 0x00 or 0xff. Readers that
    /// binary-search keys (the kernel's) may disagree with this decoder on non-canonical input.
    pub canonical: bool,
    /// Keys found more than once in one dictionary. The first occurrence is the one in `value`.
    pub duplicate_keys: Vec<String>,
}

/// Decodes the payload of a DER entitlements blob (after its 8-byte magic and length): a document
/// whose value must be a dictionary. Offsets in problems are relative to `payload`.
pub fn decode_der_entitlements(payload: &[u8]) -> Result<DerPlist, Problem> {
    let plist = decode_document(payload, CODE)?;
    if !matches!(plist.value, Value::Dictionary(_)) {
        return Err(Problem::at(CODE, 0, format!("entitlements are {}, not a dictionary", kind_name(&plist.value))));
    }
    Ok(plist)
}

/// Decodes one bare DER plist value (no `[APPLICATION 16]` wrapper) spanning all of `der`.
pub fn decode_der_plist(der: &[u8]) -> Result<DerPlist, Problem> {
    let mut decoder = Decoder::new(der, CODE);
    let (value, next) = decoder.value(0, der.len(), 0)?;
    decoder.expect_end(next, der.len(), "the value")?;
    Ok(decoder.finish(value, None))
}

/// Decodes a document: either `[APPLICATION 16] { INTEGER version, value }` or, tolerated and
/// marked non-canonical, a bare value. Problems carry `code`, so that each caller reports its own
/// kind of blob; offsets are relative to `payload`.
pub(crate) fn decode_document(payload: &[u8], code: crate::rule_id::RuleId) -> Result<DerPlist, Problem> {
    let mut decoder = Decoder::new(payload, code);
    if payload.first() != Some(&tag::DOCUMENT) {
        decoder.canonical = false;
        let (value, next) = decoder.value(0, payload.len(), 0)?;
        decoder.expect_end(next, payload.len(), "the value")?;
        return Ok(decoder.finish(value, None));
    }
    let document = decoder.element(0, payload.len())?;
    decoder.expect_end(document.end(), payload.len(), "the document")?;
    let version = decoder.element(document.content_at, document.end())?;
    if version.tag != tag::INTEGER {
        return Err(
            decoder.malformed(version.at, format!("document version has tag {:#04x}, expected INTEGER", version.tag))
        );
    }
    let version_number = decoder.integer(&version)?.as_signed();
    let (value, next) = decoder.value(version.end(), document.end(), 0)?;
    decoder.expect_end(next, document.end(), "the document's value")?;
    Ok(decoder.finish(value, version_number))
}

/// One DER element: identifier octet, and content located by absolute offsets.
struct Element<'a> {
    tag: u8,
    /// Offset of the identifier octet.
    at: usize,
    /// Offset of the first content octet.
    content_at: usize,
    content: &'a [u8],
}

impl Element<'_> {
    /// Offset just past the content. Cannot overflow: the content lies inside the input.
    fn end(&self) -> usize {
        self.content_at + self.content.len()
    }
}

struct Decoder<'a> {
    der: &'a [u8],
    code: crate::rule_id::RuleId,
    elements: usize,
    canonical: bool,
    duplicate_keys: Vec<String>,
}

impl<'a> Decoder<'a> {
    fn new(der: &'a [u8], code: crate::rule_id::RuleId) -> Self {
        Decoder { der, code, elements: 0, canonical: true, duplicate_keys: Vec::new() }
    }

    fn finish(self, value: Value, version: Option<i64>) -> DerPlist {
        DerPlist { value, version, canonical: self.canonical, duplicate_keys: self.duplicate_keys }
    }

    fn malformed(&self, at: usize, message: impl Into<String>) -> Problem {
        Problem::at(self.code, at as u64, message)
    }

    fn expect_end(&self, next: usize, end: usize, what: &str) -> Result<(), Problem> {
        if next == end {
            return Ok(());
        }
        Err(self.malformed(next, format!("{} unexpected bytes after {what}", end.saturating_sub(next))))
    }

    /// The element whose identifier octet is at `at`; it must end by `end`.
    fn element(&mut self, at: usize, end: usize) -> Result<Element<'a>, Problem> {
        self.elements = self.elements.saturating_add(1);
        if self.elements > MAX_ELEMENTS {
            return Err(self.malformed(at, format!("more than {MAX_ELEMENTS} DER elements")));
        }
        let bounded = self.der.get(..end).unwrap_or(self.der);
        let tag = *bounded
            .get(at)
            .ok_or_else(|| self.malformed(at, "DER element expected, found the end of its container"))?;
        if tag & tag::HIGH_TAG_NUMBER == tag::HIGH_TAG_NUMBER {
            return Err(self.malformed(
                at,
                format!("identifier {tag:#04x} uses a multi-octet tag number, which this format never does"),
            ));
        }
        let length_at = at.saturating_add(1);
        let (length, content_at) = self.length(bounded, length_at)?;
        let content = bytes::range(bounded, content_at, length).ok_or_else(|| {
            self.malformed(
                at,
                format!("element {tag:#04x} claims {length} content bytes, past the end of its container at {end:#x}"),
            )
        })?;
        Ok(Element { tag, at, content_at, content })
    }

    /// A definite length at `at`: returns it and the offset of the content.
    fn length(&mut self, data: &[u8], at: usize) -> Result<(usize, usize), Problem> {
        let first =
            *data.get(at).ok_or_else(|| self.malformed(at, "DER length expected, found the end of the data"))?;
        let after = at.saturating_add(1);
        if first < 0x80 {
            return Ok((usize::from(first), after));
        }
        if first == 0x80 {
            return Err(self.malformed(at, "indefinite length, which DER forbids"));
        }
        let count = usize::from(first & 0x7f);
        let octets = bytes::range(data, after, count)
            .ok_or_else(|| self.malformed(at, format!("{count}-octet length runs past the end of the data")))?;
        let mut length: u64 = 0;
        for &octet in octets {
            length = length
                .checked_mul(256)
                .map(|l| l | u64::from(octet))
                .ok_or_else(|| self.malformed(at, format!("{count}-octet length does not fit in 64 bits")))?;
        }
        if octets.first() == Some(&0) || length < 0x80 {
            self.canonical = false;
        }
        let length =
            usize::try_from(length).map_err(|_| self.malformed(at, format!("length {length} is too large")))?;
        Ok((length, after.saturating_add(count)))
    }

    /// The value whose element starts at `at` (ending by `end`), and the offset after it.
    fn value(&mut self, at: usize, end: usize, depth: usize) -> Result<(Value, usize), Problem> {
        let element = self.element(at, end)?;
        let value = match element.tag {
            tag::BOOLEAN => Value::Boolean(self.boolean(&element)?),
            tag::INTEGER => Value::Integer(self.integer(&element)?),
            tag::UTF8_STRING => Value::String(self.string(&element)?),
            tag::OCTET_STRING => Value::Data(element.content.to_vec()),
            tag::SEQUENCE => self.array(&element, depth)?,
            tag::DICTIONARY => self.dictionary(&element, depth)?,
            tag::SET => {
                self.canonical = false;
                self.dictionary(&element, depth)?
            }
            other => return Err(self.malformed(at, format!("element {other:#04x} is not a plist type"))),
        };
        Ok((value, element.end()))
    }

    fn boolean(&mut self, element: &Element<'_>) -> Result<bool, Problem> {
        match element.content {
            [0x00] => Ok(false),
            [0xff] => Ok(true),
            [_] => {
                // BER reads any non-zero octet as true; DER requires 0xff.
                self.canonical = false;
                Ok(true)
            }
            other => Err(self.malformed(element.at, format!("BOOLEAN has {} content bytes, expected 1", other.len()))),
        }
    }

    /// A two's-complement INTEGER, which must fit in i64 or u64.
    fn integer(&mut self, element: &Element<'_>) -> Result<Integer, Problem> {
        let mut content = element.content;
        if content.is_empty() {
            return Err(self.malformed(element.at, "INTEGER has no content bytes"));
        }
        // Leading octets that only repeat the sign are redundant: DER forbids them.
        while let [first, second, ..] = content {
            let redundant = (*first == 0x00 && second & 0x80 == 0) || (*first == 0xff && second & 0x80 != 0);
            if !redundant {
                break;
            }
            self.canonical = false;
            content = content.get(1..).unwrap_or_default();
        }
        // Nine octets hold a u64 above i64::MAX (a 0x00 sign octet first); more cannot fit.
        if content.len() > 9 {
            return Err(
                self.malformed(element.at, format!("INTEGER of {} bytes does not fit in 64 bits", content.len()))
            );
        }
        let negative = content.first().is_some_and(|b| b & 0x80 != 0);
        let mut value: i128 = if negative { -1 } else { 0 };
        for &octet in content {
            // At most nine octets: the shift stays inside i128.
            value = (value << 8) | i128::from(octet);
        }
        if let Ok(signed) = i64::try_from(value) {
            return Ok(Integer::from(signed));
        }
        u64::try_from(value)
            .map(Integer::from)
            .map_err(|_| self.malformed(element.at, format!("INTEGER {value} does not fit in 64 bits")))
    }

    fn string(&self, element: &Element<'_>) -> Result<String, Problem> {
        std::str::from_utf8(element.content).map(str::to_owned).map_err(|e| {
            self.malformed(element.content_at.saturating_add(e.valid_up_to()), "UTF8String is not valid UTF-8")
        })
    }

    fn enter(&self, element: &Element<'_>, depth: usize) -> Result<usize, Problem> {
        if depth >= MAX_DEPTH {
            return Err(
                self.malformed(element.at, format!("arrays and dictionaries nest deeper than {MAX_DEPTH} levels"))
            );
        }
        Ok(depth.saturating_add(1))
    }

    fn array(&mut self, element: &Element<'_>, depth: usize) -> Result<Value, Problem> {
        let depth = self.enter(element, depth)?;
        let mut items = Vec::new();
        let mut at = element.content_at;
        while at < element.end() {
            let (value, next) = self.value(at, element.end(), depth)?;
            items.push(value);
            at = next;
        }
        Ok(Value::Array(items))
    }

    /// A dictionary: a sequence of `SEQUENCE { UTF8String key, value }` entries.
    fn dictionary(&mut self, element: &Element<'_>, depth: usize) -> Result<Value, Problem> {
        let depth = self.enter(element, depth)?;
        let mut dictionary = Dictionary::new();
        let mut previous_key: Option<&[u8]> = None;
        let mut at = element.content_at;
        while at < element.end() {
            let entry = self.element(at, element.end())?;
            if entry.tag != tag::SEQUENCE {
                return Err(
                    self.malformed(at, format!("dictionary entry has tag {:#04x}, expected SEQUENCE", entry.tag))
                );
            }
            let key_element = self.element(entry.content_at, entry.end())?;
            if key_element.tag != tag::UTF8_STRING {
                return Err(self.malformed(
                    key_element.at,
                    format!("dictionary key has tag {:#04x}, expected UTF8String", key_element.tag),
                ));
            }
            let key = self.string(&key_element)?;
            let (value, next) = self.value(key_element.end(), entry.end(), depth)?;
            self.expect_end(next, entry.end(), "a dictionary entry's key and value")?;
            if previous_key.is_some_and(|previous| key_element.content <= previous) {
                self.canonical = false;
            }
            previous_key = Some(key_element.content);
            if dictionary.contains_key(&key) {
                self.canonical = false;
                self.duplicate_keys.push(key);
            } else {
                dictionary.insert(key, value);
            }
            at = entry.end();
        }
        Ok(Value::Dictionary(dictionary))
    }
}

/// A short name of the value's type, for messages.
pub fn kind_name(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "an array",
        Value::Dictionary(_) => "a dictionary",
        Value::Boolean(_) => "a boolean",
        Value::Data(_) => "data",
        Value::Date(_) => "a date",
        Value::Real(_) => "a real number",
        Value::Integer(_) => "an integer",
        Value::String(_) => "a string",
        Value::Uid(_) => "a UID",
        _ => "an unknown value",
    }
}

/// A minimal canonical DER plist encoder, to build test inputs.
#[cfg(test)]
pub(crate) mod test_der {
    use ::plist::Value;

    /// An element with a minimal definite length.
    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let octets: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|&b| b == 0).collect();
            out.push(0x80 | octets.len() as u8);
            out.extend(octets);
        }
        out.extend_from_slice(content);
        out
    }

    pub fn boolean(b: bool) -> Vec<u8> {
        tlv(0x01, &[if b { 0xff } else { 0x00 }])
    }

    pub fn integer(v: i64) -> Vec<u8> {
        let bytes = v.to_be_bytes();
        let mut start = 0;
        while start < 7 {
            let (a, b) = (bytes[start], bytes[start + 1]);
            if (a == 0x00 && b & 0x80 == 0) || (a == 0xff && b & 0x80 != 0) {
                start += 1;
            } else {
                break;
            }
        }
        tlv(0x02, &bytes[start..])
    }

    pub fn utf8(s: &str) -> Vec<u8> {
        tlv(0x0c, s.as_bytes())
    }

    pub fn array(items: &[Vec<u8>]) -> Vec<u8> {
        tlv(0x30, &items.concat())
    }

    /// A `[CONTEXT 16]` dictionary with entries in the order given.
    pub fn dict(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let body: Vec<u8> = entries.iter().flat_map(|(k, v)| tlv(0x30, &[utf8(k), v.clone()].concat())).collect();
        tlv(0xb0, &body)
    }

    /// The `[APPLICATION 16] { INTEGER 1, value }` document wrapper.
    pub fn document(value: &[u8]) -> Vec<u8> {
        tlv(0x70, &[integer(1), value.to_vec()].concat())
    }

    /// Canonical encoding of a plist value (keys sorted), as codesign writes it.
    pub fn encode(value: &Value) -> Vec<u8> {
        match value {
            Value::Boolean(b) => boolean(*b),
            Value::Integer(i) => integer(i.as_signed().unwrap()),
            Value::String(s) => utf8(s),
            Value::Data(d) => tlv(0x04, d),
            Value::Array(items) => array(&items.iter().map(encode).collect::<Vec<_>>()),
            Value::Dictionary(d) => {
                let mut entries: Vec<(&str, Vec<u8>)> = d.iter().map(|(k, v)| (k.as_str(), encode(v))).collect();
                entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
                dict(&entries)
            }
            other => panic!("not encodable: {other:?}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::test_der::*;
    use super::*;

    fn entitlements(value: &[u8]) -> Result<DerPlist, Problem> {
        decode_der_entitlements(&document(value))
    }

    #[test]
    fn decodes_every_type() {
        let der = dict(&[
            ("a-bool", boolean(true)),
            ("b-int", integer(-5)),
            ("c-string", utf8("héllo")),
            ("d-array", array(&[utf8("x"), integer(300), boolean(false)])),
            ("e-dict", dict(&[("inner", integer(i64::MAX))])),
            ("f-data", tlv(0x04, &[1, 2, 3])),
        ]);
        let plist = entitlements(&der).unwrap();
        assert!(plist.canonical);
        assert_eq!(plist.version, Some(1));
        let Value::Dictionary(d) = &plist.value else { panic!() };
        assert_eq!(d.get("a-bool"), Some(&Value::Boolean(true)));
        assert_eq!(d.get("b-int"), Some(&Value::Integer((-5).into())));
        assert_eq!(d.get("c-string"), Some(&Value::String("héllo".into())));
        assert_eq!(
            d.get("d-array"),
            Some(&Value::Array(vec![Value::String("x".into()), Value::Integer(300.into()), Value::Boolean(false)]))
        );
        assert_eq!(d.get("f-data"), Some(&Value::Data(vec![1, 2, 3])));
        let Some(Value::Dictionary(inner)) = d.get("e-dict") else { panic!() };
        assert_eq!(inner.get("inner"), Some(&Value::Integer(i64::MAX.into())));
    }

    #[test]
    fn integers_cover_i64_and_u64_and_reject_more() {
        let decode = |content: &[u8]| decode_der_plist(&tlv(0x02, content)).map(|p| (p.value, p.canonical));
        assert_eq!(decode(&[0x80]).unwrap(), (Value::Integer((-128).into()), true));
        assert_eq!(decode(&[0x00, 0x80]).unwrap(), (Value::Integer(128.into()), true));
        assert_eq!(
            decode(&[0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).unwrap(),
            (Value::Integer(u64::MAX.into()), true)
        );
        assert_eq!(decode(&[0x80, 0, 0, 0, 0, 0, 0, 0]).unwrap(), (Value::Integer(i64::MIN.into()), true));
        // Redundant sign octets decode but are not canonical.
        assert_eq!(decode(&[0x00, 0x00, 0x05]).unwrap(), (Value::Integer(5.into()), false));
        assert_eq!(decode(&[0xff, 0xff]).unwrap(), (Value::Integer((-1).into()), false));
        assert!(decode(&[0x01, 0, 0, 0, 0, 0, 0, 0, 0]).unwrap_err().message.contains("64 bits"));
        assert!(decode(&[0xff, 0x7f, 0, 0, 0, 0, 0, 0, 0]).unwrap_err().message.contains("64 bits"));
        assert!(decode(&[0x01; 12]).unwrap_err().message.contains("64 bits"));
        assert!(decode(&[]).unwrap_err().message.contains("no content"));
    }

    #[test]
    fn key_order_and_duplicates_are_reported() {
        let sorted = entitlements(&dict(&[("a", boolean(true)), ("ab", boolean(true)), ("b", boolean(true))])).unwrap();
        assert!(sorted.canonical);
        let unsorted = entitlements(&dict(&[("b", boolean(true)), ("a", boolean(true))])).unwrap();
        assert!(!unsorted.canonical);
        assert!(unsorted.duplicate_keys.is_empty());
        let duplicated = entitlements(&dict(&[("a", integer(1)), ("b", integer(2)), ("a", integer(3))])).unwrap();
        assert!(!duplicated.canonical);
        assert_eq!(duplicated.duplicate_keys, vec!["a".to_string()]);
        let Value::Dictionary(d) = duplicated.value else { panic!() };
        assert_eq!(d.get("a"), Some(&Value::Integer(1.into())));
    }

    #[test]
    fn set_encoded_dictionaries_are_tolerated() {
        let entry = tlv(0x30, &[utf8("get-task-allow"), boolean(true)].concat());
        let set = tlv(0x31, &entry);
        // At the top, without a wrapper, as some App Store binaries have it.
        let plist = decode_der_entitlements(&set).unwrap();
        assert!(!plist.canonical);
        assert_eq!(plist.version, None);
        assert_eq!(plist.value.as_dictionary().unwrap().get("get-task-allow"), Some(&Value::Boolean(true)));
        // And inside a document.
        let plist = entitlements(&set).unwrap();
        assert!(!plist.canonical);
        assert_eq!(plist.version, Some(1));
    }

    #[test]
    fn non_canonical_encodings_decode_but_are_flagged() {
        // Length 5 written in long form.
        let long_form = [vec![0x0c, 0x81, 0x05], b"hello".to_vec()].concat();
        let plist = decode_der_plist(&long_form).unwrap();
        assert_eq!(plist.value, Value::String("hello".into()));
        assert!(!plist.canonical);
        let plist = decode_der_plist(&[0x01, 0x01, 0x01]).unwrap();
        assert_eq!(plist.value, Value::Boolean(true));
        assert!(!plist.canonical);
    }

    #[test]
    fn malformed_input_is_a_problem_with_offsets() {
        let problem = |bytes: &[u8]| decode_der_entitlements(bytes).unwrap_err();
        assert_eq!(problem(&[]).offset, Some(0));
        assert_eq!(problem(&[]).code, "malformed-der-entitlements");
        // Not a dictionary.
        assert!(problem(&document(&utf8("x"))).message.contains("not a dictionary"));
        // Indefinite length.
        assert!(problem(&[0x70, 0x80, 0x00, 0x00]).message.contains("indefinite"));
        // Length past the end.
        assert!(problem(&[0x70, 0x10, 0x02, 0x01, 0x01]).message.contains("past the end"));
        // Trailing bytes after the document.
        let mut trailing = document(&dict(&[]));
        trailing.push(0);
        assert_eq!(problem(&trailing).offset, Some(trailing.len() as u64 - 1));
        // A dictionary entry that is not a SEQUENCE, at its own offset.
        let bad_entry = document(&tlv(0xb0, &utf8("k")));
        assert_eq!(problem(&bad_entry).offset, Some(7));
        // Invalid UTF-8 in a key.
        let bad_key = document(&tlv(0xb0, &tlv(0x30, &[tlv(0x0c, &[0x61, 0xff]), boolean(true)].concat())));
        let p = problem(&bad_key);
        assert!(p.message.contains("UTF-8"));
        assert_eq!(p.offset, Some(12));
        // An entry with three elements.
        let three = document(&tlv(0xb0, &tlv(0x30, &[utf8("k"), boolean(true), boolean(true)].concat())));
        assert!(problem(&three).message.contains("unexpected bytes"));
        // Unsupported types.
        assert!(problem(&document(&tlv(0x05, &[]))).message.contains("not a plist type"));
        assert!(problem(&document(&[0x1f, 0x81, 0x00])).message.contains("multi-octet"));
        // Wrong version tag.
        assert!(problem(&tlv(0x70, &[utf8("1"), dict(&[])].concat())).message.contains("version"));
    }

    #[test]
    fn nesting_and_size_are_bounded() {
        let mut deep = boolean(true);
        for _ in 0..MAX_DEPTH + 1 {
            deep = array(&[deep]);
        }
        assert!(decode_der_plist(&deep).unwrap_err().message.contains("nest"));
        let mut ok = boolean(true);
        for _ in 0..MAX_DEPTH {
            ok = array(&[ok]);
        }
        // The deepest accepted document decodes within a quarter of a spawned thread's default stack.
        std::thread::Builder::new()
            .stack_size(512 * 1024)
            .spawn(move || assert!(decode_der_plist(&ok).is_ok()))
            .unwrap()
            .join()
            .unwrap();
        let many = array(&vec![boolean(true); MAX_ELEMENTS]);
        assert!(decode_der_plist(&many).unwrap_err().message.contains("elements"));
    }

    #[test]
    fn canonical_encoding_round_trips() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?><plist version="1.0"><dict>
            <key>com.apple.security.app-sandbox</key><true/>
            <key>com.apple.security.application-groups</key><array><string>TEAM.group</string></array>
            <key>com.apple.developer.nested</key><dict><key>z</key><integer>-7</integer><key>a</key><false/></dict>
        </dict></plist>"#;
        let value = Value::from_reader_xml(xml.as_bytes()).unwrap();
        let plist = decode_der_entitlements(&document(&encode(&value))).unwrap();
        assert!(plist.canonical);
        assert_eq!(plist.value, value);
    }

    /// Every blob with `magic` in a corpus file, as (payload after the 8-byte header) (test helper
    /// only: real code reaches blobs through the SuperBlob); none when the file is a shared item
    /// and the shared corpus is absent.
    fn corpus_payloads(path: &str, magic: u32) -> Vec<Vec<u8>> {
        let Some(bytes) = crate::real_corpus::read(path) else { return Vec::new() };
        let magic = magic.to_be_bytes();
        let mut found = Vec::new();
        for at in 0..bytes.len().saturating_sub(8) {
            if bytes[at..at + 4] == magic {
                let length = u32::from_be_bytes(bytes[at + 4..at + 8].try_into().unwrap()) as usize;
                if let Some(blob) = bytes.get(at..at + length) {
                    found.push(blob[8..].to_vec());
                }
            }
        }
        found
    }

    const CORPUS_WITH_DER: &[&str] = &[
        "mitmproxy-redirector/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector",
        "mitmproxy-redirector/Mitmproxy Redirector.app/Contents/Library/SystemExtensions/org.mitmproxy.macos-redirector.network-extension.systemextension/Contents/MacOS/org.mitmproxy.macos-redirector.network-extension",
        "sparkle/Sparkle.framework/Versions/B/Autoupdate",
        "sparkle/Sparkle.framework/Versions/B/Updater.app/Contents/MacOS/Updater",
        "sparkle/Sparkle.framework/Versions/B/XPCServices/Downloader.xpc/Contents/MacOS/Downloader",
        "sparkle/Sparkle.framework/Versions/B/XPCServices/Installer.xpc/Contents/MacOS/Installer",
    ];

    #[test]
    fn real_der_entitlements_equal_the_xml_entitlements() {
        for path in CORPUS_WITH_DER {
            let der = corpus_payloads(path, 0xfade_7172);
            let xml = corpus_payloads(path, 0xfade_7171);
            assert_eq!(der.len(), xml.len(), "{path}");
            for (der, xml) in der.iter().zip(&xml) {
                let decoded = decode_der_entitlements(der).unwrap();
                let expected = Value::from_reader_xml(xml.as_slice()).unwrap();
                assert_eq!(decoded.value, expected, "{path}");
                assert!(decoded.canonical, "{path}");
                assert_eq!(decoded.version, Some(1));
            }
        }
        let mitmproxy = corpus_payloads(CORPUS_WITH_DER[0], 0xfade_7172);
        assert_eq!(mitmproxy.len(), 2, "one DER entitlements blob per slice");
        let decoded = decode_der_entitlements(&mitmproxy[0]).unwrap();
        let d = decoded.value.as_dictionary().unwrap();
        assert_eq!(d.get("com.apple.developer.team-identifier"), Some(&Value::String("S8XHQB96PW".into())));
        assert_eq!(d.get("com.apple.developer.system-extension.install"), Some(&Value::Boolean(true)));
    }

    #[test]
    fn mutations_never_panic() {
        let real = corpus_payloads(CORPUS_WITH_DER[0], 0xfade_7172).remove(0);
        let built = document(&dict(&[
            ("a", array(&[integer(-1), integer(1 << 40), tlv(0x04, &[9; 3])])),
            ("b", dict(&[("c", boolean(false)), ("d", utf8("e"))])),
        ]));
        for blob in [real, built] {
            for len in 0..blob.len() {
                let _ = decode_der_entitlements(&blob[..len]);
                let _ = decode_der_plist(&blob[..len]);
            }
            let mut mutated = blob.clone();
            for i in 0..blob.len() {
                for bit in 0..8 {
                    mutated[i] ^= 1 << bit;
                    let _ = decode_der_entitlements(&mutated);
                    let _ = decode_der_plist(&mutated);
                    mutated[i] ^= 1 << bit;
                }
            }
        }
    }
}

//! BER → DER normalisation, and a strict reader for the DER it produces.
//!
//! CMS is often BER: `codesign` writes the outer layers of its signatures with indefinite lengths
//! (`30 80 … 00 00`), and streaming signers (OpenSSL's `cms -stream`, used for hand-made profiles)
//! also split the encapsulated OCTET STRING into constructed chunks; Apple's own provisioning
//! profiles are DER. The `der`/`x509-cert` decoders accept DER only, so [`ber_to_der`] rewrites
//! the *framing*:
//!
//! * indefinite lengths become definite, minimal ones;
//! * non-minimal definite lengths (`81 05`, `82 00 10`) become minimal;
//! * constructed encodings of universal string types (OCTET STRING, BIT STRING, the character
//!   strings, the time types) become one primitive element holding the concatenated chunks, so an
//!   encapsulated plist comes out byte-identical to what was signed.
//!
//! Values are never touched: INTEGER, BOOLEAN and SET OF ordering stay as they were, so an element
//! that was already DER (a certificate, the signed attributes) is copied byte for byte and its
//! signature still verifies. Implicitly tagged constructed strings (`[n] IMPLICIT OCTET STRING` in
//! constructed form) cannot be recognised without the schema and stay constructed; CMS SignedData
//! has none that real signers split.
//!
//! Generic BER crates (`bcder`, `asn1-rs`, `rasn`) decode BER into their own typed models but offer
//! no schema-free re-encoding to DER that keeps values untouched, which is what feeding `der`
//! needs; the rewrite is small enough to own.

use std::borrow::Cow;

use crate::Problem;

/// The code problems carry while the framing is walked, a stand-in until they leave this module:
/// every public function gives them its caller's code (`malformed-cms`, `malformed-certificate`…),
/// so a problem always names the rule of the structure that is malformed.
const CALLER_CODE: crate::rule_id::RuleId = crate::rule_id::MALFORMED_CMS;

/// Deepest nesting of constructed elements accepted. CMS with a timestamp token nests about 20.
pub const MAX_DEPTH: usize = 64;

/// Longest length field accepted, in octets: 4 octets already describe 4 GiB.
const MAX_LENGTH_OCTETS: usize = 4;

/// Longest high-tag-number continuation accepted, in octets (tag numbers up to 2^28).
const MAX_TAG_NUMBER_OCTETS: usize = 4;

/// The DER output may be at most this multiple of the input. Rewriting only ever removes bytes,
/// except that a definite length can take up to two more octets than `80 … 00 00`; the bound turns
/// any mistake in that reasoning into a [`Problem`] instead of an unbounded allocation.
pub const MAX_OUTPUT_FACTOR: usize = 2;

/// Constructed bit (bit 6) of an identifier octet.
const CONSTRUCTED: u8 = 0x20;
/// Class bits (bits 8–7) of an identifier octet.
const CLASS_MASK: u8 = 0xc0;
/// Low five bits of an identifier octet: the tag number, or 31 for the high-tag-number form.
const TAG_NUMBER_MASK: u8 = 0x1f;
const HIGH_TAG_NUMBER: u8 = 0x1f;
const UNIVERSAL_BIT_STRING: u8 = 3;

/// Universal tag numbers whose DER encoding is always primitive, though BER may chunk them.
const fn is_universal_string_type(tag_number: u8) -> bool {
    matches!(tag_number, 3 | 4 | 7 | 12 | 18..=28 | 30)
}

/// The length field of a BER element.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Length {
    Definite(usize),
    Indefinite,
}

/// An element's identifier and length, as read at `offset`.
#[derive(Debug, Clone, Copy)]
struct Header {
    offset: usize,
    /// First identifier octet (class, constructed bit, tag number or 31).
    first: u8,
    /// Identifier octets, including high-tag-number continuation octets.
    identifier_len: usize,
    length: Length,
    /// Identifier plus length octets.
    header_len: usize,
    /// Whether the length field was the shortest possible encoding.
    minimal_length: bool,
}

impl Header {
    fn is_constructed(&self) -> bool {
        self.first & CONSTRUCTED != 0
    }

    fn is_universal(&self) -> bool {
        self.first & CLASS_MASK == 0
    }

    fn low_tag_number(&self) -> u8 {
        self.first & TAG_NUMBER_MASK
    }

    fn is_end_of_contents(&self) -> bool {
        self.first == 0 && self.length == Length::Definite(0)
    }

    fn content_start(&self) -> Result<usize, Problem> {
        self.offset.checked_add(self.header_len).ok_or_else(|| problem(self.offset, "element offset overflows"))
    }
}

fn problem(offset: usize, message: impl Into<String>) -> Problem {
    Problem::at(CALLER_CODE, offset as u64, message)
}

/// A problem of this module, given the caller's code.
fn coded(code: crate::rule_id::RuleId) -> impl Fn(Problem) -> Problem {
    move |problem| Problem { code, ..problem }
}

/// Reads the identifier and length octets of the element at `offset`.
fn read_header(input: &[u8], offset: usize) -> Result<Header, Problem> {
    let first = *input.get(offset).ok_or_else(|| problem(offset, "element header runs past the end of the data"))?;
    let identifier_len = identifier_len(input, offset, first)?;
    let length_offset =
        offset.checked_add(identifier_len).ok_or_else(|| problem(offset, "element offset overflows"))?;
    let (length, length_len, minimal_length) = read_length(input, length_offset)?;
    let header_len =
        identifier_len.checked_add(length_len).ok_or_else(|| problem(offset, "element header length overflows"))?;
    Ok(Header { offset, first, identifier_len, length, header_len, minimal_length })
}

/// Number of identifier octets: one, or one plus the high-tag-number continuation octets.
fn identifier_len(input: &[u8], offset: usize, first: u8) -> Result<usize, Problem> {
    if first & TAG_NUMBER_MASK != HIGH_TAG_NUMBER {
        return Ok(1);
    }
    for extra in 1..=MAX_TAG_NUMBER_OCTETS {
        let at = offset.saturating_add(extra);
        let octet = *input.get(at).ok_or_else(|| problem(offset, "high tag number runs past the end of the data"))?;
        if octet & 0x80 == 0 {
            return Ok(extra.saturating_add(1));
        }
    }
    Err(problem(offset, format!("tag number longer than {MAX_TAG_NUMBER_OCTETS} octets")))
}

/// Reads a length field: returns the length, the number of octets it took and whether that
/// encoding was minimal (DER's requirement).
fn read_length(input: &[u8], offset: usize) -> Result<(Length, usize, bool), Problem> {
    let first = *input.get(offset).ok_or_else(|| problem(offset, "length field runs past the end of the data"))?;
    match first {
        0x00..=0x7f => Ok((Length::Definite(usize::from(first)), 1, true)),
        0x80 => Ok((Length::Indefinite, 1, false)),
        0xff => Err(problem(offset, "reserved length octet 0xff")),
        _ => {
            let count = usize::from(first & 0x7f);
            if count > MAX_LENGTH_OCTETS {
                return Err(problem(offset, format!("length field of {count} octets is too long")));
            }
            let octets = offset
                .checked_add(1)
                .and_then(|start| input.get(start..start.checked_add(count)?))
                .ok_or_else(|| problem(offset, "length field runs past the end of the data"))?;
            let value = octets.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            let minimal = value >= 0x80 && octets.first().is_some_and(|&b| b != 0);
            Ok((Length::Definite(value), count.saturating_add(1), minimal))
        }
    }
}

/// Appends a minimal DER length field.
fn write_length(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        // Short form: the length itself, below 0x80 so it fits one octet.
        out.push(len.to_be_bytes().last().copied().unwrap_or(0));
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let significant = bytes.get(skip..).unwrap_or(&[]);
    // At most size_of::<usize>() octets, so the count fits the low seven bits.
    out.push(0x80 | (significant.len() as u8));
    out.extend_from_slice(significant);
}

/// Rewrites BER framing into DER; see the module documentation for what changes.
///
/// `input` must hold exactly one element. The result borrows `input` when it was already DER.
/// Problems carry `code`.
pub fn ber_to_der<'a>(input: &'a [u8], code: crate::rule_id::RuleId) -> Result<Cow<'a, [u8]>, Problem> {
    let normalized = normalize_first_element(input, code)?;
    if normalized.consumed != input.len() {
        return Err(coded(code)(problem(
            normalized.consumed,
            format!("{} bytes follow the outermost element", input.len().saturating_sub(normalized.consumed)),
        )));
    }
    Ok(normalized.der)
}

/// The outcome of normalising the first element of some bytes.
#[derive(Debug, Clone)]
pub struct Normalized<'a> {
    /// The element re-encoded as DER; borrowed when the input already was DER.
    pub der: Cow<'a, [u8]>,
    /// Input bytes the element occupied; anything after it is not part of it.
    pub consumed: usize,
}

impl Normalized<'_> {
    /// Whether the framing had to be rewritten (the input was BER but not DER).
    pub fn was_rewritten(&self) -> bool {
        matches!(self.der, Cow::Owned(_))
    }
}

/// Like [`ber_to_der`], for the first element only; reports how many bytes it occupied so the
/// caller can judge what follows (code signature blobs may carry zero padding).
/// Problems carry `code`.
pub fn normalize_first_element<'a>(input: &'a [u8], code: crate::rule_id::RuleId) -> Result<Normalized<'a>, Problem> {
    let normalizer = Normalizer { input };
    let mut out = Vec::new();
    let end = normalizer.element(0, 0, &mut out).map_err(coded(code))?;
    let original = input.get(..end).unwrap_or(input);
    let der = if out.as_slice() == original { Cow::Borrowed(original) } else { Cow::Owned(out) };
    Ok(Normalized { der, consumed: end })
}

/// Walks the input once, writing DER into caller-provided buffers.
///
/// Each constructed element gathers its children into a buffer of its own before its length is
/// known, so bytes are copied once per nesting level (bounded by [`MAX_DEPTH`]).
struct Normalizer<'a> {
    input: &'a [u8],
}

impl Normalizer<'_> {
    /// Re-encodes the element at `offset` into `out`; returns the input offset just past it.
    fn element(&self, offset: usize, depth: usize, out: &mut Vec<u8>) -> Result<usize, Problem> {
        if depth > MAX_DEPTH {
            return Err(problem(offset, format!("elements nested deeper than {MAX_DEPTH}")));
        }
        let header = read_header(self.input, offset)?;
        if header.is_end_of_contents() {
            return Err(problem(offset, "end-of-contents marker outside an indefinite-length element"));
        }
        let identifier = self.slice(offset, header.identifier_len)?;
        if !header.is_constructed() {
            let Length::Definite(len) = header.length else {
                return Err(problem(offset, "primitive element with an indefinite length"));
            };
            let start = header.content_start()?;
            let content = self.slice(start, len)?;
            let end = start.checked_add(len).ok_or_else(|| problem(offset, "element end overflows"))?;
            self.emit(out, identifier, content, offset, end)?;
            return Ok(end);
        }
        if header.is_universal() && is_universal_string_type(header.low_tag_number()) {
            return self.flatten_string(&header, depth, out);
        }
        let mut content = Vec::new();
        let end =
            self.children(&header, |child_offset| self.element(child_offset, depth.saturating_add(1), &mut content))?;
        self.emit(out, identifier, &content, offset, end)?;
        Ok(end)
    }

    /// Runs `child` on the offset of each child of a constructed element, definite or indefinite;
    /// `child` returns the offset just past that child. Returns the offset just past the element
    /// (past its end-of-contents marker when indefinite).
    fn children<F>(&self, header: &Header, mut child: F) -> Result<usize, Problem>
    where
        F: FnMut(usize) -> Result<usize, Problem>,
    {
        let mut position = header.content_start()?;
        match header.length {
            Length::Definite(len) => {
                let end = position
                    .checked_add(len)
                    .filter(|&end| end <= self.input.len())
                    .ok_or_else(|| self.overrun(header.offset, len))?;
                while position < end {
                    let next = child(position)?;
                    if next > end {
                        return Err(problem(position, "child element runs past the end of its parent"));
                    }
                    position = next;
                }
                Ok(end)
            }
            Length::Indefinite => loop {
                let next_header = read_header(self.input, position)?;
                if next_header.is_end_of_contents() {
                    return position
                        .checked_add(next_header.header_len)
                        .ok_or_else(|| problem(position, "element end overflows"));
                }
                // Every element takes at least two octets, so the walk always advances.
                position = child(position)?;
            },
        }
    }

    /// Concatenates the chunks of a constructed string into one primitive element.
    fn flatten_string(&self, header: &Header, depth: usize, out: &mut Vec<u8>) -> Result<usize, Problem> {
        let tag_number = header.low_tag_number();
        let mut chunks = StringChunks { data: Vec::new(), unused_bits: None };
        if tag_number == UNIVERSAL_BIT_STRING {
            // Placeholder for the unused-bits octet, known once the last chunk is read.
            chunks.data.push(0);
        }
        let end = self.collect_chunks(header, tag_number, depth, &mut chunks)?;
        if let Some(first) = chunks.data.first_mut().filter(|_| tag_number == UNIVERSAL_BIT_STRING) {
            *first = chunks.unused_bits.unwrap_or(0);
        }
        let primitive_identifier = [header.first & !CONSTRUCTED];
        self.emit(out, &primitive_identifier, &chunks.data, header.offset, end)?;
        Ok(end)
    }

    /// Appends the chunks inside the constructed string `header` to `chunks`, recursing into
    /// nested constructed chunks. Every chunk must carry the same universal tag.
    fn collect_chunks(
        &self,
        header: &Header,
        tag_number: u8,
        depth: usize,
        chunks: &mut StringChunks,
    ) -> Result<usize, Problem> {
        if depth > MAX_DEPTH {
            return Err(problem(header.offset, format!("elements nested deeper than {MAX_DEPTH}")));
        }
        self.children(header, |offset| {
            let chunk = read_header(self.input, offset)?;
            if !chunk.is_universal() || chunk.low_tag_number() != tag_number || chunk.identifier_len != 1 {
                return Err(problem(offset, format!("chunk of a constructed string has tag {:#04x}", chunk.first)));
            }
            if chunk.is_constructed() {
                return self.collect_chunks(&chunk, tag_number, depth.saturating_add(1), chunks);
            }
            let Length::Definite(len) = chunk.length else {
                return Err(problem(offset, "primitive chunk with an indefinite length"));
            };
            let start = chunk.content_start()?;
            chunks.push(tag_number, self.slice(start, len)?, offset)?;
            start.checked_add(len).ok_or_else(|| problem(offset, "element end overflows"))
        })
    }

    /// Appends identifier, minimal length and content to `out`. The element spanned
    /// `start..end` of the input; its DER may not outgrow that by more than [`MAX_OUTPUT_FACTOR`].
    fn emit(
        &self,
        out: &mut Vec<u8>,
        identifier: &[u8],
        content: &[u8],
        start: usize,
        end: usize,
    ) -> Result<(), Problem> {
        let span = end.saturating_sub(start);
        let size = identifier.len().saturating_add(content.len()).saturating_add(9);
        if size > span.saturating_mul(MAX_OUTPUT_FACTOR).saturating_add(16) {
            return Err(problem(start, format!("re-encoding would exceed {MAX_OUTPUT_FACTOR}× the input size")));
        }
        out.extend_from_slice(identifier);
        write_length(out, content.len());
        out.extend_from_slice(content);
        Ok(())
    }

    fn slice(&self, offset: usize, len: usize) -> Result<&[u8], Problem> {
        offset.checked_add(len).and_then(|end| self.input.get(offset..end)).ok_or_else(|| self.overrun(offset, len))
    }

    fn overrun(&self, offset: usize, len: usize) -> Problem {
        problem(
            offset,
            format!("element claims {len} bytes but only {} remain", self.input.len().saturating_sub(offset)),
        )
    }
}

/// Chunks of a constructed string gathered so far.
struct StringChunks {
    data: Vec<u8>,
    /// Unused-bits octet of the latest BIT STRING chunk.
    unused_bits: Option<u8>,
}

impl StringChunks {
    /// Appends one primitive chunk. For BIT STRING the chunk starts with its unused-bits octet,
    /// and only the last chunk may leave bits unused.
    fn push(&mut self, tag_number: u8, content: &[u8], offset: usize) -> Result<(), Problem> {
        if tag_number != UNIVERSAL_BIT_STRING {
            self.data.extend_from_slice(content);
            return Ok(());
        }
        if self.unused_bits.is_some_and(|bits| bits != 0) {
            return Err(problem(offset, "BIT STRING chunk follows a chunk with unused bits"));
        }
        let (&unused, bits) =
            content.split_first().ok_or_else(|| problem(offset, "BIT STRING chunk without its unused-bits octet"))?;
        if unused > 7 {
            return Err(problem(offset, format!("BIT STRING chunk declares {unused} unused bits")));
        }
        self.unused_bits = Some(unused);
        self.data.extend_from_slice(bits);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Strict DER reading
// ---------------------------------------------------------------------------------------------

/// One DER element inside a larger buffer, with its absolute offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Element<'a> {
    /// First identifier octet: class, constructed bit and tag number (31 for high tag numbers).
    pub tag: u8,
    /// Offset of the identifier octet, relative to the buffer the walk started from.
    pub offset: usize,
    /// The whole encoding: identifier, length and value.
    pub encoded: &'a [u8],
    /// The value octets.
    pub value: &'a [u8],
    value_offset: usize,
    /// The code of problems in this element and its children.
    code: crate::rule_id::RuleId,
}

impl<'a> Element<'a> {
    /// Reads the single element that must fill `data` exactly; `base` is the offset of `data`
    /// within the buffer used for problem offsets. Problems here and in its children carry `code`.
    pub fn parse_exact(data: &'a [u8], base: usize, code: crate::rule_id::RuleId) -> Result<Element<'a>, Problem> {
        let element = Self::parse_first(data, base, code)?;
        if element.encoded.len() != data.len() {
            return Err(coded(code)(problem(
                base.saturating_add(element.encoded.len()),
                format!("{} bytes follow the element", data.len().saturating_sub(element.encoded.len())),
            )));
        }
        Ok(element)
    }

    /// Reads the element at the start of `data`; `base` is the offset of `data` for problems,
    /// which carry `code`.
    pub fn parse_first(data: &'a [u8], base: usize, code: crate::rule_id::RuleId) -> Result<Element<'a>, Problem> {
        let header = read_header(data, 0).map_err(|p| coded(code)(p.rebased(base as u64)))?;
        let at = |message: String| coded(code)(problem(base, message));
        let Length::Definite(len) = header.length else {
            return Err(at("indefinite length in DER".into()));
        };
        if !header.minimal_length {
            return Err(at("non-minimal length encoding in DER".into()));
        }
        let end = header.header_len.checked_add(len).ok_or_else(|| at("element end overflows".into()))?;
        let encoded = data.get(..end).ok_or_else(|| {
            at(format!("element claims {len} bytes but only {} remain", data.len().saturating_sub(header.header_len)))
        })?;
        let value = encoded.get(header.header_len..).unwrap_or(&[]);
        Ok(Element {
            tag: header.first,
            offset: base,
            encoded,
            value,
            value_offset: base.saturating_add(header.header_len),
            code,
        })
    }

    /// Whether the constructed bit is set.
    pub fn is_constructed(&self) -> bool {
        self.tag & CONSTRUCTED != 0
    }

    /// Offset of the first value octet.
    pub fn value_offset(&self) -> usize {
        self.value_offset
    }

    /// The elements inside this one's value, in order.
    pub fn children(&self) -> Children<'a> {
        Children { data: self.value, position: 0, base: self.value_offset, failed: false, code: self.code }
    }

    /// A problem located at this element.
    pub fn problem(&self, code: crate::rule_id::RuleId, message: impl Into<String>) -> Problem {
        Problem::at(code, self.offset as u64, message)
    }
}

/// Iterator over consecutive DER elements; stops after the first error.
#[derive(Debug, Clone)]
pub struct Children<'a> {
    data: &'a [u8],
    position: usize,
    base: usize,
    failed: bool,
    code: crate::rule_id::RuleId,
}

impl<'a> Iterator for Children<'a> {
    type Item = Result<Element<'a>, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let rest = self.data.get(self.position..).filter(|rest| !rest.is_empty())?;
        let offset = self.base.saturating_add(self.position);
        match Element::parse_first(rest, offset, self.code) {
            Ok(element) => {
                self.position = self.position.saturating_add(element.encoded.len());
                Some(Ok(element))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEST_CODE: crate::rule_id::RuleId = crate::rule_id::MALFORMED_CMS;

    fn der(input: &[u8]) -> Vec<u8> {
        ber_to_der(input, TEST_CODE).map(|c| c.into_owned()).unwrap_or_else(|p| panic!("{p}"))
    }

    #[test]
    fn der_input_is_borrowed_unchanged() {
        let input = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        let out = ber_to_der(&input, TEST_CODE).unwrap();
        assert!(matches!(out, Cow::Borrowed(_)));
        assert_eq!(&*out, &input);
    }

    #[test]
    fn indefinite_lengths_become_definite() {
        let input = [0x30, 0x80, 0x02, 0x01, 0x05, 0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00];
        assert_eq!(der(&input), [0x30, 0x07, 0x02, 0x01, 0x05, 0x30, 0x02, 0x05, 0x00]);
    }

    #[test]
    fn constructed_octet_string_is_flattened_recursively() {
        let input = [
            0xa0, 0x80, // [0] indefinite
            0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x24, 0x03, 0x04, 0x01, b'c', 0x04, 0x00, 0x00, 0x00, 0x00, 0x00,
        ];
        assert_eq!(der(&input), [0xa0, 0x05, 0x04, 0x03, b'a', b'b', b'c']);
    }

    #[test]
    fn constructed_bit_string_keeps_last_unused_bits() {
        let input = [0x23, 0x09, 0x03, 0x02, 0x00, 0xaa, 0x03, 0x03, 0x04, 0xbb, 0xc0];
        assert_eq!(der(&input), [0x03, 0x04, 0x04, 0xaa, 0xbb, 0xc0]);
        let bad = [0x23, 0x08, 0x03, 0x02, 0x04, 0xaa, 0x03, 0x02, 0x00, 0xbb];
        assert!(ber_to_der(&bad, TEST_CODE).is_err());
    }

    #[test]
    fn non_minimal_lengths_are_shortened() {
        assert_eq!(der(&[0x04, 0x81, 0x01, 0xaa]), [0x04, 0x01, 0xaa]);
        assert_eq!(der(&[0x04, 0x82, 0x00, 0x01, 0xaa]), [0x04, 0x01, 0xaa]);
    }

    #[test]
    fn long_lengths_round_trip() {
        let mut input = vec![0x24, 0x80, 0x04, 0x82, 0x01, 0x00];
        input.extend(std::iter::repeat_n(7u8, 256));
        input.extend([0x00, 0x00]);
        let out = der(&input);
        assert_eq!(out.get(..4), Some(&[0x04, 0x82, 0x01, 0x00][..]));
        assert_eq!(out.len(), 260);
    }

    #[test]
    fn malformed_framing_is_a_problem() {
        let cases: &[&[u8]] = &[
            &[],
            &[0x30],
            &[0x30, 0x80, 0x02, 0x01, 0x05],             // missing end-of-contents
            &[0x04, 0x80, 0x00, 0x00],                   // primitive indefinite
            &[0x30, 0x03, 0x02, 0x05, 0x00],             // child overruns parent
            &[0x30, 0x85, 1, 0, 0, 0, 0],                // length too long
            &[0x30, 0xff],                               // reserved length
            &[0x24, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00], // wrong chunk type
            &[0x00, 0x00],                               // stray end-of-contents
            &[0x30, 0x00, 0x00],                         // trailing byte
            &[0x1f, 0x81, 0x82, 0x83, 0x84, 0x85, 0x00], // tag number too long
        ];
        for case in cases {
            let p = ber_to_der(case, TEST_CODE).expect_err(&format!("{case:02x?} should fail"));
            assert_eq!(p.code, TEST_CODE);
        }
    }

    #[test]
    fn nesting_beyond_the_limit_is_refused() {
        let depth = MAX_DEPTH + 2;
        let mut input = Vec::new();
        input.extend(std::iter::repeat_n([0x30u8, 0x80], depth).flatten());
        input.extend(std::iter::repeat_n(0u8, depth * 2));
        let p = ber_to_der(&input, TEST_CODE).unwrap_err();
        assert!(p.message.contains("nested"), "{p}");
        let mut ok = Vec::new();
        ok.extend(std::iter::repeat_n([0x30u8, 0x80], MAX_DEPTH).flatten());
        ok.extend(std::iter::repeat_n(0u8, MAX_DEPTH * 2));
        assert!(ber_to_der(&ok, TEST_CODE).is_ok());
    }

    #[test]
    fn first_element_reports_consumed_bytes() {
        let input = [0x30, 0x80, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00];
        let n = normalize_first_element(&input, TEST_CODE).unwrap();
        assert_eq!(n.consumed, 6);
        assert!(n.was_rewritten());
        assert_eq!(&*n.der, &[0x30, 0x02, 0x05, 0x00]);
    }

    #[test]
    fn der_reader_walks_children_with_offsets() {
        let data = [0x30, 0x06, 0x02, 0x01, 0x05, 0x04, 0x01, 0xaa];
        let outer = Element::parse_exact(&data, 100, TEST_CODE).unwrap();
        let kids: Vec<_> = outer.children().collect::<Result<_, _>>().unwrap();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[1].offset, 105);
        assert_eq!(kids[1].value, &[0xaa]);
        assert!(Element::parse_exact(&[0x30, 0x80, 0x00, 0x00], 0, TEST_CODE).is_err());
        assert!(Element::parse_exact(&[0x04, 0x81, 0x01, 0xaa], 0, TEST_CODE).is_err());
        let broken = [0x30, 0x03, 0x02, 0x05, 0x00];
        let outer = Element::parse_first(&broken, 0, TEST_CODE).unwrap();
        let results: Vec<_> = outer.children().collect();
        assert_eq!(results.len(), 1);
        assert!(results[0].is_err());
    }
}

//! What is wrong with a property list the reader refused, said in the terms of the format, and
//! where it is.
//!
//! The plist crate reports neither a position nor a kind of error through its public API (only
//! through its `Display` text, which is not a contract). So a refused plist is walked again here:
//! XML with quick-xml (which gives byte positions), binary by checking its trailer and offset
//! table. Offsets are relative to the plist's first byte; callers rebase them onto the file.

use quick_xml::events::Event;

use super::spans::LineIndex;
use super::MAX_PLIST_DEPTH;

/// One thing wrong with a property list: what, in words, and where when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlistError {
    /// What is wrong, naming the values involved; no position.
    pub message: String,
    /// Byte offset of the problem, relative to the plist's first byte.
    pub offset: Option<u64>,
    /// 1-based line and column of `offset`, for XML plists.
    pub line_column: Option<(u32, u32)>,
}

impl PlistError {
    pub(super) fn unlocated(message: impl Into<String>) -> PlistError {
        PlistError { message: message.into(), offset: None, line_column: None }
    }

    fn in_binary(message: impl Into<String>, offset: u64) -> PlistError {
        PlistError { message: message.into(), offset: Some(offset), line_column: None }
    }
}

impl std::fmt::Display for PlistError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        if let Some((line, column)) = self.line_column {
            write!(f, " (line {line}, column {column})")?;
        }
        Ok(())
    }
}

/// Why the reader refused `data`, an XML property list.
pub(super) fn xml(data: &[u8]) -> PlistError {
    let lines = LineIndex::new(data);
    match first_xml_problem(data) {
        Some((message, offset)) => {
            let span = lines.span(offset, 0);
            PlistError { message, offset: Some(offset), line_column: Some((span.line, span.column)) }
        }
        None => PlistError::unlocated("the XML property list holds a value the reader does not accept"),
    }
}

/// Why the reader refused `data`, a binary property list (`bplist00…`).
pub(super) fn binary(data: &[u8]) -> PlistError {
    first_binary_problem(data).unwrap_or_else(|| {
        PlistError::unlocated(
            "an object of the binary property list cannot be read (its type, length or a reference is out of range)",
        )
    })
}

// ---------------------------------------------------------------------------------------------
// XML

/// The elements of an XML property list.
const ELEMENTS: [&str; 11] =
    ["plist", "dict", "array", "key", "string", "integer", "real", "date", "data", "true", "false"];

/// An element being read, with the offset of its `<`.
struct Open {
    name: String,
    offset: u64,
    /// For `dict`: the key waiting for its value, with the offset of its `<key>`.
    pending_key: Option<(String, u64)>,
    /// For leaves: the text read so far.
    text: String,
}

impl Open {
    fn is_leaf(&self) -> bool {
        !matches!(self.name.as_str(), "plist" | "dict" | "array")
    }
}

/// The first problem in `data` and its offset, or `None` when this walk finds none.
fn first_xml_problem(data: &[u8]) -> Option<(String, u64)> {
    let lines = LineIndex::new(data);
    let at = |offset: u64| {
        let span = lines.span(offset, 0);
        format!("line {}, column {}", span.line, span.column)
    };
    let mut reader = quick_xml::Reader::from_reader(data);
    let config = reader.config_mut();
    config.trim_text(false);
    config.check_end_names = true;
    config.expand_empty_elements = true;
    let mut stack: Vec<Open> = Vec::new();
    let mut top_level_values = 0usize;
    loop {
        let before = reader.buffer_position();
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(error) => return Some((describe_xml_error(&error), reader.error_position())),
        };
        match event {
            Event::Eof => {
                return match stack.last() {
                    Some(open) => Some((
                        format!("the text ends before <{}> (opened at {}) is closed", open.name, at(open.offset)),
                        data.len() as u64,
                    )),
                    None if top_level_values == 0 => {
                        Some(("there is no property list: no <plist>, <dict> or other value element".into(), 0))
                    }
                    None => None,
                };
            }
            Event::Text(text) => {
                let content: &str = &text;
                match stack.last_mut() {
                    Some(open) if open.is_leaf() => open.text.push_str(content),
                    _ => {
                        if let Some(start) = content.find(|c: char| !c.is_whitespace()) {
                            let word: String = content[start..].chars().take(20).collect();
                            return Some((
                                format!("text `{}` stands outside any value", word.trim_end()),
                                before + start as u64,
                            ));
                        }
                    }
                }
            }
            Event::CData(text) => match stack.last_mut() {
                Some(open) if open.is_leaf() => open.text.push_str(&text),
                _ => return Some(("a CDATA section stands outside any value".into(), before)),
            },
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(c)) => Some(c.to_string()),
                    Ok(None) => quick_xml::escape::resolve_xml_entity(&reference).map(str::to_string),
                    Err(_) => None,
                };
                let Some(resolved) = resolved else {
                    return Some((format!("`&{};` is not a character or entity XML knows", &*reference), before));
                };
                match stack.last_mut() {
                    Some(open) if open.is_leaf() => open.text.push_str(&resolved),
                    _ => return Some((format!("text `&{};` stands outside any value", &*reference), before)),
                }
            }
            Event::Start(tag) => {
                let name = tag.name().as_ref().to_owned();
                if let Some(problem) = misplaced(&stack, top_level_values, &name, before, &at) {
                    return Some(problem);
                }
                if !ELEMENTS.contains(&name.as_str()) {
                    return Some((
                        format!(
                            "<{name}> is not a property list element (those are dict, array, key, string, \
                             integer, real, date, data, true and false)"
                        ),
                        before,
                    ));
                }
                if stack.iter().filter(|o| matches!(o.name.as_str(), "dict" | "array")).count() >= MAX_PLIST_DEPTH
                    && matches!(name.as_str(), "dict" | "array")
                {
                    return Some((format!("values are nested deeper than {MAX_PLIST_DEPTH} levels"), before));
                }
                if name != "key" && name != "plist" {
                    if let Some(dict) = stack.last_mut().filter(|o| o.name == "dict") {
                        dict.pending_key = None;
                    } else if stack.iter().all(|o| o.name == "plist") {
                        top_level_values += 1;
                    }
                }
                stack.push(Open { name, offset: before, pending_key: None, text: String::new() });
            }
            Event::End(_) => {
                let Some(open) = stack.pop() else { continue };
                if let Some(problem) = closed(&open, &at) {
                    return Some(problem.with_offset(&open, before));
                }
                if open.name == "key" {
                    if let Some(dict) = stack.last_mut().filter(|o| o.name == "dict") {
                        dict.pending_key = Some((open.text, open.offset));
                    }
                }
            }
            Event::Empty(_) | Event::Decl(_) | Event::DocType(_) | Event::Comment(_) | Event::PI(_) => {}
        }
    }
}

/// Whether an element named `name` may start here; the problem when it may not.
fn misplaced(
    stack: &[Open],
    top_level_values: usize,
    name: &str,
    offset: u64,
    at: &impl Fn(u64) -> String,
) -> Option<(String, u64)> {
    let problem = match stack.last() {
        Some(open) if open.is_leaf() => {
            format!("<{name}> inside <{}> (opened at {}), which holds only text", open.name, at(open.offset))
        }
        Some(open) if open.name == "dict" => match (&open.pending_key, name) {
            (Some((key, key_offset)), "key") => {
                format!("key `{key}` (at {}) has no value: another <key> follows it", at(*key_offset))
            }
            (None, "key") => return None,
            (None, _) => format!("<{name}> where a <key> is expected, in the <dict> opened at {}", at(open.offset)),
            (Some(_), _) => return None,
        },
        _ if name == "key" => "<key> outside a <dict>".to_string(),
        _ if name == "plist" && !stack.is_empty() => "<plist> inside another element".to_string(),
        Some(open) if open.name == "plist" && top_level_values > 0 => {
            format!("a second value in the <plist> opened at {}, which holds one", at(open.offset))
        }
        None if top_level_values > 0 => format!("<{name}> after the property list's single top-level value"),
        _ => return None,
    };
    Some((problem, offset))
}

/// What is wrong with an element as it closes, if anything.
enum Closing {
    /// Located at the element's start tag.
    AtStart(String),
    /// Located at its end tag.
    AtEnd(String),
}

impl Closing {
    fn with_offset(self, open: &Open, end_tag: u64) -> (String, u64) {
        match self {
            Closing::AtStart(message) => (message, open.offset),
            Closing::AtEnd(message) => (message, end_tag),
        }
    }
}

fn closed(open: &Open, at: &impl Fn(u64) -> String) -> Option<Closing> {
    let text = open.text.trim();
    let shown: String = text.chars().take(40).collect();
    let message = match open.name.as_str() {
        "dict" => {
            let (key, key_offset) = open.pending_key.as_ref()?;
            return Some(Closing::AtEnd(format!("key `{key}` (at {}) has no value before </dict>", at(*key_offset))));
        }
        "integer" if !is_integer(text) => format!("<integer> holds `{shown}`, which is not an integer"),
        "real" if text.parse::<f64>().is_err() => format!("<real> holds `{shown}`, which is not a number"),
        "date" if plist::Date::from_xml_format(text).is_err() => {
            format!("<date> holds `{shown}`, which is not a date written as 2024-01-31T12:00:00Z")
        }
        "data" if !is_base64(&open.text) => "a <data> value is not valid base64".to_string(),
        "true" | "false" if !text.is_empty() => format!("<{}/> holds text `{shown}`; it must be empty", open.name),
        _ => return None,
    };
    Some(Closing::AtStart(message))
}

/// Decimal (optionally signed) or `0x` hexadecimal, within 64 bits: what the reader accepts.
fn is_integer(text: &str) -> bool {
    match text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).is_ok(),
        None => text.parse::<i64>().is_ok() || text.parse::<u64>().is_ok(),
    }
}

/// Standard base64 with padding, whitespace anywhere.
fn is_base64(text: &str) -> bool {
    let symbols: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let padding = symbols.iter().rev().take_while(|&&b| b == b'=').count();
    let body = &symbols[..symbols.len() - padding];
    symbols.len().is_multiple_of(4)
        && padding <= 2
        && body.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
}

/// A quick-xml error in words.
fn describe_xml_error(error: &quick_xml::Error) -> String {
    use quick_xml::errors::{IllFormedError, SyntaxError};
    use quick_xml::Error;
    let what = match error {
        Error::Syntax(syntax) => match syntax {
            SyntaxError::UnclosedTag => "a tag is not closed with `>`".to_string(),
            SyntaxError::UnclosedComment => "a comment `<!--` is not closed with `-->`".to_string(),
            SyntaxError::UnclosedCData => "a CDATA section is not closed with `]]>`".to_string(),
            SyntaxError::UnclosedDoctype => "the <!DOCTYPE> is not closed with `>`".to_string(),
            SyntaxError::UnclosedPI | SyntaxError::UnclosedXmlDecl => "a `<?` is not closed with `?>`".to_string(),
            SyntaxError::UnclosedSingleQuotedAttributeValue | SyntaxError::UnclosedDoubleQuotedAttributeValue => {
                "an attribute value's quotes are not closed".to_string()
            }
            SyntaxError::InvalidBangMarkup => "a `<!` starts neither a comment, CDATA nor DOCTYPE".to_string(),
        },
        Error::IllFormed(ill) => match ill {
            IllFormedError::MismatchedEndTag { expected, found } => format!("</{found}> closes <{expected}>"),
            IllFormedError::UnmatchedEndTag(name) => format!("</{name}> closes nothing"),
            IllFormedError::MissingEndTag(name) => format!("<{name}> is never closed"),
            IllFormedError::UnclosedReference => {
                "a `&` starts a reference that no `;` ends (write `&amp;` for &)".to_string()
            }
            IllFormedError::DoubleHyphenInComment => "a comment contains `--`".to_string(),
            IllFormedError::MissingDeclVersion(_) | IllFormedError::UnknownVersion => {
                "the XML declaration has no valid version".to_string()
            }
            IllFormedError::MissingDoctypeName => "the <!DOCTYPE> names no document type".to_string(),
        },
        Error::Escape(_) => "a `&` reference is malformed (write `&amp;` for &)".to_string(),
        Error::Encoding(_) => "the text is not valid UTF-8".to_string(),
        Error::InvalidAttr(_) => "an attribute is malformed".to_string(),
        Error::Io(_) | Error::Namespace(_) => "the XML cannot be read".to_string(),
    };
    format!("not well-formed XML: {what}")
}

// ---------------------------------------------------------------------------------------------
// Binary

/// Length of the trailer at the end of a binary plist.
const TRAILER_LEN: usize = 32;
/// Length of the `bplist00` header.
const HEADER_LEN: usize = 8;

fn be_u64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0u64, |n, &b| (n << 8) | u64::from(b))
}

/// The first problem in the trailer and offset table of a binary plist.
fn first_binary_problem(data: &[u8]) -> Option<PlistError> {
    let len = data.len();
    if len < HEADER_LEN + TRAILER_LEN {
        return Some(PlistError::in_binary(
            format!("a binary property list has a header and a 32-byte trailer; these {len} bytes cannot hold both"),
            0,
        ));
    }
    let trailer_at = len - TRAILER_LEN;
    let trailer = &data[trailer_at..];
    let offset_size = trailer[6];
    let reference_size = trailer[7];
    let object_count = be_u64(&trailer[8..16]);
    let top_object = be_u64(&trailer[16..24]);
    let table_at = be_u64(&trailer[24..32]);
    let located = |message: String, field: usize| Some(PlistError::in_binary(message, (trailer_at + field) as u64));
    if !(1..=8).contains(&offset_size) {
        return located(format!("the trailer gives offsets {offset_size} bytes; they take 1 to 8"), 6);
    }
    if !(1..=8).contains(&reference_size) {
        return located(format!("the trailer gives object references {reference_size} bytes; they take 1 to 8"), 7);
    }
    if object_count == 0 {
        return located("the trailer counts no objects".into(), 8);
    }
    if top_object >= object_count {
        return located(format!("the top object is number {top_object}, but there are {object_count} objects"), 16);
    }
    let table_len = object_count.checked_mul(u64::from(offset_size));
    let table_end = table_len.and_then(|l| l.checked_add(table_at));
    if table_at < HEADER_LEN as u64 || table_end.is_none_or(|end| end > trailer_at as u64) {
        return located(
            format!(
                "the offset table ({object_count} offsets of {offset_size} bytes at byte {table_at}) does not fit \
                 between the header and the trailer"
            ),
            24,
        );
    }
    let table = &data[table_at as usize..table_end? as usize];
    for (index, entry) in table.chunks(usize::from(offset_size)).enumerate() {
        let object_at = be_u64(entry);
        if object_at < HEADER_LEN as u64 || object_at >= table_at {
            return Some(PlistError::in_binary(
                format!(
                    "object {index} is said to start at byte {object_at}, outside the objects (bytes 8 to {table_at})"
                ),
                table_at + (index * usize::from(offset_size)) as u64,
            ));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::super::read_bounded;
    use super::*;

    /// The error for `text`, which the reader must refuse.
    fn refused(text: &str) -> PlistError {
        read_bounded(text.as_bytes()).expect_err(text)
    }

    /// What `error` says and the text at its offset.
    fn said_at<'t>(error: &PlistError, text: &'t str) -> (String, &'t str) {
        let offset = error.offset.unwrap_or_else(|| panic!("no offset: {error}")) as usize;
        (error.to_string(), &text[offset..])
    }

    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">\n<dict>\n";

    #[test]
    fn unclosed_document_names_the_open_element() {
        let text = format!("{HEAD}\t<key>Label</key>\n\t<string>x</string>\n");
        let error = refused(&text);
        assert_eq!(
            error.to_string(),
            "the text ends before <dict> (opened at line 3, column 1) is closed (line 6, column 1)"
        );
        assert_eq!(error.offset, Some(text.len() as u64));
    }

    #[test]
    fn a_raw_ampersand_is_located() {
        let text = format!("{HEAD}\t<key>Copyright</key>\n\t<string>Fixture & Co.</string>\n</dict>\n</plist>\n");
        let error = refused(&text);
        let (message, rest) = said_at(&error, &text);
        assert!(message.starts_with("not well-formed XML: a `&` starts a reference that no `;` ends"), "{message}");
        assert!(message.ends_with("(line 5, column 18)"), "{message}");
        assert!(rest.starts_with("& Co."), "{rest:?}");
    }

    #[test]
    fn an_unclosed_leaf_is_a_mismatched_end_tag() {
        let text = format!("{HEAD}\t<key>com.apple.security.app-sandbox</key>\n\t<true>\n</dict>\n</plist>\n");
        let error = refused(&text);
        let (message, rest) = said_at(&error, &text);
        assert!(message.starts_with("not well-formed XML: </dict> closes <true>"), "{message}");
        assert!(rest.starts_with("</dict>") || rest.starts_with("\n</dict>"), "{rest:?}");
    }

    #[test]
    fn values_that_do_not_read() {
        let cases = [
            ("<integer>12a</integer>", "<integer> holds `12a`, which is not an integer"),
            ("<real>fast</real>", "<real> holds `fast`, which is not a number"),
            (
                "<date>2024-13-01</date>",
                "<date> holds `2024-13-01`, which is not a date written as 2024-01-31T12:00:00Z",
            ),
            ("<data>AB$=</data>", "a <data> value is not valid base64"),
            ("<colour>red</colour>", "<colour> is not a property list element"),
            ("<string>a<string>b</string></string>", "<string> inside <string>"),
        ];
        for (value, words) in cases {
            let text = format!("{HEAD}<key>k</key>{value}\n</dict>\n</plist>\n");
            let error = refused(&text);
            let (message, rest) = said_at(&error, &text);
            assert!(message.starts_with(words), "{value}: {message}");
            assert!(message.contains("(line 4, column"), "{value}: {message}");
            let tag = &value[..value.find('>').unwrap()];
            assert!(rest.starts_with(tag) || words.contains("inside"), "{value}: at {rest:?}");
        }
    }

    #[test]
    fn dictionary_shape() {
        let text = format!("{HEAD}<key>a</key>\n<key>b</key><true/>\n</dict>\n</plist>\n");
        let (message, rest) = said_at(&refused(&text), &text);
        assert!(
            message.starts_with("key `a` (at line 4, column 1) has no value: another <key> follows it"),
            "{message}"
        );
        assert!(rest.starts_with("<key>b"), "{rest:?}");

        let text = format!("{HEAD}<key>a</key><true/>\n<string>b</string>\n</dict>\n</plist>\n");
        let (message, rest) = said_at(&refused(&text), &text);
        assert!(
            message.starts_with("<string> where a <key> is expected, in the <dict> opened at line 3, column 1"),
            "{message}"
        );
        assert!(rest.starts_with("<string>b"), "{rest:?}");

        let text = format!("{HEAD}<key>last</key>\n</dict>\n</plist>\n");
        let (message, rest) = said_at(&refused(&text), &text);
        assert!(message.starts_with("key `last` (at line 4, column 1) has no value before </dict>"), "{message}");
        assert!(rest.starts_with("</dict>"), "{rest:?}");
    }

    #[test]
    fn empty_and_doubled_documents() {
        assert_eq!(refused("").message, "there is no property list: no <plist>, <dict> or other value element");
        let text = "<plist><dict/><dict/></plist>";
        let (message, rest) = said_at(&refused(text), text);
        assert!(message.starts_with("a second value in the <plist> opened at line 1, column 1"), "{message}");
        assert_eq!(rest, "<dict/></plist>");
    }

    #[test]
    fn nesting_beyond_the_limit_is_located() {
        let depth = MAX_PLIST_DEPTH + 1;
        let text = format!("<plist>\n{}{}</plist>", "<array>".repeat(depth), "</array>".repeat(depth));
        let (message, rest) = said_at(&refused(&text), &text);
        assert_eq!(
            message,
            format!(
                "values are nested deeper than {MAX_PLIST_DEPTH} levels (line 2, column {})",
                7 * MAX_PLIST_DEPTH + 1
            )
        );
        assert!(rest.starts_with("<array></array>"), "{rest:?}");
    }

    /// Messages are the project's own: none of the reader's internal names or offsets.
    #[test]
    fn no_reader_internals_in_messages() {
        let texts = [
            "<plist><dict><key>a</key></plist>",
            "<plist><dict><key>a</key><integer>x</integer></dict></plist>",
            "<plist><dict>",
            "bplist00",
            "bplist00garbage that is long enough to hold a trailer, almost...",
        ];
        for text in texts {
            let message = refused(text).to_string();
            for internal in ["Unexpected", "Invalid", "EventStream", "(offset", "Eof"] {
                assert!(!message.contains(internal), "{text:?}: {message}");
            }
        }
    }

    fn binary_plist() -> Vec<u8> {
        let mut dictionary = plist::Dictionary::new();
        dictionary.insert("a".into(), plist::Value::Integer(1.into()));
        dictionary.insert("b".into(), plist::Value::String("two".into()));
        let mut bytes = Vec::new();
        plist::Value::Dictionary(dictionary).to_writer_binary(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn binary_trailer_and_offsets_are_located() {
        let good = binary_plist();
        assert!(read_bounded(&good).is_ok());
        let trailer = good.len() - TRAILER_LEN;

        let error = refused("bplist00tiny");
        assert_eq!((error.offset, error.line_column), (Some(0), None));
        assert!(error.message.contains("these 12 bytes cannot hold both"), "{error}");

        let mut bad = good.clone();
        bad[trailer + 6] = 9;
        let error = read_bounded(&bad).unwrap_err();
        assert_eq!(error.to_string(), "the trailer gives offsets 9 bytes; they take 1 to 8");
        assert_eq!(error.offset, Some(trailer as u64 + 6));

        let mut bad = good.clone();
        bad[trailer + 31] = 0xff;
        let error = read_bounded(&bad).unwrap_err();
        assert!(error.message.starts_with("the offset table"), "{error}");
        assert_eq!(error.offset, Some(trailer as u64 + 24));

        let table_at = be_u64(&good[trailer + 24..]) as usize;
        let mut bad = good.clone();
        bad[table_at] = 0xf0;
        let error = read_bounded(&bad).unwrap_err();
        assert!(error.message.starts_with("object 0 is said to start at byte 240"), "{error}");
        assert_eq!(error.offset, Some(table_at as u64));
    }
}

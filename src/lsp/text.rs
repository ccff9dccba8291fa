//! Positions and edits on a document's text: byte offsets (what findings carry) to LSP positions,
//! and the one-edit fixes computed from the property list as it is written.

use std::ops::Range;

use lsp_types::Position;
use quick_xml::events::Event;

/// The LSP position of byte `offset` in `text`: 0-based line, and the character counted in UTF-16
/// code units from the line's start, as the protocol counts by default.
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |p| p + 1);
    let line = before.bytes().filter(|&b| b == b'\n').count();
    let character = before[line_start..].encode_utf16().count();
    Position::new(saturate(line), saturate(character))
}

/// The LSP range of bytes `span` of `text`.
pub fn range(text: &str, span: Range<usize>) -> lsp_types::Range {
    lsp_types::Range::new(position(text, span.start), position(text, span.end))
}

fn saturate(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// A dictionary entry as written: the `<key>` element and the value element after it.
#[derive(Debug, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub key_element: Range<usize>,
    pub value_element: Range<usize>,
}

/// Elements followed inside a value before giving up (a value nested deeper gets no fix).
const MAX_DEPTH: usize = 64;

/// The entry whose `<key>` element starts at byte `key_offset` of `text`, when the text there is a
/// key followed (after white space and comments) by one complete value element.
pub fn entry_at(text: &str, key_offset: usize) -> Option<Entry> {
    let rest = text.get(key_offset..)?;
    let mut reader = quick_xml::Reader::from_str(rest);
    let at = |reader: &quick_xml::Reader<&[u8]>| key_offset + usize::try_from(reader.buffer_position()).unwrap_or(0);
    match reader.read_event().ok()? {
        Event::Start(tag) if tag.name().as_ref() == "key" => {}
        _ => return None,
    }
    let mut key = String::new();
    loop {
        match reader.read_event().ok()? {
            Event::Text(t) => key.push_str(&t),
            Event::End(tag) if tag.name().as_ref() == "key" => break,
            _ => return None,
        }
    }
    let key_element = key_offset..at(&reader);
    let mut value_start = None;
    let mut depth = 0usize;
    loop {
        let before = at(&reader);
        match reader.read_event().ok()? {
            Event::Text(t) if depth == 0 && t.trim().is_empty() => {}
            Event::Comment(_) if depth == 0 => {}
            Event::Empty(_) if depth == 0 => {
                return Some(Entry { key, key_element, value_element: before..at(&reader) });
            }
            Event::Start(_) => {
                value_start.get_or_insert(before);
                depth += 1;
                if depth > MAX_DEPTH {
                    return None;
                }
            }
            Event::End(_) if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    return Some(Entry { key, key_element, value_element: value_start?..at(&reader) });
                }
            }
            Event::Eof => return None,
            _ if depth > 0 => {}
            _ => return None,
        }
    }
}

/// A replacement of bytes `range` of the document by `new_text`.
#[derive(Debug, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub new_text: String,
}

/// Deletes the entry (key and value); when the entry has its lines to itself, the lines go too,
/// so no blank line is left behind.
pub fn remove_entry(text: &str, entry: &Entry) -> Edit {
    let (start, end) = (entry.key_element.start, entry.value_element.end);
    let line_start = text[..start].rfind('\n').map_or(0, |p| p + 1);
    let line_end = text[end..].find('\n').map_or(text.len(), |p| end + p + 1);
    let alone = text[line_start..start].trim().is_empty() && text[end..line_end].trim().is_empty();
    let range = if alone { line_start..line_end } else { start..end };
    Edit { range, new_text: String::new() }
}

/// Rewrites a boolean written as a string (`<string>true</string>`) as the boolean element
/// (`<true/>`); nothing for any other value.
pub fn boolean_from_string(text: &str, entry: &Entry) -> Option<Edit> {
    let value = &text[entry.value_element.clone()];
    let inner = value.strip_prefix("<string>")?.strip_suffix("</string>")?.trim();
    let element = if inner.eq_ignore_ascii_case("true") {
        "<true/>"
    } else if inner.eq_ignore_ascii_case("false") {
        "<false/>"
    } else {
        return None;
    };
    Some(Edit { range: entry.value_element.clone(), new_text: element.to_owned() })
}

/// `text` with `edit` applied.
#[cfg(test)]
pub fn applied(text: &str, edit: &Edit) -> String {
    format!("{}{}{}", &text[..edit.range.start], edit.new_text, &text[edit.range.end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const ENTITLEMENTS: &str = "<plist version=\"1.0\">\n<dict>\n\t<key>com.apple.security.app-sandbox</key>\n\t<string>true</string>\n\t<key>com.apple.security.application-groups</key>\n\t<array>\n\t\t<string>G</string>\n\t</array>\n\t<key>x</key> <!-- why --> <false/>\n</dict>\n</plist>\n";

    fn key_offset(name: &str) -> usize {
        ENTITLEMENTS.find(&format!("<key>{name}</key>")).unwrap()
    }

    #[test]
    fn positions_are_zero_based_and_count_utf16_units() {
        let text = "ab\nc\u{e9}\u{1F600}d";
        assert_eq!(position(text, 0), Position::new(0, 0));
        assert_eq!(position(text, 3), Position::new(1, 0));
        // é is 2 bytes and 1 UTF-16 unit; the emoji 4 bytes and 2 units.
        assert_eq!(position(text, text.find('d').unwrap()), Position::new(1, 4));
        assert_eq!(position(text, 5), Position::new(1, 1), "inside a character: its start");
        assert_eq!(position(text, 1000), Position::new(1, 5));
    }

    #[test]
    fn an_entry_is_its_key_and_its_whole_value() {
        let entry = entry_at(ENTITLEMENTS, key_offset("com.apple.security.application-groups")).unwrap();
        assert_eq!(entry.key, "com.apple.security.application-groups");
        assert_eq!(&ENTITLEMENTS[entry.value_element.clone()], "<array>\n\t\t<string>G</string>\n\t</array>");
        let commented = entry_at(ENTITLEMENTS, key_offset("x")).unwrap();
        assert_eq!(&ENTITLEMENTS[commented.value_element], "<false/>");
        assert_eq!(entry_at(ENTITLEMENTS, 0), None, "no key there");
        assert_eq!(entry_at("<key>k</key>\n<array><string>", 0), None, "unfinished value");
    }

    #[test]
    fn removing_an_entry_takes_its_lines() {
        let entry = entry_at(ENTITLEMENTS, key_offset("com.apple.security.application-groups")).unwrap();
        let after = applied(ENTITLEMENTS, &remove_entry(ENTITLEMENTS, &entry));
        assert_eq!(
            after,
            "<plist version=\"1.0\">\n<dict>\n\t<key>com.apple.security.app-sandbox</key>\n\t<string>true</string>\n\t<key>x</key> <!-- why --> <false/>\n</dict>\n</plist>\n"
        );
        let inline = "<dict><key>a</key><true/><key>b</key><true/></dict>";
        let entry = entry_at(inline, inline.find("<key>a").unwrap()).unwrap();
        assert_eq!(applied(inline, &remove_entry(inline, &entry)), "<dict><key>b</key><true/></dict>");
    }

    #[test]
    fn a_boolean_written_as_a_string_becomes_the_boolean() {
        let entry = entry_at(ENTITLEMENTS, key_offset("com.apple.security.app-sandbox")).unwrap();
        let fixed = applied(ENTITLEMENTS, &boolean_from_string(ENTITLEMENTS, &entry).unwrap());
        assert!(fixed.contains("<key>com.apple.security.app-sandbox</key>\n\t<true/>\n"), "{fixed}");
        let no = "<key>k</key><string> FALSE </string>";
        assert_eq!(boolean_from_string(no, &entry_at(no, 0).unwrap()).unwrap().new_text, "<false/>");
        let other = "<key>k</key><string>yes please</string>";
        assert_eq!(boolean_from_string(other, &entry_at(other, 0).unwrap()), None);
        let groups = entry_at(ENTITLEMENTS, key_offset("com.apple.security.application-groups")).unwrap();
        assert_eq!(boolean_from_string(ENTITLEMENTS, &groups), None);
    }
}

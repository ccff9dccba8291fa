//! Reading an XML `CodeResources` as a stream: the file is read through one small buffer and
//! each `files`/`files2` entry becomes a [`Seal`] as it is read, so a seal of 100 000 files is
//! never held as text or as a tree of plist values. Only the small `rules` sections are read as
//! values. Anything unexpected makes the caller fall back to the value reader, which locates and
//! names the problem.
//!
//! The plist crate's own XML reader keeps every byte it has read in one growing buffer, so events
//! come from quick-xml here (the buffer is cleared after each event) and are handed to the plist
//! crate's serde deserializer.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;
use std::io::BufRead;

use quick_xml::events::Event as Xml;
use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::{EntryFields, Seal};
use crate::plist::MAX_PLIST_DEPTH;

/// The top-level dictionary, in file order.
pub(super) struct Streamed {
    pub sections: Vec<(String, Section)>,
}

pub(super) enum Section {
    Rules(plist::Value),
    Files(Files),
    Other,
}

/// A `files`/`files2` section: the seals, and the paths whose entries seal nothing.
#[derive(Default)]
pub(super) struct Files {
    pub seals: BTreeMap<String, Seal>,
    pub unsealed: Vec<String>,
}

/// Reads an XML seal from `input`; `None` when it is not a well-formed XML seal of the expected
/// shape (binary plists included), so that the value reader can say what is wrong.
pub(super) fn read(input: impl BufRead) -> Option<Streamed> {
    let mut events = XmlEvents::new(input);
    let streamed = Streamed::deserialize(&mut plist::Deserializer::new(&mut events)).ok()?;
    if events.failed {
        return None;
    }
    // The deserializer stops at the end of the top dictionary; what follows must be the end.
    let trailing = events.next_event();
    (trailing.is_none() && !events.failed).then_some(streamed)
}

/// plist events read from XML through quick-xml. A problem ends the stream and sets `failed`:
/// the plist crate's errors cannot be made outside it, and the caller only needs to know.
struct XmlEvents<R: BufRead> {
    reader: quick_xml::Reader<R>,
    buffer: Vec<u8>,
    /// Open `dict`/`array` elements.
    depth: usize,
    failed: bool,
}

impl<R: BufRead> XmlEvents<R> {
    fn new(input: R) -> XmlEvents<R> {
        let mut reader = quick_xml::Reader::from_reader(input);
        let config = reader.config_mut();
        config.check_end_names = true;
        config.expand_empty_elements = true;
        XmlEvents { reader, buffer: Vec::new(), depth: 0, failed: false }
    }

    fn fail<T>(&mut self) -> Option<T> {
        self.failed = true;
        None
    }

    /// The next element, or `None` at the end of the text.
    fn next_event(&mut self) -> Option<plist::stream::Event<'static>> {
        use plist::stream::Event;
        loop {
            self.buffer.clear();
            let name = match self.reader.read_event_into(&mut self.buffer) {
                Ok(Xml::Start(tag)) => tag.local_name().as_ref().as_bytes().to_vec(),
                Ok(Xml::End(tag)) => match tag.local_name().as_ref().as_bytes() {
                    b"dict" | b"array" => {
                        self.depth = self.depth.saturating_sub(1);
                        return Some(Event::EndCollection);
                    }
                    b"plist" => continue,
                    _ => return self.fail(),
                },
                Ok(Xml::Text(text)) if text.trim().is_empty() => continue,
                Ok(Xml::Decl(_) | Xml::DocType(_) | Xml::Comment(_) | Xml::PI(_)) => continue,
                Ok(Xml::Eof) => return None,
                Ok(_) | Err(_) => return self.fail(),
            };
            let event = match name.as_slice() {
                b"plist" => continue,
                b"dict" | b"array" => {
                    self.depth += 1;
                    if self.depth > MAX_PLIST_DEPTH {
                        return self.fail();
                    }
                    if name == b"dict" {
                        Event::StartDictionary(None)
                    } else {
                        Event::StartArray(None)
                    }
                }
                b"key" | b"string" => Event::String(Cow::Owned(self.content()?)),
                b"data" => {
                    let mut text = self.content()?;
                    text.retain(|c| !c.is_ascii_whitespace());
                    use base64::Engine;
                    match base64::engine::general_purpose::STANDARD.decode(text) {
                        Ok(bytes) => Event::Data(Cow::Owned(bytes)),
                        Err(_) => return self.fail(),
                    }
                }
                b"integer" => match integer(&self.content()?) {
                    Some(i) => Event::Integer(i),
                    None => return self.fail(),
                },
                b"real" => match self.content()?.trim().parse() {
                    Ok(r) => Event::Real(r),
                    Err(_) => return self.fail(),
                },
                b"date" => match plist::Date::from_xml_format(self.content()?.trim()) {
                    Ok(d) => Event::Date(d),
                    Err(_) => return self.fail(),
                },
                b"true" | b"false" => {
                    self.content()?;
                    Event::Boolean(name == b"true")
                }
                _ => return self.fail(),
            };
            return Some(event);
        }
    }

    /// The text of a leaf element up to its end tag, references resolved.
    fn content(&mut self) -> Option<String> {
        let mut text = String::new();
        loop {
            self.buffer.clear();
            match self.reader.read_event_into(&mut self.buffer) {
                Ok(Xml::Text(t)) => text.push_str(&t),
                Ok(Xml::CData(t)) => text.push_str(&t),
                Ok(Xml::GeneralRef(r)) => match r.resolve_char_ref() {
                    Ok(Some(c)) => text.push(c),
                    Ok(None) => text.push_str(quick_xml::escape::resolve_xml_entity(&r)?),
                    Err(_) => return self.fail(),
                },
                Ok(Xml::End(_)) => return Some(text),
                Ok(Xml::Comment(_) | Xml::PI(_)) => {}
                _ => return self.fail(),
            }
        }
    }
}

impl<R: BufRead> Iterator for &mut XmlEvents<R> {
    type Item = Result<plist::stream::Event<'static>, plist::Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        self.next_event().map(Ok)
    }
}

/// An `<integer>` as the plist crate reads it: decimal, or hexadecimal after `0x`, signed or not.
fn integer(text: &str) -> Option<plist::Integer> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let magnitude = match digits.strip_prefix("0x").or_else(|| digits.strip_prefix("0X")) {
        Some(hex) => u64::from_str_radix(hex, 16).ok()?,
        None => digits.parse::<u64>().ok()?,
    };
    if negative {
        let value = 0i64.checked_sub_unsigned(magnitude)?;
        Some(value.into())
    } else {
        Some(magnitude.into())
    }
}

impl<'de> Deserialize<'de> for Streamed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(TopVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = Streamed;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a CodeResources dictionary")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Streamed, A::Error> {
        let mut sections = Vec::new();
        while let Some(key) = map.next_key::<String>()? {
            let section = match key.as_str() {
                "rules" | "rules2" => Section::Rules(map.next_value()?),
                "files" | "files2" => Section::Files(map.next_value()?),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    Section::Other
                }
            };
            sections.push((key, section));
        }
        Ok(Streamed { sections })
    }
}

impl Files {
    /// The section from its entries in file order. Built from sorted entries at once, the map's
    /// nodes are full: a third of the memory of inserting 100 000 paths one by one.
    fn of(mut entries: Vec<(String, Option<Seal>)>) -> Files {
        // A later entry for a path replaces an earlier one, as in the value reader.
        entries.reverse();
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        entries.dedup_by(|later, first| later.0 == first.0);
        let mut unsealed = Vec::new();
        let seals = entries
            .into_iter()
            .filter_map(|(path, seal)| match seal {
                Some(seal) => Some((path, seal)),
                None => {
                    unsealed.push(path);
                    None
                }
            })
            .collect();
        Files { seals, unsealed }
    }
}

impl<'de> Deserialize<'de> for Files {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FilesVisitor;
        impl<'de> Visitor<'de> for FilesVisitor {
            type Value = Files;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dictionary of sealed paths")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Files, A::Error> {
                let mut entries = Vec::new();
                while let Some(path) = map.next_key::<String>()? {
                    entries.push((path, map.next_value::<Entry>()?.0.and_then(EntryFields::seal)));
                }
                Ok(Files::of(entries))
            }
        }
        d.deserialize_map(FilesVisitor)
    }
}

/// One entry: bare `<data>` (the legacy SHA-1) or a dictionary of fields.
struct Entry(Option<EntryFields>);

impl<'de> Deserialize<'de> for Entry {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(EntryVisitor)
    }
}

struct EntryVisitor;

impl<'de> Visitor<'de> for EntryVisitor {
    type Value = Entry;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("data or a dictionary")
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Entry, E> {
        Ok(Entry(Some(EntryFields { bare: Some(v), ..EntryFields::default() })))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Entry, E> {
        self.visit_byte_buf(v.to_vec())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Entry, A::Error> {
        let mut fields = EntryFields::default();
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "hash" => fields.hash = map.next_value::<Bytes>()?.0,
                "hash2" => fields.hash2 = map.next_value::<Bytes>()?.0,
                "cdhash" => {
                    fields.has_cdhash = true;
                    fields.cdhash = map.next_value::<Bytes>()?.0;
                }
                "requirement" => {
                    fields.has_requirement = true;
                    fields.requirement = map.next_value::<plist::Value>()?.into_string();
                }
                "symlink" => fields.symlink = map.next_value::<plist::Value>()?.into_string(),
                "optional" => fields.optional = map.next_value::<plist::Value>()?.as_boolean().unwrap_or(false),
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(Entry(Some(fields)))
    }

    // Any other value is kept as "not an entry", as the value reader does.
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Entry, E> {
        Ok(Entry(None))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Entry, E> {
        Ok(Entry(None))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Entry, E> {
        Ok(Entry(None))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Entry, E> {
        Ok(Entry(None))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Entry, E> {
        Ok(Entry(None))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Entry, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Entry(None))
    }
}

/// A `<data>` value, or `None` for anything else (as `as_data` gives).
struct Bytes(Option<Vec<u8>>);

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Bytes(plist::Value::deserialize(d)?.into_data()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_read_as_the_plist_crate_reads_them() {
        for (text, want) in [("12", Some(12i128)), ("-3", Some(-3)), ("0x1f", Some(31)), (" 7 ", Some(7)), ("x", None)]
        {
            assert_eq!(integer(text).and_then(|i| i.as_signed().map(i128::from)), want, "{text}");
        }
        assert_eq!(integer("18446744073709551615").and_then(|i| i.as_unsigned()), Some(u64::MAX));
    }

    #[test]
    fn trailing_or_broken_text_is_not_streamed() {
        for text in [
            "<plist><dict/></plist><dict/>",
            "<plist><dict><key>files</key><dict><key>a</key><data>!!</data></dict></dict></plist>",
            "<plist><dict><key>files</key><dict><key>a</key><blob/></dict></dict></plist>",
            "<plist><dict><key>files</key></plist>",
            "bplist00",
        ] {
            assert!(read(text.as_bytes()).is_none(), "{text}");
        }
        let deep =
            format!("<plist><dict><key>rules</key>{}{}</dict></plist>", "<array>".repeat(40), "</array>".repeat(40));
        assert!(read(deep.as_bytes()).is_none(), "nesting beyond the bound falls back");
    }
}

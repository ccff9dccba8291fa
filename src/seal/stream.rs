//! Reading `CodeResources` as a stream: each `files`/`files2` entry becomes a [`Seal`] as it is
//! read, so a seal of 100 000 files never exists as a tree of plist values. Only the small
//! `rules` sections are read as values. Anything unexpected makes the caller fall back to the
//! value reader, which locates and names the problem.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

use super::EntryFields;

/// The top-level dictionary, in file order.
pub(super) struct Streamed {
    pub sections: Vec<(String, Section)>,
}

pub(super) enum Section {
    Rules(plist::Value),
    /// Path → the fields its entry holds (`None` for a value that is neither data nor a dictionary).
    Files(BTreeMap<String, Option<EntryFields>>),
    Other,
}

pub(super) fn read(data: &[u8]) -> Option<Streamed> {
    plist::from_bytes::<Streamed>(data).ok()
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
                "files" | "files2" => Section::Files(map.next_value::<Files>()?.0),
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

struct Files(BTreeMap<String, Option<EntryFields>>);

impl<'de> Deserialize<'de> for Files {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct FilesVisitor;
        impl<'de> Visitor<'de> for FilesVisitor {
            type Value = Files;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a dictionary of sealed paths")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Files, A::Error> {
                let mut out = BTreeMap::new();
                while let Some(path) = map.next_key::<String>()? {
                    let entry = map.next_value::<Entry>()?;
                    out.insert(path, entry.0);
                }
                Ok(Files(out))
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

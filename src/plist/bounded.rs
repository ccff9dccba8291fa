//! Reading property lists within depth and size limits.

use std::cell::Cell;
use std::fmt;
use std::io::Cursor;

use super::diagnose::{self, PlistError};
use super::Format;

/// Deepest nesting of arrays and dictionaries accepted in a property list. Real Info.plists,
/// entitlements and profiles nest a handful of levels; the bound keeps recursion (while reading, and in the
/// destructor of the value) far from the stack's end.
pub const MAX_PLIST_DEPTH: usize = 32;
/// Most values accepted in one property list. Binary plists may reference one object from many
/// places, which a reader expands: without a bound, a few hundred bytes could expand exponentially.
pub const MAX_PLIST_VALUES: usize = 1_000_000;

/// Reads an XML or binary property list into a [`plist::Value`] within [`MAX_PLIST_DEPTH`] and
/// [`MAX_PLIST_VALUES`]; the error says what is wrong and, when it can be found, where.
///
/// Every plist bundlelint reads goes through here: `plist::Value::from_reader` would accept any
/// nesting, and both reading and dropping a deeply nested value recurse once per level.
pub fn read_bounded(bytes: &[u8]) -> Result<(plist::Value, Format), PlistError> {
    let binary = bytes.starts_with(BINARY_PLIST_MAGIC);
    LIMIT_EXCEEDED.with(|limit| limit.set(None));
    let result = if binary {
        plist::from_bytes::<BoundedValue>(bytes).map(|v| (v.0, Format::Binary))
    } else {
        plist::from_reader_xml::<_, BoundedValue>(Cursor::new(bytes)).map(|v| (v.0, Format::Xml))
    };
    // The reader's own error is not shown: its text is not a contract and carries no usable
    // position. What is wrong is found again from the bytes.
    result.map_err(|_| match (LIMIT_EXCEEDED.with(Cell::take), binary) {
        (None, true) => diagnose::binary(bytes),
        (None, false) => diagnose::xml(bytes),
        (Some(limit), true) => PlistError::unlocated(limit.message()),
        (Some(limit), false) => {
            let found = diagnose::xml(bytes);
            if found.offset.is_some() {
                found
            } else {
                PlistError::unlocated(limit.message())
            }
        }
    })
}

const BINARY_PLIST_MAGIC: &[u8] = b"bplist00";

/// Which of the reader's limits a refused plist reached.
#[derive(Debug, Clone, Copy)]
enum Limit {
    Depth,
    Values,
}

impl Limit {
    fn message(self) -> String {
        match self {
            Limit::Depth => format!("values are nested deeper than {MAX_PLIST_DEPTH} levels"),
            Limit::Values => format!("the property list holds more than {MAX_PLIST_VALUES} values"),
        }
    }
}

thread_local! {
    /// Set when a limit stops a read, so the error can name it without parsing the reader's text.
    static LIMIT_EXCEEDED: Cell<Option<Limit>> = const { Cell::new(None) };
}

fn exceeded<E: serde::de::Error>(limit: Limit) -> E {
    LIMIT_EXCEEDED.with(|cell| cell.set(Some(limit)));
    E::custom(limit.message())
}

// The plist reader reports dates and UIDs as such (rather than as strings and integers) only to
// a deserializer that asks with these names, which `plist::Value`'s own deserializer uses. They
// are not part of the crate's documented API: the crate's version is pinned in Cargo.toml, and
// the tests `dates_and_uids_keep_their_types` fail if the names stop working.
const PLIST_VALUE_NEWTYPE: &str = "PLIST-VALUE";
const PLIST_DATE_VARIANT: &str = "PLIST-DATE";
const PLIST_UID_VARIANT: &str = "PLIST-UID";

/// A `plist::Value` deserialized within the limits.
struct BoundedValue(plist::Value);

impl<'de> serde::Deserialize<'de> for BoundedValue {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let remaining = Cell::new(MAX_PLIST_VALUES);
        let seed = BoundedSeed { depth: 0, remaining: &remaining };
        serde::de::DeserializeSeed::deserialize(seed, deserializer).map(BoundedValue)
    }
}

/// Reads one value at `depth`, drawing on the shared value budget.
#[derive(Clone, Copy)]
struct BoundedSeed<'b> {
    depth: usize,
    remaining: &'b Cell<usize>,
}

impl BoundedSeed<'_> {
    fn child<E: serde::de::Error>(self) -> Result<Self, E> {
        let depth = self.depth.saturating_add(1);
        if depth > MAX_PLIST_DEPTH {
            return Err(exceeded(Limit::Depth));
        }
        Ok(BoundedSeed { depth, ..self })
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for BoundedSeed<'_> {
    type Value = plist::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<plist::Value, D::Error> {
        let remaining = self.remaining.get().checked_sub(1).ok_or_else(|| exceeded::<D::Error>(Limit::Values))?;
        self.remaining.set(remaining);
        deserializer.deserialize_newtype_struct(PLIST_VALUE_NEWTYPE, BoundedVisitor(self))
    }
}

struct BoundedVisitor<'b>(BoundedSeed<'b>);

impl<'de> serde::de::Visitor<'de> for BoundedVisitor<'_> {
    type Value = plist::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property list value")
    }

    fn visit_newtype_struct<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<plist::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_bool<E>(self, v: bool) -> Result<plist::Value, E> {
        Ok(plist::Value::Boolean(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<plist::Value, E> {
        Ok(plist::Value::Integer(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<plist::Value, E> {
        Ok(plist::Value::Integer(v.into()))
    }

    fn visit_f64<E>(self, v: f64) -> Result<plist::Value, E> {
        Ok(plist::Value::Real(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<plist::Value, E> {
        Ok(plist::Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<plist::Value, E> {
        Ok(plist::Value::String(v))
    }

    fn visit_bytes<E>(self, v: &[u8]) -> Result<plist::Value, E> {
        Ok(plist::Value::Data(v.to_vec()))
    }

    fn visit_byte_buf<E>(self, v: Vec<u8>) -> Result<plist::Value, E> {
        Ok(plist::Value::Data(v))
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<plist::Value, A::Error> {
        let child = self.0.child()?;
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(child)? {
            items.push(item);
        }
        Ok(plist::Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<plist::Value, A::Error> {
        let child = self.0.child()?;
        let mut dictionary = plist::Dictionary::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(child)?;
            dictionary.insert(key, value);
        }
        Ok(plist::Value::Dictionary(dictionary))
    }

    fn visit_enum<A: serde::de::EnumAccess<'de>>(self, data: A) -> Result<plist::Value, A::Error> {
        use serde::de::VariantAccess;
        let (name, variant) = data.variant::<String>()?;
        match name.as_str() {
            PLIST_DATE_VARIANT => Ok(plist::Value::Date(variant.newtype_variant()?)),
            PLIST_UID_VARIANT => Ok(plist::Value::Uid(variant.newtype_variant()?)),
            other => Err(serde::de::Error::unknown_variant(other, &[PLIST_DATE_VARIANT, PLIST_UID_VARIANT])),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader hands dates and UIDs over as such only when asked with its serde names; if a
    /// new version of the crate renamed them, they would arrive as strings and integers.
    #[test]
    fn dates_and_uids_keep_their_types() {
        let date = plist::Date::from_xml_format("2020-07-21T08:44:54Z").unwrap();
        let mut dictionary = plist::Dictionary::new();
        dictionary.insert("date".into(), plist::Value::Date(date));
        dictionary.insert("uid".into(), plist::Value::Uid(plist::Uid::new(7)));
        let value = plist::Value::Dictionary(dictionary);
        let mut binary = Vec::new();
        value.to_writer_binary(&mut binary).unwrap();
        let (read, format) = read_bounded(&binary).unwrap();
        assert_eq!(format, Format::Binary);
        assert_eq!(read, value);

        let xml = b"<plist><dict><key>d</key><date>2020-07-21T08:44:54Z</date></dict></plist>";
        let (read, _) = read_bounded(xml).unwrap();
        assert_eq!(read.as_dictionary().and_then(|d| d.get("d")), Some(&plist::Value::Date(date)));
    }

    #[test]
    fn limits_are_named_by_the_reader_itself() {
        let wide = format!("<plist><array>{}</array></plist>", "<true/>".repeat(MAX_PLIST_VALUES));
        let error = read_bounded(wide.as_bytes()).unwrap_err();
        assert_eq!(error.message, format!("the property list holds more than {MAX_PLIST_VALUES} values"));
        assert_eq!(error.offset, None);
    }
}

//! Reading property lists within depth and size limits.

use std::cell::Cell;
use std::fmt;
use std::io::Cursor;

use super::Format;

/// Deepest nesting of arrays and dictionaries accepted in a property list. Real Info.plists,
/// entitlements and profiles nest a handful of levels; the bound keeps recursion (while reading, and in the
/// destructor of the value) far from the stack's end.
pub const MAX_PLIST_DEPTH: usize = 32;
/// Most values accepted in one property list. Binary plists may reference one object from many
/// places, which a reader expands: without a bound, a few hundred bytes could expand exponentially.
pub const MAX_PLIST_VALUES: usize = 1_000_000;

/// Reads an XML or binary property list into a [`plist::Value`] within [`MAX_PLIST_DEPTH`] and
/// [`MAX_PLIST_VALUES`]; the error is one line naming what is wrong.
///
/// Every plist bundlelint reads goes through here: `plist::Value::from_reader` would accept any
/// nesting, and both reading and dropping a deeply nested value recurse once per level.
pub fn read_bounded(bytes: &[u8]) -> Result<(plist::Value, Format), String> {
    let result = if bytes.starts_with(BINARY_PLIST_MAGIC) {
        plist::from_bytes::<BoundedValue>(bytes).map(|v| (v.0, Format::Binary))
    } else {
        plist::from_reader_xml::<_, BoundedValue>(Cursor::new(bytes)).map(|v| (v.0, Format::Xml))
    };
    result.map_err(|e| e.to_string())
}

const BINARY_PLIST_MAGIC: &[u8] = b"bplist00";

/// Newtype name with which `plist::Value`'s own deserializer asks the plist reader to report
/// dates and UIDs as such rather than as strings and integers; reused so the bounded value keeps
/// the same types.
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
            return Err(E::custom(format!("property list nested deeper than {MAX_PLIST_DEPTH}")));
        }
        Ok(BoundedSeed { depth, ..self })
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for BoundedSeed<'_> {
    type Value = plist::Value;

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<plist::Value, D::Error> {
        let remaining = self.remaining.get().checked_sub(1).ok_or_else(|| {
            <D::Error as serde::de::Error>::custom(format!("property list holds more than {MAX_PLIST_VALUES} values"))
        })?;
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

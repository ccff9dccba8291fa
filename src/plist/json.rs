//! Property-list values as JSON, for reports.
//!
//! Dictionaries become objects, arrays arrays, data lowercase hex strings, dates RFC 3339 UTC
//! strings, UIDs numbers, and reals that JSON cannot hold (NaN, ±∞) `null`.

use serde::Serializer;
use serde_json::{Map, Number, Value as Json};

use crate::time::rfc3339_from_unix;

/// Deepest nesting converted; anything deeper becomes `null`. Values read by this crate are
/// already bounded more tightly (see `MAX_PLIST_DEPTH`), so this only guards
/// values built elsewhere.
pub const MAX_JSON_DEPTH: usize = 64;

/// Converts a property-list value to JSON.
pub fn to_json(value: &plist::Value) -> Json {
    convert(value, 0)
}

/// Converts a property-list dictionary to a JSON object.
pub fn dictionary_to_json(dictionary: &plist::Dictionary) -> Json {
    convert_dictionary(dictionary, 0)
}

/// `serialize_with` adapter writing a dictionary as the JSON [`dictionary_to_json`] gives.
pub fn serialize_dictionary<S: Serializer>(dictionary: &plist::Dictionary, serializer: S) -> Result<S::Ok, S::Error> {
    serde::Serialize::serialize(&dictionary_to_json(dictionary), serializer)
}

fn convert(value: &plist::Value, depth: usize) -> Json {
    if depth > MAX_JSON_DEPTH {
        return Json::Null;
    }
    match value {
        plist::Value::Array(items) => {
            Json::Array(items.iter().map(|item| convert(item, depth.saturating_add(1))).collect())
        }
        plist::Value::Dictionary(dictionary) => convert_dictionary(dictionary, depth),
        plist::Value::Boolean(flag) => Json::Bool(*flag),
        plist::Value::Data(bytes) => Json::String(hex::encode(bytes)),
        plist::Value::Date(date) => Json::String(date_text(*date)),
        plist::Value::Real(real) => Number::from_f64(*real).map_or(Json::Null, Json::Number),
        plist::Value::Integer(integer) => match (integer.as_signed(), integer.as_unsigned()) {
            (Some(signed), _) => Json::Number(signed.into()),
            (None, Some(unsigned)) => Json::Number(unsigned.into()),
            (None, None) => Json::Null,
        },
        plist::Value::String(text) => Json::String(text.clone()),
        plist::Value::Uid(uid) => Json::Number(uid.get().into()),
        _ => Json::Null,
    }
}

fn convert_dictionary(dictionary: &plist::Dictionary, depth: usize) -> Json {
    if depth > MAX_JSON_DEPTH {
        return Json::Null;
    }
    let object: Map<String, Json> =
        dictionary.iter().map(|(key, value)| (key.clone(), convert(value, depth.saturating_add(1)))).collect();
    Json::Object(object)
}

/// RFC 3339 UTC text of a plist date, in the same form as every other time in the reports.
pub fn date_text(date: plist::Date) -> String {
    unix_from_date(date).and_then(rfc3339_from_unix).unwrap_or_else(|| date.to_xml_format())
}

/// Whole seconds since the Unix epoch of a plist date (earlier dates round towards the past).
pub fn unix_from_date(date: plist::Date) -> Option<i64> {
    let time = std::time::SystemTime::from(date);
    match time.duration_since(std::time::UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_secs()).ok(),
        Err(before) => {
            let before = before.duration();
            let seconds = before.as_secs().checked_add(u64::from(before.subsec_nanos() > 0))?;
            i64::try_from(seconds).ok().map(|s| -s)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_plist_type_converts() {
        let mut dictionary = plist::Dictionary::new();
        dictionary.insert("data".into(), plist::Value::Data(vec![0xde, 0xad]));
        dictionary
            .insert("date".into(), plist::Value::Date(plist::Date::from_xml_format("2020-10-24T08:40:28Z").unwrap()));
        dictionary.insert("nan".into(), plist::Value::Real(f64::NAN));
        dictionary.insert("real".into(), plist::Value::Real(1.5));
        dictionary.insert("big".into(), plist::Value::Integer(u64::MAX.into()));
        dictionary.insert("neg".into(), plist::Value::Integer((-2i64).into()));
        dictionary.insert("uid".into(), plist::Value::Uid(plist::Uid::new(7)));
        dictionary.insert(
            "list".into(),
            plist::Value::Array(vec![plist::Value::Boolean(true), plist::Value::String("x".into())]),
        );
        let json = dictionary_to_json(&dictionary);
        assert_eq!(
            json,
            serde_json::json!({
                "data": "dead", "date": "2020-10-24T08:40:28Z", "nan": null, "real": 1.5,
                "big": u64::MAX, "neg": -2, "uid": 7, "list": [true, "x"]
            })
        );
    }

    #[test]
    fn dates_before_the_epoch() {
        let date = plist::Date::from_xml_format("1969-12-31T23:59:59Z").unwrap();
        assert_eq!(unix_from_date(date), Some(-1));
        assert_eq!(date_text(date), "1969-12-31T23:59:59Z");
    }

    #[test]
    fn nesting_beyond_the_limit_becomes_null() {
        let mut value = plist::Value::Boolean(true);
        for _ in 0..MAX_JSON_DEPTH + 5 {
            value = plist::Value::Array(vec![value]);
        }
        let mut json = to_json(&value);
        let mut depth = 0;
        while let Json::Array(mut items) = json {
            json = items.pop().unwrap();
            depth += 1;
        }
        assert_eq!(json, Json::Null);
        assert_eq!(depth, MAX_JSON_DEPTH + 1);
    }
}

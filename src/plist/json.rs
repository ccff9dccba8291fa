//! Property-list values as JSON, for `--format json` output.

use serde_json::{Map, Value as Json};

/// Converts a plist value to JSON: dictionaries keep their key order, data becomes a hex string,
/// dates RFC 3339 text, reals and integers numbers (unsigned beyond `i64` stay exact).
pub fn to_json(value: &plist::Value) -> Json {
    match value {
        plist::Value::Dictionary(d) => {
            Json::Object(d.iter().map(|(k, v)| (k.clone(), to_json(v))).collect::<Map<_, _>>())
        }
        plist::Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        plist::Value::Boolean(b) => Json::Bool(*b),
        plist::Value::String(s) => Json::String(s.clone()),
        plist::Value::Integer(i) => match (i.as_signed(), i.as_unsigned()) {
            (Some(s), _) => Json::from(s),
            (None, Some(u)) => Json::from(u),
            _ => Json::Null,
        },
        plist::Value::Real(r) => serde_json::Number::from_f64(*r).map(Json::Number).unwrap_or(Json::Null),
        plist::Value::Data(d) => Json::String(hex::encode(d)),
        plist::Value::Date(d) => Json::String(d.to_xml_format()),
        plist::Value::Uid(u) => Json::from(u.get()),
        _ => Json::Null,
    }
}

//! plist → JSON, for ORACLE.jsonl.
//!
//! dict → object (keys sorted), array → array, string/bool/integer/real as is,
//! data → lowercase hex string, date → RFC 3339 string, uid → integer.

use serde_json::{Map, Value as Json};

pub fn to_json(v: &plist::Value) -> Json {
    match v {
        plist::Value::Dictionary(d) => {
            // serde_json::Map is ordered by key (BTreeMap) without `preserve_order`.
            let mut m = Map::new();
            for (k, v) in d.iter() {
                m.insert(k.clone(), to_json(v));
            }
            Json::Object(m)
        }
        plist::Value::Array(a) => Json::Array(a.iter().map(to_json).collect()),
        plist::Value::String(s) => Json::String(s.clone()),
        plist::Value::Boolean(b) => Json::Bool(*b),
        plist::Value::Integer(i) => {
            if let Some(s) = i.as_signed() {
                Json::from(s)
            } else if let Some(u) = i.as_unsigned() {
                Json::from(u)
            } else {
                Json::Null
            }
        }
        plist::Value::Real(r) => serde_json::Number::from_f64(*r).map(Json::Number).unwrap_or(Json::Null),
        plist::Value::Data(d) => Json::String(hex::encode(d)),
        plist::Value::Date(d) => {
            let st: std::time::SystemTime = (*d).into();
            let dt: chrono::DateTime<chrono::Utc> = st.into();
            Json::String(dt.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
        }
        plist::Value::Uid(u) => Json::from(u.get()),
        _ => Json::Null,
    }
}

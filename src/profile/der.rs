//! `DER-Encoded-Profile`: the DER form of a profile newer profiles carry (issued since Xcode 13,
//! June 2021). It is a CMS SignedData of its own whose content is a DER `SET` of
//! `SEQUENCE { UTF8String key, value }`; values use the DER property-list encoding of
//! entitlements, plus `UTCTime` for dates.

use crate::codesign::ber::Element;
use crate::codesign::cms::{self, CmsInfo};
use crate::codesign::der_plist::{decode_der_entitlements, decode_der_plist};

/// Most top-level keys read (real ones have about twenty).
const MAX_KEYS: usize = 1024;

/// The DER profile: its envelope and its fields.
#[derive(Debug, Clone)]
pub struct DerProfile {
    pub cms: CmsInfo,
    pub fields: plist::Dictionary,
}

/// Reads a `DER-Encoded-Profile` value. Errors say what is wrong in words.
pub fn parse_der_profile(bytes: &[u8]) -> Result<DerProfile, String> {
    let cms = cms::parse_cms(bytes).map_err(|p| format!("its CMS envelope does not parse: {}", p.message))?;
    let content = cms.encapsulated_content.as_deref().ok_or("its CMS envelope carries no content")?;
    let top = Element::parse_exact(content, 0, super::PROBLEM_CODE)
        .map_err(|p| format!("its content is not one DER element: {}", p.message))?;
    match top.tag {
        0x31 => {}
        // A whole DER property-list document (`[APPLICATION 16]`), as the entitlements use.
        0x70 => {
            let doc = decode_der_entitlements(content).map_err(|p| p.message)?;
            let fields = doc.value.into_dictionary().unwrap_or_default();
            return Ok(DerProfile { cms, fields });
        }
        other => return Err(format!("its content starts with tag {other:#04x}, not a SET")),
    }
    let mut fields = plist::Dictionary::new();
    for (index, child) in top.children().enumerate() {
        if index >= MAX_KEYS {
            return Err(format!("it holds more than {MAX_KEYS} keys"));
        }
        let pair = child.map_err(|p| p.message)?;
        let mut parts = pair.children();
        let key = match parts.next() {
            Some(Ok(k)) if k.tag == 0x0c => String::from_utf8(k.value.to_vec()).map_err(|_| "a key is not UTF-8")?,
            _ => return Err(format!("entry {index} does not start with a UTF8String key")),
        };
        let value = match parts.next() {
            Some(Ok(v)) => v,
            _ => return Err(format!("key {key:?} has no value")),
        };
        let value = match value.tag {
            0x17 => plist::Value::Date(utc_time(value.value).ok_or_else(|| format!("{key}: bad UTCTime"))?),
            0x70 => decode_der_entitlements(value.encoded).map_err(|p| format!("{key}: {}", p.message))?.value,
            _ => decode_der_plist(value.encoded).map_err(|p| format!("{key}: {}", p.message))?.value,
        };
        fields.insert(key, value);
    }
    Ok(DerProfile { cms, fields })
}

/// `YYMMDDHHMMSSZ` (RFC 5280 two-digit years: 50–99 are 19xx).
fn utc_time(text: &[u8]) -> Option<plist::Date> {
    let s = std::str::from_utf8(text).ok()?;
    let digits = s.strip_suffix('Z')?;
    if digits.len() != 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits.get(r)?.parse::<u32>().ok();
    let yy = n(0..2)?;
    let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
    let rfc = format!("{year:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", n(2..4)?, n(4..6)?, n(6..8)?, n(8..10)?, n(10..12)?);
    plist::Date::from_xml_format(&rfc).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times() {
        let d = utc_time(b"410817145504Z").unwrap();
        assert_eq!(d.to_xml_format(), "2041-08-17T14:55:04Z");
        assert_eq!(utc_time(b"990101000000Z").unwrap().to_xml_format(), "1999-01-01T00:00:00Z");
        assert!(utc_time(b"4108171455Z").is_none());
        assert!(utc_time(b"41081714550xZ").is_none());
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(parse_der_profile(b"").is_err());
        assert!(parse_der_profile(&[0x30, 0x03, 0x02, 0x01]).is_err());
    }
}

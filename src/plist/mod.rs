//! Property lists (Info.plist, launchd plists, entitlements, CodeResources), XML or binary, with
//! the line and column of every dictionary key when the source is XML, so editor diagnostics can
//! point at the offending key.

mod bounded;
mod diagnose;
pub mod json;
mod spans;

use serde::Serialize;

pub use bounded::{read_bounded, MAX_PLIST_DEPTH, MAX_PLIST_VALUES};
pub use diagnose::PlistError;
pub use json::{dictionary_to_json, serialize_dictionary, to_json};
pub use spans::Span;

use crate::Problem;

/// How a property list was stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    Xml,
    Binary,
}

/// A parsed property list and, for XML sources, where each key sits.
#[derive(Debug, Clone)]
pub struct Document {
    pub format: Format,
    pub value: plist::Value,
    /// Where keys and array items are written (`NSExtension/NSExtensionAttributes`, array items
    /// as indices).
    spans: spans::Spans,
}

impl Document {
    /// Parses XML or binary plist bytes. Offsets in the problem are relative to `data`; callers
    /// rebase them onto the file, and the message holds none (XML problems give their line and
    /// column in the plist instead).
    pub fn parse(data: &[u8]) -> Result<Document, Problem> {
        let mut document = Document::parse_without_spans(data)?;
        if document.format == Format::Xml {
            document.spans = spans::spans(data);
        }
        Ok(document)
    }

    /// Parses without recording key positions: for machine-written plists as large as a bundle
    /// (a `CodeResources` of 100 000 files), where no finding points at a key's line.
    pub fn parse_without_spans(data: &[u8]) -> Result<Document, Problem> {
        let (value, format) = read_bounded(data).map_err(|error| Problem {
            code: crate::rule_id::MALFORMED_PLIST,
            message: format!("property list cannot be parsed: {error}"),
            offset: error.offset,
        })?;
        Ok(Document { format, value, spans: spans::Spans::default() })
    }

    /// The top-level dictionary, if the plist is one.
    pub fn dict(&self) -> Option<&plist::Dictionary> {
        self.value.as_dictionary()
    }

    /// A top-level string value.
    pub fn string(&self, key: &str) -> Option<&str> {
        self.dict()?.get(key)?.as_string()
    }

    /// Where the key at `path` (keys joined with `/`) is written, for XML sources.
    pub fn key_span(&self, path: &str) -> Option<Span> {
        self.spans.keys.get(path).copied()
    }

    /// Where the array item at `path` (`keychain-access-groups/1`) is written, for XML sources.
    pub fn item_span(&self, path: &str) -> Option<Span> {
        self.spans.items.get(path).copied()
    }

    /// The path of the key whose `<key>` element holds byte `offset`: the key a finding located
    /// by its span or byte range is about.
    pub fn key_at(&self, offset: u64) -> Option<&str> {
        self.spans
            .keys
            .iter()
            .find(|(_, s)| s.offset <= offset && offset < s.offset + s.length.max(1))
            .map(|(path, _)| path.as_str())
    }

    /// The value at a key path (keys joined with `/`, array items as indices).
    pub fn value_at(&self, path: &str) -> Option<&plist::Value> {
        value_at(&self.value, path)
    }
}

/// The value under `value` at `path`. Keys may themselves contain `/` (entitlement keys do not,
/// launchd labels may), so every split of the path is tried.
fn value_at<'a>(value: &'a plist::Value, path: &str) -> Option<&'a plist::Value> {
    if path.is_empty() {
        return Some(value);
    }
    match value {
        plist::Value::Dictionary(d) => d
            .get(path)
            .or_else(|| path.match_indices('/').find_map(|(i, _)| value_at(d.get(&path[..i])?, &path[i + 1..]))),
        plist::Value::Array(items) => {
            let (head, rest) = path.split_once('/').unwrap_or((path, ""));
            value_at(items.get(head.parse::<usize>().ok()?)?, rest)
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INFO: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
	<key>CFBundleIdentifier</key>
	<string>com.example.app</string>
	<key>NSExtension</key>
	<dict>
		<key>NSExtensionPointIdentifier</key>
		<string>com.apple.fileprovider-nonui</string>
	</dict>
	<key>List</key>
	<array>
		<dict>
			<key>Inner</key>
			<true/>
		</dict>
	</array>
</dict>
</plist>
"#;

    #[test]
    fn keys_have_line_and_column() {
        let doc = Document::parse(INFO.as_bytes()).unwrap();
        assert_eq!(doc.string("CFBundleIdentifier"), Some("com.example.app"));
        let span = doc.key_span("CFBundleIdentifier").unwrap();
        assert_eq!((span.line, span.column), (5, 2));
        let nested = doc.key_span("NSExtension/NSExtensionPointIdentifier").unwrap();
        assert_eq!((nested.line, nested.column), (9, 3));
        assert_eq!(doc.key_span("List/0/Inner").unwrap().line, 15);
        assert_eq!(&INFO.as_bytes()[span.offset as usize..span.offset as usize + 5], b"<key>");
    }

    #[test]
    fn array_items_have_spans_and_keys_are_found_by_offset() {
        let doc = Document::parse(INFO.as_bytes()).unwrap();
        let item = doc.item_span("List/0").unwrap();
        assert_eq!((item.line, item.column), (14, 3));
        assert_eq!(doc.key_span("List/0"), None, "an array item is not a key");
        let key = doc.key_span("NSExtension/NSExtensionPointIdentifier").unwrap();
        assert_eq!(doc.key_at(key.offset + 3), Some("NSExtension/NSExtensionPointIdentifier"));
        assert_eq!(doc.key_at(0), None);
        let strings = "<plist><array>\n<string>a</string>\n<true/>\n</array></plist>";
        let doc = Document::parse(strings.as_bytes()).unwrap();
        let first = doc.item_span("0").unwrap();
        assert_eq!(&strings[first.offset as usize..(first.offset + first.length) as usize], "<string>a</string>");
        assert_eq!(doc.item_span("1").map(|s| (s.line, s.length)), Some((3, 7)));
    }

    #[test]
    fn values_are_found_by_path() {
        let doc = Document::parse(INFO.as_bytes()).unwrap();
        assert_eq!(
            doc.value_at("NSExtension/NSExtensionPointIdentifier").and_then(|v| v.as_string()),
            Some("com.apple.fileprovider-nonui")
        );
        assert_eq!(doc.value_at("List/0/Inner").and_then(|v| v.as_boolean()), Some(true));
        assert!(doc.value_at("List/1").is_none() && doc.value_at("Nope").is_none());
        let slashed =
            Document::parse(b"<plist><dict><key>a/b</key><dict><key>c</key><true/></dict></dict></plist>").unwrap();
        assert_eq!(slashed.value_at("a/b/c").and_then(|v| v.as_boolean()), Some(true));
    }

    #[test]
    fn keys_with_references_have_spans() {
        let xml = "<plist><dict>\n<key>R&amp;D &#x41;&#66;</key><true/>\n<key>nested</key><dict>\n  <key>&lt;x&gt;</key><false/></dict></dict></plist>";
        let doc = Document::parse(xml.as_bytes()).unwrap();
        assert!(doc.dict().unwrap().contains_key("R&D AB"));
        let span = doc.key_span("R&D AB").unwrap();
        assert_eq!((span.line, span.column), (2, 1));
        assert_eq!(doc.key_span("nested/<x>").map(|s| (s.line, s.column)), Some((4, 3)));
    }

    #[test]
    fn malformed_plists_are_problems() {
        let err = Document::parse(b"<plist><dict><key>a</key></plist>").unwrap_err();
        assert_eq!(err.code, "malformed-plist");
        assert!(Document::parse(b"bplist00garbage").is_err());
    }
}

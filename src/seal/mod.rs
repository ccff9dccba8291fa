//! `_CodeSignature/CodeResources`: the resource seal of a bundle.
//!
//! A plist with `rules`/`files` (v1, SHA-1) and `rules2`/`files2` (v2). A rule is either `true`
//! (plain inclusion) or a dict with `weight`, `omit`, `optional`, `nested`. A `files2` entry is
//! `{hash, hash2, optional}` for a file, `{symlink}` for a link, `{cdhash, requirement}` for nested
//! code; `files` entries may also be a bare `<data>` hash.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::plist::Document;
use crate::Problem;

mod stream;

/// One resource rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceRule {
    pub pattern: String,
    /// Explicit weight; codesign's default is 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weight: Option<f64>,
    pub omit: bool,
    pub optional: bool,
    pub nested: bool,
    /// Written as `<true/>` rather than a dict.
    pub plain: bool,
}

/// A recorded digest, exactly as long as it was written (a seal may hold hundreds of thousands).
pub type Digest = Box<[u8]>;

/// What `files`/`files2` record for a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Seal {
    File {
        #[serde(skip_serializing_if = "Option::is_none", with = "hex_opt")]
        hash: Option<Digest>,
        #[serde(skip_serializing_if = "Option::is_none", with = "hex_opt")]
        hash2: Option<Digest>,
        optional: bool,
    },
    Symlink {
        target: String,
    },
    Nested {
        #[serde(with = "hex_opt")]
        cdhash: Option<Digest>,
        requirement: Option<String>,
    },
}

/// A parsed CodeResources file.
#[derive(Debug, Clone, Serialize)]
pub struct CodeResources {
    pub rules: Vec<ResourceRule>,
    pub rules2: Vec<ResourceRule>,
    pub files: BTreeMap<String, Seal>,
    pub files2: BTreeMap<String, Seal>,
    pub has_rules: bool,
    pub has_rules2: bool,
    pub has_files: bool,
    pub has_files2: bool,
    /// Top-level keys other than the four known ones.
    pub extra_keys: Vec<String>,
    /// Entries that could not be understood (key and why); the rest is still usable.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<Problem>,
}

impl CodeResources {
    /// Parses CodeResources bytes (XML or binary plist). A well-formed seal is read as a stream,
    /// entry by entry; anything else goes through the value reader, which locates the problem.
    pub fn parse(data: &[u8]) -> Result<CodeResources, Problem> {
        match CodeResources::parse_streamed(data) {
            Some(cr) => Ok(cr),
            None => CodeResources::parse_values(data),
        }
    }

    /// Reads a well-formed XML seal from `input` through a small buffer, entry by entry; `None`
    /// for anything else, which [`CodeResources::parse`] then reads whole to locate the problem.
    pub fn parse_streamed(input: impl std::io::BufRead) -> Option<CodeResources> {
        stream::read(input).map(CodeResources::from_streamed)
    }

    fn from_streamed(streamed: stream::Streamed) -> CodeResources {
        let mut cr = CodeResources::empty();
        for (key, section) in streamed.sections {
            match (key.as_str(), section) {
                ("rules", stream::Section::Rules(v)) => cr.rules = rules_of(&v, &key, &mut cr.problems),
                ("rules2", stream::Section::Rules(v)) => cr.rules2 = rules_of(&v, &key, &mut cr.problems),
                ("files", stream::Section::Files(f)) => cr.files = streamed_seals(f, &key, &mut cr.problems),
                ("files2", stream::Section::Files(f)) => cr.files2 = streamed_seals(f, &key, &mut cr.problems),
                _ => {}
            }
            match key.as_str() {
                "rules" => cr.has_rules = true,
                "rules2" => cr.has_rules2 = true,
                "files" => cr.has_files = true,
                "files2" => cr.has_files2 = true,
                _ => cr.extra_keys.push(key),
            }
        }
        cr
    }

    fn empty() -> CodeResources {
        CodeResources {
            rules: Vec::new(),
            rules2: Vec::new(),
            files: BTreeMap::new(),
            files2: BTreeMap::new(),
            has_rules: false,
            has_rules2: false,
            has_files: false,
            has_files2: false,
            extra_keys: Vec::new(),
            problems: Vec::new(),
        }
    }

    fn parse_values(data: &[u8]) -> Result<CodeResources, Problem> {
        let doc = Document::parse_without_spans(data)
            .map_err(|p| Problem { code: crate::rule_id::MALFORMED_CODE_RESOURCES, ..p })?;
        let dict = doc.dict().ok_or_else(|| {
            Problem::at(crate::rule_id::MALFORMED_CODE_RESOURCES, 0, "CodeResources is not a dictionary")
        })?;
        let mut problems = Vec::new();
        let section = |key: &str| dict.get(key).map(|v| (v, key.to_owned()));
        let rules = section("rules").map(|(v, k)| rules_of(v, &k, &mut problems)).unwrap_or_default();
        let rules2 = section("rules2").map(|(v, k)| rules_of(v, &k, &mut problems)).unwrap_or_default();
        let files = section("files").map(|(v, k)| files_of(v, &k, &mut problems)).unwrap_or_default();
        let files2 = section("files2").map(|(v, k)| files_of(v, &k, &mut problems)).unwrap_or_default();
        let known = ["rules", "rules2", "files", "files2"];
        Ok(CodeResources {
            has_rules: dict.contains_key("rules"),
            has_rules2: dict.contains_key("rules2"),
            has_files: dict.contains_key("files"),
            has_files2: dict.contains_key("files2"),
            extra_keys: dict.keys().filter(|k| !known.contains(&k.as_str())).cloned().collect(),
            rules,
            rules2,
            files,
            files2,
            problems,
        })
    }

    /// Nested code entries of `files2` (path → seal).
    pub fn nested(&self) -> impl Iterator<Item = (&str, &Seal)> {
        self.files2.iter().filter(|(_, s)| matches!(s, Seal::Nested { .. })).map(|(k, v)| (k.as_str(), v))
    }
}

fn entry_problem(section: &str, key: &str, why: &str) -> Problem {
    Problem::new(crate::rule_id::MALFORMED_CODE_RESOURCES, format!("{section} entry `{key}` {why}"))
}

fn rules_of(value: &plist::Value, section: &str, problems: &mut Vec<Problem>) -> Vec<ResourceRule> {
    let Some(dict) = value.as_dictionary() else {
        problems
            .push(Problem::new(crate::rule_id::MALFORMED_CODE_RESOURCES, format!("`{section}` is not a dictionary")));
        return Vec::new();
    };
    let mut rules = Vec::new();
    for (pattern, v) in dict {
        let rule = match v {
            plist::Value::Boolean(true) => ResourceRule {
                pattern: pattern.clone(),
                weight: None,
                omit: false,
                optional: false,
                nested: false,
                plain: true,
            },
            plist::Value::Dictionary(d) => {
                let flag = |k: &str| d.get(k).and_then(plist::Value::as_boolean).unwrap_or(false);
                let weight =
                    d.get("weight").and_then(|w| w.as_real().or_else(|| w.as_signed_integer().map(|i| i as f64)));
                ResourceRule {
                    pattern: pattern.clone(),
                    weight,
                    omit: flag("omit"),
                    optional: flag("optional"),
                    nested: flag("nested"),
                    plain: false,
                }
            }
            _ => {
                problems.push(entry_problem(section, pattern, "is neither a boolean nor a dictionary"));
                continue;
            }
        };
        rules.push(rule);
    }
    rules
}

fn files_of(value: &plist::Value, section: &str, problems: &mut Vec<Problem>) -> BTreeMap<String, Seal> {
    let Some(dict) = value.as_dictionary() else {
        problems
            .push(Problem::new(crate::rule_id::MALFORMED_CODE_RESOURCES, format!("`{section}` is not a dictionary")));
        return BTreeMap::new();
    };
    let entries = dict.iter().map(|(path, v)| (path.clone(), EntryFields::of(v))).collect();
    seals_of(entries, section, problems)
}

/// Seals of a streamed `files`/`files2` section; entries that seal nothing are problems.
fn streamed_seals(files: stream::Files, section: &str, problems: &mut Vec<Problem>) -> BTreeMap<String, Seal> {
    problems.extend(files.unsealed.iter().map(|path| entry_problem(section, path, "has no hash, symlink or cdhash")));
    files.seals
}

/// Seals of a `files`/`files2` section; entries that seal nothing are problems.
fn seals_of(
    entries: BTreeMap<String, Option<EntryFields>>,
    section: &str,
    problems: &mut Vec<Problem>,
) -> BTreeMap<String, Seal> {
    let mut files = BTreeMap::new();
    for (path, fields) in entries {
        match fields.and_then(EntryFields::seal) {
            Some(seal) => {
                files.insert(path, seal);
            }
            None => problems.push(entry_problem(section, &path, "has no hash, symlink or cdhash")),
        }
    }
    files
}

/// What one `files`/`files2` entry holds, however it was read.
#[derive(Debug, Default)]
pub(crate) struct EntryFields {
    /// A bare `<data>` entry: the legacy SHA-1 of a file.
    bare: Option<Vec<u8>>,
    hash: Option<Vec<u8>>,
    hash2: Option<Vec<u8>>,
    cdhash: Option<Vec<u8>>,
    has_cdhash: bool,
    requirement: Option<String>,
    has_requirement: bool,
    symlink: Option<String>,
    optional: bool,
}

impl EntryFields {
    /// The fields of an entry read as a value; `None` when it is neither data nor a dictionary.
    fn of(value: &plist::Value) -> Option<EntryFields> {
        match value {
            plist::Value::Data(hash) => Some(EntryFields { bare: Some(hash.clone()), ..EntryFields::default() }),
            plist::Value::Dictionary(d) => {
                let data = |k: &str| d.get(k).and_then(plist::Value::as_data).map(<[u8]>::to_vec);
                let string = |k: &str| d.get(k).and_then(plist::Value::as_string).map(str::to_owned);
                Some(EntryFields {
                    bare: None,
                    hash: data("hash"),
                    hash2: data("hash2"),
                    cdhash: data("cdhash"),
                    has_cdhash: d.contains_key("cdhash"),
                    requirement: string("requirement"),
                    has_requirement: d.contains_key("requirement"),
                    symlink: string("symlink"),
                    optional: d.get("optional").and_then(plist::Value::as_boolean).unwrap_or(false),
                })
            }
            _ => None,
        }
    }

    fn seal(self) -> Option<Seal> {
        if let Some(hash) = self.bare {
            return Some(Seal::File { hash: Some(hash.into()), hash2: None, optional: false });
        }
        if let Some(target) = self.symlink {
            return Some(Seal::Symlink { target });
        }
        if self.has_cdhash || self.has_requirement {
            return Some(Seal::Nested { cdhash: self.cdhash.map(Into::into), requirement: self.requirement });
        }
        if self.hash.is_none() && self.hash2.is_none() {
            return None;
        }
        Some(Seal::File { hash: self.hash.map(Into::into), hash2: self.hash2.map(Into::into), optional: self.optional })
    }
}

mod hex_opt {
    pub fn serialize<S: serde::Serializer>(v: &Option<super::Digest>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_str(&hex::encode(b)),
            None => s.serialize_none(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>files</key><dict>
  <key>Resources/a.txt</key><data>AAAAAAAAAAAAAAAAAAAAAAAAAAA=</data>
</dict>
<key>files2</key><dict>
  <key>Frameworks/K.framework</key><dict><key>cdhash</key><data>AQIDBAUGBwgJCgsMDQ4PEBESExQ=</data>
    <key>requirement</key><string>identifier "k" and anchor apple generic</string></dict>
  <key>Resources/a.txt</key><dict><key>hash2</key><data>AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=</data><key>optional</key><true/></dict>
  <key>Resources/link</key><dict><key>symlink</key><string>a.txt</string></dict>
</dict>
<key>rules</key><dict><key>^.*</key><true/></dict>
<key>rules2</key><dict>
  <key>^.*</key><true/>
  <key>^Info\.plist$</key><dict><key>omit</key><true/><key>weight</key><real>20</real></dict>
</dict>
</dict></plist>"#;

    #[test]
    fn reads_all_entry_kinds_including_plain_true_rules() {
        let cr = CodeResources::parse(SAMPLE.as_bytes()).unwrap();
        assert!(cr.problems.is_empty(), "{:?}", cr.problems);
        assert_eq!(cr.rules2.len(), 2);
        assert!(cr.rules2.iter().any(|r| r.pattern == "^.*" && r.plain));
        assert!(cr.rules2.iter().any(|r| r.omit && r.weight == Some(20.0)));
        assert_eq!(cr.nested().count(), 1);
        assert!(matches!(cr.files2["Resources/link"], Seal::Symlink { ref target } if target == "a.txt"));
        assert!(matches!(cr.files2["Resources/a.txt"], Seal::File { optional: true, .. }));
        assert!(matches!(cr.files["Resources/a.txt"], Seal::File { hash: Some(_), .. }));
    }

    #[test]
    fn the_stream_reads_what_the_value_reader_reads() {
        assert!(stream::read(SAMPLE.as_bytes()).is_some(), "a well-formed seal is streamed");
        for text in [
            SAMPLE,
            "<plist><dict><key>files</key><dict><key>x</key><true/></dict><key>extra</key><string>e</string></dict></plist>",
            // References and comments in keys and values; an unsealed entry later sealed, and the reverse.
            "<?xml version=\"1.0\"?><!DOCTYPE plist><plist version=\"1.0\"><dict><!-- c --><key>files2</key><dict>\
             <key>A&amp;B &#x41;.png</key><dict><key>hash2</key><data>\n AAAA\n </data></dict>\
             <key>r</key><string>x</string><key>r</key><dict><key>hash</key><data>AAAA</data></dict>\
             <key>s</key><dict><key>hash</key><data>AAAA</data></dict><key>s</key><false/></dict>\
             <key>rules2</key><dict><key>^a</key><dict><key>weight</key><integer>0x10</integer></dict></dict></dict></plist>",
        ] {
            assert!(stream::read(text.as_bytes()).is_some(), "{text}");
            let streamed = CodeResources::parse(text.as_bytes()).unwrap();
            let values = CodeResources::parse_values(text.as_bytes()).unwrap();
            assert_eq!(format!("{streamed:?}"), format!("{values:?}"));
        }
        // A section that is not a dictionary falls back to the value reader's problem.
        let cr = CodeResources::parse(b"<plist><dict><key>files</key><string>x</string></dict></plist>").unwrap();
        assert!(cr.problems[0].message.contains("`files` is not a dictionary"), "{:?}", cr.problems);
    }

    #[test]
    fn non_dictionary_is_a_problem() {
        assert_eq!(CodeResources::parse(b"<plist><array/></plist>").unwrap_err().code, "malformed-code-resources");
    }
}

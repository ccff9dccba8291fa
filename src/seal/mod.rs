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

/// One resource rule.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rule {
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

/// What `files`/`files2` record for a path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Seal {
    File {
        #[serde(skip_serializing_if = "Option::is_none", with = "hex_opt")]
        hash: Option<Vec<u8>>,
        #[serde(skip_serializing_if = "Option::is_none", with = "hex_opt")]
        hash2: Option<Vec<u8>>,
        optional: bool,
    },
    Symlink {
        target: String,
    },
    Nested {
        #[serde(with = "hex_opt")]
        cdhash: Option<Vec<u8>>,
        requirement: Option<String>,
    },
}

/// A parsed CodeResources file.
#[derive(Debug, Clone, Serialize)]
pub struct CodeResources {
    pub rules: Vec<Rule>,
    pub rules2: Vec<Rule>,
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
    /// Parses CodeResources bytes (XML or binary plist).
    pub fn parse(data: &[u8]) -> Result<CodeResources, Problem> {
        let doc = Document::parse_without_spans(data).map_err(|p| Problem { code: "malformed-code-resources", ..p })?;
        let dict = doc
            .dict()
            .ok_or_else(|| Problem::at("malformed-code-resources", 0, "CodeResources is not a dictionary"))?;
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
    Problem::new("malformed-code-resources", format!("{section} entry `{key}` {why}"))
}

fn rules_of(value: &plist::Value, section: &str, problems: &mut Vec<Problem>) -> Vec<Rule> {
    let Some(dict) = value.as_dictionary() else {
        problems.push(Problem::new("malformed-code-resources", format!("`{section}` is not a dictionary")));
        return Vec::new();
    };
    let mut rules = Vec::new();
    for (pattern, v) in dict {
        let rule = match v {
            plist::Value::Boolean(true) => Rule {
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
                Rule {
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
        problems.push(Problem::new("malformed-code-resources", format!("`{section}` is not a dictionary")));
        return BTreeMap::new();
    };
    let mut files = BTreeMap::new();
    for (path, v) in dict {
        match seal_of(v) {
            Some(seal) => {
                files.insert(path.clone(), seal);
            }
            None => problems.push(entry_problem(section, path, "has no hash, symlink or cdhash")),
        }
    }
    files
}

fn seal_of(value: &plist::Value) -> Option<Seal> {
    match value {
        plist::Value::Data(hash) => Some(Seal::File { hash: Some(hash.clone()), hash2: None, optional: false }),
        plist::Value::Dictionary(d) => {
            let data = |k: &str| d.get(k).and_then(plist::Value::as_data).map(<[u8]>::to_vec);
            if let Some(target) = d.get("symlink").and_then(plist::Value::as_string) {
                return Some(Seal::Symlink { target: target.to_owned() });
            }
            if d.contains_key("cdhash") || d.contains_key("requirement") {
                return Some(Seal::Nested {
                    cdhash: data("cdhash"),
                    requirement: d.get("requirement").and_then(plist::Value::as_string).map(str::to_owned),
                });
            }
            let (hash, hash2) = (data("hash"), data("hash2"));
            if hash.is_none() && hash2.is_none() {
                return None;
            }
            let optional = d.get("optional").and_then(plist::Value::as_boolean).unwrap_or(false);
            Some(Seal::File { hash, hash2, optional })
        }
        _ => None,
    }
}

mod hex_opt {
    pub fn serialize<S: serde::Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
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
    fn non_dictionary_is_a_problem() {
        assert_eq!(CodeResources::parse(b"<plist><array/></plist>").unwrap_err().code, "malformed-code-resources");
    }
}

//! Findings on the repository's sources: a finding about a key of a built plist (an Info.plist,
//! a launchd plist) or of an executable's signed entitlements also names where that key is
//! written in the source file the configuration maps the product file to (`[sources]`), so
//! editors and code scanning put it on the line the developer changes.
//!
//! The key is the one the finding's span (plists) or byte range (entitlements) points at in the
//! built file; the source is parsed with the same span-aware reader. A key the source does not
//! have, a source that cannot be read, or a source value that is not the one the finding names
//! leaves the finding on the build output alone: no source line is better than a wrong one.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::finding::{Finding, SourceLocation};
use crate::model::{ItemView, Scan};
use crate::plist::{Document, Span};
use crate::settings::{SourceMapping, SourcePart};

/// Source files larger than this are not property lists anyone edits; they are not read.
const MAX_SOURCE_BYTES: u64 = 8 << 20;

/// The XML entitlements text starts after the blob's magic and length.
const BLOB_HEADER: u64 = 8;

/// Gives each finding about a mapped file's key its place in the source.
pub(super) fn locate(scan: &Scan, mappings: &[SourceMapping], findings: &mut [Finding]) {
    if mappings.is_empty() {
        return;
    }
    let mut sources: HashMap<PathBuf, Option<Document>> = HashMap::new();
    let mut built: HashMap<String, Option<Document>> = HashMap::new();
    let in_folder = scan.tree.kind == crate::input::InputKind::Directory;
    for finding in findings.iter_mut() {
        let Some((source_path, part)) = mapped(mappings, &finding.path, in_folder) else { continue };
        let Some(source) = sources.entry(source_path.clone()).or_insert_with(|| read_source(&source_path)).as_ref()
        else {
            continue;
        };
        let found = match part {
            SourcePart::File => {
                let document = built
                    .entry(finding.path.clone())
                    .or_insert_with(|| read_built(scan, scan.tree.tree_path(&finding.path)));
                document.as_ref().and_then(|d| place_in_file(scan, d, finding, source))
            }
            SourcePart::Entitlements => place_in_entitlements(scan, finding, source),
        };
        if let Some((key, span)) = found {
            finding.source = Some(SourceLocation { path: shown(&source_path), key, span });
        }
    }
}

/// The source of the product file at tree path `path`, and which part of the file it is. Tree
/// paths start with the input's name (`Example.app/…`); when the input is a folder of products
/// (`build/Release`), a mapping may also start inside it, with the product's own name.
fn mapped(mappings: &[SourceMapping], path: &str, in_folder: bool) -> Option<(PathBuf, SourcePart)> {
    let inside = path.split_once('/').map(|(_, rest)| rest).filter(|_| in_folder);
    [Some(path), inside]
        .into_iter()
        .flatten()
        .find_map(|p| mappings.iter().find_map(|m| Some((m.source_for(p)?, m.part))))
}

/// The key a finding about a built plist points at, and where the source writes it.
fn place_in_file(scan: &Scan, built: &Document, finding: &Finding, source: &Document) -> Option<(String, Span)> {
    let offset = finding.span.map(|s| s.offset).or(finding.range.map(|r| r.offset))?;
    let key = built.key_at(offset)?;
    let variables = owner(scan, scan.tree.tree_path(&finding.path))
        .map(|item| Variables::for_file(&item, scan.tree.tree_path(&finding.path)))
        .unwrap_or_default();
    let span = place(source, key, built.value_at(key), &finding.message, &variables)?;
    Some((key.to_owned(), span))
}

/// The entitlement a finding about an executable points at (its byte range lies in the XML
/// entitlements of one of the executable's slices), and where the source writes it.
fn place_in_entitlements(scan: &Scan, finding: &Finding, source: &Document) -> Option<(String, Span)> {
    let at = finding.range?.offset;
    scan.item_views().filter(|item| item.code_path() == scan.tree.tree_path(&finding.path)).find_map(|item| {
        let variables = Variables::of(&item);
        item.slices().iter().find_map(|slice| {
            let xml = slice.signature()?.entitlements.as_ref()?;
            let text_start = xml.range.offset + BLOB_HEADER;
            if at < text_start || at >= xml.range.offset + xml.range.size {
                return None;
            }
            let built = xml.document.as_ref().ok()?;
            let key = built.key_at(at - text_start)?;
            let span = place(source, key, built.value_at(key), &finding.message, &variables)?;
            Some((key.to_owned(), span))
        })
    })
}

/// Where `source` writes `key`: the key itself, or the array item the message names. When the
/// message names the built value, the source's value must expand to it.
fn place(
    source: &Document,
    key: &str,
    built: Option<&plist::Value>,
    message: &str,
    variables: &Variables,
) -> Option<Span> {
    let key_span = source.key_span(key)?;
    match built {
        Some(plist::Value::String(value)) if names(message, value) => {
            let written = source.value_at(key)?.as_string()?;
            variables.expands_to(written, value).then_some(key_span)
        }
        Some(plist::Value::Array(items)) => {
            let Some(named) = items.iter().filter_map(plist::Value::as_string).find(|v| names(message, v)) else {
                return Some(key_span);
            };
            let written = source.value_at(key)?.as_array()?;
            let index = written.iter().position(|w| w.as_string().is_some_and(|w| variables.expands_to(w, named)))?;
            Some(source.item_span(&format!("{key}/{index}")).unwrap_or(key_span))
        }
        _ => Some(key_span),
    }
}

/// Whether `message` names `value` as messages quote values: in backticks or double quotes.
fn names(message: &str, value: &str) -> bool {
    !value.is_empty() && (message.contains(&format!("`{value}`")) || message.contains(&format!("\"{value}\"")))
}

/// The build settings whose values the built product shows, for matching source values
/// written with them (`$(TeamIdentifierPrefix)com.example.shared`).
#[derive(Debug, Default)]
struct Variables {
    known: HashMap<&'static str, String>,
}

/// Build settings an Info.plist key records after the build.
const FROM_INFO_PLIST: &[(&str, &str)] = &[
    ("PRODUCT_BUNDLE_IDENTIFIER", "CFBundleIdentifier"),
    ("EXECUTABLE_NAME", "CFBundleExecutable"),
    ("PRODUCT_NAME", "CFBundleName"),
    ("MARKETING_VERSION", "CFBundleShortVersionString"),
    ("CURRENT_PROJECT_VERSION", "CFBundleVersion"),
    ("MACOSX_DEPLOYMENT_TARGET", "LSMinimumSystemVersion"),
    ("DEVELOPMENT_LANGUAGE", "CFBundleDevelopmentRegion"),
];

/// Build settings that hold for every target of a product: a launchd plist or a helper's file
/// inside a bundle was built by another target, with its own identifiers and versions.
const PRODUCT_WIDE: &[&str] = &["DEVELOPMENT_TEAM", "TeamIdentifierPrefix", "AppIdentifierPrefix"];

impl Variables {
    /// The build settings known for `path`, a file inside `item`: all of them for the item's own
    /// Info.plist, the team's for any other file.
    fn for_file(item: &ItemView<'_>, path: &str) -> Variables {
        let mut variables = Variables::of(item);
        let own_info = item.item.bundle.as_ref().and_then(|b| b.info_plist.as_deref()) == Some(path);
        if !own_info {
            variables.known.retain(|name, _| PRODUCT_WIDE.contains(name));
        }
        variables
    }

    /// What the code item's Info.plist and signature say the build settings were.
    fn of(item: &ItemView<'_>) -> Variables {
        let mut known = HashMap::new();
        if let Some(info) = item.info() {
            for (variable, key) in FROM_INFO_PLIST {
                if let Some(value) = info.string(key) {
                    known.insert(*variable, value.to_owned());
                }
            }
        }
        let signatures: Vec<_> = item.slices().into_iter().filter_map(|s| s.signature()).collect();
        let entitlements = signatures.iter().find_map(|s| s.entitlements_value()?.as_dictionary());
        let team = entitlements
            .and_then(|e| e.get(crate::entitlements::TEAM_ID_KEY)?.as_string())
            .or_else(|| signatures.iter().find_map(|s| s.primary()?.team_id.as_deref()));
        if let Some(team) = team {
            known.insert("DEVELOPMENT_TEAM", team.to_owned());
            known.insert("TeamIdentifierPrefix", format!("{team}."));
            known.insert("AppIdentifierPrefix", format!("{team}."));
        }
        // The App ID prefix is the team's for every App ID made since 2011, but older ones have
        // their own: the signed App ID says which.
        let app_id =
            entitlements.and_then(|e| crate::entitlements::APP_ID_KEYS.iter().find_map(|k| e.get(k)?.as_string()));
        if let Some((prefix, _)) = app_id.and_then(|id| id.split_once('.')) {
            known.insert("AppIdentifierPrefix", format!("{prefix}."));
        }
        if !known.contains_key("PRODUCT_BUNDLE_IDENTIFIER") {
            if let Some(identifier) = item.signing_identifier() {
                known.insert("PRODUCT_BUNDLE_IDENTIFIER", identifier.to_owned());
            }
        }
        Variables { known }
    }

    /// Whether the source value `written` becomes `built` in the build: its variables with a
    /// known value replaced by it, any other variable (or one with a modifier such as
    /// `:rfc1034identifier`) standing for any text.
    fn expands_to(&self, written: &str, built: &str) -> bool {
        let mut pattern = String::from("^(?s:");
        let mut rest = written;
        while let Some((before, name, after)) = next_variable(rest) {
            pattern.push_str(&regex::escape(before));
            match self.known.get(name) {
                Some(value) => pattern.push_str(&regex::escape(value)),
                None => pattern.push_str(".*"),
            }
            rest = after;
        }
        pattern.push_str(&regex::escape(rest));
        pattern.push_str(")$");
        regex::Regex::new(&pattern).is_ok_and(|r| r.is_match(built))
    }
}

/// The first `$(NAME)` or `${NAME}` of `text`: the text before it, the name, the text after.
fn next_variable(text: &str) -> Option<(&str, &str, &str)> {
    let start = text.find("$(").into_iter().chain(text.find("${")).min()?;
    let close = if text[start + 1..].starts_with('(') { ')' } else { '}' };
    let end = start + 2 + text[start + 2..].find(close)?;
    Some((&text[..start], &text[start + 2..end], &text[end + 1..]))
}

/// The innermost code item `path` belongs to: the one whose folder holds it.
fn owner<'a>(scan: &'a Scan, path: &str) -> Option<ItemView<'a>> {
    scan.item_views()
        .filter(|item| {
            path == item.item.path || path.strip_prefix(item.item.path.as_str()).is_some_and(|r| r.starts_with('/'))
        })
        .max_by_key(|item| item.item.path.len())
}

/// A built plist, parsed with its key positions.
fn read_built(scan: &Scan, path: &str) -> Option<Document> {
    Document::parse(scan.tree.file(path)?.bytes().ok()?).ok()
}

/// A source file, parsed with its key positions; `None` when it is missing, too large or not a
/// property list.
fn read_source(path: &Path) -> Option<Document> {
    if std::fs::metadata(path).ok()?.len() > MAX_SOURCE_BYTES {
        return None;
    }
    Document::parse(&std::fs::read(path).ok()?).ok()
}

/// A source path as users type it: relative to the working directory when it lies inside it,
/// without `.` and `..` components.
fn shown(path: &Path) -> String {
    let normal = lexically_normal(path);
    let cwd = std::env::current_dir().ok().and_then(|d| std::fs::canonicalize(d).ok());
    let absolute = std::fs::canonicalize(&normal).ok();
    let relative = match (&absolute, &cwd) {
        (Some(absolute), Some(cwd)) if normal.is_absolute() => absolute.strip_prefix(cwd).ok(),
        _ => None,
    };
    relative.unwrap_or(&normal).to_string_lossy().into_owned()
}

/// `a/./b/../c` → `a/c`; a leading `..` stays.
fn lexically_normal(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => match out.components().next_back() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                // `/..` is `/`.
                Some(Component::RootDir | Component::Prefix(_)) => {}
                _ => out.push(".."),
            },
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn variables(pairs: &[(&'static str, &str)]) -> Variables {
        Variables { known: pairs.iter().map(|(k, v)| (*k, (*v).to_owned())).collect() }
    }

    #[test]
    fn source_values_match_after_known_variables_expand() {
        let team =
            variables(&[("TeamIdentifierPrefix", "ABCDE12345."), ("PRODUCT_BUNDLE_IDENTIFIER", "com.example.app")]);
        assert!(team.expands_to("$(TeamIdentifierPrefix)com.example.shared", "ABCDE12345.com.example.shared"));
        assert!(!team.expands_to("$(TeamIdentifierPrefix)com.example.shared", "FGHIJ67890.com.example.shared"));
        assert!(team.expands_to("${PRODUCT_BUNDLE_IDENTIFIER}", "com.example.app"));
        assert!(team.expands_to("group.$(PRODUCT_BUNDLE_IDENTIFIER:rfc1034identifier)", "group.com.example.app"));
        assert!(team.expands_to("$(UNKNOWN).app", "anything.app"));
        assert!(!team.expands_to("$(UNKNOWN).app", "anything.ap"));
        assert!(team.expands_to("a.b (c)", "a.b (c)") && !team.expands_to("a.b", "axb"), "literals are literal");
        assert!(team.expands_to("$(unclosed", "$(unclosed"));
    }

    #[test]
    fn a_message_names_a_value_in_quotes() {
        assert!(names("group `ABCDE12345.shared` is not allowed", "ABCDE12345.shared"));
        assert!(names("value \"x.y\"", "x.y"));
        assert!(!names("`Fixture.app/Contents/MacOS/Daemon`", "Contents/MacOS/Daemon"));
        assert!(!names("anything", ""));
    }

    const SOURCE: &str = "<plist><dict>\n\t<key>com.apple.security.application-groups</key>\n\t<array>\n\t\t<string>$(TeamIdentifierPrefix)one</string>\n\t\t<string>$(TeamIdentifierPrefix)two</string>\n\t</array>\n\t<key>id</key>\n\t<string>$(TeamIdentifierPrefix)app</string>\n</dict></plist>\n";

    #[test]
    fn the_named_value_or_item_is_placed_and_a_different_one_is_not() {
        let source = Document::parse(SOURCE.as_bytes()).unwrap();
        let vars = variables(&[("TeamIdentifierPrefix", "T.")]);
        let groups: plist::Value =
            plist::Value::Array(vec![plist::Value::String("T.one".into()), plist::Value::String("T.two".into())]);
        let key = "com.apple.security.application-groups";
        let at = |message: &str, built: &plist::Value| {
            place(&source, key, Some(built), message, &vars).map(|s| (s.line, s.column))
        };
        assert_eq!(at("claims app groups", &groups), Some((2, 2)), "no value named: the key");
        assert_eq!(at("group `T.two` is not allowed", &groups), Some((5, 3)), "the named item");
        let other = plist::Value::Array(vec![plist::Value::String("U.two".into())]);
        assert_eq!(at("group `U.two` is not allowed", &other), None, "the source writes no such item");
        let id = |built: &str| {
            let message = format!("App ID `{built}` differs");
            place(&source, "id", Some(&plist::Value::String(built.into())), &message, &vars).map(|s| s.line)
        };
        assert_eq!(id("T.app"), Some(7));
        assert_eq!(id("U.app"), None);
        assert_eq!(place(&source, "absent", None, "", &vars), None);
    }

    /// A built Info.plist, a finding on its `CFBundleIdentifier` naming the built value, and a
    /// source file written as `source`: where the finding lands.
    fn placed_with_source(source: &str) -> Option<SourceLocation> {
        use crate::input::{Entry, FileData, InputKind, Tree};
        let built = "<plist><dict>\n<key>CFBundleName</key><string>A</string>\n<key>CFBundleIdentifier</key><string>com.example.a</string>\n</dict></plist>";
        let path = "A.app/Contents/Info.plist";
        let tree = Tree::from_entries(
            "A.app",
            InputKind::Directory,
            [
                ("A.app".to_owned(), Entry::Dir),
                ("A.app/Contents".to_owned(), Entry::Dir),
                (path.to_owned(), Entry::File(FileData::from_vec(built.as_bytes().to_vec()))),
            ],
        );
        let scan = Scan::from_tree(tree);
        let span = Document::parse(built.as_bytes()).unwrap().key_span("CFBundleIdentifier");
        let message = "`A.app` is signed as \"a\" but its CFBundleIdentifier is \"com.example.a\"";
        let mut findings = [Finding::new(
            crate::rule_id::SIG_IDENTIFIER_BUNDLE_MISMATCH,
            crate::finding::Severity::Error,
            path,
            message,
        )
        .span(span)];
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("Info.plist");
        std::fs::write(&file, source).unwrap();
        let mapping =
            SourceMapping { product: "A.app/Contents/Info.plist".into(), source: file, part: SourcePart::File };
        locate(&scan, &[mapping], &mut findings);
        findings[0].source.take()
    }

    #[test]
    fn a_built_plist_finding_lands_on_the_source_key_when_the_value_agrees() {
        let written = |value: &str| {
            format!("<plist><dict>\n\n<key>CFBundleIdentifier</key>\n<string>{value}</string>\n</dict></plist>")
        };
        let placed = placed_with_source(&written("$(PRODUCT_BUNDLE_IDENTIFIER)")).expect("a variable matches");
        assert_eq!((placed.key.as_str(), placed.span.line, placed.span.column), ("CFBundleIdentifier", 3, 1));
        assert!(placed_with_source(&written("com.example.a")).is_some());
        assert_eq!(placed_with_source(&written("com.example.old")), None, "another value: not this source line");
        assert_eq!(placed_with_source("<plist><dict><key>CFBundleName</key><string>A</string></dict></plist>"), None);
        assert_eq!(placed_with_source("not a plist"), None);
    }

    #[test]
    fn paths_are_shown_without_dots() {
        assert_eq!(lexically_normal(Path::new("tests/data/../../corpus/./x")), PathBuf::from("corpus/x"));
        assert_eq!(lexically_normal(Path::new("../x/../y")), PathBuf::from("../y"));
        assert_eq!(lexically_normal(Path::new("/a/../b")), PathBuf::from("/b"));
    }
}

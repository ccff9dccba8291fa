//! `--format sarif`: one SARIF 2.1.0 log for every input of the run, shaped for GitHub code
//! scanning.
//!
//! GitHub shows a result only when its first location has a text region with `startLine`, and it
//! ignores binary regions. So the primary region is the key's line and column for XML plists and
//! `startLine: 1` for every other file, and the exact bytes go to a related location with a
//! binary region, which the specification allows and other SARIF viewers use.
//!
//! A finding the configuration maps to a repository file (`[sources]`) has that file as its
//! primary location: code scanning annotates only the first location of a result, and only
//! files of the repository, which a build output (`build/`, ignored by git) rarely is; the
//! source line is the one the developer changes. The built file then is the first related
//! location, linked from the message, and the logical location still names it.
//!
//! This module also holds the conventions the other CI formats (`github`, `gitlab`, `junit`)
//! share with SARIF: how a finding's tree path becomes a file path relative to the working
//! directory, and the stable fingerprint of a finding.

use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde::Serialize;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};

use super::check::{location, CheckReport};
use crate::catalog::{self, RuleMeta};
use crate::finding::{Finding, Severity};
use crate::input::InputKind;

/// The schema URI GitHub and the SARIF tooling recognise for version 2.1.0.
pub const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";
pub const VERSION: &str = "2.1.0";
const INFORMATION_URI: &str = "https://github.com/bundlelint/bundlelint";
/// Key of our own fingerprint in `partialFingerprints`; bump the suffix if the recipe changes.
const FINGERPRINT_KEY: &str = "bundlelint/v1";
/// GitHub's `fullDescription.text` and `shortDescription.text` limit.
const MAX_DESCRIPTION: usize = 1024;

// ---------------------------------------------------------------------------------------------
// Conventions shared by the CI formats.
// ---------------------------------------------------------------------------------------------

/// Where the file a finding is about lives, relative to the working directory when the input was
/// given as a relative path. Tree paths start with the input's own name (`Fixture.app/Contents/…`
/// for `build/Fixture.app`), so the input as typed replaces that first component. A file inside
/// an archive has no path of its own: the archive stands for it.
pub fn artifact_path(input: &str, kind: InputKind, tree_path: &str) -> String {
    let input = input.trim_end_matches('/');
    let input = if input.is_empty() { "/" } else { input };
    let joined = match (kind, tree_path.split_once('/')) {
        (InputKind::Directory, Some((_, rest))) if !rest.is_empty() => format!("{input}/{rest}"),
        _ => input.to_owned(),
    };
    let trimmed = joined.trim_start_matches("./");
    if trimmed.is_empty() || trimmed == "." {
        ".".to_owned()
    } else {
        trimmed.to_owned()
    }
}

/// Whether positions inside the tree path are positions in the artifact file: not for archive
/// members, whose line 17 is not line 17 of the archive.
pub fn positions_apply(kind: InputKind) -> bool {
    kind != InputKind::Archive
}

/// A finding's identity across builds: a hash of the rule, the tree path and the slice, plus the
/// finding's rank among the findings of the run with the same hash. Byte offsets and messages are
/// left out on purpose: offsets move and messages quote values (dates, hashes) that change with
/// every build, while the same problem in the same file should keep its alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    key: [u8; 32],
    /// 1-based.
    occurrence: usize,
}

impl Fingerprint {
    /// The hash of everything, as hex: unique within the run.
    pub fn hex(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.key);
        h.update(self.occurrence.to_string().as_bytes());
        hex::encode(h.finalize())
    }

    /// GitHub's own `primaryLocationLineHash` shape, `HASH:OCCURRENCE`.
    pub fn line_hash(&self) -> String {
        format!("{}:{}", &hex::encode(self.key)[..16], self.occurrence)
    }
}

/// The fingerprint of each finding, in the order given (all inputs of the run, in report order).
pub fn fingerprints<'a>(findings: impl IntoIterator<Item = &'a Finding>) -> Vec<Fingerprint> {
    let mut seen: HashMap<[u8; 32], usize> = HashMap::new();
    findings
        .into_iter()
        .map(|f| {
            let key = fingerprint_key(f);
            let n = seen.entry(key).or_insert(0);
            *n += 1;
            Fingerprint { key, occurrence: *n }
        })
        .collect()
}

fn fingerprint_key(f: &Finding) -> [u8; 32] {
    let mut h = Sha256::new();
    for part in [FINGERPRINT_KEY, f.rule.as_str(), &f.path, f.arch.as_deref().unwrap_or("")] {
        h.update(part.as_bytes());
        // A separator that cannot occur in the parts keeps ("a", "bc") apart from ("ab", "c").
        h.update([0]);
    }
    h.finalize().into()
}

/// A path as a URI reference: `/` kept, unreserved characters kept, every other byte
/// percent-encoded (a bundle name with a space becomes `Mitmproxy%20Redirector.app`). Absolute
/// paths become `file://` URIs.
pub fn path_uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    if path.starts_with('/') {
        out.push_str("file://");
    }
    for b in path.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'/' | b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// The SARIF subset we write.
// ---------------------------------------------------------------------------------------------

#[derive(Serialize)]
struct Log {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run {
    tool: Tool,
    /// Plist spans count columns in bytes; the keys they point at are ASCII, where bytes and code
    /// points agree.
    column_kind: &'static str,
    results: Vec<SarifResult>,
}

#[derive(Serialize)]
struct Tool {
    /// The driver written once per process (see [`driver`]).
    driver: &'static RawValue,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    information_uri: &'static str,
    rules: Vec<Rule>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule {
    id: String,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Help,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties {
    tags: Vec<String>,
    family: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    policies: Vec<&'static str>,
    /// The grade of the evidence behind the rule's severity (documented, observed, inferred);
    /// absent for ids without a page.
    #[serde(skip_serializing_if = "Option::is_none")]
    evidence: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation>,
    partial_fingerprints: BTreeMap<&'static str, String>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    logical_locations: Vec<LogicalLocation>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation {
    id: usize,
    physical_location: PhysicalLocation,
    message: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

/// A text region (`startLine`, `startColumn`) or a binary region (`byteOffset`, `byteLength`),
/// never both: the specification requires both halves to name the same bytes when present
/// together, and a line of a Mach-O names no bytes.
#[derive(Serialize, Default)]
#[serde(rename_all = "camelCase")]
struct Region {
    #[serde(skip_serializing_if = "Option::is_none")]
    start_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_column: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    byte_offset: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    byte_length: Option<u64>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogicalLocation {
    fully_qualified_name: String,
    kind: &'static str,
}

// ---------------------------------------------------------------------------------------------
// Rendering.
// ---------------------------------------------------------------------------------------------

/// The SARIF log of every checked input, as pretty JSON with a final newline.
pub fn render(checked: &[CheckReport]) -> Result<String, serde_json::Error> {
    let driver = driver()?;
    let prints = fingerprints(checked.iter().flat_map(|r| &r.findings));
    let located = checked.iter().flat_map(|r| r.findings.iter().map(move |f| (r.kind, r.input.as_str(), f)));
    let results = located
        .zip(prints)
        .map(|((kind, input, f), print)| {
            result(f, input, kind, driver.rule_index.get(f.rule.as_str()).copied().unwrap_or(0), &print)
        })
        .collect();
    let log = Log {
        schema: SCHEMA_URI,
        version: VERSION,
        runs: vec![Run { tool: Tool { driver: &driver.json }, column_kind: "unicodeCodePoints", results }],
    };
    serde_json::to_string_pretty(&log).map(|j| j + "\n")
}

/// The tool's driver, serialized: the same for every run, and most of a log's bytes (every
/// rule's page, twice), so it is written once per process.
struct SerializedDriver {
    /// Pretty JSON, indented for the depth it sits at in the log (`runs[].tool.driver`), so the
    /// log reads as if written whole.
    json: Box<RawValue>,
    /// Each rule's index in the driver's `rules`, which results refer to.
    rule_index: HashMap<&'static str, usize>,
}

fn driver() -> Result<&'static SerializedDriver, serde_json::Error> {
    static DRIVER: OnceLock<SerializedDriver> = OnceLock::new();
    if let Some(driver) = DRIVER.get() {
        return Ok(driver);
    }
    // JSON strings hold no raw newline, so every newline is between tokens.
    let json = RawValue::from_string(serde_json::to_string_pretty(&whole_driver())?.replace('\n', "\n        "))?;
    let rule_index = catalog::catalog().iter().enumerate().map(|(i, meta)| (meta.id.as_str(), i)).collect();
    Ok(DRIVER.get_or_init(|| SerializedDriver { json, rule_index }))
}

fn whole_driver() -> Driver {
    Driver { name: "bundlelint", version: env!("CARGO_PKG_VERSION"), information_uri: INFORMATION_URI, rules: rules() }
}

/// Every rule of the catalog, so rule metadata and indices do not change with what a run found.
/// Findings only name registered rules (the meta-tests hold every rule and problem code to a page).
fn rules() -> Vec<Rule> {
    catalog::catalog().iter().map(documented_rule).collect()
}

fn documented_rule(meta: &RuleMeta) -> Rule {
    let page = meta.page();
    Rule {
        id: meta.id.clone(),
        name: meta.id.clone(),
        short_description: Text { text: crate::problem::truncate(&meta.summary, MAX_DESCRIPTION) },
        full_description: Text {
            text: crate::problem::truncate(
                &first_paragraph(meta.body).unwrap_or_else(|| meta.summary.clone()),
                MAX_DESCRIPTION,
            ),
        },
        help: Help { text: page.clone(), markdown: page },
        default_configuration: Configuration { level: level(meta.severity) },
        properties: RuleProperties {
            tags: vec![meta.family.clone()],
            family: meta.family.clone(),
            policies: meta.policies.iter().map(|p| p.name()).collect(),
            evidence: Some(meta.evidence.name()),
        },
    }
}

/// The first paragraph of a rule page's body (under `## What it checks`), joined into one line;
/// none when it only introduces a list or table (ends with `:`), which reads badly alone.
fn first_paragraph(body: &str) -> Option<String> {
    let paragraph: Vec<&str> = body
        .lines()
        .map(str::trim)
        .skip_while(|l| l.is_empty() || l.starts_with('#'))
        .take_while(|l| !l.is_empty())
        .collect();
    let joined = paragraph.join(" ");
    (!joined.is_empty() && !joined.ends_with(':')).then_some(joined)
}

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn result(f: &Finding, input: &str, kind: InputKind, rule_index: usize, print: &Fingerprint) -> SarifResult {
    let uri = path_uri(&artifact_path(input, kind, &f.path));
    let span = f.span.filter(|_| positions_apply(kind));
    let built = match span {
        Some(s) => text_region(s.line, s.column),
        None => Region { start_line: Some(1), ..Region::default() },
    };
    let bytes = match (span, f.range) {
        (Some(s), _) => Some((s.offset, s.length)),
        (None, Some(r)) if positions_apply(kind) => Some((r.offset, r.size)),
        _ => None,
    };
    let mut related = Vec::new();
    let primary = match &f.source {
        Some(source) => {
            related.push(RelatedLocation {
                id: 1,
                physical_location: PhysicalLocation {
                    artifact_location: ArtifactLocation { uri: uri.clone() },
                    region: built,
                },
                message: Text { text: format!("built into {}", f.path) },
            });
            PhysicalLocation {
                artifact_location: ArtifactLocation { uri: path_uri(&source.path) },
                region: text_region(source.span.line, source.span.column),
            }
        }
        None => PhysicalLocation { artifact_location: ArtifactLocation { uri: uri.clone() }, region: built },
    };
    related.extend(bytes.map(|(offset, length)| RelatedLocation {
        id: related.len() + 1,
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation { uri: uri.clone() },
            region: Region { byte_offset: Some(offset), byte_length: Some(length), ..Region::default() },
        },
        message: Text { text: format!("bytes {offset:#x}..{:#x} of {}", offset + length, f.path) },
    }));
    let logical = location(f);
    SarifResult {
        rule_id: f.rule.as_str(),
        rule_index,
        level: level(f.severity),
        message: Text { text: message(f) },
        locations: vec![Location {
            physical_location: primary,
            logical_locations: if logical.is_empty() {
                Vec::new()
            } else {
                vec![LogicalLocation { fully_qualified_name: logical, kind: logical_kind(f) }]
            },
        }],
        related_locations: related,
        partial_fingerprints: BTreeMap::from([
            ("primaryLocationLineHash", print.line_hash()),
            (FINGERPRINT_KEY, print.hex()),
        ]),
    }
}

/// A line and column, at least 1 each: GitHub drops results without a `startLine`.
fn text_region(line: u32, column: u32) -> Region {
    Region { start_line: Some(line.max(1)), start_column: Some(column.max(1)), ..Region::default() }
}

/// The message, then the built file when the result is on its source (a link to the first related
/// location) and the fix, each on its own line: GitHub lists the first sentence and shows the rest
/// on the alert's page.
fn message(f: &Finding) -> String {
    let mut text = f.message.clone();
    if f.source.is_some() {
        text.push_str(&format!("\nBuilt: [{}](1)", f.path));
    }
    if let Some(h) = &f.help {
        text.push_str(&format!("\nHelp: {h}"));
    }
    text
}

/// A slice of a Mach-O is a module; anything else (a plist, a profile, a folder) a resource.
fn logical_kind(f: &Finding) -> &'static str {
    if f.arch.is_some() {
        "module"
    } else {
        "resource"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn artifact_paths_are_relative_to_the_working_directory() {
        let dir = InputKind::Directory;
        assert_eq!(
            artifact_path("build/App.app", dir, "App.app/Contents/Info.plist"),
            "build/App.app/Contents/Info.plist"
        );
        assert_eq!(
            artifact_path("build/App.app/", dir, "App.app/Contents/Info.plist"),
            "build/App.app/Contents/Info.plist"
        );
        assert_eq!(artifact_path("./App.app", dir, "App.app/Contents/MacOS/App"), "App.app/Contents/MacOS/App");
        assert_eq!(artifact_path(".", dir, "main/Contents/MacOS/App"), "Contents/MacOS/App");
        assert_eq!(artifact_path("build/App.app", dir, "App.app"), "build/App.app");
        assert_eq!(artifact_path("bin/tool", InputKind::File, "tool"), "bin/tool");
        assert_eq!(artifact_path("out/App.zip", InputKind::Archive, "App.app/Contents/Info.plist"), "out/App.zip");
        assert_eq!(artifact_path("out/App.zip", InputKind::Archive, ""), "out/App.zip");
    }

    #[test]
    fn uris_are_percent_encoded() {
        assert_eq!(path_uri("real/Mitmproxy Redirector.app/Contents"), "real/Mitmproxy%20Redirector.app/Contents");
        assert_eq!(path_uri("/tmp/a b"), "file:///tmp/a%20b");
        assert_eq!(path_uri("é"), "%C3%A9");
    }

    #[test]
    fn fingerprints_ignore_offsets_and_messages_and_count_repeats() {
        let a = Finding::new(crate::rule_id::SIG_CODELIMIT, Severity::Error, "App.app/Contents/MacOS/App", "one")
            .arch("arm64")
            .at_offset(16);
        let b = Finding::new(crate::rule_id::SIG_CODELIMIT, Severity::Error, "App.app/Contents/MacOS/App", "two")
            .arch("arm64")
            .at_offset(99);
        let c = Finding::new(crate::rule_id::SIG_CODELIMIT, Severity::Error, "App.app/Contents/MacOS/App", "one")
            .arch("x86_64");
        let first = fingerprints([&a]);
        let moved = fingerprints([&b]);
        assert_eq!(first, moved);
        let all = fingerprints([&a, &b, &c]);
        assert_eq!(all[0].line_hash()[..16], all[1].line_hash()[..16]);
        assert!(all[0].line_hash().ends_with(":1") && all[1].line_hash().ends_with(":2"));
        assert_ne!(all[0].hex(), all[1].hex());
        assert_ne!(all[0].hex(), all[2].hex());
    }

    #[test]
    fn descriptions_are_cut_at_character_boundaries() {
        let long = "é".repeat(600);
        let cut = crate::problem::truncate(&long, MAX_DESCRIPTION);
        assert!(cut.len() <= MAX_DESCRIPTION && cut.ends_with('…'));
        assert_eq!(first_paragraph("## What it checks\n\nOne\ntwo.\n\nThree.").as_deref(), Some("One two."));
        assert_eq!(first_paragraph("## What it checks\n\nReading:\n\n| a | b |"), None);
    }

    #[test]
    fn the_driver_written_once_reads_as_if_the_log_were_written_whole() {
        #[derive(Serialize)]
        struct WholeLog {
            #[serde(rename = "$schema")]
            schema: &'static str,
            version: &'static str,
            runs: Vec<WholeRun>,
        }
        #[derive(Serialize)]
        #[serde(rename_all = "camelCase")]
        struct WholeRun {
            tool: WholeTool,
            column_kind: &'static str,
            results: Vec<SarifResult>,
        }
        #[derive(Serialize)]
        struct WholeTool {
            driver: Driver,
        }
        let whole = WholeLog {
            schema: SCHEMA_URI,
            version: VERSION,
            runs: vec![WholeRun {
                tool: WholeTool { driver: whole_driver() },
                column_kind: "unicodeCodePoints",
                results: Vec::new(),
            }],
        };
        let expected = serde_json::to_string_pretty(&whole).unwrap() + "\n";
        // Twice: the first call writes the driver, the second reuses it.
        assert_eq!(render(&[]).unwrap(), expected);
        assert_eq!(render(&[]).unwrap(), expected);
    }

    #[test]
    fn rule_properties_carry_the_evidence_grade() {
        let meta = catalog::meta("notary-unsigned-code").expect("the page exists");
        let documented = serde_json::to_value(documented_rule(meta).properties).unwrap();
        assert_eq!(documented["evidence"], meta.evidence.name());
    }
}

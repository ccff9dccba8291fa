//! `bundlelint.toml`: policy, rule selection, severities, per-path ignores, pinned expectations
//! and extra trust anchors. Found upward from the input, or given with `--config`. Errors name
//! the file, line and column of the offending key.

pub mod baseline;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::catalog::Policy;
use crate::finding::Severity;
use crate::settings::{wildcard_count, Expectations, PathIgnore, Settings, SourceMapping, SourcePart};

/// The file name looked for.
pub const FILE_NAME: &str = "bundlelint.toml";

/// The file as written.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ConfigFile {
    pub policy: Option<String>,
    #[serde(default)]
    pub select: Vec<String>,
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Rule id or prefix → severity.
    #[serde(default)]
    pub severity: BTreeMap<String, Severity>,
    #[serde(default)]
    pub ignore_path: Vec<IgnorePath>,
    #[serde(default)]
    pub expect: Expect,
    /// PEM or DER certificates trusted as anchors besides Apple's roots.
    #[serde(default)]
    pub trust_anchors: Vec<PathBuf>,
    /// PEM or DER roots that stand in for Apple's (a test hierarchy that mirrors Apple's).
    #[serde(default)]
    pub apple_roots: Vec<PathBuf>,
    /// The provisioning profile source entitlements files are judged against.
    #[serde(default)]
    pub profile: Option<PathBuf>,
    /// UDIDs of the devices a development or ad hoc build must install on.
    #[serde(default)]
    pub devices: Vec<String>,
    /// Path pattern of a file of the built product → the repository file it is made from.
    #[serde(default)]
    pub sources: BTreeMap<String, SourceEntry>,
    /// Built products the language server checks to show their findings on the sources.
    #[serde(default)]
    pub build_outputs: Vec<PathBuf>,
}

/// What a `[sources]` entry maps a product file to.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum SourceEntry {
    /// The file itself (`"Example/Info.plist"`).
    File(String),
    /// A part of the file: `{ entitlements = "Example/Example.entitlements" }` for an executable.
    Parts(SourceParts),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceParts {
    pub entitlements: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IgnorePath {
    pub glob: String,
    #[serde(default)]
    pub rules: Vec<String>,
    pub reason: String,
}

/// Values a release must carry.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Expect {
    pub team_id: Option<String>,
    /// Code item path (as bundlelint prints it) → signing identifier.
    #[serde(default)]
    pub identifiers: BTreeMap<String, String>,
    /// Certificate kind of the main signer (`developer-id-application`, `apple-distribution`…).
    pub certificate_kind: Option<String>,
}

/// A configuration error, located in its file.
#[derive(Debug)]
pub struct ConfigError {
    pub path: PathBuf,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}:{}: {}", self.path.display(), self.line, self.column, self.message)
    }
}

impl std::error::Error for ConfigError {}

/// The configuration for checking `inputs`: the nearest `bundlelint.toml` in `start` (the
/// current directory) or any parent, as ruff finds its project, never one inside an input — the
/// artifact being judged must not configure its own check. Files passed over because they lie
/// inside an input are returned second, for a warning.
pub fn discover(start: &Path, inputs: &[PathBuf]) -> (Option<PathBuf>, Vec<PathBuf>) {
    let mut skipped = Vec::new();
    let Ok(start) = std::fs::canonicalize(start) else { return (None, skipped) };
    let mut dir = Some(start.as_path());
    while let Some(d) = dir {
        let candidate = d.join(FILE_NAME);
        if candidate.is_file() {
            if inside_any(&candidate, inputs).is_none() {
                return (Some(candidate), skipped);
            }
            skipped.push(candidate);
        }
        dir = d.parent();
    }
    (None, skipped)
}

/// The input `path` lies in (or is), if any; both sides compared after resolving symlinks.
pub fn inside_any<'a>(path: &Path, inputs: &'a [PathBuf]) -> Option<&'a Path> {
    let path = std::fs::canonicalize(path).ok()?;
    inputs.iter().map(PathBuf::as_path).find(|input| std::fs::canonicalize(input).is_ok_and(|i| path.starts_with(&i)))
}

/// Reads and validates a configuration file into settings.
pub fn load(path: &Path) -> Result<Settings, ConfigError> {
    let text = std::fs::read_to_string(path).map_err(|e| ConfigError {
        path: path.to_owned(),
        line: 1,
        column: 1,
        message: format!("cannot read: {e}"),
    })?;
    parse(&text, path)
}

/// Parses configuration text (`path` is used in errors and to resolve relative anchor paths).
pub fn parse(text: &str, path: &Path) -> Result<Settings, ConfigError> {
    let at = |offset: usize, message: String| {
        let (line, column) = line_column(text, offset);
        ConfigError { path: path.to_owned(), line, column, message }
    };
    let file: ConfigFile = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        at(offset, e.message().to_owned())
    })?;
    // Values that deserialise but mean nothing: locate their key in the text.
    let key_at = |key: &str| text.find(key).unwrap_or(0);
    let policy = match file.policy.as_deref() {
        None => None,
        Some(p) => Some(Policy::from_name(p).ok_or_else(|| {
            at(key_at("policy"), format!("unknown policy `{p}`; expected one of {}", Policy::names()))
        })?),
    };
    for selector in file.select.iter().chain(&file.ignore).chain(file.severity.keys()) {
        check_selector(selector).map_err(|m| at(key_at(selector), m))?;
    }
    let mut path_ignores = Vec::new();
    for ig in &file.ignore_path {
        let glob = globset::Glob::new(&ig.glob)
            .map_err(|e| at(key_at(&ig.glob), format!("invalid glob `{}`: {e}", ig.glob)))?;
        for r in &ig.rules {
            check_selector(r).map_err(|m| at(key_at(r), m))?;
        }
        if ig.reason.trim().is_empty() {
            return Err(at(key_at(&ig.glob), format!("ignore-path `{}` needs a reason", ig.glob)));
        }
        path_ignores.push(PathIgnore {
            glob: glob.compile_matcher(),
            rules: ig.rules.clone(),
            reason: ig.reason.clone(),
        });
    }
    if let Some(kind) = &file.expect.certificate_kind {
        if !KNOWN_CERTIFICATE_KINDS.contains(&kind.as_str()) {
            return Err(at(
                key_at(kind),
                format!("unknown certificate kind `{kind}`; expected one of {}", KNOWN_CERTIFICATE_KINDS.join(", ")),
            ));
        }
    }
    for udid in &file.devices {
        crate::settings::check_device(udid).map_err(|m| at(key_at(udid), m))?;
    }
    let base = path.parent().unwrap_or(Path::new("."));
    let mut sources = Vec::new();
    for (product, entry) in &file.sources {
        let (source, part) = match entry {
            SourceEntry::File(source) => (source, SourcePart::File),
            SourceEntry::Parts(parts) => (&parts.entitlements, SourcePart::Entitlements),
        };
        check_source_mapping(product, source).map_err(|m| at(key_at(product), m))?;
        sources.push(SourceMapping { product: product.clone(), source: base.join(source), part });
    }
    Ok(Settings {
        policy,
        select: file.select,
        ignore: file.ignore,
        severity: file.severity,
        path_ignores,
        expect: Expectations {
            team_id: file.expect.team_id,
            identifiers: file.expect.identifiers,
            certificate_kind: file.expect.certificate_kind,
        },
        trust_anchors: file.trust_anchors.iter().map(|p| base.join(p)).collect(),
        apple_roots: file.apple_roots.iter().map(|p| base.join(p)).collect(),
        anchors: Default::default(),
        profile: file.profile.map(|p| base.join(p)),
        given_profile: None,
        devices: file.devices,
        sources,
        build_outputs: file.build_outputs.iter().map(|p| base.join(p)).collect(),
    })
}

/// A `[sources]` entry names a file inside the input (a relative path) and reuses no more
/// wildcards than its product pattern has.
fn check_source_mapping(product: &str, source: &str) -> Result<(), String> {
    if product.is_empty() || product.starts_with('/') {
        return Err(format!(
            "sources: `{product}` must be a path inside the checked input, starting with its name (`Example.app/Contents/Info.plist`)"
        ));
    }
    if source.is_empty() {
        return Err(format!("sources: `{product}` maps to an empty path"));
    }
    let (have, want) = (wildcard_count(product), wildcard_count(source));
    if want > have {
        return Err(format!(
            "sources: `{source}` has {want} wildcard(s) but `{product}` has {have}: each `*` of the source takes what the product's matched"
        ));
    }
    Ok(())
}

/// Certificate kinds `expect.certificate-kind` may name (as `inspect` prints them).
pub const KNOWN_CERTIFICATE_KINDS: &[&str] =
    &["developer-id-application", "developer-id-kernel", "apple-development", "apple-distribution", "mac-app-store"];

/// A selector names a known rule, a family prefix ending in `-`, or `ALL`. The error suggests
/// the closest selector that does.
pub fn check_selector(selector: &str) -> Result<(), String> {
    let ids = crate::engine::rule_ids();
    let known = selector == "ALL"
        || ids.contains(&selector)
        || (selector.ends_with('-') && ids.iter().any(|id| id.starts_with(selector)));
    if known {
        return Ok(());
    }
    let hint = match closest_selector(selector, &ids) {
        Some(s) => format!("did you mean `{s}`?"),
        None => "`bundlelint rules` lists them; prefixes end with `-`".to_owned(),
    };
    Err(format!("`{selector}` names no rule ({hint})"))
}

/// The rule id or family prefix nearest to `selector` by edit distance, when near enough to be
/// a typo (a third of its length, at least two edits).
fn closest_selector(selector: &str, ids: &[&'static str]) -> Option<String> {
    let mut candidates: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    for id in ids {
        let mut end = 0;
        while let Some(dash) = id[end..].find('-') {
            end += dash + 1;
            candidates.push(id[..end].to_owned());
        }
    }
    candidates.sort();
    candidates.dedup();
    let limit = (selector.chars().count() / 3).max(2);
    candidates
        .into_iter()
        .map(|c| (edit_distance(selector, &c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.len().cmp(&b.1.len())).then_with(|| a.1.cmp(&b.1)))
        .map(|(_, c)| c)
}

/// Levenshtein distance over characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1).min(row[j] + 1).min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn selector_typos_get_the_closest_match() {
        let hint = |s: &str| check_selector(s).unwrap_err();
        assert!(hint("notary").contains("did you mean `notary-`?"), "{}", hint("notary"));
        assert!(hint("notary-unsigend-code").contains("did you mean `notary-unsigned-code`?"));
        assert!(check_selector("sig-").is_ok() && check_selector("ALL").is_ok());
        assert!(hint("zzzzzzzzzzzzzz").contains("`bundlelint rules` lists them"));
        assert_eq!(edit_distance("kitten", "sitting"), 3);
    }

    #[test]
    fn configuration_inside_an_input_is_never_discovered() {
        let dir = tempfile::tempdir().unwrap();
        let app = dir.path().join("App.app");
        std::fs::create_dir_all(app.join("Contents")).unwrap();
        std::fs::write(dir.path().join(FILE_NAME), "").unwrap();
        std::fs::write(app.join(FILE_NAME), "ignore = [\"ALL\"]").unwrap();
        // Run from inside the bundle: its own file is passed over, the project's is used.
        let (found, skipped) = discover(&app.join("Contents"), std::slice::from_ref(&app));
        assert_eq!(found, Some(std::fs::canonicalize(dir.path().join(FILE_NAME)).unwrap()));
        assert_eq!(skipped, [std::fs::canonicalize(app.join(FILE_NAME)).unwrap()]);
        assert_eq!(inside_any(&app.join(FILE_NAME), std::slice::from_ref(&app)), Some(app.as_path()));
        assert_eq!(inside_any(&dir.path().join(FILE_NAME), std::slice::from_ref(&app)), None);
    }

    fn err(text: &str) -> ConfigError {
        parse(text, Path::new("bundlelint.toml")).unwrap_err()
    }

    #[test]
    fn reads_every_section() {
        let s = parse(
            r#"
policy = "app-store"
select = ["notary-", "sig-identifier-malformed"]
ignore = ["macho-arch-coverage"]
trust-anchors = ["certs/root.pem"]
apple-roots = ["certs/test-apple-root.pem"]
devices = ["00008030-001A2B3C4D5E802E"]

[severity]
"sig-universal-divergent" = "error"

[[ignore-path]]
glob = "**/Resources/vendor/**"
rules = ["layout-code-in-resources"]
reason = "vendor plug-in"

[expect]
team-id = "ABCDE12345"
certificate-kind = "developer-id-application"
identifiers = { "App.app" = "com.example.app" }
"#,
            Path::new("/repo/bundlelint.toml"),
        )
        .unwrap();
        assert_eq!(s.policy, Some(Policy::AppStore));
        assert_eq!(s.select.len(), 2);
        assert_eq!(s.severity["sig-universal-divergent"], Severity::Error);
        assert!(s.path_ignores[0].glob.is_match("App.app/Contents/Resources/vendor/x"));
        assert_eq!(s.expect.team_id.as_deref(), Some("ABCDE12345"));
        assert_eq!(s.expect.identifiers["App.app"], "com.example.app");
        assert_eq!(s.trust_anchors, [PathBuf::from("/repo/certs/root.pem")]);
        assert_eq!(s.apple_roots, [PathBuf::from("/repo/certs/test-apple-root.pem")]);
        assert_eq!(s.devices, ["00008030-001A2B3C4D5E802E"]);
    }

    #[test]
    fn sources_map_product_files_to_repository_files() {
        let s = parse(
            r#"
build-outputs = ["build/Release/Example.app"]

[sources]
"Example.app/Contents/Info.plist" = "Example/Info.plist"
"Example.app/Contents/MacOS/Example" = { entitlements = "Example/Example.entitlements" }
"Example.app/Contents/Library/LaunchDaemons/*.plist" = "Daemon/launchd/*.plist"
"#,
            Path::new("/repo/bundlelint.toml"),
        )
        .unwrap();
        assert_eq!(s.build_outputs, [PathBuf::from("/repo/build/Release/Example.app")]);
        let source = |path: &str| s.sources.iter().find_map(|m| Some((m.source_for(path)?, m.part)));
        assert_eq!(
            source("Example.app/Contents/Info.plist"),
            Some((PathBuf::from("/repo/Example/Info.plist"), SourcePart::File))
        );
        assert_eq!(
            source("Example.app/Contents/MacOS/Example"),
            Some((PathBuf::from("/repo/Example/Example.entitlements"), SourcePart::Entitlements))
        );
        assert_eq!(
            source("Example.app/Contents/Library/LaunchDaemons/com.example.agent.plist"),
            Some((PathBuf::from("/repo/Daemon/launchd/com.example.agent.plist"), SourcePart::File))
        );
        assert_eq!(source("Example.app/Contents/Library/LaunchDaemons/sub/x.plist"), None, "`*` stays in its folder");
        assert_eq!(source("Other.app/Contents/Info.plist"), None);

        let e = err("[sources]\n\"A.app/Contents/Info.plist\" = \"*/Info.plist\"\n");
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("has 1 wildcard(s) but"), "{e}");
        let e = err("[sources]\n\"/abs/Info.plist\" = \"Info.plist\"\n");
        assert!(e.message.contains("inside the checked input"), "{e}");
        let e = err("[sources]\n\"A.app/Contents/MacOS/A\" = { entitlement = \"A.entitlements\" }\n");
        assert_eq!(e.line, 2, "{e}");
    }

    #[test]
    fn errors_point_at_the_key() {
        let e = err("select = [\"notary-\"]\nunknown-key = 1\n");
        assert_eq!((e.line, e.column), (2, 1), "{e}");
        assert!(e.message.contains("unknown field"), "{e}");

        let e = err("policy = \"mac\"\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("unknown policy `mac`"));

        let e = err("\n\nignore = [\"no-such-rule\"]\n");
        assert_eq!(e.line, 3, "{e}");
        assert!(e.message.contains("names no rule"));

        let e = err("select = [\"notary\"]\n");
        assert!(e.message.contains("did you mean `notary-`?"), "{e}");

        let e = err("[severity]\nnotary- = \"fatal\"\n");
        assert_eq!(e.line, 2, "{e}");

        let e = err("[[ignore-path]]\nglob = \"a/**\"\nreason = \"\"\n");
        assert!(e.message.contains("needs a reason"), "{e}");

        let e = err("[expect]\ncertificate-kind = \"root\"\n");
        assert!(e.message.contains("unknown certificate kind"), "{e}");

        let e = err("\ndevices = [\"my iPhone\"]\n");
        assert_eq!(e.line, 2, "{e}");
        assert!(e.message.contains("not a device UDID"), "{e}");
    }
}

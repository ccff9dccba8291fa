//! What the user asked for: the policy, rule selection, severities and per-path ignores.

use std::collections::BTreeMap;

use crate::catalog::{self, Policy};
use crate::finding::{Finding, Severity};
use crate::model::Scan;

/// Where the policy in effect came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum PolicySource {
    /// `--policy` or the config file.
    Chosen,
    /// From the main executable's signing certificate, or (iOS family) the kind of the main
    /// app's provisioning profile.
    Detected,
    /// Nothing to detect from: the notarization gate, the strictest macOS distribution policy.
    Default,
}

/// A per-path ignore: rules not reported for paths matching a glob.
#[derive(Debug, Clone)]
pub struct PathIgnore {
    pub glob: globset::GlobMatcher,
    /// Rule ids or prefixes (`notary-`); empty means every rule.
    pub rules: Vec<String>,
    pub reason: String,
}

/// Values pinned in the configuration: a release signed otherwise fails (`expect-*` rules).
#[derive(Debug, Clone, Default)]
pub struct Expectations {
    pub team_id: Option<String>,
    /// Code item path → signing identifier.
    pub identifiers: BTreeMap<String, String>,
    pub certificate_kind: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Settings {
    pub policy: Option<Policy>,
    /// Only these rules (ids or prefixes such as `notary-`); empty means all.
    pub select: Vec<String>,
    pub ignore: Vec<String>,
    pub severity: BTreeMap<String, Severity>,
    pub path_ignores: Vec<PathIgnore>,
    pub expect: Expectations,
    /// Extra certificates trusted as chain anchors (paths) …
    pub trust_anchors: Vec<std::path::PathBuf>,
    /// Roots that stand in for Apple's (paths; `--apple-root`) …
    pub apple_roots: Vec<std::path::PathBuf>,
    /// … and the certificates of both, loaded (see [`Settings::load_files`]).
    pub anchors: crate::trust::Anchors,
    /// A provisioning profile that source entitlements files are judged against (`--profile`) …
    pub profile: Option<std::path::PathBuf>,
    /// … and that profile, read (see [`Settings::load_files`]).
    pub given_profile: Option<GivenProfile>,
    /// UDIDs of the devices a development or ad hoc build must install on (`--device`).
    pub devices: Vec<String>,
    /// Files of the built product and the repository files they are made from (`[sources]`).
    pub sources: Vec<SourceMapping>,
    /// Built products the language server checks to show their findings on the sources.
    pub build_outputs: Vec<std::path::PathBuf>,
}

/// The policy in effect, where it came from and, when detected, what it was detected from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyChoice {
    pub policy: Policy,
    pub source: PolicySource,
    /// What the policy was detected from, for the user: `the embedded profile … (…)`.
    pub basis: Option<String>,
}

/// Whether `udid` looks like a device UDID: 40 hex digits (older devices), `8-16` hex digits
/// (newer ones) or a Mac's hardware UUID (`8-4-4-4-12`). A typo here would make every device
/// check fail, so the value is checked when it is read.
pub fn check_device(udid: &str) -> Result<(), String> {
    let groups: Vec<usize> = udid.split('-').map(str::len).collect();
    let hex = udid.chars().all(|c| c.is_ascii_hexdigit() || c == '-');
    let shaped = matches!(groups.as_slice(), [40] | [8, 16] | [8, 4, 4, 4, 12]);
    if hex && shaped {
        Ok(())
    } else {
        Err(format!(
            "`{udid}` is not a device UDID (40 hex digits, or 8 and 16 hex digits joined by a dash, as Finder or `xcrun devicectl list devices` show it)"
        ))
    }
}

/// Whether two UDIDs name the same device: profiles and tools differ in letter case.
pub fn same_device(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// A file of the built product and the repository file it is made from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceMapping {
    /// A pattern over paths inside the input (`Example.app/Contents/Info.plist`): `*` matches
    /// within a name, `**/` any folders.
    pub product: String,
    /// The source file, resolved against the configuration's folder; each wildcard in it takes
    /// what the product pattern's wildcard of the same rank matched.
    pub source: std::path::PathBuf,
    pub part: SourcePart,
}

/// Which part of the product file the source is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourcePart {
    /// The file itself: an Info.plist or a launchd property list, copied and expanded by the build.
    File,
    /// The entitlements signed into the executable (`CODE_SIGN_ENTITLEMENTS`).
    Entitlements,
}

impl SourceMapping {
    /// The source file of `path`, a file inside the input, when this mapping covers it.
    pub fn source_for(&self, path: &str) -> Option<std::path::PathBuf> {
        let captures = wildcard_captures(&self.product, path)?;
        let source = self.source.to_str()?;
        let mut captured = captures.into_iter();
        let mut filled = String::with_capacity(source.len());
        for token in tokens(source) {
            match token {
                Token::Literal(text) => filled.push_str(text),
                Token::Star | Token::Folders => filled.push_str(captured.next().unwrap_or_default()),
            }
        }
        Some(std::path::PathBuf::from(filled))
    }
}

/// A piece of a path pattern.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Token<'a> {
    Literal(&'a str),
    /// `*`: any characters but `/`.
    Star,
    /// `**/`: nothing, or any folders with their trailing `/`; `**` at the end: anything.
    Folders,
}

fn tokens(pattern: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = pattern;
    while let Some(at) = rest.find('*') {
        if at > 0 {
            out.push(Token::Literal(&rest[..at]));
        }
        rest = &rest[at..];
        if let Some(after) = rest.strip_prefix("**/") {
            out.push(Token::Folders);
            rest = after;
        } else if let Some(after) = rest.strip_prefix("**") {
            out.push(Token::Folders);
            rest = after;
        } else {
            out.push(Token::Star);
            rest = &rest[1..];
        }
    }
    if !rest.is_empty() {
        out.push(Token::Literal(rest));
    }
    out
}

/// How many wildcards a pattern has: a source path may reuse at most as many as its product has.
pub fn wildcard_count(pattern: &str) -> usize {
    tokens(pattern).iter().filter(|t| !matches!(t, Token::Literal(_))).count()
}

/// What each wildcard of `pattern` matched in `text`, in order, when the whole text matches.
/// Wildcards match as little as they can, so `*.*` splits at the first dot.
pub fn wildcard_captures<'t>(pattern: &str, text: &'t str) -> Option<Vec<&'t str>> {
    let mut captures = Vec::new();
    match_tokens(&tokens(pattern), text, &mut captures).then_some(captures)
}

fn match_tokens<'t>(tokens: &[Token<'_>], text: &'t str, captures: &mut Vec<&'t str>) -> bool {
    let Some((first, rest)) = tokens.split_first() else { return text.is_empty() };
    let ends: Vec<usize> = match first {
        Token::Literal(literal) => {
            return text.strip_prefix(literal).is_some_and(|after| match_tokens(rest, after, captures));
        }
        Token::Star => (0..=text.find('/').unwrap_or(text.len())).filter(|&e| text.is_char_boundary(e)).collect(),
        // At the end, `**` takes everything; before more pattern, whole folders only.
        Token::Folders if rest.is_empty() => vec![text.len()],
        Token::Folders => std::iter::once(0).chain(text.match_indices('/').map(|(i, _)| i + 1)).collect(),
    };
    for end in ends {
        captures.push(&text[..end]);
        if match_tokens(rest, &text[end..], captures) {
            return true;
        }
        captures.pop();
    }
    false
}

/// A provisioning profile named in the settings, read.
#[derive(Debug, Clone)]
pub struct GivenProfile {
    /// The path as given, for messages.
    pub path: String,
    pub profile: std::sync::Arc<crate::profile::ProvisioningProfile>,
}

/// Whether `id` is named by a selector: the exact id, a family prefix ending in `-`, or `ALL`.
fn matches(selector: &str, id: &str) -> bool {
    selector == "ALL" || selector == id || (selector.ends_with('-') && id.starts_with(selector))
}

fn specificity(selector: &str, id: &str) -> usize {
    if selector == id {
        usize::MAX
    } else if selector == "ALL" {
        0
    } else {
        selector.len()
    }
}

impl Settings {
    /// Reads the files the settings name: the certificates of `trust_anchors` and `apple_roots`,
    /// and the `profile`.
    pub fn load_files(mut self) -> Result<Settings, String> {
        self.anchors =
            crate::trust::Anchors::load(&self.trust_anchors).map_err(|e| format!("cannot read trust anchor: {e}"))?;
        self.anchors = std::mem::take(&mut self.anchors)
            .with_apple_substitutes(&self.apple_roots)
            .map_err(|e| format!("cannot read Apple root substitute: {e}"))?;
        self.given_profile = self.profile.as_deref().map(read_profile).transpose()?;
        Ok(self)
    }

    /// Applies command-line choices over the configuration: a chosen policy replaces the file's,
    /// selections and ignores add up.
    pub fn merged_with(mut self, cli: Settings) -> Settings {
        self.policy = cli.policy.or(self.policy);
        if !cli.select.is_empty() {
            self.select = cli.select;
        }
        self.ignore.extend(cli.ignore);
        self.severity.extend(cli.severity);
        self.trust_anchors.extend(cli.trust_anchors);
        self.apple_roots.extend(cli.apple_roots);
        self.anchors.user.extend(cli.anchors.user);
        self.anchors.apple_substitutes.extend(cli.anchors.apple_substitutes);
        self.profile = cli.profile.or(self.profile);
        self.given_profile = cli.given_profile.or(self.given_profile);
        self.devices.extend(cli.devices);
        self
    }

    /// Whether rule `id` runs under `policy`.
    pub fn enabled(&self, id: &str, policy: Policy) -> bool {
        let selected = self.select.is_empty() || self.select.iter().any(|s| matches(s, id));
        let ignored = self.ignore.iter().any(|s| matches(s, id));
        let applies = catalog::meta(id).is_none_or(|m| m.applies_to(policy));
        selected && !ignored && applies
    }

    /// Sets the severity from the rule's page (unless the reporter graded the finding itself,
    /// as the verifier does) and the overrides; drops ignored paths.
    pub fn finalise(&self, mut f: Finding, policy: Policy) -> Option<Finding> {
        if self.path_ignores.iter().any(|pi| {
            pi.glob.is_match(&f.path) && (pi.rules.is_empty() || pi.rules.iter().any(|r| matches(r, f.rule.as_str())))
        }) {
            return None;
        }
        if let Some(meta) = catalog::meta(f.rule.as_str()) {
            f.severity = meta.severity_for(policy);
        }
        if let Some(cap) = f.at_most {
            f.severity = f.severity.min(cap);
        }
        // The most specific selector wins: an exact id over a family prefix over `ALL`.
        let chosen = self
            .severity
            .iter()
            .filter(|(sel, _)| matches(sel, f.rule.as_str()))
            .max_by_key(|(sel, _)| specificity(sel, f.rule.as_str()));
        if let Some((_, s)) = chosen {
            f.severity = *s;
        }
        Some(f)
    }

    /// The policy in effect: chosen, else detected from the main app's profile (iOS family) or
    /// the main executable's signature, else the default.
    pub fn policy_for(&self, scan: &Scan) -> PolicyChoice {
        if let Some(policy) = self.policy {
            return PolicyChoice { policy, source: PolicySource::Chosen, basis: None };
        }
        match detect_policy(scan) {
            Some((policy, basis)) => PolicyChoice { policy, source: PolicySource::Detected, basis: Some(basis) },
            None => PolicyChoice { policy: Policy::DeveloperId, source: PolicySource::Default, basis: None },
        }
    }
}

/// Reads and parses the provisioning profile at `path`.
fn read_profile(path: &std::path::Path) -> Result<GivenProfile, String> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read provisioning profile {shown}: {e}"))?;
    let profile = crate::profile::parse_profile(&bytes)
        .map_err(|p| format!("provisioning profile {shown} cannot be read: {}", p.message))?;
    Ok(GivenProfile { path: shown, profile: std::sync::Arc::new(profile) })
}

/// The policy the main code implies, and what implies it: the kind of the main app's
/// `embedded.mobileprovision` on the iOS family (development, ad hoc, enterprise and App Store
/// builds are all signed with the same two certificate kinds), else its signing certificate.
fn detect_policy(scan: &Scan) -> Option<(Policy, String)> {
    let main = scan.discovery.items.iter().position(|item| item.parent.is_none())?;
    ios_profile_policy(scan, main).or_else(|| certificate_policy(scan, main))
}

/// The policy of the main app's iOS-family profile (`embedded.mobileprovision`), as TN3125 reads
/// profile kinds: a device list with get-task-allow is development, without it ad hoc;
/// `ProvisionsAllDevices` is enterprise; neither is App Store.
fn ios_profile_policy(scan: &Scan, main: usize) -> Option<(Policy, String)> {
    use crate::profile::ProfileKind as P;
    let (file, profile) = scan.embedded_profile(main)?;
    if !file.path.ends_with(".mobileprovision") {
        return None;
    }
    let policy = match profile.kind {
        P::Development => Policy::Development,
        P::AdHoc => Policy::AdHoc,
        P::Enterprise => Policy::Enterprise,
        P::AppStore => Policy::AppStore,
        P::DeveloperId => Policy::DeveloperId,
    };
    let name = profile.name.as_deref().map(|n| format!(" {n:?}")).unwrap_or_default();
    let kind = profile.kind.with_article();
    Some((policy, format!("`{}`{name} is {kind} profile ({})", file.path, profile.kind_evidence())))
}

/// The policy the main code's signing certificate implies: its first certificate-signed slice.
/// Ad-hoc and unsigned code imply nothing.
fn certificate_policy(scan: &Scan, main: usize) -> Option<(Policy, String)> {
    use crate::codesign::certificate::CertificateKind as K;
    let (item, facts) = scan.code_items().nth(main)?;
    let crate::model::Code::MachO { slices, .. } = &facts.code else { return None };
    let leaf = slices.iter().find_map(|s| s.signature.as_ref()?.cms_info()?.leaf())?;
    let policy = match leaf.kind {
        K::DeveloperIdApplication | K::DeveloperIdKernel | K::DeveloperIdInstaller => Policy::DeveloperId,
        K::AppleDistribution | K::MacAppStore | K::MacInstallerDistribution | K::ApplePlatform => Policy::AppStore,
        K::AppleDevelopment => Policy::Development,
        _ => return None,
    };
    let name = leaf.common_name.as_deref().unwrap_or(&leaf.subject);
    Some((policy, format!("`{}` is signed with {name:?}", item.path)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn device_udids() {
        for good in [
            "00008030-001A2B3C4D5E802E",
            "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
            "4C4C4544-0042-3010-8052-B4C04F4E4E32",
        ] {
            assert_eq!(check_device(good), Ok(()), "{good}");
        }
        for bad in
            ["", "my iPhone", "00008030001A2B3C4D5E802E", "00008030-001A2B3C4D5E802G", "00008030-001A2B3C4D5E802E-1"]
        {
            assert!(check_device(bad).is_err(), "{bad}");
        }
        assert!(same_device("00008030-001a2b3c4d5e802e", "00008030-001A2B3C4D5E802E"));
    }

    use super::wildcard_captures as captures;

    #[test]
    fn wildcards_capture_what_they_match() {
        assert_eq!(captures("A.app/Contents/Info.plist", "A.app/Contents/Info.plist"), Some(vec![]));
        assert_eq!(captures("A.app/*/Info.plist", "A.app/Contents/Info.plist"), Some(vec!["Contents"]));
        assert_eq!(captures("L/*.plist", "L/com.example.a.plist"), Some(vec!["com.example.a"]));
        assert_eq!(captures("L/*.*.plist", "L/com.example.a.plist"), Some(vec!["com", "example.a"]));
        assert_eq!(captures("L/*.plist", "L/x/y.plist"), None, "`*` does not cross folders");
        assert_eq!(captures("**/Info.plist", "Info.plist"), Some(vec![""]));
        assert_eq!(captures("**/Info.plist", "A.app/Contents/Info.plist"), Some(vec!["A.app/Contents/"]));
        assert_eq!(captures("A.app/**", "A.app/Contents/MacOS/A"), Some(vec!["Contents/MacOS/A"]));
        assert_eq!(captures("*", "é/x"), None);
        assert_eq!(captures("*x", "éx"), Some(vec!["é"]));
    }
}

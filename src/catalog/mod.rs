//! The rule catalog: one Markdown page per rule under `rules/<family>/<id>.md`, embedded at build
//! time. The page's TOML front matter is the rule's metadata (severity, scope, policies, the
//! failure it predicts); its body is the documentation `bundlelint rule ID` prints.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::finding::Severity;

mod pages {
    include!(concat!(env!("OUT_DIR"), "/rule_pages.rs"));
}

/// The gates a rule belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Developer ID distribution: the notarization gate.
    DeveloperId,
    /// Mac App Store / App Store upload.
    AppStore,
    /// Development builds: local builds on a Mac, builds for the devices a development profile
    /// lists.
    Development,
    /// iOS-family ad hoc distribution: a distribution build for the devices its profile lists.
    AdHoc,
    /// iOS-family enterprise (in-house) distribution: a distribution build for any device of the
    /// organisation, under a profile that provisions all devices.
    Enterprise,
}

impl Policy {
    pub const ALL: [Policy; 5] =
        [Policy::DeveloperId, Policy::AppStore, Policy::Development, Policy::AdHoc, Policy::Enterprise];

    pub fn name(self) -> &'static str {
        match self {
            Policy::DeveloperId => "developer-id",
            Policy::AppStore => "app-store",
            Policy::Development => "development",
            Policy::AdHoc => "ad-hoc",
            Policy::Enterprise => "enterprise",
        }
    }

    /// Every policy name, for messages: `developer-id, app-store, …`.
    pub fn names() -> String {
        Policy::ALL.map(Policy::name).join(", ")
    }

    /// Whether the policy is a distribution channel: code that leaves the developer's hands, so
    /// its profile must still be valid and it must not be debuggable.
    pub fn is_distribution(self) -> bool {
        self != Policy::Development
    }

    pub fn from_name(name: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.name() == name)
    }
}

/// What a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Input,
    Bundle,
    CodeItem,
    Slice,
    Profile,
    Plist,
}

/// A file developers edit that a rule also judges on its own, outside a built product.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceInput {
    Entitlements,
    InfoPlist,
    LaunchdPlist,
    ProvisioningProfile,
}

impl SourceInput {
    pub fn name(self) -> &'static str {
        match self {
            SourceInput::Entitlements => "entitlements files",
            SourceInput::InfoPlist => "Info.plist files",
            SourceInput::LaunchdPlist => "launchd property lists",
            SourceInput::ProvisioningProfile => "provisioning profiles",
        }
    }
}

/// How the failure a rule predicts is known: the grade of its page's evidence.
///
/// A rule's default severity follows its grade: `error` needs [`Evidence::Documented`] or
/// [`Evidence::Observed`]; an inferred failure is at most a warning.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Evidence {
    /// Apple documentation, Apple-published source code or Apple's own tool output states it.
    Documented,
    /// A public, reproduced report quotes the failure (forum thread, issue, notary log).
    Observed,
    /// Reasoned from how the system works, not seen.
    Inferred,
}

impl Evidence {
    pub fn name(self) -> &'static str {
        match self {
            Evidence::Documented => "documented",
            Evidence::Observed => "observed",
            Evidence::Inferred => "inferred",
        }
    }

    /// Whether the grade is strong enough for an `error`.
    pub fn allows_error(self) -> bool {
        self != Evidence::Inferred
    }
}

/// Front matter of a rule page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleMeta {
    pub id: String,
    /// One sentence (SARIF `shortDescription`).
    pub summary: String,
    pub severity: Severity,
    pub scope: Scope,
    /// Policies the rule applies under; all when absent.
    #[serde(default = "all_policies")]
    pub policies: Vec<Policy>,
    /// Severity per policy when it differs from `severity`.
    #[serde(default)]
    pub severity_by_policy: std::collections::BTreeMap<String, Severity>,
    /// Exact messages of the failure the rule predicts (notary, AMFI, launchd, App Store).
    #[serde(default)]
    pub predicts: Vec<String>,
    #[serde(default)]
    pub references: Vec<String>,
    /// The grade of the evidence behind the predicted failure; the page's `## Evidence` section
    /// names the sources.
    pub evidence: Evidence,
    /// Source files the rule judges on their own, besides built products (bundles, Mach-O
    /// files, archives); none when absent.
    #[serde(default)]
    pub sources: Vec<SourceInput>,
    /// Set when filled in from the page, not written in front matter.
    #[serde(skip_deserializing)]
    pub family: String,
    #[serde(skip)]
    pub page_path: &'static str,
    #[serde(skip)]
    pub body: &'static str,
}

fn all_policies() -> Vec<Policy> {
    Policy::ALL.to_vec()
}

impl RuleMeta {
    /// Default severity under `policy`.
    pub fn severity_for(&self, policy: Policy) -> Severity {
        self.severity_by_policy.get(policy.name()).copied().unwrap_or(self.severity)
    }

    pub fn applies_to(&self, policy: Policy) -> bool {
        self.policies.contains(&policy)
    }

    /// The full page, front matter removed, with a title line, the rule's grading and what it judges.
    pub fn page(&self) -> String {
        format!("# {}\n\n{}\n\n{}\n{}\n\n{}", self.id, self.summary, self.grading(), self.judges(), self.body.trim())
    }

    /// `Judges: built products, and entitlements files on their own`.
    pub fn judges(&self) -> String {
        let sources: Vec<&str> = self.sources.iter().map(|s| s.name()).collect();
        match sources.as_slice() {
            [] => "Judges: built products".to_owned(),
            _ => format!("Judges: built products, and {} on their own", sources.join(", ")),
        }
    }

    /// `Severity: error · evidence: documented`, with the per-policy severities that differ.
    pub fn grading(&self) -> String {
        let by_policy: Vec<String> =
            self.severity_by_policy.iter().map(|(policy, s)| format!("{policy}: {}", s.name())).collect();
        let by_policy = if by_policy.is_empty() { String::new() } else { format!(" ({})", by_policy.join(", ")) };
        format!("Severity: {}{by_policy} · evidence: {}", self.severity.name(), self.evidence.name())
    }

    /// Every severity the rule can have by default: its own and each per-policy one.
    pub fn default_severities(&self) -> impl Iterator<Item = Severity> + '_ {
        std::iter::once(self.severity).chain(self.severity_by_policy.values().copied())
    }
}

/// A page that does not parse: the meta-tests report these.
#[derive(Debug, Clone)]
pub struct PageError {
    pub path: &'static str,
    pub message: String,
}

/// Every rule page, parsed once.
pub fn catalog() -> &'static [RuleMeta] {
    &parsed().0
}

/// Pages that could not be parsed (empty in a healthy build; a meta-test asserts it).
pub fn page_errors() -> &'static [PageError] {
    &parsed().1
}

/// The page of rule `id`.
pub fn meta(id: &str) -> Option<&'static RuleMeta> {
    catalog().iter().find(|m| m.id == id)
}

fn parsed() -> &'static (Vec<RuleMeta>, Vec<PageError>) {
    static PARSED: OnceLock<(Vec<RuleMeta>, Vec<PageError>)> = OnceLock::new();
    PARSED.get_or_init(|| {
        let mut metas = Vec::new();
        let mut errors = Vec::new();
        for &(path, text) in pages::PAGES {
            match parse_page(path, text) {
                Ok(m) => metas.push(m),
                Err(message) => errors.push(PageError { path, message }),
            }
        }
        metas.sort_by(|a, b| a.id.cmp(&b.id));
        (metas, errors)
    })
}

fn parse_page(path: &'static str, text: &'static str) -> Result<RuleMeta, String> {
    let rest = text.strip_prefix("+++\n").ok_or("page does not start with `+++` front matter")?;
    let end = rest.find("\n+++\n").ok_or("front matter is not closed by `+++`")?;
    let (front, body) = (&rest[..end], &rest[end + 5..]);
    let mut meta: RuleMeta = toml::from_str(front).map_err(|e| format!("front matter: {e}"))?;
    let family = path.split('/').next().unwrap_or_default();
    let file_id = path.rsplit('/').next().and_then(|n| n.strip_suffix(".md")).unwrap_or_default();
    if file_id != meta.id {
        return Err(format!("file name `{file_id}` differs from id `{}`", meta.id));
    }
    meta.family = family.to_owned();
    meta.page_path = path;
    meta.body = body;
    Ok(meta)
}

/// The headings every page carries, in order.
pub const REQUIRED_HEADINGS: &[&str] = &[
    "## What it checks",
    "## Why it matters",
    "## The failure it predicts",
    "## How to fix",
    "## References",
    "## Evidence",
];

//! The result of `bundlelint check`, as every renderer sees it.

use serde::Serialize;

use crate::catalog::Policy;
use crate::engine::Outcome;
use crate::finding::{Finding, Severity};
use crate::model::Scan;
use crate::settings::PolicySource;

/// Version of the `--format json` document; bumped on any incompatible change.
pub const SCHEMA: &str = "bundlelint.check/1";

#[derive(Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

#[derive(Debug, Serialize)]
pub struct PolicyView {
    pub name: &'static str,
    pub source: PolicySource,
}

#[derive(Debug, Serialize)]
pub struct ItemSummary {
    pub path: String,
    pub role: &'static str,
    pub archs: Vec<String>,
}

#[derive(Debug, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub error: usize,
    pub warning: usize,
    pub info: usize,
}

/// One checked input.
#[derive(Debug, Serialize)]
pub struct CheckReport {
    pub schema: &'static str,
    pub tool: Tool,
    pub input: String,
    pub policy: PolicyView,
    pub items: Vec<ItemSummary>,
    pub findings: Vec<Finding>,
    pub summary: Counts,
    /// False when part of the input was not read (listed in `unread`): never a clean result.
    pub complete: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unread: Vec<crate::engine::Unread>,
    /// Roots that stood in for Apple's in this run (`--apple-root`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub apple_root_substitutes: Vec<crate::engine::SubstituteRoot>,
    /// What the input was (directory, file, archive): how renderers name its files.
    #[serde(skip)]
    pub kind: crate::input::InputKind,
}

impl CheckReport {
    pub fn new(scan: &Scan, outcome: Outcome) -> CheckReport {
        let items = scan
            .code_items()
            .map(|(item, facts)| ItemSummary {
                path: item.path.clone(),
                role: item.role.name(),
                archs: match &facts.code {
                    crate::model::Code::MachO { file, .. } => file.slices.iter().map(|s| s.arch.clone()).collect(),
                    _ => Vec::new(),
                },
            })
            .collect();
        let summary = count(&outcome.findings);
        CheckReport {
            schema: SCHEMA,
            tool: tool(),
            input: scan.tree.origin.clone(),
            policy: PolicyView { name: outcome.policy.name(), source: outcome.policy_source },
            items,
            findings: outcome.findings,
            summary,
            complete: outcome.unread.is_empty(),
            unread: outcome.unread,
            apple_root_substitutes: outcome.apple_root_substitutes,
            kind: scan.tree.kind,
        }
    }

    pub fn policy(&self) -> Option<Policy> {
        Policy::from_name(self.policy.name)
    }
}

pub fn tool() -> Tool {
    Tool { name: "bundlelint", version: env!("CARGO_PKG_VERSION") }
}

pub fn count(findings: &[Finding]) -> Counts {
    let mut c = Counts::default();
    for f in findings {
        match f.severity {
            Severity::Error => c.error += 1,
            Severity::Warning => c.warning += 1,
            Severity::Info => c.info += 1,
        }
    }
    c
}

/// `Example/Example.entitlements:9:2 (`com.apple.security.cs.allow-jit`)`: where the repository
/// writes the key the finding is about, when the configuration maps its file (`[sources]`).
pub fn source_place(f: &Finding) -> Option<String> {
    let s = f.source.as_ref()?;
    Some(format!("{}:{}:{} (`{}`)", s.path, s.span.line, s.span.column, s.key))
}

/// `App.app/Contents/MacOS/App [arm64]`: the logical location users read.
pub fn location(f: &Finding) -> String {
    match &f.arch {
        Some(a) => format!("{} [{a}]", f.path),
        None => f.path.clone(),
    }
}

//! Findings: what a rule or the verifier reports about a place in the input.

use serde::Serialize;

use crate::macho::Range;
use crate::plist::Span;

/// How bad a finding is. Ordered: `Info < Warning < Error`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn name(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// A place in a repository source file: the file the build made `path` from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SourceLocation {
    /// The source file, relative to the working directory when it lies inside it.
    pub path: String,
    /// The key path the finding is about (`com.apple.security.cs.allow-jit`,
    /// `SMPrivilegedExecutables/com.example.helper`).
    pub key: String,
    /// Where the key, or the array item the finding names, is written.
    pub span: Span,
}

/// One reported fact about the input, with everything a user needs to act on it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// Kebab-case rule id (`sig-page-hash-mismatch`).
    pub rule: crate::rule_id::RuleId,
    pub severity: Severity,
    /// One line naming the concrete values.
    pub message: String,
    /// Tree path of the file the finding is about (`App.app/Contents/MacOS/App`).
    pub path: String,
    /// The code item it belongs to, when there is one (`App.app`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The architecture slice, for per-slice findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arch: Option<String>,
    /// Byte range in `path`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
    /// Line and column in `path` when it is a text source (XML plist).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub span: Option<Span>,
    /// How to fix it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// Where the key the finding is about is written in the repository, when the configuration
    /// maps `path` to a source file (`[sources]`) and that file has the key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<SourceLocation>,
    /// The most this finding may weigh, whatever the rule's page says: a rule lowers it for the
    /// cases its page names (a library checked on its own…). User overrides still apply.
    #[serde(skip)]
    pub at_most: Option<Severity>,
}

impl Finding {
    pub fn new(
        rule: crate::rule_id::RuleId,
        severity: Severity,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> Finding {
        Finding {
            rule,
            severity,
            message: message.into(),
            path: path.into(),
            item: None,
            arch: None,
            range: None,
            span: None,
            help: None,
            source: None,
            at_most: None,
        }
    }

    /// Caps the severity this finding gets from its rule's page.
    pub fn at_most(mut self, cap: Severity) -> Finding {
        self.at_most = Some(cap);
        self.severity = self.severity.min(cap);
        self
    }

    pub fn item(mut self, item: impl Into<String>) -> Finding {
        self.item = Some(item.into());
        self
    }

    pub fn arch(mut self, arch: impl Into<String>) -> Finding {
        self.arch = Some(arch.into());
        self
    }

    pub fn range(mut self, range: Range) -> Finding {
        self.range = Some(range);
        self
    }

    pub fn at_offset(mut self, offset: u64) -> Finding {
        self.range = Some(Range { offset, size: 0 });
        self
    }

    pub fn span(mut self, span: Option<Span>) -> Finding {
        self.span = span;
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    /// Places the finding's key in a source file (the engine does it from `[sources]`).
    #[cfg(test)]
    pub fn source_at(mut self, path: &str, key: &str, line: u32, column: u32) -> Finding {
        let span = Span { line, column, offset: 0, length: 0 };
        self.source = Some(SourceLocation { path: path.to_owned(), key: key.to_owned(), span });
        self
    }

    /// The order findings are reported in: by path, then position, then rule.
    pub fn sort_key(&self) -> (&str, Option<&str>, u64, &'static str, &str) {
        (
            self.path.as_str(),
            self.arch.as_deref(),
            self.range.map_or(0, |r| r.offset),
            self.rule.as_str(),
            self.message.as_str(),
        )
    }
}

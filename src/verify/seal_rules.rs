//! Resource rules as codesign applies them: a pattern (POSIX extended regular expression, searched
//! anywhere in the bundle-relative path), a weight (default 1), and `omit` / `optional` /
//! `nested` flags. Exclusions added by the bundle itself (`_CodeSignature`, the stapled
//! `CodeResources`, `_MASReceipt`, the main executable) are tried first and win outright;
//! otherwise the matching rule of highest weight wins.
//!
//! On a tie codesign keeps the first rule in CFDictionary order, which is hash order, not the
//! order written. Real seals show the omitting rule winning its ties (Xcode's flat-bundle rules
//! `^` and `^Info\.plist$` = omit, both weight 20, leave Info.plist out of `files2`), and
//! codesign's watchOS build prefers the omitting rule explicitly; so do we, then the first
//! written.

use regex::Regex;

use crate::seal;

/// May be absent.
pub(super) const OPTIONAL: u8 = 0x01;
/// Not sealed even if present.
pub(super) const OMITTED: u8 = 0x02;
/// Nested code, signed on its own.
pub(super) const NESTED: u8 = 0x04;
/// Excluded outright (stop looking).
pub(super) const EXCLUSION: u8 = 0x10;
/// Excluded, yet a valid symlink target (the main executable).
pub(super) const SOFT_TARGET: u8 = 0x20;

/// One compiled rule.
#[derive(Debug, Clone)]
pub(super) struct CompiledRule {
    pub pattern: String,
    regex: Regex,
    pub weight: u32,
    pub flags: u8,
}

impl CompiledRule {
    pub fn has(&self, flag: u8) -> bool {
        self.flags & flag != 0
    }

    /// Files it matches are sealed (not omitted, not excluded).
    pub fn seals(&self) -> bool {
        self.flags & (OMITTED | EXCLUSION) == 0
    }
}

/// A pattern that does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct BadPattern {
    pub pattern: String,
    pub error: String,
}

/// The rules of one seal plus the bundle's exclusions.
#[derive(Debug, Clone, Default)]
pub(super) struct RuleSet {
    exclusions: Vec<CompiledRule>,
    rules: Vec<CompiledRule>,
}

impl RuleSet {
    /// Compiles `rules` (in the order written) after the exclusions `(pattern, soft target)`.
    pub fn compile(rules: &[seal::ResourceRule], exclusions: &[(String, bool)]) -> (RuleSet, Vec<BadPattern>) {
        let mut bad = Vec::new();
        let mut set = RuleSet::default();
        for (pattern, soft) in exclusions {
            let flags = EXCLUSION | if *soft { SOFT_TARGET } else { 0 };
            match compile(pattern, 0, flags) {
                Ok(rule) => set.exclusions.push(rule),
                Err(error) => bad.push(BadPattern { pattern: pattern.clone(), error }),
            }
        }
        for rule in rules {
            match compile(&rule.pattern, weight(rule.weight), rule_flags(rule)) {
                Ok(compiled) => set.rules.push(compiled),
                Err(error) => bad.push(BadPattern { pattern: rule.pattern.clone(), error }),
            }
        }
        (set, bad)
    }

    /// The rule that decides `path`: a matching exclusion, else the heaviest matching rule.
    pub fn find(&self, path: &str) -> Option<&CompiledRule> {
        if let Some(exclusion) = self.exclusions.iter().find(|r| r.regex.is_match(path)) {
            return Some(exclusion);
        }
        let mut best: Option<&CompiledRule> = None;
        for rule in self.rules.iter().filter(|r| r.regex.is_match(path)) {
            let wins = best.is_none_or(|b| {
                rule.weight > b.weight || (rule.weight == b.weight && rule.has(OMITTED) && !b.has(OMITTED))
            });
            if wins {
                best = Some(rule);
            }
        }
        best
    }

    /// Whether `path` lies inside the sealed envelope (a valid symlink destination): codesign's
    /// `ResourceBuilder::includes`, which first checks the path's top directory for exclusions.
    pub fn includes(&self, path: &str) -> bool {
        if let Some((top, _)) = path.split_once('/') {
            if let Some(rule) = self.find(top).filter(|r| r.has(EXCLUSION)) {
                return rule.has(SOFT_TARGET);
            }
        }
        self.find(path).is_some_and(|r| r.seals() || r.has(SOFT_TARGET))
    }
}

/// codesign reads weights as unsigned integers; absent means 1.
fn weight(weight: Option<f64>) -> u32 {
    match weight {
        // A float-to-int `as` cast saturates (and maps NaN to 0), which is the intent here.
        Some(w) => w as u32,
        None => 1,
    }
}

fn rule_flags(rule: &seal::ResourceRule) -> u8 {
    let mut flags = 0;
    if rule.omit {
        flags |= OMITTED;
    }
    if rule.optional {
        flags |= OPTIONAL;
    }
    if rule.nested {
        flags |= NESTED;
    }
    flags
}

fn compile(pattern: &str, weight: u32, flags: u8) -> Result<CompiledRule, String> {
    // The regex crate's messages quote the pattern over several lines; the last one says why.
    let regex = Regex::new(&posix_to_rust(pattern))
        .map_err(|e| e.to_string().lines().last().unwrap_or_default().trim().to_owned())?;
    Ok(CompiledRule { pattern: pattern.to_owned(), regex, weight, flags })
}

/// Rewrites a POSIX extended regular expression (as `regcomp(REG_EXTENDED)` reads it) into the
/// `regex` crate's syntax: `.` also matches a newline, and inside a bracket expression a
/// backslash, `[` (unless it opens `[:class:]`), `&`, `~` and `-` runs are literal there but
/// special to `regex`.
pub(super) fn posix_to_rust(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len() + 8);
    out.push_str("(?s)");
    let chars: Vec<char> = pattern.chars().collect();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        match c {
            '\\' => {
                out.push('\\');
                if let Some(&next) = chars.get(i + 1) {
                    out.push(next);
                    i += 1;
                }
            }
            '[' => {
                i = bracket(&chars, i, &mut out);
                continue;
            }
            _ => out.push(c),
        }
        i += 1;
    }
    out
}

/// Copies the bracket expression starting at `chars[start] == '['` and returns the index after
/// it. An unterminated bracket stays unterminated (and fails to compile, as in POSIX).
fn bracket(chars: &[char], start: usize, out: &mut String) -> usize {
    let mut i = start + 1;
    out.push('[');
    if chars.get(i) == Some(&'^') {
        out.push('^');
        i += 1;
    }
    // A `]` right after `[` or `[^` is a literal.
    if chars.get(i) == Some(&']') {
        out.push_str("\\]");
        i += 1;
    }
    while let Some(&c) = chars.get(i) {
        match c {
            ']' => {
                out.push(']');
                return i + 1;
            }
            '[' if matches!(chars.get(i + 1), Some(':' | '.' | '=')) => {
                // `[:alpha:]` and friends: copy through the closing `:]`.
                let kind = chars.get(i + 1).copied().unwrap_or(':');
                let close = (i + 2..chars.len().saturating_sub(1))
                    .find(|&j| chars.get(j) == Some(&kind) && chars.get(j + 1) == Some(&']'));
                match close {
                    Some(j) => {
                        chars.get(i..j + 2).into_iter().flatten().for_each(|&ch| out.push(ch));
                        i = j + 2;
                    }
                    None => {
                        out.push_str("\\[");
                        i += 1;
                    }
                }
            }
            '\\' | '[' | '&' | '~' => {
                out.push('\\');
                out.push(c);
                i += 1;
            }
            // `--` would be a set difference in `regex`; a single `-` keeps its range meaning.
            '-' if chars.get(i + 1) == Some(&'-') => {
                out.push_str("\\-");
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    chars.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(pattern: &str, weight: Option<f64>, omit: bool, optional: bool, nested: bool) -> seal::ResourceRule {
        seal::ResourceRule { pattern: pattern.into(), weight, omit, optional, nested, plain: weight.is_none() }
    }

    /// codesign's default v2 rules for a macOS bundle.
    fn default_rules() -> Vec<seal::ResourceRule> {
        vec![
            rule("^.*", None, false, false, false),
            rule("^[^/]+$", Some(10.0), false, false, true),
            rule("^(Frameworks|SharedFrameworks|PlugIns|Plug-ins|XPCServices|Helpers|MacOS|Library/(Automator|Spotlight|LoginItems))/", Some(10.0), false, false, true),
            rule(".*\\.dSYM($|/)", Some(11.0), false, false, false),
            rule("^(.*/)?\\.DS_Store$", Some(2000.0), true, false, false),
            rule("^Info\\.plist$", Some(20.0), true, false, false),
            rule("^PkgInfo$", Some(20.0), true, false, false),
            rule("^Resources/", Some(20.0), false, false, false),
            rule("^Resources/.*\\.lproj/", Some(1000.0), false, true, false),
            rule("^Resources/Base\\.lproj/", Some(1010.0), false, false, false),
            rule("^Resources/.*\\.lproj/locversion.plist$", Some(1100.0), true, false, false),
        ]
    }

    fn set() -> RuleSet {
        let exclusions = vec![("^_CodeSignature$".to_owned(), false), ("^MacOS/App$".to_owned(), true)];
        let (set, bad) = RuleSet::compile(&default_rules(), &exclusions);
        assert!(bad.is_empty(), "{bad:?}");
        set
    }

    #[test]
    fn heaviest_rule_wins_and_exclusions_come_first() {
        let set = set();
        let pick = |p: &str| set.find(p).map(|r| (r.pattern.clone(), r.flags));
        assert_eq!(pick("Resources/en.lproj/a.strings").unwrap().1, OPTIONAL);
        assert_eq!(pick("Resources/Base.lproj/Main.nib").unwrap().0, "^Resources/Base\\.lproj/");
        assert_eq!(pick("Resources/en.lproj/locversion.plist").unwrap().1, OMITTED);
        assert_eq!(pick("Frameworks/K.framework").unwrap().1, NESTED);
        assert_eq!(pick("Info.plist").unwrap().1, OMITTED);
        assert_eq!(pick("embedded.provisionprofile").unwrap().1, NESTED);
        assert_eq!(pick("_CodeSignature").unwrap().1, EXCLUSION);
        assert_eq!(pick("MacOS/App").unwrap().1, EXCLUSION | SOFT_TARGET);
        assert_eq!(pick("a/b/.DS_Store").unwrap().1, OMITTED);
        assert_eq!(pick("Helpers/x.dSYM/Contents/Info.plist").unwrap().0, ".*\\.dSYM($|/)");
    }

    #[test]
    fn omitting_rules_win_ties() {
        let rules =
            [rule("^", Some(20.0), false, false, false), rule("^Info\\.plist$", Some(20.0), true, false, false)];
        let (set, _) = RuleSet::compile(&rules, &[]);
        assert_eq!(set.find("Info.plist").unwrap().flags, OMITTED);
        assert_eq!(set.find("Assets.car").unwrap().pattern, "^");
    }

    #[test]
    fn includes_follows_codesign() {
        let set = set();
        assert!(set.includes("Resources/a.txt"));
        assert!(!set.includes("Info.plist"));
        assert!(!set.includes("_CodeSignature/CodeResources"));
        assert!(set.includes("MacOS/App"));
    }

    #[test]
    fn posix_bracket_expressions_are_translated() {
        assert_eq!(posix_to_rust("^[^/]+$"), "(?s)^[^/]+$");
        assert_eq!(posix_to_rust("[\\]"), "(?s)[\\\\]");
        assert_eq!(posix_to_rust("[]a]"), "(?s)[\\]a]");
        assert_eq!(posix_to_rust("[[:alpha:]_]"), "(?s)[[:alpha:]_]");
        assert_eq!(posix_to_rust("a[&~]"), "(?s)a[\\&\\~]");
        let re = Regex::new(&posix_to_rust("^a[\\]b$")).unwrap();
        assert!(re.is_match("a\\b"));
        assert!(Regex::new(&posix_to_rust("^(a|b")).is_err());
    }

    #[test]
    fn bad_patterns_are_reported_and_skipped() {
        let (set, bad) = RuleSet::compile(&[rule("^(Resources", None, false, false, false)], &[]);
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].pattern, "^(Resources");
        assert!(set.find("Resources/x").is_none());
    }

    #[test]
    fn weights_are_unsigned_integers() {
        assert_eq!(weight(Some(1010.0)), 1010);
        assert_eq!(weight(Some(-3.0)), 0);
        assert_eq!(weight(None), 1);
    }
}

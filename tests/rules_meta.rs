//! Every rule has its page, every page its rule, and every rule a failing and a passing case.

use std::collections::BTreeSet;

use bundlelint::catalog::{self, REQUIRED_HEADINGS};

fn implemented() -> BTreeSet<String> {
    bundlelint::engine::rule_ids().into_iter().map(str::to_owned).collect()
}

fn documented() -> BTreeSet<String> {
    catalog::catalog().iter().map(|m| m.id.clone()).collect()
}

#[test]
fn every_page_parses() {
    let errors: Vec<String> =
        catalog::page_errors().iter().map(|e| format!("rules/{}: {}", e.path, e.message)).collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
}

#[test]
fn every_rule_has_a_page_and_every_page_a_rule() {
    let (rules, pages) = (implemented(), documented());
    let without_page: Vec<_> = rules.difference(&pages).collect();
    let without_rule: Vec<_> = pages.difference(&rules).collect();
    assert!(without_page.is_empty(), "rules without a page in rules/: {without_page:?}");
    assert!(without_rule.is_empty(), "pages without a rule: {without_rule:?}");
}

#[test]
fn pages_have_every_section_in_order() {
    for meta in catalog::catalog() {
        let mut at = 0;
        for heading in REQUIRED_HEADINGS {
            let found = meta.body[at..]
                .find(heading)
                .unwrap_or_else(|| panic!("rules/{}: missing or misplaced `{heading}`", meta.page_path));
            at += found + heading.len();
        }
        assert!(!meta.summary.trim().is_empty() && meta.summary.len() <= 1024, "rules/{}: summary", meta.page_path);
        assert!(!meta.summary.ends_with('.'), "rules/{}: summaries have no trailing period", meta.page_path);
        let failure = section(meta.body, "## The failure it predicts");
        assert!(failure.trim().len() > 20, "rules/{}: the failure it predicts is empty", meta.page_path);
        assert!(
            !meta.references.is_empty() || section(meta.body, "## References").contains("http"),
            "rules/{}: no references",
            meta.page_path
        );
    }
}

fn section<'a>(body: &'a str, heading: &str) -> &'a str {
    let start = body.find(heading).map(|i| i + heading.len()).unwrap_or(body.len());
    let rest = &body[start..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

#[test]
fn every_rule_has_a_failing_and_a_passing_case() {
    let mut missing = Vec::new();
    for id in implemented() {
        let dir = std::path::Path::new("corpus/cases").join(&id);
        let names: Vec<String> = std::fs::read_dir(&dir)
            .map(|d| d.flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect())
            .unwrap_or_default();
        for kind in ["fail-", "pass-"] {
            if !names.iter().any(|n| n.starts_with(kind)) {
                missing.push(format!("{id}: no {kind}* case in {}", dir.display()));
            }
        }
    }
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

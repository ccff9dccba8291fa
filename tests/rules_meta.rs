//! Every rule has its page, every page its rule, and every rule a failing and a passing case;
//! every page grades the evidence behind its severity, and no inferred failure is an error.

use std::collections::BTreeSet;

use bundlelint::catalog::{self, RuleMeta, REQUIRED_HEADINGS};
use bundlelint::finding::Severity;

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

#[test]
fn every_case_directory_names_a_rule_and_holds_its_case() {
    let ids = implemented();
    let mut wrong = Vec::new();
    for rule_dir in std::fs::read_dir("corpus/cases").unwrap().flatten() {
        let id = rule_dir.file_name().to_string_lossy().into_owned();
        if !ids.contains(&id) {
            wrong.push(format!("corpus/cases/{id}: no rule has this id"));
            continue;
        }
        for case in std::fs::read_dir(rule_dir.path()).unwrap().flatten() {
            let name = case.file_name().to_string_lossy().into_owned();
            if !case.path().join("case.toml").is_file() {
                wrong.push(format!("corpus/cases/{id}/{name}: no case.toml"));
            }
            if !(name.starts_with("pass-") || name.starts_with("fail-")) {
                wrong.push(format!("corpus/cases/{id}/{name}: a case is named pass-… or fail-…"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn every_case_snapshot_belongs_to_a_failing_case() {
    // Snapshots are `<rule>__<case>__<full|json>.snap`; one left behind by a renamed or removed
    // case would never be checked again.
    let mut orphans = Vec::new();
    for entry in std::fs::read_dir("tests/snapshots/cases").unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let parts: Vec<&str> = name.trim_end_matches(".snap").split("__").collect();
        let belongs = match parts.as_slice() {
            [rule, case, "full" | "json"] => {
                case.starts_with("fail-") && std::path::Path::new("corpus/cases").join(rule).join(case).is_dir()
            }
            _ => false,
        };
        if !belongs {
            orphans.push(format!("tests/snapshots/cases/{name}"));
        }
    }
    assert!(orphans.is_empty(), "snapshots without their case:\n{}", orphans.join("\n"));
}

#[test]
fn every_rule_id_is_a_registered_rule() {
    // Findings and problems name rules by `RuleId`, made only from the pages: every such id must
    // be a rule the engine runs or reports, so no finding names a rule that does not exist.
    let ids: BTreeSet<String> = bundlelint::rule_id::ALL.iter().map(|id| id.to_string()).collect();
    assert_eq!(ids, implemented(), "rule ids (from pages) and registered rules differ");
}

/// The bullets of a page's `## Evidence` section (continuation lines joined) that name a source
/// and say what it shows (`- Source (where) — what it shows`).
fn evidence_sources(meta: &RuleMeta) -> Vec<String> {
    let mut bullets: Vec<String> = Vec::new();
    for line in section(meta.body, "## Evidence").lines() {
        if let Some(first) = line.strip_prefix("- ") {
            bullets.push(first.to_owned());
        } else if let (Some(last), Some(more)) = (bullets.last_mut(), line.strip_prefix("  ")) {
            last.push(' ');
            last.push_str(more.trim());
        }
    }
    bullets.retain(|b| b.contains(" — "));
    bullets
}

#[test]
fn every_page_ends_with_its_evidence_and_names_a_source() {
    let mut problems = Vec::new();
    for meta in catalog::catalog() {
        let evidence = meta.body.rfind("\n## Evidence").map(|at| &meta.body[at + 1..]);
        match evidence {
            None => problems.push(format!("rules/{}: no `## Evidence` section", meta.page_path)),
            Some(rest) if rest.lines().skip(1).any(|l| l.starts_with("## ")) => {
                problems.push(format!("rules/{}: `## Evidence` is not the last section", meta.page_path))
            }
            Some(_) if evidence_sources(meta).is_empty() => problems.push(format!(
                "rules/{}: `## Evidence` names no source (`- Source (where) — what it shows`)",
                meta.page_path
            )),
            Some(_) => {}
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn an_error_needs_documented_or_observed_evidence() {
    let unsupported: Vec<String> = catalog::catalog()
        .iter()
        .filter(|m| !m.evidence.allows_error() && m.default_severities().any(|s| s == Severity::Error))
        .map(|m| format!("rules/{}: {}", m.page_path, m.grading()))
        .collect();
    assert!(unsupported.is_empty(), "an inferred failure is at most a warning:\n{}", unsupported.join("\n"));
}

/// The kind of source file a case's input is on its own, by its name.
fn lone_source_kind(input: &str) -> Option<catalog::SourceInput> {
    let name = input.rsplit('/').next().unwrap_or(input);
    let lower = name.to_ascii_lowercase();
    if lower.ends_with(".entitlements") {
        Some(catalog::SourceInput::Entitlements)
    } else if name == "Info.plist" || name.ends_with("-Info.plist") {
        Some(catalog::SourceInput::InfoPlist)
    } else if lower.ends_with(".plist") {
        Some(catalog::SourceInput::LaunchdPlist)
    } else if lower.ends_with(".provisionprofile") || lower.ends_with(".mobileprovision") {
        Some(catalog::SourceInput::ProvisioningProfile)
    } else {
        None
    }
}

/// A page that says its rule judges a kind of source file on its own (`sources`) has a failing
/// case whose input is such a file alone, and a rule that fails a lone source file says so.
#[test]
fn the_source_files_a_page_names_are_those_its_cases_judge() {
    let mut judged: BTreeSet<(String, String)> = BTreeSet::new();
    for rule_dir in std::fs::read_dir("corpus/cases").unwrap().flatten() {
        let id = rule_dir.file_name().to_string_lossy().into_owned();
        for case in std::fs::read_dir(rule_dir.path()).unwrap().flatten() {
            if !case.file_name().to_string_lossy().starts_with("fail-") {
                continue;
            }
            let text = std::fs::read_to_string(case.path().join("case.toml")).unwrap();
            let input = text.lines().find_map(|l| l.strip_prefix("input = ")).unwrap_or("").trim_matches('"');
            if let Some(kind) = lone_source_kind(input) {
                judged.insert((id.clone(), format!("{kind:?}")));
            }
        }
    }
    let mut wrong = Vec::new();
    for meta in catalog::catalog() {
        for kind in &meta.sources {
            if !judged.contains(&(meta.id.clone(), format!("{kind:?}"))) {
                wrong.push(format!("{}: its page names {} but no failing case judges one alone", meta.id, kind.name()));
            }
        }
    }
    for (id, kind) in &judged {
        let named = catalog::meta(id).is_some_and(|m| m.sources.iter().any(|k| format!("{k:?}") == *kind));
        if !named {
            wrong.push(format!(
                "{id}: a failing case judges a lone {kind} file, but the page's `sources` does not name it"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

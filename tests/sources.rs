//! Findings on the repository's sources, as a project uses them: a configuration maps the built
//! fixtures back to the files of `corpus/sources` (`tests/data/sources/bundlelint.toml`), and
//! every output format puts a finding about a key on the line of the source that writes it. A
//! key the source does not have, or a source that is not there, leaves the finding on the build
//! output alone.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

const CONFIG: &str = "tests/data/sources/bundlelint.toml";
/// A tool signed with entitlements, mapped to `corpus/sources/Entitled.entitlements`.
const TOOL: &str = "corpus/generated/signed/adhoc-runtime-entitlements-universal";
const FIXTURE: &str = "corpus/generated/bundles/Fixture.app";
const ENTITLED: &str = "corpus/sources/Entitled.entitlements";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `bundlelint check` from the repository root with `config`, under the App Store policy (which
/// judges the tool's entitlements), the rules about entitlements, launchd plists and SMJobBless
/// only (their messages hold no signing times), in `format`.
fn check_with(config: &str, format: &str, inputs: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_bundlelint"))
        .current_dir(root())
        .env("NO_COLOR", "1")
        .args(["check", "--config", config, "--policy", "app-store", "--format", format])
        .args(["--select", "ent-", "--select", "lc-", "--select", "smjb-"])
        .args(inputs)
        .output()
        .expect("run bundlelint");
    assert_eq!(out.status.code(), Some(1), "findings exit 1: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn check(format: &str, inputs: &[&str]) -> String {
    check_with(CONFIG, format, inputs)
}

/// The findings of one input's JSON document.
fn findings(input: &str) -> Vec<Value> {
    let document: Value = serde_json::from_str(&check("json", &[input])).unwrap();
    document["findings"].as_array().unwrap().clone()
}

fn finding<'a>(all: &'a [Value], rule: &str) -> &'a Value {
    all.iter().find(|f| f["rule"] == rule).unwrap_or_else(|| panic!("no {rule} finding"))
}

/// The text at 1-based `line` and `column` of a repository file.
fn text_at(path: &str, line: u64, column: u64) -> String {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    let line = text.lines().nth(line as usize - 1).unwrap();
    line[column as usize - 1..].to_owned()
}

#[test]
fn json_places_an_entitlement_finding_on_the_source_key() {
    let all = findings(TOOL);
    let jit = &finding(&all, "ent-hardened-runtime-exceptions")["source"];
    assert_eq!(jit["path"], ENTITLED);
    assert_eq!(jit["key"], "com.apple.security.cs.allow-jit");
    assert_eq!((jit["span"]["line"].as_u64(), jit["span"]["column"].as_u64()), (Some(9), Some(2)));
    assert!(text_at(ENTITLED, 9, 2).starts_with("<key>com.apple.security.cs.allow-jit</key>"));
    // Written with `$(AppIdentifierPrefix)$(PRODUCT_BUNDLE_IDENTIFIER)` in the source.
    let restricted = &finding(&all, "ent-restricted-on-non-main-executable")["source"];
    assert_eq!(restricted["key"], "com.apple.application-identifier");
    assert!(text_at(ENTITLED, restricted["span"]["line"].as_u64().unwrap(), 2)
        .starts_with("<key>com.apple.application-identifier</key>"));
    let exception = &finding(&all, "ent-temporary-exception")["source"];
    assert_eq!(exception["span"]["line"], 15);
    // About the whole entitlements blob (a key it lacks): no key, so no source line.
    assert!(finding(&all, "ent-sandbox-required").get("source").is_none());
}

#[test]
fn keys_the_source_lacks_stay_on_the_build_output() {
    let all = findings(FIXTURE);
    // corpus/sources/Info.plist has no SMPrivilegedExecutables.
    let blessed = finding(&all, "smjb-privileged-executables");
    assert!(blessed.get("source").is_none(), "{blessed}");
    assert_eq!(blessed["span"]["line"], 29, "still at the built Info.plist's key");
    let daemon = "Fixture.app/Contents/Library/LaunchDaemons/com.example.fixture.daemon.plist";
    let on_daemon: Vec<&Value> = all.iter().filter(|f| f["path"] == daemon).collect();
    // The source daemon plist has BundleProgram but no SpawnConstraint.
    let program = on_daemon.iter().find(|f| f["rule"] == "lc-implicit-constraints").unwrap();
    assert_eq!(program["source"]["path"], "corpus/sources/com.example.daemon.plist");
    assert_eq!(program["source"]["key"], "BundleProgram");
    let spawn = on_daemon.iter().find(|f| f["rule"] == "lc-os-compat").unwrap();
    assert!(spawn.get("source").is_none(), "{spawn}");
}

#[test]
fn a_missing_source_file_leaves_findings_on_the_build_output() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bundlelint.toml");
    let missing = root().join("corpus/sources/Missing.entitlements");
    std::fs::write(&config, format!("[sources]\n\"{}\" = {{ entitlements = {:?} }}\n", base(TOOL), missing)).unwrap();
    let document: Value = serde_json::from_str(&check_with(config.to_str().unwrap(), "json", &[TOOL])).unwrap();
    let all = document["findings"].as_array().unwrap();
    assert!(all.iter().any(|f| f["rule"] == "ent-hardened-runtime-exceptions"));
    assert!(all.iter().all(|f| f.get("source").is_none()), "{all:?}");

    // The same mapping to the file that is there, written as an absolute path, is shown relative
    // to the working directory.
    let present = root().join(ENTITLED);
    std::fs::write(&config, format!("[sources]\n\"{}\" = {{ entitlements = {:?} }}\n", base(TOOL), present)).unwrap();
    let document: Value = serde_json::from_str(&check_with(config.to_str().unwrap(), "json", &[TOOL])).unwrap();
    let jit = document["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "ent-hardened-runtime-exceptions");
    assert_eq!(jit.unwrap()["source"]["path"], ENTITLED);
}

/// Checking the folder the product is built into: the mapping names the product as it sits in
/// the folder.
#[test]
fn a_folder_of_products_maps_from_inside_it() {
    let dir = tempfile::tempdir().unwrap();
    let build = dir.path().join("Release");
    std::fs::create_dir_all(&build).unwrap();
    std::fs::copy(root().join(TOOL), build.join(base(TOOL))).unwrap();
    let config = dir.path().join("bundlelint.toml");
    let present = root().join(ENTITLED);
    std::fs::write(&config, format!("[sources]\n\"{}\" = {{ entitlements = {:?} }}\n", base(TOOL), present)).unwrap();
    let out = check_with(config.to_str().unwrap(), "concise", &[build.to_str().unwrap()]);
    assert!(out.contains(&format!("Release/{}", base(TOOL))), "{out}");
    assert!(out.contains(&format!("  source: {ENTITLED}:9:2 ")), "{out}");
}

fn base(path: &str) -> &str {
    Path::new(path).file_name().unwrap().to_str().unwrap()
}

#[test]
fn sarif_puts_the_source_first_and_the_build_output_in_related_locations() {
    let log: Value = serde_json::from_str(&check("sarif", &[TOOL, FIXTURE])).unwrap();
    let results = log["runs"][0]["results"].as_array().unwrap();
    let jit = results.iter().find(|r| r["ruleId"] == "ent-hardened-runtime-exceptions").unwrap();
    let primary = &jit["locations"][0]["physicalLocation"];
    assert_eq!(primary["artifactLocation"]["uri"], ENTITLED);
    assert_eq!(primary["region"]["startLine"], 9);
    assert_eq!(primary["region"]["startColumn"], 2);
    let built = &jit["relatedLocations"][0];
    assert_eq!(built["id"], 1);
    assert_eq!(built["physicalLocation"]["artifactLocation"]["uri"], TOOL);
    assert!(jit["message"]["text"].as_str().unwrap().contains("](1)"), "the message links the built file");
    assert_eq!(jit["relatedLocations"][1]["physicalLocation"]["region"]["byteLength"], 42);
    assert_eq!(jit["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], base(TOOL));

    let blessed = results.iter().find(|r| r["ruleId"] == "smjb-privileged-executables").unwrap();
    let primary = &blessed["locations"][0]["physicalLocation"];
    assert_eq!(primary["artifactLocation"]["uri"], format!("{FIXTURE}/Contents/Info.plist"));
    assert_eq!(primary["region"]["startLine"], 29);

    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json")).unwrap())
            .unwrap();
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&log).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
}

#[test]
fn github_and_gitlab_annotate_the_source_line() {
    let github = check("github", &[TOOL, FIXTURE]);
    let jit = github.lines().find(|l| l.contains("title=ent-hardened-runtime-exceptions::")).unwrap();
    assert!(jit.starts_with(&format!("::notice file={ENTITLED},line=9,col=2,title=")), "{jit}");
    assert!(jit.contains(&format!("%0Abuilt: {TOOL}%0A")), "{jit}");
    let blessed = github.lines().find(|l| l.contains("title=smjb-privileged-executables::")).unwrap();
    assert!(blessed.contains(&format!("file={FIXTURE}/Contents/Info.plist,line=29,col=3,")), "{blessed}");

    let gitlab: Value = serde_json::from_str(&check("gitlab", &[TOOL, FIXTURE])).unwrap();
    let issues = gitlab.as_array().unwrap();
    let jit = issues.iter().find(|i| i["check_name"] == "ent-hardened-runtime-exceptions").unwrap();
    assert_eq!(jit["location"]["path"], ENTITLED);
    assert_eq!(jit["location"]["lines"]["begin"], 9);
    assert!(jit["description"].as_str().unwrap().ends_with(&format!("(built: {TOOL})")));
    let blessed = issues.iter().find(|i| i["check_name"] == "smjb-privileged-executables").unwrap();
    assert_eq!(blessed["location"]["path"], format!("{FIXTURE}/Contents/Info.plist"));
}

#[test]
fn text_formats_and_junit_add_a_source_line() {
    let place = format!("source: {ENTITLED}:9:2 (`com.apple.security.cs.allow-jit`)");
    for format in ["full", "concise", "junit"] {
        let out = check(format, &[TOOL]);
        assert!(out.contains(&place), "{format}:\n{out}");
    }
    let full = check("full", &[TOOL]);
    assert!(full.contains(&format!("─[{ENTITLED}:9:2]")), "the source excerpt:\n{full}");
    let mut settings = insta::Settings::clone_current();
    settings.set_description(format!("bundlelint check --config {CONFIG} --policy app-store --format concise"));
    settings.bind(|| insta::assert_snapshot!(check("concise", &[TOOL, FIXTURE])));
}

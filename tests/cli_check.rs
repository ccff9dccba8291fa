//! `bundlelint check` as a user runs it: every output format, the exit codes, and the contracts
//! CI consumers rely on (SARIF schema, GitHub command syntax, GitLab fingerprints, JUnit counts,
//! byte-identical output from run to run).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

const FIXTURE: &str = "corpus/generated/bundles/Fixture.app";
const REDIRECTOR: &str = "corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app";
const HELLO: &str = "corpus/generated/macho/hello-arm64";
const ARCHIVE: &str = "corpus/generated/archives/Fixture.zip";

const FORMATS: [&str; 8] = ["full", "concise", "json", "json-lines", "sarif", "github", "gitlab", "junit"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `bundlelint check ARGS` from `dir`, without looking for a configuration file (the result
/// must not depend on a bundlelint.toml above the checkout) and without colour.
fn check_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_bundlelint"))
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .arg("check")
        .args(args)
        .output()
        .expect("run bundlelint")
}

fn check(args: &[&str]) -> Output {
    let mut all = vec!["--no-config"];
    all.extend_from_slice(args);
    check_in(&root(), &all)
}

fn code(out: &Output) -> i32 {
    out.status.code().expect("exit code")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 output")
}

fn json(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}):\n{}", stdout(out)))
}

/// The findings of a run, from `--format json-lines`.
fn findings(args: &[&str]) -> Vec<Value> {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--format", "json-lines"]);
    stdout(&check(&all)).lines().map(|l| serde_json::from_str(l).expect("JSON line")).collect()
}

/// `%XX` sequences back to bytes, for SARIF URIs.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).expect("hex");
            out.push(u8::from_str_radix(hex, 16).expect("percent escape"));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).expect("UTF-8 path")
}

/// A copy of `src` (a bundle directory, symlinks kept) at `dst`.
fn copy_tree(src: &Path, dst: &Path) {
    std::fs::create_dir_all(dst).unwrap();
    for entry in std::fs::read_dir(src).unwrap() {
        let entry = entry.unwrap();
        let (from, to) = (entry.path(), dst.join(entry.file_name()));
        let kind = entry.file_type().unwrap();
        if kind.is_symlink() {
            std::os::unix::fs::symlink(std::fs::read_link(&from).unwrap(), &to).unwrap();
        } else if kind.is_dir() {
            copy_tree(&from, &to);
        } else {
            std::fs::copy(&from, &to).unwrap();
        }
    }
}

/// A copy of Fixture.app in a temporary directory whose Info.plist has a bad CFBundleIdentifier,
/// so that a finding carries a line and column in an XML plist.
fn fixture_with_plist_finding() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("Fixture.app");
    copy_tree(&root().join(FIXTURE), &app);
    let plist = app.join("Contents/Info.plist");
    let text = std::fs::read_to_string(&plist).unwrap();
    assert!(text.contains("<string>com.example.fixture</string>"), "fixture Info.plist changed");
    std::fs::write(
        &plist,
        text.replacen("<string>com.example.fixture</string>", "<string>com.example.my_tool</string>", 1),
    )
    .unwrap();
    dir
}

// ---------------------------------------------------------------------------------------------
// Exit codes.
// ---------------------------------------------------------------------------------------------

/// A bare Mach-O has no Info.plist, so the Info.plist rules have nothing to report.
const CLEAN: [&str; 3] = [HELLO, "--select", "layout-info-plist-keys"];

#[test]
fn a_clean_input_exits_0_in_every_format() {
    for format in FORMATS {
        let mut args = CLEAN.to_vec();
        args.extend_from_slice(&["--format", format]);
        let out = check(&args);
        assert_eq!(code(&out), 0, "{format}: {}", String::from_utf8_lossy(&out.stderr));
        match format {
            "json-lines" | "github" => assert_eq!(stdout(&out), "", "{format}"),
            "gitlab" => assert_eq!(json(&out), Value::Array(Vec::new())),
            "sarif" => assert_eq!(json(&out)["runs"][0]["results"], Value::Array(Vec::new())),
            "json" => assert_eq!(json(&out)["findings"], Value::Array(Vec::new())),
            "junit" => {
                let junit = parse_junit(&stdout(&out));
                assert_eq!(junit.failure_elements, 0);
                assert!(junit.testcases >= 1, "a clean input still lists its code items as tests");
            }
            _ => {}
        }
    }
}

#[test]
fn findings_at_or_above_fail_on_exit_1_in_every_format() {
    assert!(findings(&[HELLO]).iter().any(|f| f["severity"] == "error"), "hello-arm64 is unsigned");
    for format in FORMATS {
        let out = check(&[HELLO, "--format", format]);
        assert_eq!(code(&out), 1, "{format}");
        assert!(!out.stdout.is_empty(), "{format} printed nothing");
    }
}

#[test]
fn exit_zero_turns_findings_into_success() {
    for format in FORMATS {
        assert_eq!(code(&check(&[HELLO, "--exit-zero", "--format", format])), 0, "{format}");
    }
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    for (severity, failing) in [("warning", ["warning", "info"].as_slice()), ("info", ["info"].as_slice())] {
        let config = dir.path().join(format!("{severity}.toml"));
        std::fs::write(&config, format!("[severity]\nmacho-arm64-unsigned = \"{severity}\"\n")).unwrap();
        let config = config.to_str().unwrap();
        for fail_on in ["error", "warning", "info"] {
            let out = check_in(
                &root(),
                &[
                    HELLO,
                    "--config",
                    config,
                    "--select",
                    "macho-arm64-unsigned",
                    "--fail-on",
                    fail_on,
                    "--format",
                    "json",
                ],
            );
            let reported =
                json(&out)["findings"].as_array().unwrap().iter().map(|f| f["severity"].clone()).collect::<Vec<_>>();
            assert_eq!(reported, vec![Value::from(severity)]);
            let expected = if failing.contains(&fail_on) { 1 } else { 0 };
            assert_eq!(code(&out), expected, "a {severity} with --fail-on {fail_on}");
        }
    }
}

#[test]
fn a_missing_path_exits_2() {
    for format in FORMATS {
        let out = check(&["corpus/does-not-exist.app", "--format", format]);
        assert_eq!(code(&out), 2, "{format}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read"));
        assert!(out.stdout.is_empty(), "{format}: nothing is rendered when an input cannot be read");
    }
    // Also when it follows an input that was read.
    assert_eq!(code(&check(&[HELLO, "corpus/does-not-exist.app", "--format", "sarif"])), 2);
}

#[test]
fn an_unknown_policy_exits_2() {
    let out = check(&[HELLO, "--policy", "in-house"]);
    assert_eq!(code(&out), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown policy") && stderr.contains("ad-hoc, enterprise"), "{stderr}");
}

#[test]
fn devices_given_on_the_command_line_add_to_the_configured_ones() {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("bundlelint.toml"), "devices = [\"00008120-0012345678901234\"]\n").unwrap();
    let ipa = root().join("corpus/generated/bundles/ios-ad-hoc/FixtureiOS.ipa");
    let ipa = ipa.to_str().unwrap();
    let out = check_in(
        work.path(),
        &[ipa, "--device", "00008130-0012345678901234", "--select", "ios-profile-device", "--format", "json"],
    );
    let doc = json(&out);
    let message = doc["findings"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("does not list devices `00008120-0012345678901234`, `00008130-0012345678901234`"),
        "{doc}"
    );
    // A listed device alone is no finding.
    let listed =
        check(&[ipa, "--device", "00008030-001a2b3c4d5e802e", "--select", "ios-profile-device", "--format", "json"]);
    assert_eq!(json(&listed)["findings"].as_array().map(Vec::len), Some(0));
}

#[test]
fn a_device_that_is_not_a_udid_exits_2() {
    let out = check(&[HELLO, "--device", "Ann's iPhone"]);
    assert_eq!(code(&out), 2);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not a device UDID"));
}

/// The three iOS builds share one app; only their profiles (and certificates) tell the
/// development, ad hoc and enterprise builds apart, and the detected policy follows the profile.
#[test]
fn an_ios_archive_is_judged_by_the_kind_of_its_profile() {
    for (ipa, policy, why) in [
        (
            "corpus/generated/bundles/ios/FixtureiOS.ipa",
            "development",
            "is a development profile (it lists 2 ProvisionedDevices, its entitlements allow get-task-allow)",
        ),
        (
            "corpus/generated/bundles/ios-ad-hoc/FixtureiOS.ipa",
            "ad-hoc",
            "is an ad hoc profile (it lists 3 ProvisionedDevices, its entitlements do not allow get-task-allow)",
        ),
        (
            "corpus/generated/bundles/ios-enterprise/FixtureiOS.ipa",
            "enterprise",
            "is an enterprise (in-house) profile (ProvisionsAllDevices is true)",
        ),
    ] {
        let anchor = "corpus/generated/pki/root.pem";
        let doc = json(&check(&[ipa, "--trust-anchor", anchor, "--format", "json"]));
        assert_eq!(
            (doc["policy"]["name"].as_str(), doc["policy"]["source"].as_str()),
            (Some(policy), Some("detected")),
            "{ipa}"
        );
        assert_eq!(doc["summary"]["error"], 0, "{ipa}: {doc}");
        let out = check(&[ipa, "--trust-anchor", anchor]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let note = format!("policy {policy} detected: `Payload/FixtureiOS.app/embedded.mobileprovision`");
        assert!(stderr.contains(&note) && stderr.contains(why), "{ipa}: {stderr}");
        // A chosen policy is not explained, and the formats tools read keep stderr quiet.
        let chosen = check(&[ipa, "--trust-anchor", anchor, "--policy", policy]);
        assert!(!String::from_utf8_lossy(&chosen.stderr).contains("detected"), "{ipa}");
        for format in ["concise", "sarif"] {
            let machine = check(&[ipa, "--trust-anchor", anchor, "--format", format]);
            assert!(!String::from_utf8_lossy(&machine.stderr).contains("detected"), "{ipa} {format}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Per-format contracts.
// ---------------------------------------------------------------------------------------------

#[test]
fn json_carries_its_schema_version() {
    let out = check(&[FIXTURE, "--format", "json"]);
    let doc = json(&out);
    assert_eq!(doc["schema"], "bundlelint.check/1");
    assert_eq!(doc["input"], FIXTURE);
    assert!(!doc["findings"].as_array().unwrap().is_empty());
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("tests/data/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options().should_validate_formats(true).build(&schema).expect("the SARIF schema compiles")
}

fn assert_valid_sarif(validator: &jsonschema::Validator, log: &Value) {
    let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "SARIF does not validate:\n{}", errors.join("\n"));
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let validator = sarif_validator();
    let out = check(&[FIXTURE, HELLO, REDIRECTOR, ARCHIVE, "--format", "sarif"]);
    let log = json(&out);
    assert_valid_sarif(&validator, &log);
    // The validator is not vacuous: a level SARIF does not define is rejected.
    let mut broken = log.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1, "one run for the whole invocation");
    let driver = &runs[0]["tool"]["driver"];
    assert_eq!(driver["name"], "bundlelint");
    let rules = driver["rules"].as_array().unwrap();
    let ids: Vec<&str> = rules.iter().map(|r| r["id"].as_str().unwrap()).collect();
    for id in ["macho-arm64-unsigned", "notary-unsigned-code", "layout-info-plist-keys"] {
        assert!(ids.contains(&id), "rules[] lists the catalog: {id} missing");
    }
    for rule in rules {
        for field in ["shortDescription", "fullDescription", "help"] {
            let text = rule[field]["text"].as_str().unwrap();
            assert!(!text.is_empty(), "{}: empty {field}", rule["id"]);
        }
        assert!(rule["shortDescription"]["text"].as_str().unwrap().len() <= 1024);
        assert!(rule["fullDescription"]["text"].as_str().unwrap().len() <= 1024);
    }

    let expected: usize = [FIXTURE, HELLO, REDIRECTOR, ARCHIVE].iter().map(|i| findings(&[i]).len()).sum();
    let results = runs[0]["results"].as_array().unwrap();
    assert_eq!(results.len(), expected, "every finding of every input is a result");
    let mut prints = HashSet::new();
    for r in results {
        let index = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], r["ruleId"], "ruleIndex points at the rule");
        assert!(["error", "warning", "note"].contains(&r["level"].as_str().unwrap()));
        let physical = &r["locations"][0]["physicalLocation"];
        assert!(physical["region"]["startLine"].as_u64().unwrap() >= 1, "GitHub needs startLine ≥ 1");
        assert!(physical["region"].get("byteOffset").is_none(), "binary regions go to relatedLocations");
        let uri = physical["artifactLocation"]["uri"].as_str().unwrap();
        assert!(!uri.contains(' '), "URIs are percent-encoded: {uri}");
        assert!(root().join(percent_decode(uri)).exists(), "{uri} is relative to the working directory");
        assert!(r["locations"][0]["logicalLocations"][0]["fullyQualifiedName"].is_string());
        let print = r["partialFingerprints"]["bundlelint/v1"].as_str().unwrap().to_owned();
        assert!(r["partialFingerprints"]["primaryLocationLineHash"].is_string());
        assert!(prints.insert(print), "fingerprints are unique within the run");
    }
}

#[test]
fn sarif_points_into_xml_plists_by_line_and_column() {
    let dir = fixture_with_plist_finding();
    let args = ["--no-config", "Fixture.app", "--select", "layout-info-plist-keys"];
    let finding = {
        let out = check_in(dir.path(), &[&args[..], &["--format", "json"]].concat());
        json(&out)["findings"][0].clone()
    };
    let span = &finding["span"];
    assert!(span["line"].as_u64().unwrap() > 1, "the finding has a span: {finding}");

    let out = check_in(dir.path(), &[&args[..], &["--format", "sarif"]].concat());
    let log = json(&out);
    assert_valid_sarif(&sarif_validator(), &log);
    let result = &log["runs"][0]["results"][0];
    let location = &result["locations"][0]["physicalLocation"];
    assert_eq!(location["artifactLocation"]["uri"], "Fixture.app/Contents/Info.plist");
    assert_eq!(location["region"]["startLine"], span["line"]);
    assert_eq!(location["region"]["startColumn"], span["column"]);
    let related = &result["relatedLocations"][0]["physicalLocation"]["region"];
    assert_eq!(related["byteOffset"], span["offset"]);
    assert_eq!(related["byteLength"], span["length"]);

    let out = check_in(dir.path(), &[&args[..], &["--format", "github"]].concat());
    let expected = format!(
        "::error file=Fixture.app/Contents/Info.plist,line={},col={},title=layout-info-plist-keys::",
        span["line"], span["column"]
    );
    assert!(stdout(&out).starts_with(&expected), "{}", stdout(&out));
}

#[test]
fn sarif_fingerprints_survive_moved_bytes() {
    // The same findings from a copy in another place give the same fingerprints: they hash the
    // rule, the tree path and the slice, not where the input lies or its offsets.
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&root().join(FIXTURE), &dir.path().join("Fixture.app"));
    let prints = |out: &Output| -> Vec<Value> {
        json(out)["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["partialFingerprints"].clone()).collect()
    };
    let here = prints(&check(&[FIXTURE, "--format", "sarif"]));
    let there = prints(&check_in(dir.path(), &["--no-config", "Fixture.app", "--format", "sarif"]));
    assert!(!here.is_empty());
    assert_eq!(here, there);
}

/// One `::LEVEL k=v,k=v::message` line, split.
fn parse_github(line: &str) -> (String, BTreeMap<String, String>, String) {
    let rest = line.strip_prefix("::").unwrap_or_else(|| panic!("not a workflow command: {line}"));
    let (head, message) = rest.split_once("::").unwrap_or_else(|| panic!("no `::` before the message: {line}"));
    let (level, props) = head.split_once(' ').unwrap_or_else(|| panic!("no properties: {line}"));
    let props = props
        .split(',')
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or_else(|| panic!("bad property `{p}` in {line}"));
            (k.to_owned(), v.to_owned())
        })
        .collect();
    (level.to_owned(), props, message.to_owned())
}

#[test]
fn github_lines_are_workflow_commands() {
    let inputs = [FIXTURE, HELLO, REDIRECTOR];
    let out = check(&[&inputs[..], &["--format", "github"]].concat());
    let text = stdout(&out);
    let expected: Vec<Value> = inputs.iter().flat_map(|i| findings(&[i])).collect();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), expected.len(), "one command per finding");
    for (line, finding) in lines.iter().zip(&expected) {
        let (level, props, message) = parse_github(line);
        let want = match finding["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        assert_eq!(level, want);
        assert_eq!(props["title"], finding["rule"].as_str().unwrap());
        assert!(props["line"].parse::<u32>().unwrap() >= 1);
        let file = percent_decode(&props["file"]);
        assert!(root().join(&file).exists(), "{file}");
        assert!(!message.contains('\n') && !message.contains('\r'));
        assert!(percent_decode(&message).starts_with(finding["message"].as_str().unwrap()));
    }
}

#[test]
fn gitlab_is_an_array_with_unique_fingerprints() {
    let inputs = [FIXTURE, HELLO, ARCHIVE];
    let report = json(&check(&[&inputs[..], &["--format", "gitlab"]].concat()));
    let issues = report.as_array().expect("a JSON array");
    let expected: usize = inputs.iter().map(|i| findings(&[i]).len()).sum();
    assert_eq!(issues.len(), expected);
    let mut prints = HashSet::new();
    for issue in issues {
        let check_name = issue["check_name"].as_str().unwrap();
        assert!(issue["description"].as_str().unwrap().starts_with(&format!("{check_name}: ")));
        assert!(["info", "minor", "major", "critical", "blocker"].contains(&issue["severity"].as_str().unwrap()));
        assert!(issue["location"]["lines"]["begin"].as_u64().unwrap() >= 1);
        let path = issue["location"]["path"].as_str().unwrap();
        assert!(root().join(path).exists(), "{path}");
        assert!(prints.insert(issue["fingerprint"].as_str().unwrap().to_owned()), "duplicate fingerprint");
    }
}

/// What the tests read from a JUnit document.
struct Junit {
    suites: usize,
    testcases: usize,
    failure_elements: usize,
    /// `failures` attribute of `<testsuites>`.
    declared_failures: usize,
    /// Unescaped element text (the failure bodies).
    text: String,
}

/// Parses with quick-xml, which rejects malformed documents (mismatched tags, bad escapes).
fn parse_junit(text: &str) -> Junit {
    use quick_xml::escape::resolve_xml_entity;
    use quick_xml::events::Event;
    use quick_xml::XmlVersion;
    let mut reader = quick_xml::Reader::from_str(text);
    let mut junit = Junit { suites: 0, testcases: 0, failure_elements: 0, declared_failures: 0, text: String::new() };
    let mut depth = 0usize;
    loop {
        let event = reader.read_event().unwrap_or_else(|e| panic!("JUnit is not XML: {e}\n{text}"));
        let element = match &event {
            Event::Start(e) | Event::Empty(e) => Some(e.clone()),
            _ => None,
        };
        if let Some(e) = element {
            for attr in e.attributes() {
                attr.expect("well-formed attribute").normalized_value(XmlVersion::default()).expect("valid escapes");
            }
            match e.name().as_ref() {
                "testsuites" => {
                    let failures = e.try_get_attribute("failures").unwrap().expect("failures attribute");
                    junit.declared_failures =
                        failures.normalized_value(XmlVersion::default()).unwrap().parse().unwrap();
                }
                "testsuite" => junit.suites += 1,
                "testcase" => junit.testcases += 1,
                "failure" => junit.failure_elements += 1,
                _ => {}
            }
        }
        match event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Text(t) => junit.text.push_str(&t),
            // References (`&quot;`, `&#10;`) arrive between the texts; each must resolve.
            Event::GeneralRef(r) => match r.resolve_char_ref().expect("valid character reference") {
                Some(c) => junit.text.push(c),
                None => junit.text.push_str(resolve_xml_entity(&r).expect("a predefined entity")),
            },
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0, "every element is closed");
    junit
}

#[test]
fn junit_has_a_suite_per_input_and_a_failure_per_item_with_findings() {
    let inputs = [FIXTURE, HELLO, REDIRECTOR];
    let junit = parse_junit(&stdout(&check(&[&inputs[..], &["--format", "junit"]].concat())));
    assert_eq!(junit.suites, inputs.len());
    let mut failing = 0;
    let mut items = 0;
    for input in inputs {
        let doc = json(&check(&[input, "--format", "json"]));
        items += doc["items"].as_array().unwrap().len();
        let owners: HashSet<String> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["item"].as_str().or(f["path"].as_str()).unwrap().to_owned())
            .collect();
        failing += owners.len();
    }
    assert!(failing > 0);
    assert_eq!(junit.failure_elements, failing, "one failure per code item with findings");
    assert_eq!(junit.declared_failures, failing);
    assert!(junit.testcases >= items, "every code item is a test case");
}

#[test]
fn junit_failure_text_round_trips_through_escaping() {
    // The plist message quotes the identifier in double quotes and the bundle in backticks; what
    // an XML parser reads back must be the message itself.
    let dir = fixture_with_plist_finding();
    let args = ["--no-config", "Fixture.app", "--select", "layout-info-plist-keys"];
    let message = json(&check_in(dir.path(), &[&args[..], &["--format", "json"]].concat()))["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains('"'), "{message}");
    let junit = parse_junit(&stdout(&check_in(dir.path(), &[&args[..], &["--format", "junit"]].concat())));
    assert_eq!(junit.failure_elements, 1);
    assert!(junit.text.contains(&message), "{}", junit.text);
}

#[test]
fn every_format_is_byte_identical_across_runs() {
    for format in FORMATS {
        let args = [FIXTURE, HELLO, "--format", format];
        let first = check(&args);
        let second = check(&args);
        assert!(!first.stdout.is_empty(), "{format}");
        assert_eq!(first.stdout, second.stdout, "{format} differs between two runs");
    }
}

// ---- Failing closed -------------------------------------------------------------------------

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn containers_bundlelint_does_not_read_exit_2_naming_what_they_are() {
    let dir = tempfile::tempdir().unwrap();
    let mut udif = vec![0u8; 4096];
    let mut koly = b"koly\x00\x00\x00\x04\x00\x00\x02\x00".to_vec();
    koly.resize(512, 0);
    udif.extend_from_slice(&koly);
    let samples: [(&str, Vec<u8>, &str); 5] = [
        ("App.dmg", vec![0u8; 4096], "`App.dmg` is a disk image without a UDIF trailer"),
        ("Secret.dmg", b"encrcdsa\0\0\0\x02".to_vec(), "`Secret.dmg` is an encrypted disk image"),
        ("Xcode.xip", b"xar!\x00\x1c\x00\x01\x00\x00".to_vec(), "`Xcode.xip` is a xar archive"),
        ("notes.txt", b"hello\n".to_vec(), "`notes.txt` is not something bundlelint reads"),
        ("libfoo.a", b"!<arch>\nfoo.o/".to_vec(), "`libfoo.a` is a static library"),
    ];
    for (name, bytes, said) in samples {
        std::fs::write(dir.path().join(name), bytes).unwrap();
        let out = check_in(dir.path(), &["--no-config", name]);
        assert_eq!(code(&out), 2, "{name}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{name}: {}", stderr(&out));
        assert!(stdout(&out).is_empty(), "{name} printed a report:\n{}", stdout(&out));
    }
    // A UDIF trailer, even renamed, is read as a disk image: a damaged one is a finding.
    std::fs::write(dir.path().join("renamed.bin"), udif).unwrap();
    let out = check_in(dir.path(), &["--no-config", "renamed.bin"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stdout(&out).contains("input-disk-image-malformed"), "{}", stdout(&out));
}

#[test]
fn real_containers_bundlelint_cannot_read_exit_2() {
    let shared = root().join("../shared/corpus/containers");
    if !shared.is_dir() {
        eprintln!("skipped: {} is absent", shared.display());
        return;
    }
    // Packages and unencrypted disk images are read (tests/packages.rs, tests/disk_images.rs).
    for (sample, said) in [
        (
            "sparkle/SparkleTestCodeSignApp.enc.dmg",
            "is an encrypted disk image: it cannot be read without its password",
        ),
        ("kaitai-xar/md5-dir.xar", "holds no code, provisioning profile"),
    ] {
        let out = check(&[shared.join(sample).to_str().unwrap()]);
        assert_eq!(code(&out), 2, "{sample}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{sample}: {}", stderr(&out));
    }
}

#[test]
fn selector_typos_on_the_command_line_exit_2_with_the_closest_match() {
    for (args, said) in [
        (["--select", "notary"], "did you mean `notary-`?"),
        (["--select", "notary-unsigend-code"], "did you mean `notary-unsigned-code`?"),
        (["--ignore", "sig-identifer-malformed"], "did you mean `sig-identifier-malformed`?"),
    ] {
        let out = check(&[HELLO, args[0], args[1]]);
        assert_eq!(code(&out), 2, "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(said), "{args:?}: {}", stderr(&out));
    }
}

/// Fixture.app carrying its own `bundlelint.toml` that ignores everything and trusts a root it
/// ships itself.
fn hostile_bundle() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("Fixture.app");
    copy_tree(&root().join(FIXTURE), &app);
    std::fs::copy(root().join("corpus/generated/pki/root.pem"), app.join("Contents/Resources/root.pem")).unwrap();
    std::fs::write(
        app.join("bundlelint.toml"),
        "ignore = [\"ALL\"]\ntrust-anchors = [\"Contents/Resources/root.pem\"]\n",
    )
    .unwrap();
    std::fs::write(app.join("Contents/bundlelint.toml"), "ignore = [\"ALL\"]\n").unwrap();
    dir
}

#[test]
fn a_bundle_never_configures_its_own_check() {
    let dir = hostile_bundle();
    let app = dir.path().join("Fixture.app");
    // Run from the folder holding the bundle, and from inside the bundle itself.
    for (cwd, arg) in [(dir.path().to_path_buf(), "Fixture.app"), (app.join("Contents"), "..")] {
        let out = check_in(&cwd, &[arg, "--format", "concise"]);
        assert_eq!(code(&out), 1, "from {}: {}", cwd.display(), stderr(&out));
        assert!(
            stdout(&out).contains("error[profile-cms-invalid]"),
            "the bundle's own root was trusted:\n{}",
            stdout(&out)
        );
        assert!(stderr(&out).contains("inside the input is not used"), "{}", stderr(&out));
    }
    // From inside, the bundle's file is also skipped by discovery, with a warning.
    let out = check_in(&app.join("Contents"), &["..", "--format", "concise"]);
    assert!(stderr(&out).contains("lies inside a checked input and is not used"), "{}", stderr(&out));
    // Given explicitly, it is refused.
    let out = check_in(dir.path(), &["Fixture.app", "--config", "Fixture.app/bundlelint.toml"]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(stderr(&out).contains("never configures its own check"), "{}", stderr(&out));
}

#[test]
fn trust_anchors_inside_the_input_are_not_used() {
    let dir = hostile_bundle();
    // The project's configuration (beside the bundle) names the root the bundle carries.
    std::fs::write(
        dir.path().join("bundlelint.toml"),
        "trust-anchors = [\"Fixture.app/Contents/Resources/root.pem\"]\nselect = [\"profile-cms-invalid\"]\n",
    )
    .unwrap();
    let out = check_in(dir.path(), &["Fixture.app", "--format", "concise"]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("lies inside the checked input Fixture.app and is not used"), "{}", stderr(&out));
    assert!(stdout(&out).contains("error[profile-cms-invalid]"), "{}", stdout(&out));
    // The same root from outside the bundle is trusted.
    std::fs::copy(root().join("corpus/generated/pki/root.pem"), dir.path().join("root.pem")).unwrap();
    let out =
        check_in(dir.path(), &["Fixture.app", "--format", "concise", "--no-config", "--trust-anchor", "root.pem"]);
    assert!(!stdout(&out).contains("profile-cms-invalid"), "{}", stdout(&out));
}

#[test]
fn an_unread_part_makes_the_run_incomplete_and_never_clean() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("Fixture.app");
    copy_tree(&root().join(FIXTURE), &app);
    std::fs::copy(root().join(ARCHIVE), app.join("Contents/Resources/lib.jar")).unwrap();
    // Every rule ignored: the unread jar still fails the run, in every format.
    for format in FORMATS {
        let out = check_in(dir.path(), &["--no-config", "Fixture.app", "--ignore", "ALL", "--format", format]);
        assert_eq!(code(&out), 1, "{format}: {}", stderr(&out));
        if format == "full" {
            assert!(stdout(&out).contains("incomplete: 1 part of the input not read"), "{}", stdout(&out));
        } else {
            assert!(stderr(&out).contains("incomplete, 1 part(s) of the input not read"), "{format}: {}", stderr(&out));
        }
    }
    let out = check_in(dir.path(), &["--no-config", "Fixture.app", "--ignore", "ALL", "--format", "json"]);
    let report = json(&out);
    assert_eq!(report["complete"], false);
    assert_eq!(report["unread"][0]["path"], "Fixture.app/Contents/Resources/lib.jar");
    let out = check_in(dir.path(), &["--no-config", "Fixture.app", "--ignore", "ALL", "--exit-zero"]);
    assert_eq!(code(&out), 0);
    // A clean input is complete.
    assert_eq!(json(&check(&[HELLO, "--format", "json"]))["complete"], true);
}

#[test]
fn quiet_prints_the_findings_and_no_summary() {
    let app = "corpus/generated/bundles/Fixture.app";
    let loud = stdout(&check(&[app]));
    let quiet = stdout(&check(&["--quiet", app]));
    let summary = loud.lines().last().expect("a summary line");
    assert!(summary.starts_with(&format!("{app}: ")) && summary.contains(" errors, "), "{summary}");
    assert!(!quiet.contains(summary), "--quiet drops the summary:\n{quiet}");
    assert_eq!(quiet.trim_end(), loud.trim_end().trim_end_matches(summary).trim_end(), "the findings are the same");
    assert_eq!(code(&check(&["-q", app])), 1, "the exit code does not change");
}

#[test]
fn jobs_sets_the_threads_and_changes_nothing_else() {
    let app = "corpus/generated/bundles/Fixture.app";
    let all = check(&["--format", "json", app]);
    let one = check(&["--jobs", "1", "--format", "json", app]);
    assert_eq!(stdout(&one), stdout(&all));
    assert_eq!(code(&one), code(&all));
    let zero = check(&["--jobs", "0", app]);
    assert_eq!(code(&zero), 2, "no threads is a usage error");
}

#[test]
fn colour_is_forced_by_clicolor_force_and_refused_by_no_color() {
    let run = |envs: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_bundlelint"));
        command.current_dir(root()).env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        for (k, v) in envs {
            command.env(k, v);
        }
        let out = command.args(["check", "--no-config", "corpus/generated/bundles/Fixture.app"]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).contains('\u{1b}')
    };
    assert!(!run(&[]), "a pipe gets no colour");
    assert!(run(&[("CLICOLOR_FORCE", "1")]), "CLICOLOR_FORCE colours a pipe");
    assert!(!run(&[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")]), "NO_COLOR wins");
}

/// Runs bundlelint on a pseudo-terminal (Python's `pty`), as a person at a terminal does; the
/// bytes the terminal received, stdout and stderr together.
fn on_a_terminal(args: &[&str]) -> String {
    const SCRIPT: &str = r#"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.environ["NO_COLOR"] = "1"
    os.execv(sys.argv[1], sys.argv[1:])
out = b""
while True:
    try:
        chunk = os.read(fd, 65536)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
os.waitpid(pid, 0)
sys.stdout.write(out.decode("utf-8", "replace"))
"#;
    let out = Command::new("python3")
        .current_dir(root())
        .arg("-c")
        .arg(SCRIPT)
        .arg(env!("CARGO_BIN_EXE_bundlelint"))
        .args(args)
        .output()
        .expect("python3 runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn a_long_check_at_a_terminal_shows_its_progress_and_erases_it() {
    // A sealed 1.5 GB resource (sparse: no disk) takes more than the second before the line shows.
    let work = tempfile::tempdir().unwrap();
    let app = work.path().join("Big.app");
    let made = Command::new("python3")
        .arg(root().join("bench/make-big-bundle.py"))
        .arg(&app)
        .args(["--files", "1", "--size", "1500000000", "--sparse"])
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", String::from_utf8_lossy(&made.stderr));
    let app = app.to_str().unwrap();

    let shown = on_a_terminal(&["check", "--no-config", "--format", "concise", app]);
    let line = shown.find("bundlelint: ").map(|at| &shown[at..]).unwrap_or_default();
    assert!(line.contains(" code items read, ") && line.contains(" hashed"), "no progress line:\n{shown}");
    assert!(shown.contains("GB hashed") || shown.contains("MB hashed"), "{shown}");
    // Erased before the findings are written and at the end.
    let last_progress = shown.rfind("bundlelint: ").unwrap();
    assert!(shown[last_progress..].contains("\r\x1b[2K"), "the line is erased:\n{shown}");

    for machine in [["--format", "json"], ["--quiet", "--format=concise"]] {
        let mut args = vec!["check", "--no-config"];
        args.extend(machine);
        args.push(app);
        let shown = on_a_terminal(&args);
        assert!(!shown.contains("code items read"), "{machine:?} shows no progress:\n{shown}");
    }
    let piped = check(&["--format", "concise", app]);
    assert!(!String::from_utf8_lossy(&piped.stderr).contains("code items read"), "not on a pipe");
}

#[test]
fn an_input_with_nothing_to_check_is_never_clean() {
    let work = tempfile::tempdir().unwrap();
    let notes = work.path().join("notes.plist");
    std::fs::write(
        &notes,
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>Colour</key><string>blue</string></dict></plist>",
    )
    .unwrap();
    let empty = work.path().join("Release");
    std::fs::create_dir(&empty).unwrap();
    for input in [&notes, &empty] {
        let out = check(&[input.to_str().unwrap()]);
        assert_eq!(code(&out), 2, "{}", input.display());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("holds no code, provisioning profile, launchd property list, entitlements file or Info.plist"),
            "{err}"
        );
        assert!(stdout(&out).is_empty(), "no report of nothing");
    }
    // A launchd property list on its own is judged.
    let plist = "corpus/generated/bundles/Fixture.app/Contents/Library/LaunchDaemons/com.example.fixture.daemon.plist";
    assert_eq!(code(&check(&["--format", "concise", plist])), 0);
}

/// The files developers edit are inputs on their own: findings land on their lines, an
/// entitlements file is judged against the profile given with `--profile`, and a rule that needs
/// the built product stays silent.
#[test]
fn source_files_are_judged_on_their_own() {
    let work = tempfile::tempdir().unwrap();
    let entitlements = work.path().join("App.entitlements");
    let text = std::fs::read_to_string("corpus/sources/App.entitlements").unwrap().replacen(
        "<true/>",
        "<string>true</string>",
        1,
    );
    std::fs::write(&entitlements, text).unwrap();
    let out = check(&["--format", "concise", entitlements.to_str().unwrap()]);
    assert_eq!(code(&out), 0, "a warning does not fail the run");
    assert_eq!(
        stdout(&out).lines().map(|l| l.split(' ').next().unwrap()).collect::<Vec<_>>(),
        ["App.entitlements:5:2:"],
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("warning[ent-value-type]"));

    let clean = check(&["--format", "concise", "corpus/sources/Extension.entitlements"]);
    assert_eq!((code(&clean), stdout(&clean)), (0, String::new()), "without a profile nothing is claimed against one");
    let profile = "corpus/generated/profile/development.provisionprofile";
    let judged = check(&["--format", "concise", "--profile", profile, "corpus/sources/Extension.entitlements"]);
    assert_eq!(code(&judged), 1);
    let report = stdout(&judged);
    assert!(report.contains("Extension.entitlements:7:2: error[ent-not-authorized-by-profile]"), "{report}");
    assert!(
        report
            .contains("`com.apple.developer.endpoint-security.client` = true, but the profile does not list this key"),
        "{report}"
    );

    let missing = check(&["--profile", "no/such.provisionprofile", "corpus/sources/Extension.entitlements"]);
    assert_eq!(code(&missing), 2);
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("cannot read provisioning profile no/such.provisionprofile")
    );
}

/// A product signed by the test hierarchy with Xcode's requirements (`anchor apple generic` on
/// every nested item): with its root standing in for Apple's it verifies as a real one would,
/// and every format says a substitute was in effect; with the same root merely trusted, nested
/// code fails the requirement its container recorded, as on a Mac that trusts the root.
#[test]
fn a_substitute_apple_root_judges_apple_requirements_and_every_format_says_so() {
    const CLEAN: &str = "corpus/generated/products/Clean.app";
    const ROOT: &str = "corpus/generated/pki/root.pem";
    let substituted = findings(&[CLEAN, "--apple-root", ROOT]);
    let rules: Vec<&str> = substituted.iter().map(|f| f["rule"].as_str().unwrap()).collect();
    assert!(!rules.contains(&"res-nested-code-invalid"), "{rules:?}");
    assert!(!rules.contains(&"sig-dr-self-unsatisfied"), "{rules:?}");
    let notice: Vec<&Value> = substituted.iter().filter(|f| f["rule"] == "sig-apple-root-substituted").collect();
    assert_eq!(notice.len(), 1, "{substituted:?}");
    assert_eq!(notice[0]["severity"], "info");
    assert_eq!(notice[0]["path"], "Clean.app");
    assert!(notice[0]["message"].as_str().unwrap().contains("10 code signatures chain to it"), "{notice:?}");
    let doc = json(&check(&[CLEAN, "--apple-root", ROOT, "--format", "json"]));
    assert_eq!(doc["apple_root_substitutes"][0]["name"], "Fixture Apple Root CA");
    for format in FORMATS {
        let out = check(&[CLEAN, "--apple-root", ROOT, "--format", format]);
        assert_eq!(code(&out), 0, "{format}");
        assert!(stdout(&out).contains("sig-apple-root-substituted"), "{format}: {}", stdout(&out));
    }
    assert!(stdout(&check(&[CLEAN, "--apple-root", ROOT])).contains("substitute root: \"Fixture Apple Root CA\""));

    let trusted = findings(&[CLEAN, "--trust-anchor", ROOT]);
    let nested: Vec<&str> = trusted
        .iter()
        .filter(|f| f["rule"] == "res-nested-code-invalid")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        nested,
        [
            "Clean.app/Contents/Library/LoginItems/CleanLogin.app",
            "Clean.app/Contents/MacOS/com.example.clean.daemon",
            "Clean.app/Contents/XPCServices/com.example.clean.service.xpc"
        ]
    );
    assert!(trusted.iter().all(|f| f["rule"] != "sig-apple-root-substituted"));
    assert!(json(&check(&[CLEAN, "--trust-anchor", ROOT, "--format", "json"])).get("apple_root_substitutes").is_none());
}

/// A root inside the checked input never stands in for Apple's: the artifact does not vouch for
/// itself.
#[test]
fn an_apple_root_inside_the_input_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("Clean.app");
    copy_tree(&root().join("corpus/generated/products/Clean.app"), &app);
    std::fs::copy(root().join("corpus/generated/pki/root.pem"), app.join("Contents/Resources/root.pem")).unwrap();
    let inside = app.join("Contents/Resources/root.pem");
    let out = check(&[app.to_str().unwrap(), "--apple-root", inside.to_str().unwrap(), "--format", "json"]);
    assert!(stderr(&out).contains("Apple root substitute"), "{}", stderr(&out));
    let doc = json(&out);
    assert!(doc.get("apple_root_substitutes").is_none());
}

//! The published JSON Schemas (`schemas/`): the `check` JSON every corpus input produces
//! validates, every configuration the cases and the README use validates, and what the tool
//! refuses the schema refuses too.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::common::{corpus_inputs, refused_as_unread};

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(Path::new("schemas").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name} compiles: {e}"))
}

fn problems(validator: &jsonschema::Validator, document: &Value) -> Vec<String> {
    validator.iter_errors(document).map(|e| format!("at `{}`: {:?}", e.instance_path(), e.kind())).collect()
}

/// Runs `bundlelint ARGS… INPUT` on each input it reads and validates each JSON document against
/// `schema`; returns the last document. Fails on any document the schema refuses.
fn validate_outputs(schema: &str, args: &[&str], inputs: impl Iterator<Item = std::path::PathBuf>) -> Value {
    let validator = validator(schema);
    let mut checked = 0;
    let mut failures = Vec::new();
    let mut last = Value::Null;
    for input in inputs {
        let out = Command::new(env!("CARGO_BIN_EXE_bundlelint")).args(args).arg(&input).output().unwrap();
        let code = out.status.code().unwrap_or(-1);
        if refused_as_unread(code, &String::from_utf8_lossy(&out.stderr)) {
            continue;
        }
        let document: Value = serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{}: not JSON ({e}), exit {code}", input.display()));
        checked += 1;
        let found = problems(&validator, &document);
        if !found.is_empty() {
            failures.push(format!("{}:\n  {}", input.display(), found.join("\n  ")));
        }
        last = document;
    }
    assert!(checked > 20, "only {checked} inputs read");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    last
}

#[test]
fn the_check_json_of_every_corpus_input_validates() {
    validate_outputs("check.schema.json", &["check", "--no-config", "--format", "json"], corpus_inputs().into_iter());
}

/// Findings placed on their repository sources (`[sources]`) validate, and the schema describes
/// the `source` object closely enough to refuse one without its line.
#[test]
fn the_check_json_with_source_locations_validates() {
    let inputs =
        ["corpus/generated/signed/adhoc-runtime-entitlements-universal", "corpus/generated/bundles/Fixture.app"];
    let args = ["check", "--config", "tests/data/sources/bundlelint.toml", "--policy", "app-store", "--format", "json"];
    let validator = validator("check.schema.json");
    for input in inputs {
        let out = Command::new(env!("CARGO_BIN_EXE_bundlelint")).args(args).arg(input).output().unwrap();
        let mut document: Value = serde_json::from_slice(&out.stdout).unwrap();
        let found = problems(&validator, &document);
        assert!(found.is_empty(), "{input}:\n{}", found.join("\n"));
        let placed = document["findings"].as_array().unwrap().iter().position(|f| f.get("source").is_some());
        let placed = placed.unwrap_or_else(|| panic!("{input}: no finding has a source"));
        document["findings"][placed]["source"]["span"].as_object_mut().unwrap().remove("line");
        assert!(!problems(&validator, &document).is_empty(), "the schema accepts a source without its line");
    }
}

/// The `inspect` JSON of every corpus input and source file validates against its schema, and
/// the schema is strict enough to refuse a document with a field it does not describe.
#[test]
fn the_inspect_json_of_every_corpus_input_validates() {
    let sources = std::fs::read_dir("corpus/sources").unwrap().flatten().map(|e| e.path());
    let mut document = validate_outputs(
        "inspect.schema.json",
        &["inspect", "--format", "json"],
        corpus_inputs().into_iter().chain(sources),
    );
    let validator = validator("inspect.schema.json");

    document["items"] =
        serde_json::json!([{ "path": "X.app", "role": "app", "format": "app bundle", "slices": [], "colour": 1 }]);
    assert!(!problems(&validator, &document).is_empty(), "the schema accepts an item field it does not describe");
}

/// The TOML of a configuration as the JSON the schema describes.
fn config_json(text: &str) -> Value {
    toml::from_str(text).unwrap_or_else(|e| panic!("TOML: {e}\n{text}"))
}

#[test]
fn every_configuration_in_the_cases_and_the_readme_validates() {
    let validator = validator("bundlelint.toml.schema.json");
    let readme = std::fs::read_to_string("README.md").unwrap();
    let example = readme.split("```toml\n").nth(1).and_then(|s| s.split("```").next()).expect("a TOML example");
    bundlelint::config::parse(example, Path::new("bundlelint.toml")).expect("the tool reads the README's example");
    let mut configs = vec![("README.md".to_owned(), example.to_owned())];
    for rule in std::fs::read_dir("corpus/cases").unwrap().flatten() {
        for case in std::fs::read_dir(rule.path()).unwrap().flatten() {
            let toml_path = case.path().join("case.toml");
            let Ok(text) = std::fs::read_to_string(&toml_path) else { continue };
            let case: Value = toml::from_str(&text).unwrap();
            if let Some(config) = case["config"].as_str() {
                configs.push((toml_path.display().to_string(), config.to_owned()));
            }
        }
    }
    let sources = "tests/data/sources/bundlelint.toml";
    configs.push((sources.to_owned(), std::fs::read_to_string(sources).unwrap()));
    assert!(configs.len() > 3, "{configs:?}");
    for (source, text) in &configs {
        let found = problems(&validator, &config_json(text));
        assert!(found.is_empty(), "{source}:\n{}", found.join("\n"));
    }
}

#[test]
fn what_the_tool_refuses_in_a_configuration_the_schema_refuses() {
    let validator = validator("bundlelint.toml.schema.json");
    for text in [
        "polcy = \"developer-id\"",
        "policy = \"in-house\"",
        "devices = [\"my iPhone\"]",
        "devices = [\"00008030001A2B3C4D5E802E\"]",
        "select = [\"Notary-\"]",
        "[severity]\n\"sig-\" = \"fatal\"",
        "[[ignore-path]]\nglob = \"**\"",
        "[expect]\ncertificate-kind = \"developer-id\"",
        "[sources]\n\"/abs/Info.plist\" = \"Info.plist\"",
        "[sources]\n\"A.app/Contents/MacOS/A\" = { entitlement = \"A.entitlements\" }",
        "[sources]\n\"A.app/Contents/Info.plist\" = \"\"",
    ] {
        let tool = bundlelint::config::parse(text, Path::new("bundlelint.toml"));
        assert!(tool.is_err(), "the tool accepts {text:?}");
        assert!(!problems(&validator, &config_json(text)).is_empty(), "the schema accepts {text:?}");
    }
}

/// With a root standing in for Apple's, `check` and `inspect` say so in JSON their schemas
/// describe, and the container status names where the chain ends.
#[test]
fn reports_under_a_substitute_apple_root_validate() {
    const ROOT: &str = "corpus/generated/pki/root.pem";
    for (schema, command) in [("check.schema.json", "check"), ("inspect.schema.json", "inspect")] {
        let validator = validator(schema);
        for input in ["corpus/generated/packages/Timestamped.pkg", "corpus/generated/products/Clean.app"] {
            let mut args = vec![command, "--format", "json", "--apple-root", ROOT, input];
            if command == "check" {
                args.insert(1, "--no-config");
            }
            let out = Command::new(env!("CARGO_BIN_EXE_bundlelint")).args(&args).output().unwrap();
            let document: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(problems(&validator, &document), Vec::<String>::new(), "{command} {input}");
            assert_eq!(document["apple_root_substitutes"][0]["name"], "Fixture Apple Root CA", "{command} {input}");
            if command == "inspect" && input.ends_with(".pkg") {
                assert_eq!(
                    document["containers"][0]["status"],
                    "signed by a certificate that chains to a root standing in for Apple's"
                );
            }
        }
    }
}

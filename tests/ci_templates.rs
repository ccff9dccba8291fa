//! The CI setups users copy: the GitHub Action (`action.yml` and the script its check step runs),
//! the example workflow and the GitLab CI template. Each validates against the schema its platform
//! publishes (SchemaStore's, as vendored by check-jsonschema, in `tests/data/schemas/`), and the
//! action's check step runs here as it runs on a runner.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &str) -> Value {
    let text = std::fs::read_to_string(root().join(path)).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn assert_valid(path: &str, schema_file: &str) {
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("tests/data/schemas").join(schema_file)).unwrap())
            .unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let document = yaml(path);
    // The error's own text quotes the whole failing subschema: the instance path and keyword say enough.
    let errors: Vec<String> =
        validator.iter_errors(&document).map(|e| format!("at `{}`: {:?}", e.instance_path(), e.kind())).collect();
    assert!(errors.is_empty(), "{path} does not validate against {schema_file}:\n{}", errors.join("\n"));
}

#[test]
fn the_action_the_example_workflow_and_the_gitlab_template_validate() {
    assert_valid("action.yml", "github-actions.json");
    assert_valid("docs/examples/github-workflow.yml", "github-workflows.json");
    assert_valid("templates/gitlab-ci.yml", "gitlab-ci.json");
}

#[test]
fn the_example_workflow_uses_only_what_the_action_declares() {
    let action = yaml("action.yml");
    let workflow = yaml("docs/examples/github-workflow.yml");
    let step = workflow["jobs"]["bundlelint"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("bundlelint/bundlelint@")))
        .expect("the example uses the action");
    for input in step["with"].as_object().unwrap().keys() {
        assert!(
            action["inputs"].get(input).is_some(),
            "the example passes `{input}`, which action.yml does not declare"
        );
    }
    let upload = serde_json::to_string(&workflow["jobs"]["bundlelint"]).unwrap();
    assert!(upload.contains("steps.bundlelint.outputs.sarif-file"), "the example uploads the SARIF the action writes");
    assert!(action["outputs"].get("sarif-file").is_some());
    // The check step runs the script tested below.
    let run = serde_json::to_string(&action["runs"]["steps"]).unwrap();
    assert!(run.contains("templates/action-check.sh"), "{run}");
}

/// Runs the action's check step as a runner would: the script with the action's environment.
fn run_check_step(paths: &str, extra: &[(&str, &str)]) -> (i32, String, String, tempfile::TempDir) {
    let work = tempfile::tempdir().unwrap();
    let outputs = work.path().join("github-output");
    std::fs::write(&outputs, "").unwrap();
    let mut command = Command::new("bash");
    command
        .arg(root().join("templates/action-check.sh"))
        .current_dir(root())
        .env("BUNDLELINT", env!("CARGO_BIN_EXE_bundlelint"))
        .env("BUNDLELINT_PATHS", paths)
        .env("BUNDLELINT_SARIF", work.path().join("bundlelint.sarif"))
        .env("BUNDLELINT_FAIL_ON", "error")
        .env("BUNDLELINT_ARGS", "--no-config")
        .env("GITHUB_OUTPUT", &outputs);
    for (key, value) in extra {
        command.env(key, value);
    }
    let out = command.output().expect("bash runs");
    let written = std::fs::read_to_string(&outputs).unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into_owned(), written, work)
}

#[test]
fn the_check_step_fails_on_errors_and_writes_sarif_annotations_and_outputs() {
    let (code, stdout, outputs, work) = run_check_step("corpus/generated/bundles/Fixture.app", &[]);
    assert_eq!(code, 1, "errors fail the step:\n{stdout}");
    let sarif_path = work.path().join("bundlelint.sarif");
    assert!(outputs.contains(&format!("sarif-file={}", sarif_path.display())), "{outputs}");
    assert!(outputs.contains("exit-code=1"), "{outputs}");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    assert_eq!(sarif["version"], "2.1.0");
    assert!(!sarif["runs"][0]["results"].as_array().unwrap().is_empty());
    assert!(stdout.lines().any(|l| l.starts_with("::error ")), "annotations are printed:\n{stdout}");
}

#[test]
fn the_check_step_passes_clean_code_and_can_stay_quiet() {
    let app = "corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app";
    // Paths are split on blanks: a path with spaces is given through a link without them.
    let work = tempfile::tempdir().unwrap();
    let link = work.path().join("Redirector.app");
    std::os::unix::fs::symlink(root().join(app), &link).unwrap();
    let (code, stdout, outputs, _work) = run_check_step(
        link.to_str().unwrap(),
        &[("BUNDLELINT_ANNOTATIONS", "false"), ("BUNDLELINT_POLICY", "developer-id")],
    );
    assert_eq!(code, 0, "a notarized app passes:\n{stdout}");
    assert!(outputs.contains("exit-code=0"), "{outputs}");
    assert!(stdout.is_empty(), "no annotations when they are turned off:\n{stdout}");
}

#[test]
fn the_check_step_refuses_an_empty_paths_input() {
    let (code, stdout, outputs, _work) = run_check_step(" \n ", &[]);
    assert_eq!(code, 2);
    assert!(stdout.contains("::error title=bundlelint::the paths input names nothing to check"), "{stdout}");
    assert!(outputs.is_empty(), "{outputs}");
}

#[test]
fn the_schemas_are_the_vendored_ones() {
    for name in ["github-actions.json", "github-workflows.json", "gitlab-ci.json"] {
        let schema: Value =
            serde_json::from_str(&std::fs::read_to_string(Path::new("tests/data/schemas").join(name)).unwrap())
                .unwrap();
        assert_eq!(schema["$schema"], "http://json-schema.org/draft-07/schema#", "{name}");
    }
}

/// Keys pre-commit accepts in a hook definition (`pre_commit/clientlib.py`, MANIFEST_HOOK_DICT).
const PRE_COMMIT_HOOK_KEYS: &[&str] = &[
    "id",
    "name",
    "entry",
    "language",
    "alias",
    "files",
    "exclude",
    "types",
    "types_or",
    "exclude_types",
    "additional_dependencies",
    "args",
    "always_run",
    "fail_fast",
    "pass_filenames",
    "description",
    "language_version",
    "log_file",
    "require_serial",
    "stages",
    "verbose",
    "minimum_pre_commit_version",
];

/// The pre-commit hook is a well-formed manifest entry whose `files` pattern selects the
/// source files bundlelint judges on their own, and only those.
#[test]
fn the_pre_commit_hook_selects_the_source_files() {
    let manifest = yaml(".pre-commit-hooks.yaml");
    let hooks = manifest.as_array().expect("a list of hooks");
    assert_eq!(hooks.len(), 1);
    let hook = hooks[0].as_object().unwrap();
    for key in hook.keys() {
        assert!(PRE_COMMIT_HOOK_KEYS.contains(&key.as_str()), "pre-commit does not know `{key}`");
    }
    let text = |k: &str| hook.get(k).and_then(Value::as_str).unwrap_or_else(|| panic!("hook lacks `{k}`")).to_owned();
    assert_eq!(text("id"), "bundlelint-sources");
    assert_eq!(text("language"), "rust", "pre-commit builds it with cargo install from the repository");
    assert!(text("entry").starts_with("bundlelint check "));
    let files = regex::Regex::new(&text("files")).unwrap();
    for judged in [
        "App/App.entitlements",
        "App/Info.plist",
        "Info.plist",
        "Helper/Helper-Info.plist",
        "App/Library/LaunchDaemons/com.example.daemon.plist",
        "Daemon/launchd/com.example.daemon.plist",
        "Profiles/Release.provisionprofile",
        "ios/App.mobileprovision",
    ] {
        assert!(files.is_match(judged), "the hook skips {judged}");
    }
    for skipped in ["README.md", "App/Settings.plist", "App/Info.plist.orig", "App/MyInfo.plist.json"] {
        assert!(!files.is_match(skipped), "the hook runs on {skipped}");
    }
    // What the hook runs, run as pre-commit runs it: the entry, then the changed files.
    let mut entry = text("entry").split_whitespace().map(str::to_owned).collect::<Vec<_>>().into_iter();
    assert_eq!(entry.next().as_deref(), Some("bundlelint"));
    let out = Command::new(env!("CARGO_BIN_EXE_bundlelint"))
        .args(entry)
        .args([
            "corpus/sources/App.entitlements",
            "corpus/sources/Info.plist",
            "corpus/sources/com.example.daemon.plist",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

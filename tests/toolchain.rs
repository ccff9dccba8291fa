//! The `rust-version` Cargo.toml declares is what the locked dependency graph needs: the highest
//! `rust-version` among the packages of `cargo metadata --locked`.

use std::process::Command;

/// `cargo metadata --locked` as JSON, offline (tests do not reach the network). Every package of
/// the graph when their manifests are cached; when the ones for other platforms are not, the
/// packages this host builds.
fn locked_metadata() -> serde_json::Value {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let run = |extra: &[&str]| {
        let mut command = Command::new(&cargo);
        command.args(["metadata", "--locked", "--offline", "--format-version", "1", "--manifest-path", manifest]);
        command.args(extra).output().expect("cargo runs")
    };
    let mut output = run(&[]);
    if !output.status.success() {
        let host = host_triple(&cargo);
        eprintln!("some manifests are not cached; reading the graph for {host} only");
        output = run(&["--filter-platform", &host]);
    }
    assert!(output.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&output.stderr));
    serde_json::from_slice(&output.stdout).expect("cargo metadata prints JSON")
}

fn host_triple(cargo: &str) -> String {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| {
        // cargo sits beside rustc in a toolchain.
        std::path::Path::new(cargo).with_file_name("rustc").to_string_lossy().into_owned()
    });
    let version = Command::new(rustc).arg("-vV").output().expect("rustc runs");
    let text = String::from_utf8_lossy(&version.stdout).into_owned();
    text.lines().find_map(|l| l.strip_prefix("host: ")).expect("rustc names its host").to_owned()
}

/// `1.88` and `1.88.0` are the same requirement.
fn version_key(version: &str) -> Vec<u64> {
    let mut parts: Vec<u64> = version.split('.').map(|p| p.parse().expect("numeric version")).collect();
    parts.resize(3, 0);
    parts
}

#[test]
fn declared_rust_version_is_what_the_locked_graph_needs() {
    let metadata = locked_metadata();
    let packages = metadata["packages"].as_array().expect("packages");
    let (needed, by) = packages
        .iter()
        .filter(|p| p["name"] != env!("CARGO_PKG_NAME"))
        .filter_map(|p| Some((p["rust_version"].as_str()?, p["name"].as_str()?)))
        .max_by_key(|(version, _)| version_key(version))
        .expect("dependencies declare rust versions");
    let declared = env!("CARGO_PKG_RUST_VERSION");
    assert_eq!(
        version_key(declared),
        version_key(needed),
        "Cargo.toml declares rust-version {declared}, the locked graph needs {needed} (for {by})"
    );
}

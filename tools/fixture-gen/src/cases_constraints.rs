//! Rule-case fixtures for the launch-constraint rules (`lc-*`, `launchd-spawnconstraint`).
//!
//! Developer ID signed executables (team `ABCDE12345`, hardened runtime, no time-stamp) that
//! carry one constraint each, to be copied over `Fixture.app/Contents/MacOS/FixtureDaemon` (or
//! another item) by a case. Written under `OUT_DIR/cases/`; a rerun with the same PKI gives the
//! same bytes.

use {
    crate::{
        generate::{dict, s, set_exec, sign_macho, signing_time, write, Pki, TEAM},
        reqs,
    },
    anyhow::{Context, Result},
    apple_codesign::{
        environment_constraints::EncodedEnvironmentConstraints, CodeSignatureFlags, SettingsScope, SigningSettings,
    },
    plist::Value,
    std::path::Path,
};

/// The team a constraint names that no code in the fixtures has.
const OTHER_TEAM: &str = "S1J6DZ9E7U";
const DAEMON_ID: &str = "com.example.fixture.daemon";

fn int(v: i64) -> Value {
    Value::Integer(v.into())
}

fn array(v: Vec<Value>) -> Value {
    Value::Array(v)
}

fn constraint(v: Value) -> Result<EncodedEnvironmentConstraints> {
    Ok(EncodedEnvironmentConstraints::from_requirements_plist(v)?)
}

/// Developer ID settings with the team, runtime and the Apple-style designated requirement.
fn devid<'a>(pki: &'a Pki, identifier: &str) -> Result<SigningSettings<'a>> {
    let mut st = SigningSettings::default();
    st.set_signing_key(&pki.devid.key, pki.devid.cert.clone());
    st.chain_certificate(pki.devidca.clone());
    st.chain_certificate(pki.root.clone());
    st.set_signing_time(signing_time());
    st.set_team_id(TEAM);
    st.set_binary_identifier(SettingsScope::Main, identifier);
    st.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    st.set_designated_requirement_bytes(SettingsScope::Main, reqs::developer_id_designated(identifier, TEAM))?;
    Ok(st)
}

/// Which constraint slot a fixture fills.
enum Slot {
    SelfLaunch,
    Parent,
    Responsible,
    Library,
}

fn with(st: &mut SigningSettings<'_>, slot: Slot, reqs: Value) -> Result<()> {
    let c = constraint(reqs)?;
    match slot {
        Slot::SelfLaunch => st.set_launch_constraints_self(SettingsScope::Main, c),
        Slot::Parent => st.set_launch_constraints_parent(SettingsScope::Main, c),
        Slot::Responsible => st.set_launch_constraints_responsible(SettingsScope::Main, c),
        Slot::Library => st.set_library_constraints(SettingsScope::Main, c),
    }
    Ok(())
}

pub fn run(out_dir: &Path) -> Result<()> {
    let pki = Pki::load(&out_dir.join("pki")).context("loading the test PKI")?;
    let hello_arm64 = std::fs::read(out_dir.join("macho/hello-arm64")).context("reading macho/hello-arm64")?;
    let app_exe = std::fs::read(out_dir.join("bundles/Fixture.app/Contents/MacOS/Fixture"))
        .context("reading bundles/Fixture.app/Contents/MacOS/Fixture")?;
    let dir = out_dir.join("cases");
    let file = |name: &str, data: &[u8]| -> Result<()> {
        let p = dir.join(name);
        write(&p, data)?;
        set_exec(&p)?;
        eprintln!("  cases/{name} ({} bytes)", data.len());
        Ok(())
    };
    let own = || dict(vec![("team-identifier", s(TEAM)), ("signing-identifier", s(DAEMON_ID))]);

    // A daemon whose every constraint holds: self (own team and identifier), parent launchd,
    // responsible itself (launchd daemons are their own responsible process), library (the OS
    // or the own team, as `$or` of two facts).
    let mut st = devid(&pki, DAEMON_ID)?;
    with(&mut st, Slot::SelfLaunch, own())?;
    with(&mut st, Slot::Parent, dict(vec![("is-init-proc", Value::Boolean(true))]))?;
    with(&mut st, Slot::Responsible, own())?;
    with(
        &mut st,
        Slot::Library,
        dict(vec![("$or", dict(vec![("team-identifier", s(TEAM)), ("validation-category", int(1))]))]),
    )?;
    file("devid-lc-daemon-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // Self constraint naming another team than the one that signs it.
    let mut st = devid(&pki, DAEMON_ID)?;
    with(
        &mut st,
        Slot::SelfLaunch,
        dict(vec![("team-identifier", s(OTHER_TEAM)), ("signing-identifier", s(DAEMON_ID))]),
    )?;
    file("devid-lc-self-other-team-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // `$or` over an array of dictionaries, in both slices: `$or` takes a dictionary (alternatives
    // that repeat a fact go in `$or-array`).
    let hello_universal =
        std::fs::read(out_dir.join("macho/hello-universal")).context("reading macho/hello-universal")?;
    let mut st = devid(&pki, DAEMON_ID)?;
    let alternatives =
        array(vec![dict(vec![("validation-category", int(1))]), dict(vec![("team-identifier", s(TEAM))])]);
    with(&mut st, Slot::Library, dict(vec![("$or", alternatives)]))?;
    file("devid-lc-or-array-universal", &sign_macho(&hello_universal, &st)?)?;

    // A fact the kernel does not know.
    let mut st = devid(&pki, DAEMON_ID)?;
    with(&mut st, Slot::SelfLaunch, dict(vec![("team-identifier", s(TEAM)), ("is-notarized", Value::Boolean(true))]))?;
    file("devid-lc-unknown-fact-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // An operator the language does not have (`$ne`).
    let mut st = devid(&pki, DAEMON_ID)?;
    with(
        &mut st,
        Slot::SelfLaunch,
        dict(vec![("team-identifier", s(TEAM)), ("launch-type", dict(vec![("$ne", int(0))]))]),
    )?;
    file("devid-lc-unknown-operator-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // An entitlements query whose match-bool step holds a string.
    let mut st = devid(&pki, DAEMON_ID)?;
    let query = array(vec![array(vec![int(1), s("com.apple.security.app-sandbox")]), array(vec![int(5), s("true")])]);
    with(
        &mut st,
        Slot::SelfLaunch,
        dict(vec![("team-identifier", s(TEAM)), ("entitlements", dict(vec![("$query", query)]))]),
    )?;
    file("devid-lc-bad-query-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // A validation category no shipped product has (9, out-of-process JIT) next to Developer ID.
    let mut st = devid(&pki, DAEMON_ID)?;
    with(
        &mut st,
        Slot::SelfLaunch,
        dict(vec![
            ("team-identifier", s(TEAM)),
            ("validation-category", dict(vec![("$in", array(vec![int(6), int(9)]))])),
        ]),
    )?;
    file("devid-lc-category-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // Parent constraint naming another team: launchd, the daemon's parent, has none.
    let mut st = devid(&pki, DAEMON_ID)?;
    with(&mut st, Slot::Parent, dict(vec![("team-identifier", s(OTHER_TEAM))]))?;
    file("devid-lc-parent-other-team-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // Responsible constraint naming the app that talks to the daemon (the forum report).
    let mut st = devid(&pki, DAEMON_ID)?;
    with(
        &mut st,
        Slot::Responsible,
        dict(vec![("team-identifier", s(TEAM)), ("signing-identifier", s("com.example.fixture"))]),
    )?;
    file("devid-lc-responsible-app-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // The app's main executable re-signed with a library constraint: its own team only.
    let mut st = devid(&pki, "com.example.fixture")?;
    with(&mut st, Slot::Library, dict(vec![("team-identifier", s(TEAM))]))?;
    file("devid-lc-library-team-universal", &sign_macho(&app_exe, &st)?)?;
    Ok(())
}

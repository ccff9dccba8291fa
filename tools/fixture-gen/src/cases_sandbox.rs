//! Rule-case inputs for the sandbox family (`sbx-*`, `xpc-*`, `sysext-*`): products whose code
//! references Mach service names, as `NSXPCConnection(machServiceName:)` and
//! `NSXPCListener(machServiceName:)` callers do.
//!
//! Each executable is a tiny C program that `puts` the service names it uses, so they land in
//! `__TEXT,__cstring` exactly as a string literal passed to the XPC APIs would. It is compiled
//! with clang and linked with ld64.lld against `tools/fixture-src/libSystem.tbd`, the same way
//! `tools/make-fixtures.sh` builds the other inputs (override with `CC` / `LD64`). Both tools
//! are deterministic, and the signatures are RSA without a time-stamp, so reruns are
//! byte-identical.

use {
    crate::{
        generate::{copy_exec, dict, info_plist, s, write, xml_string, Pki, TEAM},
        reqs,
    },
    anyhow::{ensure, Context, Result},
    apple_codesign::{CodeSignatureFlags, SettingsScope, SigningSettings, UnifiedSigner},
    plist::Value,
    std::path::{Path, PathBuf},
    std::process::Command,
};

fn strings(v: &[&str]) -> Value {
    Value::Array(v.iter().map(|x| s(x)).collect())
}

/// An arm64 executable whose `__cstring` holds `names`.
fn program(work: &Path, stem: &str, names: &[&str]) -> Result<PathBuf> {
    let src = work.join(format!("{stem}.c"));
    let obj = work.join(format!("{stem}.o"));
    let out = work.join(stem);
    let mut c = String::from("int puts(const char *);\nint main(void) {\n");
    for n in names {
        c.push_str(&format!("    puts(\"{n}\");\n"));
    }
    c.push_str("    return 0;\n}\n");
    write(&src, c)?;
    let cc = std::env::var("CC").unwrap_or_else(|_| "clang".into());
    let ld = std::env::var("LD64").unwrap_or_else(|_| "ld64.lld-14".into());
    let tbd = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixture-src/libSystem.tbd");
    let status = Command::new(&cc)
        .args(["-target", "arm64-apple-macos11", "-ffreestanding", "-fno-stack-protector", "-Os", "-c"])
        .arg(&src)
        .arg("-o")
        .arg(&obj)
        .status()
        .with_context(|| format!("running {cc}"))?;
    ensure!(status.success(), "{cc} failed on {}", src.display());
    let status = Command::new(&ld)
        .args(["-arch", "arm64", "-platform_version", "macos", "11.0", "14.0", "-no_adhoc_codesign", "-o"])
        .arg(&out)
        .arg(&obj)
        .arg(&tbd)
        .status()
        .with_context(|| format!("running {ld}"))?;
    ensure!(status.success(), "{ld} failed on {}", obj.display());
    Ok(out)
}

fn settings<'a>(pki: &'a Pki, main_identifier: &str) -> Result<SigningSettings<'a>> {
    let mut st = SigningSettings::default();
    st.set_signing_key(&pki.devid.key, pki.devid.cert.clone());
    st.chain_certificate(pki.devidca.clone());
    st.chain_certificate(pki.root.clone());
    st.set_signing_time(crate::generate::signing_time());
    st.set_team_id(TEAM);
    st.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    st.set_designated_requirement_bytes(SettingsScope::Main, reqs::developer_id_designated(main_identifier, TEAM))?;
    Ok(st)
}

/// Hardened runtime and `entitlements` for the nested bundle at `path`.
fn nested(st: &mut SigningSettings<'_>, path: &str, entitlements: Vec<(&str, Value)>) -> Result<()> {
    let scope = SettingsScope::Path(path.to_owned());
    st.set_code_signature_flags(scope.clone(), CodeSignatureFlags::RUNTIME);
    if !entitlements.is_empty() {
        st.set_entitlements_xml(scope, xml_string(&dict(entitlements))?)?;
    }
    Ok(())
}

fn app_info(exe: &str, id: &str, extra: Vec<(&str, Value)>) -> Result<Vec<u8>> {
    let mut pairs = vec![
        ("CFBundleExecutable", s(exe)),
        ("CFBundleIdentifier", s(id)),
        ("CFBundleName", s(exe)),
        ("CFBundlePackageType", s("APPL")),
    ];
    pairs.extend(extra);
    info_plist(pairs)
}

/// The seed thread's agent: an app whose Service Management login item `Agent.app` bundles a
/// sandboxed File Provider extension that connects to the agent over XPC.
struct Agent<'a> {
    /// Output bundle name.
    name: &'a str,
    login_item_id: &'a str,
    group: &'a str,
    /// Names the host app, the agent and the extension use.
    host_names: &'a [&'a str],
    agent_names: &'a [&'a str],
    extension_names: &'a [&'a str],
}

fn agent_product(pki: &Pki, dir: &Path, a: &Agent<'_>) -> Result<()> {
    const LOGIN: &str = "Contents/Library/LoginItems/Agent.app";
    const FPEXT: &str = "Contents/Library/LoginItems/Agent.app/Contents/PlugIns/FPExt.appex";
    let work = dir.join(format!(".work-{}", a.name));
    let unsigned = work.join(a.name);
    let c = unsigned.join("Contents");
    write(&c.join("Info.plist"), app_info("AgentHost", "com.example.agenthost", vec![])?)?;
    copy_exec(&program(&work, "AgentHost", a.host_names)?, &c.join("MacOS/AgentHost"))?;
    let login = unsigned.join(LOGIN).join("Contents");
    write(
        &login.join("Info.plist"),
        app_info("Agent", a.login_item_id, vec![("LSBackgroundOnly", Value::Boolean(true))])?,
    )?;
    copy_exec(&program(&work, "Agent", a.agent_names)?, &login.join("MacOS/Agent"))?;
    let ext = unsigned.join(FPEXT).join("Contents");
    write(
        &ext.join("Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("FPExt")),
            ("CFBundleIdentifier", s("com.example.agent.FPExt")),
            ("CFBundleName", s("FPExt")),
            ("CFBundlePackageType", s("XPC!")),
            (
                "NSExtension",
                dict(vec![
                    ("NSExtensionPointIdentifier", s("com.apple.fileprovider-nonui")),
                    ("NSExtensionPrincipalClass", s("FPExt.FileProviderExtension")),
                    ("NSExtensionFileProviderDocumentGroup", s(a.group)),
                ]),
            ),
        ])?,
    )?;
    copy_exec(&program(&work, "FPExt", a.extension_names)?, &ext.join("MacOS/FPExt"))?;

    let mut st = settings(pki, "com.example.agenthost")?;
    // The agent itself is not sandboxed (hardened runtime only) but is in the app group.
    nested(&mut st, LOGIN, vec![("com.apple.security.application-groups", strings(&[a.group]))])?;
    nested(
        &mut st,
        FPEXT,
        vec![
            ("com.apple.security.app-sandbox", Value::Boolean(true)),
            ("com.apple.security.application-groups", strings(&[a.group])),
            ("com.apple.security.network.client", Value::Boolean(true)),
        ],
    )?;
    UnifiedSigner::new(st).sign_path(&unsigned, dir.join(a.name))?;
    std::fs::remove_dir_all(&work)?;
    eprintln!("  cases/{}", a.name);
    Ok(())
}

/// An app with a sandboxed network system extension (content filter) that talks to an
/// SMAppService launch daemon; all service names are prefixed as Apple asks.
fn netfilter_product(pki: &Pki, dir: &Path) -> Result<()> {
    const NAME: &str = "NetFilter.app";
    const SYSEXT: &str = "Contents/Library/SystemExtensions/com.example.netfilter.provider.systemextension";
    const GROUP: &str = "ABCDE12345.com.example.netfilter";
    const DAEMON_SERVICE: &str = "ABCDE12345.com.example.netfilter.daemon";
    const PROVIDER_SERVICE: &str = "ABCDE12345.com.example.netfilter.provider";
    let work = dir.join(".work-netfilter");
    let unsigned = work.join(NAME);
    let c = unsigned.join("Contents");
    write(&c.join("Info.plist"), app_info("NetFilter", "com.example.netfilter", vec![])?)?;
    copy_exec(&program(&work, "NetFilter", &[PROVIDER_SERVICE, DAEMON_SERVICE])?, &c.join("MacOS/NetFilter"))?;
    copy_exec(&program(&work, "NetFilterDaemon", &[DAEMON_SERVICE])?, &c.join("MacOS/NetFilterDaemon"))?;
    write(
        &c.join("Library/LaunchDaemons/com.example.netfilter.daemon.plist"),
        crate::generate::xml_string(&dict(vec![
            ("Label", s("com.example.netfilter.daemon")),
            ("BundleProgram", s("Contents/MacOS/NetFilterDaemon")),
            ("AssociatedBundleIdentifiers", strings(&["com.example.netfilter"])),
            ("MachServices", dict(vec![(DAEMON_SERVICE, Value::Boolean(true))])),
        ]))?,
    )?;
    let sx = unsigned.join(SYSEXT).join("Contents");
    write(
        &sx.join("Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("com.example.netfilter.provider")),
            ("CFBundleIdentifier", s("com.example.netfilter.provider")),
            ("CFBundleName", s("com.example.netfilter.provider")),
            ("CFBundlePackageType", s("SYSX")),
            (
                "NetworkExtension",
                dict(vec![
                    ("NEMachServiceName", s(PROVIDER_SERVICE)),
                    (
                        "NEProviderClasses",
                        dict(vec![("com.apple.networkextension.filter-data", s("Provider.FilterDataProvider"))]),
                    ),
                ]),
            ),
        ])?,
    )?;
    copy_exec(
        &program(&work, "provider", &[PROVIDER_SERVICE, DAEMON_SERVICE])?,
        &sx.join("MacOS/com.example.netfilter.provider"),
    )?;

    let mut st = settings(pki, "com.example.netfilter")?;
    st.set_entitlements_xml(
        SettingsScope::Main,
        xml_string(&dict(vec![
            ("com.apple.developer.system-extension.install", Value::Boolean(true)),
            ("com.apple.developer.networking.networkextension", strings(&["content-filter-provider-systemextension"])),
            ("com.apple.security.application-groups", strings(&[GROUP])),
        ]))?,
    )?;
    let daemon = SettingsScope::Path("Contents/MacOS/NetFilterDaemon".into());
    st.set_binary_identifier(daemon.clone(), "com.example.netfilter.daemon");
    st.set_code_signature_flags(daemon, CodeSignatureFlags::RUNTIME);
    nested(
        &mut st,
        SYSEXT,
        vec![
            ("com.apple.security.app-sandbox", Value::Boolean(true)),
            ("com.apple.security.application-groups", strings(&[GROUP])),
            ("com.apple.developer.networking.networkextension", strings(&["content-filter-provider-systemextension"])),
        ],
    )?;
    UnifiedSigner::new(st).sign_path(&unsigned, dir.join(NAME))?;
    std::fs::remove_dir_all(&work)?;
    eprintln!("  cases/{NAME}");
    Ok(())
}

/// Writes the sandbox family's products under `out_dir/cases/`.
pub fn run(pki: &Pki, dir: &Path) -> Result<()> {
    // As in the seed thread: the agent (bundle ID `com.example.agent`) listens on two names of
    // its own, and the sandboxed extension, in group `TEAM.group.com.example.agent`, looks one up.
    agent_product(
        pki,
        dir,
        &Agent {
            name: "AgentXPC-broken.app",
            login_item_id: "com.example.agent",
            group: "ABCDE12345.group.com.example.agent",
            host_names: &["com.example.agent"],
            agent_names: &["ABCDE12345.com.example.agent.srv1", "ABCDE12345.com.example.agent.srv2"],
            extension_names: &["ABCDE12345.com.example.agent.srv2"],
        },
    )?;
    // The fix: the login item's bundle ID is the one listener name, and it is a child of the
    // app group both sides are in.
    agent_product(
        pki,
        dir,
        &Agent {
            name: "AgentXPC.app",
            login_item_id: "ABCDE12345.com.example.agent",
            group: "ABCDE12345.com.example",
            host_names: &["ABCDE12345.com.example.agent"],
            agent_names: &["ABCDE12345.com.example.agent"],
            extension_names: &["ABCDE12345.com.example.agent"],
        },
    )?;
    netfilter_product(pki, dir)?;
    Ok(())
}

//! `fixture-gen products OUT_DIR --inputs BIN_DIR [--tsa-url URL]`
//!
//! Whole signed macOS apps, each telling one story end to end (the scenarios in
//! `corpus/scenarios/` check them): a clean app, the seed threads as users
//! shipped them, and their fixed versions. Everything is Developer ID signed
//! with the hardened runtime, an Apple-style designated requirement and (with
//! `--tsa-url`) a time-stamp, and every executable is universal.
//!
//! Reads BIN_DIR (the unsigned inputs of tools/make-fixtures.sh) and
//! OUT_DIR/pki (including `devid-myapp`, the second team's identity);
//! deletes and rewrites OUT_DIR/products only.

use {
    crate::generate::{
        cms_sign, constraints, copy_exec, date, dict, info_plist, load_identity, plist_xml, profile_plist, s,
        sign_macho, signing_time, strings, symlink, write, xml_string, Identity, Pki, ProfileSpec, TEAM,
    },
    crate::reqs,
    anyhow::{Context, Result},
    apple_codesign::{CodeSignatureFlags, SettingsScope, SigningSettings, UnifiedSigner},
    plist::Value,
    std::path::{Path, PathBuf},
};

/// The second team (the second seed thread's developer).
const TEAM2: &str = "S1J6DZ9E7U";

pub struct Args {
    pub out: PathBuf,
    pub inputs: PathBuf,
    pub tsa_url: Option<String>,
}

struct Ctx {
    out: PathBuf,
    inputs: PathBuf,
    work: PathBuf,
    tsa_url: Option<String>,
    pki: Pki,
    team2: Identity,
}

/// One piece of code in a product and how it is signed. `path` is relative to
/// the app (a nested bundle's folder, or a Mach-O file); `None` is the app's
/// main executable.
struct Code {
    path: Option<&'static str>,
    identifier: &'static str,
    team: &'static str,
    entitlements: Option<Value>,
    launch_self: Option<Value>,
}

impl Code {
    fn new(path: Option<&'static str>, identifier: &'static str) -> Self {
        Code { path, identifier, team: TEAM, entitlements: None, launch_self: None }
    }

    fn entitlements(mut self, v: Value) -> Self {
        self.entitlements = Some(v);
        self
    }

    fn launch_self(mut self, v: Value) -> Self {
        self.launch_self = Some(v);
        self
    }

    fn scope(&self) -> SettingsScope {
        match self.path {
            None => SettingsScope::Main,
            Some(p) => SettingsScope::Path(p.to_string()),
        }
    }

    /// Scoped settings as Xcode signs a Developer ID product: the identifier,
    /// the hardened runtime, and the entitlements and self launch constraint
    /// when it has them.
    ///
    /// Every piece of code gets the designated requirement Xcode gives a
    /// Developer ID product (`anchor apple generic`, the Developer ID OIDs and
    /// the team), which a container's seal records for its nested code. The
    /// test PKI mirrors Apple's, so checks pass `--apple-root pki/root.pem`
    /// to evaluate these requirements as a Mac evaluates the real ones.
    fn apply(&self, s: &mut SigningSettings) -> Result<()> {
        let scope = self.scope();
        s.set_binary_identifier(scope.clone(), self.identifier);
        s.set_code_signature_flags(scope.clone(), CodeSignatureFlags::RUNTIME);
        s.set_designated_requirement_bytes(scope.clone(), reqs::developer_id_designated(self.identifier, self.team))?;
        if let Some(e) = &self.entitlements {
            s.set_entitlements_xml(scope.clone(), xml_string(e)?)?;
        }
        if let Some(lc) = &self.launch_self {
            s.set_launch_constraints_self(scope, constraints(lc.clone())?);
        }
        Ok(())
    }
}

impl Ctx {
    fn bin(&self, name: &str) -> PathBuf {
        self.inputs.join(name)
    }

    /// Developer ID settings for `identity` and `team`, chain included,
    /// time-stamped when a TSA is given.
    fn settings<'a>(&'a self, identity: &'a Identity, team: &str) -> Result<SigningSettings<'a>> {
        let mut s = SigningSettings::default();
        s.set_signing_key(&identity.key, identity.cert.clone());
        s.chain_certificate(self.pki.devidca.clone());
        s.chain_certificate(self.pki.root.clone());
        s.set_team_id(team);
        s.set_signing_time(signing_time());
        if let Some(url) = &self.tsa_url {
            s.set_time_stamp_url(url.as_str())?;
        }
        Ok(s)
    }

    /// Signs the unsigned tree `name` (under the work folder) into
    /// OUT_DIR/products/`name` with `identity`, every piece of `code` scoped,
    /// leaving the paths in `keep` as they are (already signed).
    fn sign(&self, name: &str, identity: &Identity, team: &str, code: &[Code], keep: &[&str]) -> Result<()> {
        let mut s = self.settings(identity, team)?;
        for c in code {
            c.apply(&mut s)?;
        }
        for k in keep {
            s.add_path_exclusion(k)?;
        }
        let src = self.work.join(name);
        let dest = self.out.join("products").join(name);
        UnifiedSigner::new(s).sign_path(&src, &dest).with_context(|| format!("signing {name}"))?;
        eprintln!("  products/{name}");
        Ok(())
    }

    /// Signs the nested bundle at `rel` (relative to the unsigned app `app`) in
    /// place, as its own target is signed before its container, so the
    /// container seals the nested bundle's finished files. `code` paths are
    /// relative to the nested bundle.
    fn presign(&self, app: &Path, rel: &str, identity: &Identity, team: &str, code: &[Code]) -> Result<()> {
        let mut s = self.settings(identity, team)?;
        for c in code {
            c.apply(&mut s)?;
        }
        let src = app.join(rel);
        let signed = self.work.join("presigned").join(rel);
        if signed.exists() {
            std::fs::remove_dir_all(&signed)?;
        }
        UnifiedSigner::new(s).sign_path(&src, &signed).with_context(|| format!("signing {rel}"))?;
        std::fs::remove_dir_all(&src)?;
        std::fs::rename(&signed, &src)?;
        Ok(())
    }

    /// A Developer ID provisioning profile of team ABCDE12345 for `app_id`
    /// (without the team prefix), authorising `extra` entitlements.
    fn profile(&self, name: &str, uuid: &str, app_id: &str, extra: Vec<(&str, Value)>) -> Result<Vec<u8>> {
        let mut ents = vec![
            ("com.apple.application-identifier", s(&format!("{TEAM}.{app_id}"))),
            ("com.apple.developer.team-identifier", s(TEAM)),
            ("keychain-access-groups", strings(&[&format!("{TEAM}.*")])),
        ];
        ents.extend(extra);
        let spec = ProfileSpec {
            name,
            app_id_name: name,
            platform: &["OSX"],
            uuid,
            created: date(2026, 1, 1),
            expires: date(2040, 1, 1),
            entitlements: dict(ents),
            certs: vec![&self.pki.devid.cert],
            devices: crate::generate::Devices::All,
            with_der_profile: true,
        };
        let xml = plist_xml(&profile_plist(&self.pki, &spec)?)?;
        cms_sign(&self.pki, xml, spec.created)
    }
}

pub fn run(args: Args) -> Result<()> {
    let pki_dir = args.out.join("pki");
    let pki = Pki::load(&pki_dir).context("loading the test PKI")?;
    let team2 = load_identity(&pki_dir, "devid-myapp").context("loading the second team's identity")?;
    let work = args.inputs.parent().unwrap_or(&args.inputs).join("products-work");
    for d in [&work, &args.out.join("products")] {
        if d.exists() {
            std::fs::remove_dir_all(d)?;
        }
        std::fs::create_dir_all(d)?;
    }
    let ctx = Ctx { out: args.out, inputs: args.inputs, work, tsa_url: args.tsa_url, pki, team2 };
    eprintln!("building products");
    clean(&ctx)?;
    myapp(&ctx, false)?;
    myapp(&ctx, true)?;
    es(&ctx, EsKind::Bare)?;
    es(&ctx, EsKind::Wrapped)?;
    es(&ctx, EsKind::Copied)?;
    sm(&ctx, SmKind::Missing)?;
    sm(&ctx, SmKind::Absolute)?;
    sm(&ctx, SmKind::OtherTeam)?;
    self_constraint(&ctx)?;
    Ok(())
}

// ---------------------------------------------------------------------------
// building blocks

fn bool_(v: bool) -> Value {
    Value::Boolean(v)
}

/// `Contents/Info.plist` and `Contents/PkgInfo` of an app, and its main
/// executable copied from `exe`.
fn app_skeleton(ctx: &Ctx, app: &Path, name: &str, id: &str, exe: &str, extra: Vec<(&str, Value)>) -> Result<()> {
    let c = app.join("Contents");
    let mut pairs = vec![
        ("CFBundleExecutable", s(name)),
        ("CFBundleIdentifier", s(id)),
        ("CFBundleName", s(name)),
        ("CFBundlePackageType", s("APPL")),
        ("CFBundleSignature", s("????")),
    ];
    pairs.extend(extra);
    write(&c.join("Info.plist"), info_plist(pairs)?)?;
    write(&c.join("PkgInfo"), b"APPL????")?;
    copy_exec(&ctx.bin(exe), &c.join("MacOS").join(name))
}

/// A nested bundle at `dir` (its `Contents/` layout) of package type `kind`.
fn nested_bundle(
    ctx: &Ctx,
    dir: &Path,
    name: &str,
    id: &str,
    kind: &str,
    exe: &str,
    extra: Vec<(&str, Value)>,
) -> Result<()> {
    let c = dir.join("Contents");
    let mut pairs = vec![
        ("CFBundleExecutable", s(name)),
        ("CFBundleIdentifier", s(id)),
        ("CFBundleName", s(name)),
        ("CFBundlePackageType", s(kind)),
    ];
    pairs.extend(extra);
    write(&c.join("Info.plist"), info_plist(pairs)?)?;
    copy_exec(&ctx.bin(exe), &c.join("MacOS").join(name))
}

/// An SMAppService launch daemon plist in `Contents/Library/LaunchDaemons/`.
fn daemon_plist(app: &Path, label: &str, pairs: Vec<(&str, Value)>) -> Result<()> {
    let mut v = vec![("Label", s(label))];
    v.extend(pairs);
    write(&app.join(format!("Contents/Library/LaunchDaemons/{label}.plist")), plist_xml(&dict(v))?)
}

fn team_and_id(team: &str, id: &str) -> Value {
    dict(vec![("team-identifier", s(team)), ("signing-identifier", s(id))])
}

// ---------------------------------------------------------------------------
// Clean.app: every kind of nested code, all correct

const CLEAN_XPC: &str = "Contents/XPCServices/com.example.clean.service.xpc";
const CLEAN_LOGIN: &str = "Contents/Library/LoginItems/CleanLogin.app";
const CLEAN_DAEMON: &str = "Contents/MacOS/com.example.clean.daemon";
const CLEAN_FW: &str = "Contents/Frameworks/FixtureKit.framework";

fn clean(ctx: &Ctx) -> Result<()> {
    let app = ctx.work.join("Clean.app");
    app_skeleton(ctx, &app, "Clean", "com.example.clean", "product-app-universal", vec![])?;
    let c = app.join("Contents");

    // Versioned framework, linked by the main executable.
    let fw = app.join(CLEAN_FW);
    copy_exec(&ctx.bin("FixtureKit-universal"), &fw.join("Versions/A/FixtureKit"))?;
    write(
        &fw.join("Versions/A/Resources/Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("FixtureKit")),
            ("CFBundleIdentifier", s("com.example.clean.FixtureKit")),
            ("CFBundleName", s("FixtureKit")),
            ("CFBundlePackageType", s("FMWK")),
        ])?,
    )?;
    symlink("A", &fw.join("Versions/Current"))?;
    symlink("Versions/Current/FixtureKit", &fw.join("FixtureKit"))?;
    symlink("Versions/Current/Resources", &fw.join("Resources"))?;

    nested_bundle(
        ctx,
        &app.join(CLEAN_XPC),
        "com.example.clean.service",
        "com.example.clean.service",
        "XPC!",
        "tiny-universal",
        vec![("XPCService", dict(vec![("ServiceType", s("Application"))]))],
    )?;
    nested_bundle(
        ctx,
        &app.join(CLEAN_LOGIN),
        "CleanLogin",
        "com.example.clean.login",
        "APPL",
        "tiny-universal",
        vec![("LSBackgroundOnly", bool_(true))],
    )?;

    copy_exec(&ctx.bin("tiny-universal"), &app.join(CLEAN_DAEMON))?;
    daemon_plist(
        &app,
        "com.example.clean.daemon",
        vec![
            ("BundleProgram", s(CLEAN_DAEMON)),
            ("AssociatedBundleIdentifiers", strings(&["com.example.clean"])),
            ("MachServices", dict(vec![("com.example.clean.daemon", bool_(true))])),
            ("SpawnConstraint", team_and_id(TEAM, "com.example.clean.daemon")),
        ],
    )?;
    write(
        &c.join("Resources/en.lproj/InfoPlist.strings"),
        "/* Localized versions of Info.plist keys */\n\"CFBundleName\" = \"Clean\";\n",
    )?;

    let code = [
        Code::new(None, "com.example.clean"),
        Code::new(Some(CLEAN_XPC), "com.example.clean.service"),
        Code::new(Some(CLEAN_LOGIN), "com.example.clean.login"),
        Code::new(Some(CLEAN_DAEMON), "com.example.clean.daemon")
            .launch_self(team_and_id(TEAM, "com.example.clean.daemon")),
    ];
    ctx.sign("Clean.app", &ctx.pki.devid, TEAM, &code, &[])
}

// ---------------------------------------------------------------------------
// MyApp.app / MyAppFixed.app: the second seed thread (a login item agent with
// a sandboxed File Provider extension that must reach the agent's listener)

const MYAPP_AGENT: &str = "Contents/Library/LoginItems/agent.app";
const MYAPP_EXT: &str = "Contents/Library/LoginItems/agent.app/Contents/PlugIns/FileProvider.appex";

fn myapp(ctx: &Ctx, fixed: bool) -> Result<()> {
    let name = if fixed { "MyAppFixed.app" } else { "MyApp.app" };
    // As shipped: the agent's bundle ID is not prefixed with the team ID, its
    // listeners are not inside the app group, and the group is the agent's own.
    // Fixed: the bundle ID is `TEAM.com.myapp.agent`, the one listener has that
    // name, and both share the group `TEAM.com.myapp`, a prefix of the name.
    let (agent_id, ext_id, group, agent_exe, ext_exe) = if fixed {
        (
            "S1J6DZ9E7U.com.myapp.agent",
            "S1J6DZ9E7U.com.myapp.agent.FileProvider",
            "S1J6DZ9E7U.com.myapp",
            "myapp-fixed-universal",
            "myapp-fixed-universal",
        )
    } else {
        (
            "com.myapp.agent",
            "com.myapp.agent.FileProvider",
            "S1J6DZ9E7U.group.com.myapp.agent",
            "myapp-agent-universal",
            "myapp-extension-universal",
        )
    };
    let app = ctx.work.join(name);
    let exe = name.trim_end_matches(".app");
    app_skeleton(ctx, &app, exe, "com.myapp", "tiny-universal", vec![])?;
    nested_bundle(
        ctx,
        &app.join(MYAPP_AGENT),
        "agent",
        agent_id,
        "APPL",
        agent_exe,
        vec![("LSUIElement", bool_(true))],
    )?;
    nested_bundle(
        ctx,
        &app.join(MYAPP_EXT),
        "FileProvider",
        ext_id,
        "XPC!",
        ext_exe,
        vec![(
            "NSExtension",
            dict(vec![
                ("NSExtensionPointIdentifier", s("com.apple.fileprovider-nonui")),
                ("NSExtensionPrincipalClass", s("FileProvider.FileProviderExtension")),
            ]),
        )],
    )?;

    let groups = || ("com.apple.security.application-groups", strings(&[group]));
    let mut agent = Code::new(Some(MYAPP_AGENT), agent_id).entitlements(dict(vec![groups()]));
    agent.team = TEAM2;
    let mut ext = Code::new(Some(MYAPP_EXT), ext_id)
        .entitlements(dict(vec![("com.apple.security.app-sandbox", bool_(true)), groups()]));
    ext.team = TEAM2;
    let mut main = Code::new(None, "com.myapp");
    main.team = TEAM2;
    ctx.sign(name, &ctx.team2, TEAM2, &[main, agent, ext], &[])
}

// ---------------------------------------------------------------------------
// ESBare.app / ESWrapped.app / ESCopied.app: the third seed thread (an
// Endpoint Security client killed at launch)

#[derive(Clone, Copy, PartialEq)]
enum EsKind {
    /// The client is a bare tool in Contents/MacOS: no bundle, no profile.
    Bare,
    /// The client is wrapped in an app-like bundle with its own profile.
    Wrapped,
    /// Wrapped, plus a second executable claiming the same entitlement.
    Copied,
}

const ES_BARE_DAEMON: &str = "Contents/MacOS/com.example.es.daemon";
const ES_HELPER_APP: &str = "Contents/Library/HelperApps/ESDaemon.app";
const ES_HELPER_EXE: &str = "Contents/Library/HelperApps/ESDaemon.app/Contents/MacOS/ESDaemon";
/// Relative to ESDaemon.app.
const ES_HELPER_COPY: &str = "Contents/MacOS/ESDaemon-helper";
/// The helper app and everything in it (glob), left as presigned.
const ES_HELPER_KEEP: &str = "Contents/Library/HelperApps/ESDaemon.app*";
const ES_CLIENT: &str = "com.apple.developer.endpoint-security.client";

fn es(ctx: &Ctx, kind: EsKind) -> Result<()> {
    let name = match kind {
        EsKind::Bare => "ESBare.app",
        EsKind::Wrapped => "ESWrapped.app",
        EsKind::Copied => "ESCopied.app",
    };
    let app = ctx.work.join(name);
    app_skeleton(ctx, &app, name.trim_end_matches(".app"), "com.example.es", "tiny-universal", vec![])?;
    let app_profile = ctx.profile(
        "ES Developer ID",
        "3A7C9E51-2B4D-4F60-8A1B-C2D3E4F5A6B7",
        "com.example.es",
        vec![(ES_CLIENT, bool_(true))],
    )?;
    write(&app.join("Contents/embedded.provisionprofile"), app_profile)?;

    let app_ents = |app_id: &str, es: bool| {
        let mut v = vec![
            ("com.apple.application-identifier", s(&format!("{TEAM}.{app_id}"))),
            ("com.apple.developer.team-identifier", s(TEAM)),
        ];
        if es {
            v.push((ES_CLIENT, bool_(true)));
        }
        dict(v)
    };
    let mut code = vec![Code::new(None, "com.example.es").entitlements(app_ents("com.example.es", false))];
    let mut keep = vec![];

    let program = if kind == EsKind::Bare {
        copy_exec(&ctx.bin("tiny-universal"), &app.join(ES_BARE_DAEMON))?;
        code.push(
            Code::new(Some(ES_BARE_DAEMON), "com.example.es.daemon").entitlements(dict(vec![(ES_CLIENT, bool_(true))])),
        );
        ES_BARE_DAEMON
    } else {
        let helper = app.join(ES_HELPER_APP);
        nested_bundle(
            ctx,
            &helper,
            "ESDaemon",
            "com.example.es.daemon",
            "APPL",
            "tiny-universal",
            vec![("LSBackgroundOnly", bool_(true))],
        )?;
        let profile = ctx.profile(
            "ES Daemon Developer ID",
            "8E2F4A6C-1D3B-4E5F-9071-A2B3C4D5E6F8",
            "com.example.es.daemon",
            vec![(ES_CLIENT, bool_(true))],
        )?;
        write(&helper.join("Contents/embedded.provisionprofile"), profile)?;
        let mut inner =
            vec![Code::new(None, "com.example.es.daemon").entitlements(app_ents("com.example.es.daemon", true))];
        if kind == EsKind::Copied {
            copy_exec(&ctx.bin("tiny-universal"), &app.join(ES_HELPER_APP).join(ES_HELPER_COPY))?;
            inner.push(
                Code::new(Some(ES_HELPER_COPY), "com.example.es.daemon.helper")
                    .entitlements(dict(vec![(ES_CLIENT, bool_(true))])),
            );
        }
        // Library/HelperApps is not a nested-code location of the seal: the
        // container seals the helper app's files one by one, its
        // _CodeSignature/CodeResources included, so the helper is signed first.
        ctx.presign(&app, ES_HELPER_APP, &ctx.pki.devid, TEAM, &inner)?;
        keep.push(ES_HELPER_KEEP);
        ES_HELPER_EXE
    };
    daemon_plist(
        &app,
        "com.example.es.daemon",
        vec![("BundleProgram", s(program)), ("AssociatedBundleIdentifiers", strings(&["com.example.es"]))],
    )?;
    ctx.sign(name, &ctx.pki.devid, TEAM, &code, &keep)
}

// ---------------------------------------------------------------------------
// SMMissing.app / SMAbsolute.app / SMOtherTeam.app: SMAppService daemons that
// launchd cannot run

#[derive(Clone, Copy, PartialEq)]
enum SmKind {
    /// BundleProgram names an executable that is not in the bundle.
    Missing,
    /// An absolute `Program` path instead of a bundle-relative BundleProgram.
    Absolute,
    /// The daemon is signed by another team than the app.
    OtherTeam,
}

const SM_DAEMON: &str = "Contents/MacOS/com.example.sm.daemon";

fn sm(ctx: &Ctx, kind: SmKind) -> Result<()> {
    let name = match kind {
        SmKind::Missing => "SMMissing.app",
        SmKind::Absolute => "SMAbsolute.app",
        SmKind::OtherTeam => "SMOtherTeam.app",
    };
    let app = ctx.work.join(name);
    app_skeleton(ctx, &app, name.trim_end_matches(".app"), "com.example.sm", "tiny-universal", vec![])?;
    let mut code = vec![Code::new(None, "com.example.sm")];
    let mut keep = vec![];
    let daemon = Code::new(Some(SM_DAEMON), "com.example.sm.daemon");
    match kind {
        SmKind::Missing => {}
        SmKind::Absolute => {
            copy_exec(&ctx.bin("tiny-universal"), &app.join(SM_DAEMON))?;
            code.push(daemon);
        }
        SmKind::OtherTeam => {
            // Signed on its own by the other team, then left as it is when the
            // app is signed: the app's seal records this signature.
            let mut s = ctx.settings(&ctx.team2, TEAM2)?;
            let mut daemon = daemon;
            daemon.team = TEAM2;
            daemon.apply(&mut s)?;
            let s = s.as_bundle_macho_settings(SM_DAEMON);
            let input = std::fs::read(ctx.bin("tiny-universal"))?;
            let signed = sign_macho(&input, &s)?;
            let dest = app.join(SM_DAEMON);
            write(&dest, signed)?;
            crate::generate::set_exec(&dest)?;
            keep.push(SM_DAEMON);
        }
    }
    let program = if kind == SmKind::Absolute {
        ("Program", s("/Applications/SMAbsolute.app/Contents/MacOS/com.example.sm.daemon"))
    } else {
        ("BundleProgram", s(SM_DAEMON))
    };
    daemon_plist(
        &app,
        "com.example.sm.daemon",
        vec![
            program,
            ("AssociatedBundleIdentifiers", strings(&["com.example.sm"])),
            ("MachServices", dict(vec![("com.example.sm.daemon", bool_(true))])),
        ],
    )?;
    ctx.sign(name, &ctx.pki.devid, TEAM, &code, &keep)
}

// ---------------------------------------------------------------------------
// SelfConstraint.app: a daemon whose self launch constraint names another team

const SC_DAEMON: &str = "Contents/MacOS/com.example.constrained.daemon";

fn self_constraint(ctx: &Ctx) -> Result<()> {
    let name = "SelfConstraint.app";
    let app = ctx.work.join(name);
    app_skeleton(ctx, &app, "SelfConstraint", "com.example.constrained", "tiny-universal", vec![])?;
    copy_exec(&ctx.bin("tiny-universal"), &app.join(SC_DAEMON))?;
    daemon_plist(
        &app,
        "com.example.constrained.daemon",
        vec![
            ("BundleProgram", s(SC_DAEMON)),
            ("AssociatedBundleIdentifiers", strings(&["com.example.constrained"])),
            ("MachServices", dict(vec![("com.example.constrained.daemon", bool_(true))])),
            ("SpawnConstraint", team_and_id(TEAM, "com.example.constrained.daemon")),
        ],
    )?;
    let code = [
        Code::new(None, "com.example.constrained"),
        // The daemon's own constraint names the second team: the kernel refuses
        // to spawn it although launchd's SpawnConstraint matches.
        Code::new(Some(SC_DAEMON), "com.example.constrained.daemon")
            .launch_self(team_and_id(TEAM2, "com.example.constrained.daemon")),
    ];
    ctx.sign(name, &ctx.pki.devid, TEAM, &code, &[])
}

//! `fixture-gen generate OUT_DIR --inputs BIN_DIR [--tsa-url URL]`
//!
//! Reads the unsigned Mach-O inputs (built by tools/make-fixtures.sh) and the
//! test PKI in `OUT_DIR/pki/`, and writes:
//!
//! * `signed/`   – signed Mach-O files, one signing feature each;
//! * `profile/`  – CMS-signed provisioning profiles (+ their plist payloads);
//! * `bundles/`  – Fixture.app (Developer ID style, time-stamped), an ad-hoc
//!   copy, and iOS-style Payload/FixtureiOS.app builds: development (`ios/`),
//!   ad hoc (`ios-ad-hoc/`) and enterprise (`ios-enterprise/`).

use {
    crate::reqs,
    anyhow::{bail, Context, Result},
    apple_codesign::{
        cryptography::{DigestType, InMemoryPrivateKey},
        environment_constraints::EncodedEnvironmentConstraints,
        CodeSignatureFlags, MachOSigner, SettingsScope, SigningSettings, UnifiedSigner,
    },
    chrono::{DateTime, TimeZone, Utc},
    cryptographic_message_syntax::{SignedDataBuilder, SignerBuilder},
    plist::{Dictionary, Value},
    std::path::{Path, PathBuf},
    x509_certificate::CapturedX509Certificate,
};

pub const TEAM: &str = "ABCDE12345";

/// Fixed signing time for CMS signatures, so re-signing with the same keys is
/// byte-stable.
pub(crate) fn signing_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap()
}

pub(crate) fn date(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap()
}

fn plist_date(t: DateTime<Utc>) -> Value {
    Value::Date(std::time::SystemTime::from(t).into())
}

// ---------------------------------------------------------------------------
// small helpers

pub(crate) struct Identity {
    pub(crate) cert: CapturedX509Certificate,
    pub(crate) key: InMemoryPrivateKey,
}

pub(crate) struct Pki {
    pub(crate) root: CapturedX509Certificate,
    pub(crate) devidca: CapturedX509Certificate,
    pub(crate) wwdr: CapturedX509Certificate,
    pub(crate) devid: Identity,
    pub(crate) devid_ec: Identity,
    pub(crate) appledev: Identity,
    /// Apple Distribution: signs the iOS ad hoc and enterprise builds.
    pub(crate) appledist: Identity,
    pub(crate) profsign: Identity,
}

fn load_cert(path: &Path) -> Result<CapturedX509Certificate> {
    let data = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Ok(CapturedX509Certificate::from_pem(data)?)
}

pub(crate) fn load_identity(dir: &Path, name: &str) -> Result<Identity> {
    let cert = load_cert(&dir.join(format!("{name}.pem")))?;
    let key_pem = std::fs::read(dir.join(format!("{name}.key")))?;
    let parsed = pem::parse(key_pem)?;
    if parsed.tag() != "PRIVATE KEY" {
        bail!("{name}.key: expected a PKCS#8 'PRIVATE KEY', got {}", parsed.tag());
    }
    let key = InMemoryPrivateKey::from_pkcs8_der(parsed.contents())?;
    Ok(Identity { cert, key })
}

impl Pki {
    pub(crate) fn load(dir: &Path) -> Result<Self> {
        Ok(Self {
            root: load_cert(&dir.join("root.pem"))?,
            devidca: load_cert(&dir.join("devidca.pem"))?,
            wwdr: load_cert(&dir.join("wwdr.pem"))?,
            devid: load_identity(dir, "devid")?,
            devid_ec: load_identity(dir, "devid-ec")?,
            appledev: load_identity(dir, "appledev")?,
            appledist: load_identity(dir, "appledist")?,
            profsign: load_identity(dir, "profsign")?,
        })
    }
}

pub(crate) fn write(path: &Path, data: impl AsRef<[u8]>) -> Result<()> {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p)?;
    }
    std::fs::write(path, data).with_context(|| format!("writing {}", path.display()))
}

pub(crate) fn set_exec(path: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755))?;
    Ok(())
}

pub(crate) fn copy_exec(src: &Path, dest: &Path) -> Result<()> {
    if let Some(p) = dest.parent() {
        std::fs::create_dir_all(p)?;
    }
    std::fs::copy(src, dest).with_context(|| format!("copying {}", src.display()))?;
    set_exec(dest)
}

pub(crate) fn symlink(target: &str, link: &Path) -> Result<()> {
    if let Some(p) = link.parent() {
        std::fs::create_dir_all(p)?;
    }
    std::os::unix::fs::symlink(target, link).with_context(|| format!("symlink {} -> {}", link.display(), target))
}

pub(crate) fn plist_xml(v: &Value) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    v.to_writer_xml(&mut out)?;
    out.push(b'\n');
    Ok(out)
}

pub(crate) fn dict(pairs: Vec<(&str, Value)>) -> Value {
    let mut d = Dictionary::new();
    for (k, v) in pairs {
        d.insert(k.to_string(), v);
    }
    Value::Dictionary(d)
}

pub(crate) fn s(v: &str) -> Value {
    Value::String(v.to_string())
}

pub(crate) fn strings(v: &[&str]) -> Value {
    Value::Array(v.iter().map(|x| s(x)).collect())
}

pub(crate) fn int(v: i64) -> Value {
    Value::Integer(v.into())
}

pub(crate) fn sign_macho(input: &[u8], settings: &SigningSettings) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    MachOSigner::new(input)?.write_signed_binary(settings, &mut out)?;
    Ok(out)
}

pub(crate) fn constraints(v: Value) -> Result<EncodedEnvironmentConstraints> {
    Ok(EncodedEnvironmentConstraints::from_requirements_plist(v)?)
}

// ---------------------------------------------------------------------------
// entitlements

/// Hardened-runtime entitlements covering every plist value kind that
/// entitlements use: bools (false and true), strings, arrays, a nested
/// dictionary and an integer.
fn entitlements_runtime() -> Value {
    dict(vec![
        ("com.apple.security.get-task-allow", Value::Boolean(false)),
        ("com.apple.security.cs.allow-jit", Value::Boolean(true)),
        ("com.apple.security.cs.disable-library-validation", Value::Boolean(true)),
        ("com.apple.application-identifier", s("ABCDE12345.com.example.fixture.entitled")),
        ("com.apple.developer.team-identifier", s(TEAM)),
        (
            "keychain-access-groups",
            strings(&["ABCDE12345.com.example.fixture.entitled", "ABCDE12345.com.example.shared"]),
        ),
        (
            "com.apple.security.temporary-exception.mach-lookup.global-name",
            strings(&["com.example.fixture.service", "com.example.fixture.agent"]),
        ),
        (
            "com.example.fixture.settings",
            dict(vec![
                ("mode", s("strict")),
                ("channels", strings(&["stable", "beta"])),
                ("limits", dict(vec![("max-clients", int(8)), ("burst", Value::Boolean(true))])),
            ]),
        ),
        ("com.example.fixture.max-clients", int(16)),
    ])
}

fn entitlements_app() -> Value {
    dict(vec![
        ("com.apple.application-identifier", s("ABCDE12345.com.example.fixture")),
        ("com.apple.developer.team-identifier", s(TEAM)),
        ("keychain-access-groups", strings(&["ABCDE12345.com.example.fixture"])),
        ("com.apple.security.automation.apple-events", Value::Boolean(true)),
        ("com.apple.security.get-task-allow", Value::Boolean(false)),
    ])
}

fn entitlements_sandboxed(extra: Vec<(&str, Value)>) -> Value {
    let mut v = vec![
        ("com.apple.security.app-sandbox", Value::Boolean(true)),
        ("com.apple.security.network.client", Value::Boolean(true)),
    ];
    v.extend(extra);
    dict(v)
}

fn entitlements_sysext() -> Value {
    dict(vec![
        ("com.apple.application-identifier", s("ABCDE12345.com.example.fixture.sysext")),
        ("com.apple.developer.team-identifier", s(TEAM)),
        ("com.apple.developer.endpoint-security.client", Value::Boolean(true)),
    ])
}

fn entitlements_development() -> Value {
    dict(vec![
        ("com.apple.application-identifier", s("ABCDE12345.com.example.fixture.dev")),
        ("com.apple.developer.team-identifier", s(TEAM)),
        ("com.apple.security.get-task-allow", Value::Boolean(true)),
        ("keychain-access-groups", strings(&["ABCDE12345.com.example.fixture.dev"])),
    ])
}

fn entitlements_ios() -> Value {
    dict(vec![
        ("application-identifier", s("ABCDE12345.com.example.fixture.ios")),
        ("com.apple.developer.team-identifier", s(TEAM)),
        ("get-task-allow", Value::Boolean(true)),
        ("keychain-access-groups", strings(&["ABCDE12345.*"])),
    ])
}

/// What Xcode signs a distribution build of the iOS app with, and what its ad hoc, enterprise and
/// App Store profiles allow: no debugger (get-task-allow false).
fn entitlements_ios_distribution() -> Value {
    dict(vec![
        ("application-identifier", s("ABCDE12345.com.example.fixture.ios")),
        ("com.apple.developer.team-identifier", s(TEAM)),
        ("get-task-allow", Value::Boolean(false)),
        ("keychain-access-groups", strings(&["ABCDE12345.*"])),
    ])
}

/// The devices of the ad hoc profile: two iPhones (the newer UDID form, with a dash) and an
/// older iPad (40 hex digits).
const IOS_AD_HOC_DEVICES: &[&str] =
    &["00008110-000A1C2E3F40801E", "00008030-001A2B3C4D5E802E", "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432"];

pub(crate) fn xml_string(v: &Value) -> Result<String> {
    Ok(String::from_utf8(plist_xml(v)?)?)
}

// ---------------------------------------------------------------------------
// launch constraints (requirements dictionaries)

fn lc_self() -> Value {
    dict(vec![("team-identifier", s(TEAM)), ("signing-identifier", s("com.example.daemon")), ("launch-type", int(3))])
}

fn lc_parent() -> Value {
    dict(vec![(
        "$or",
        Value::Array(vec![
            dict(vec![("is-init-proc", Value::Boolean(true))]),
            dict(vec![("team-identifier", s(TEAM)), ("signing-identifier", s("com.example.fixture"))]),
        ]),
    )])
}

fn lc_responsible() -> Value {
    dict(vec![(
        "$or",
        Value::Array(vec![
            dict(vec![("validation-category", int(1))]),
            dict(vec![
                ("team-identifier", s(TEAM)),
                (
                    "signing-identifier",
                    dict(vec![("$in", strings(&["com.example.fixture", "com.example.fixture.helper"]))]),
                ),
                ("validation-category", int(6)),
            ]),
        ]),
    )])
}

fn lc_library() -> Value {
    dict(vec![(
        "$or",
        Value::Array(vec![dict(vec![("validation-category", int(1))]), dict(vec![("team-identifier", s(TEAM))])]),
    )])
}

// ---------------------------------------------------------------------------

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
}

impl Ctx {
    fn input(&self, name: &str) -> Result<Vec<u8>> {
        let p = self.inputs.join(name);
        std::fs::read(&p).with_context(|| format!("reading input {}", p.display()))
    }

    fn write_signed(&self, name: &str, data: &[u8]) -> Result<()> {
        let p = self.out.join("signed").join(name);
        write(&p, data)?;
        set_exec(&p)?;
        eprintln!("  signed/{name} ({} bytes)", data.len());
        Ok(())
    }

    /// Settings signed by the Developer ID–style identity, chain included.
    fn devid_settings(&self, ec: bool) -> SigningSettings<'_> {
        let mut s = SigningSettings::default();
        let id = if ec { &self.pki.devid_ec } else { &self.pki.devid };
        s.set_signing_key(&id.key, id.cert.clone());
        s.chain_certificate(self.pki.devidca.clone());
        s.chain_certificate(self.pki.root.clone());
        s.set_team_id(TEAM);
        s.set_signing_time(signing_time());
        s
    }
}

pub fn run(args: Args) -> Result<()> {
    let ctx = Ctx::new(args, &["signed", "profile", "bundles"])?;
    signed_machos(&ctx)?;
    let profiles = profiles(&ctx)?;
    bundles(&ctx, &profiles)?;
    Ok(())
}

/// `fixture-gen bundles`: the profiles (the same bytes again) and the bundles only; `signed/`
/// keeps its bytes.
pub fn run_bundles(args: Args) -> Result<()> {
    let ctx = Ctx::new(args, &["profile", "bundles"])?;
    let profiles = profiles(&ctx)?;
    bundles(&ctx, &profiles)?;
    Ok(())
}

impl Ctx {
    /// The context of a run that rewrites the output directories `fresh`.
    fn new(args: Args, fresh: &[&str]) -> Result<Ctx> {
        let pki = Pki::load(&args.out.join("pki")).context("loading the test PKI")?;
        let work = args.inputs.parent().unwrap_or(&args.inputs).join("gen-work");
        if work.exists() {
            std::fs::remove_dir_all(&work)?;
        }
        for d in fresh {
            let p = args.out.join(d);
            if p.exists() {
                std::fs::remove_dir_all(&p)?;
            }
            std::fs::create_dir_all(&p)?;
        }
        Ok(Ctx { out: args.out, inputs: args.inputs, work, tsa_url: args.tsa_url, pki })
    }
}

// ---------------------------------------------------------------------------
// signed/

fn signed_machos(ctx: &Ctx) -> Result<()> {
    eprintln!("signing Mach-O fixtures");
    let hello_arm64 = ctx.input("hello-arm64")?;
    let hello_x86 = ctx.input("hello-x86_64")?;
    let hello_fat = ctx.input("hello-universal")?;

    // ad-hoc, thin
    let mut s = SigningSettings::default();
    s.set_binary_identifier(SettingsScope::Main, "hello");
    ctx.write_signed("adhoc-arm64", &sign_macho(&hello_arm64, &s)?)?;

    // ad-hoc, universal
    ctx.write_signed("adhoc-universal", &sign_macho(&hello_fat, &s)?)?;

    // ad-hoc dylib
    let mut s = SigningSettings::default();
    s.set_binary_identifier(SettingsScope::Main, "libfixture");
    ctx.write_signed("adhoc-libfixture-arm64.dylib", &sign_macho(&ctx.input("libfixture-arm64.dylib")?, &s)?)?;

    // ad-hoc with identifier + team id
    let mut s = SigningSettings::default();
    s.set_binary_identifier(SettingsScope::Main, "com.example.fixture");
    s.set_team_id(TEAM);
    ctx.write_signed("adhoc-ident-team-arm64", &sign_macho(&hello_arm64, &s)?)?;

    // hardened runtime + XML and DER entitlements
    let mut s = SigningSettings::default();
    s.set_binary_identifier(SettingsScope::Main, "com.example.fixture.entitled");
    s.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    s.set_entitlements_xml(SettingsScope::Main, xml_string(&entitlements_runtime())?)?;
    ctx.write_signed("adhoc-runtime-entitlements-universal", &sign_macho(&hello_fat, &s)?)?;

    // all four constraint slots
    let mut s = SigningSettings::default();
    s.set_binary_identifier(SettingsScope::Main, "com.example.daemon");
    s.set_team_id(TEAM);
    s.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    s.set_launch_constraints_self(SettingsScope::Main, constraints(lc_self())?);
    s.set_launch_constraints_parent(SettingsScope::Main, constraints(lc_parent())?);
    s.set_launch_constraints_responsible(SettingsScope::Main, constraints(lc_responsible())?);
    s.set_library_constraints(SettingsScope::Main, constraints(lc_library())?);
    ctx.write_signed("adhoc-launch-constraints-arm64", &sign_macho(&hello_arm64, &s)?)?;

    // SHA-1 primary CodeDirectory + SHA-256 alternate (the layout Apple uses
    // for binaries that support old OS versions)
    let mut s = SigningSettings::default();
    s.set_binary_identifier(SettingsScope::Main, "com.example.fixture.sha1");
    s.set_digest_type(SettingsScope::Main, DigestType::Sha1);
    s.add_extra_digest(SettingsScope::Main, DigestType::Sha256);
    ctx.write_signed("adhoc-sha1-sha256-x86_64", &sign_macho(&hello_x86, &s)?)?;

    // Developer ID chain: universal, runtime, entitlements, team, Apple-style DR.
    let dr = reqs::developer_id_designated("com.example.fixture", TEAM);
    let mut s = ctx.devid_settings(false);
    s.set_binary_identifier(SettingsScope::Main, "com.example.fixture");
    s.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    s.set_entitlements_xml(SettingsScope::Main, xml_string(&entitlements_app())?)?;
    s.set_designated_requirement_bytes(SettingsScope::Main, &dr)?;
    ctx.write_signed("devid-universal", &sign_macho(&hello_fat, &s)?)?;

    // same, with a secure timestamp from the loopback TSA
    if let Some(url) = &ctx.tsa_url {
        s.set_time_stamp_url(url.as_str())?;
        ctx.write_signed("devid-timestamped-arm64", &sign_macho(&hello_arm64, &s)?)?;
    } else {
        eprintln!("  (no --tsa-url: skipping devid-timestamped-arm64)");
    }

    // ECDSA P-256 leaf
    let mut s = ctx.devid_settings(true);
    s.set_binary_identifier(SettingsScope::Main, "com.example.fixture.ecdsa");
    s.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    s.set_designated_requirement_bytes(
        SettingsScope::Main,
        reqs::developer_id_designated("com.example.fixture.ecdsa", TEAM),
    )?;
    ctx.write_signed("devid-ecdsa-arm64", &sign_macho(&hello_arm64, &s)?)?;

    // Apple Development chain, development entitlements, automatic DR
    let mut s = SigningSettings::default();
    s.set_signing_key(&ctx.pki.appledev.key, ctx.pki.appledev.cert.clone());
    s.chain_certificate(ctx.pki.wwdr.clone());
    s.chain_certificate(ctx.pki.root.clone());
    s.set_team_id(TEAM);
    s.set_signing_time(signing_time());
    s.set_binary_identifier(SettingsScope::Main, "com.example.fixture.dev");
    s.set_entitlements_xml(SettingsScope::Main, xml_string(&entitlements_development())?)?;
    ctx.write_signed("appledev-arm64", &sign_macho(&hello_arm64, &s)?)?;

    // Command-line tool with an embedded __TEXT,__info_plist bound in special slot 1.
    let tool = ctx.input("fixture-tool-arm64")?;
    let info = extract_info_plist(&tool)?;
    let mut s = ctx.devid_settings(false);
    s.set_binary_identifier(SettingsScope::Main, "com.example.fixture.tool");
    s.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    s.set_info_plist_data(SettingsScope::Main, info);
    s.set_designated_requirement_bytes(
        SettingsScope::Main,
        reqs::developer_id_designated("com.example.fixture.tool", TEAM),
    )?;
    ctx.write_signed("devid-tool-info-plist-arm64", &sign_macho(&tool, &s)?)?;

    Ok(())
}

fn extract_info_plist(data: &[u8]) -> Result<Vec<u8>> {
    let mach = apple_codesign::MachFile::parse(data)?;
    let macho = mach.nth_macho(0)?;
    macho.embedded_info_plist()?.context("input has no __TEXT,__info_plist section")
}

// ---------------------------------------------------------------------------
// profile/

struct Profiles {
    developer_id: Vec<u8>,
    /// The system extension's own: a profile covers only its bundle's main executable.
    developer_id_sysext: Vec<u8>,
    ios_development: Vec<u8>,
    ios_ad_hoc: Vec<u8>,
    ios_enterprise: Vec<u8>,
}

pub(crate) fn cms_sign(pki: &Pki, content: Vec<u8>, time: DateTime<Utc>) -> Result<Vec<u8>> {
    let signer = SignerBuilder::new(&pki.profsign.key, pki.profsign.cert.clone());
    // Profiles encapsulate `id-data`; the builder's default content type is `id-signedData`.
    let id_data = bcder::Oid(cryptographic_message_syntax::asn1::rfc5652::OID_ID_DATA.as_ref().to_vec().into());
    let der = SignedDataBuilder::default()
        .content_type(id_data)
        .content_inline(content)
        .signer(signer)
        .certificate(pki.wwdr.clone())
        .certificate(pki.root.clone())
        .signing_time(time.into())
        .build_der()?;
    Ok(der)
}

pub(crate) struct ProfileSpec<'a> {
    pub(crate) name: &'a str,
    pub(crate) app_id_name: &'a str,
    pub(crate) platform: &'a [&'a str],
    pub(crate) uuid: &'a str,
    pub(crate) created: DateTime<Utc>,
    pub(crate) expires: DateTime<Utc>,
    pub(crate) entitlements: Value,
    pub(crate) certs: Vec<&'a CapturedX509Certificate>,
    pub(crate) devices: Devices<'a>,
    pub(crate) with_der_profile: bool,
}

/// Where a profile lets its code run: the keys that make it a development or ad hoc profile
/// (a device list), an enterprise or Developer ID one (every device) or an App Store one (neither).
#[derive(Clone, Copy)]
pub(crate) enum Devices<'a> {
    /// `ProvisionedDevices`.
    Listed(&'a [&'a str]),
    /// `ProvisionsAllDevices = true`.
    All,
    /// Neither key.
    Unlisted,
}

pub(crate) fn profile_plist(pki: &Pki, p: &ProfileSpec) -> Result<Value> {
    let mut d = Dictionary::new();
    d.insert("AppIDName".into(), s(p.app_id_name));
    d.insert("ApplicationIdentifierPrefix".into(), strings(&[TEAM]));
    d.insert("CreationDate".into(), plist_date(p.created));
    d.insert("Platform".into(), strings(p.platform));
    d.insert("IsXcodeManaged".into(), Value::Boolean(false));
    d.insert(
        "DeveloperCertificates".into(),
        Value::Array(p.certs.iter().map(|c| Value::Data(c.constructed_data().to_vec())).collect()),
    );
    d.insert("Entitlements".into(), p.entitlements.clone());
    d.insert("ExpirationDate".into(), plist_date(p.expires));
    d.insert("Name".into(), s(p.name));
    match p.devices {
        Devices::Listed(devs) => {
            d.insert("ProvisionedDevices".into(), strings(devs));
        }
        Devices::All => {
            d.insert("ProvisionsAllDevices".into(), Value::Boolean(true));
        }
        Devices::Unlisted => {}
    }
    d.insert("TeamIdentifier".into(), strings(&[TEAM]));
    d.insert("TeamName".into(), s("Fixture Corp"));
    d.insert("TimeToLive".into(), int((p.expires - p.created).num_days()));
    d.insert("UUID".into(), s(p.uuid));
    d.insert("Version".into(), int(1));

    if p.with_der_profile {
        // DER-Encoded-Profile: a CMS message (same signer) over the DER plist
        // encoding of the profile's date-free fields.
        let mut der_fields = Dictionary::new();
        for k in [
            "AppIDName",
            "ApplicationIdentifierPrefix",
            "Entitlements",
            "Name",
            "Platform",
            "ProvisionsAllDevices",
            "ProvisionedDevices",
            "TeamIdentifier",
            "TeamName",
            "UUID",
            "Version",
        ] {
            if let Some(v) = d.get(k) {
                der_fields.insert(k.into(), v.clone());
            }
        }
        let der = apple_codesign::plist_der::der_encode_plist(&Value::Dictionary(der_fields))?;
        d.insert("DER-Encoded-Profile".into(), Value::Data(cms_sign(pki, der, p.created)?));
    }
    Ok(Value::Dictionary(d))
}

fn write_profile(ctx: &Ctx, file: &str, spec: &ProfileSpec) -> Result<Vec<u8>> {
    let plist = profile_plist(&ctx.pki, spec)?;
    let xml = plist_xml(&plist)?;
    let cms = cms_sign(&ctx.pki, xml.clone(), spec.created)?;
    let dir = ctx.out.join("profile");
    let stem = file.rsplit_once('.').map(|x| x.0).unwrap_or(file);
    write(&dir.join(format!("{stem}.plist")), &xml)?;
    write(&dir.join(file), &cms)?;
    eprintln!("  profile/{file} ({} bytes)", cms.len());
    Ok(cms)
}

fn profiles(ctx: &Ctx) -> Result<Profiles> {
    eprintln!("writing provisioning profiles");
    let developer_id = write_profile(
        ctx,
        "developer-id.provisionprofile",
        &ProfileSpec {
            name: "Fixture Developer ID",
            app_id_name: "Fixture",
            platform: &["OSX"],
            uuid: "6F1C2B8E-4A55-4E0B-9C3D-1A2B3C4D5E6F",
            created: date(2026, 1, 1),
            expires: date(2040, 1, 1),
            entitlements: dict(vec![
                ("com.apple.application-identifier", s("ABCDE12345.com.example.fixture")),
                ("com.apple.developer.team-identifier", s(TEAM)),
                ("keychain-access-groups", strings(&["ABCDE12345.*"])),
                ("com.apple.developer.endpoint-security.client", Value::Boolean(true)),
            ]),
            certs: vec![&ctx.pki.devid.cert, &ctx.pki.devid_ec.cert],
            devices: Devices::All,
            with_der_profile: true,
        },
    )?;

    let developer_id_sysext = write_profile(
        ctx,
        "developer-id-sysext.provisionprofile",
        &ProfileSpec {
            name: "Fixture System Extension Developer ID",
            app_id_name: "Fixture System Extension",
            platform: &["OSX"],
            uuid: "5E2D7C41-8B3A-4F6E-9D10-2C3B4A5F6E7D",
            created: date(2026, 1, 1),
            expires: date(2040, 1, 1),
            entitlements: dict(vec![
                ("com.apple.application-identifier", s("ABCDE12345.com.example.fixture.sysext")),
                ("com.apple.developer.team-identifier", s(TEAM)),
                ("keychain-access-groups", strings(&["ABCDE12345.*"])),
                ("com.apple.developer.endpoint-security.client", Value::Boolean(true)),
            ]),
            certs: vec![&ctx.pki.devid.cert, &ctx.pki.devid_ec.cert],
            devices: Devices::All,
            with_der_profile: true,
        },
    )?;

    write_profile(
        ctx,
        "development.provisionprofile",
        &ProfileSpec {
            name: "Fixture Mac Development",
            app_id_name: "Fixture Dev",
            platform: &["OSX"],
            uuid: "0B7D3E21-9C4F-4B8A-A1E2-7F6E5D4C3B2A",
            created: date(2026, 1, 1),
            expires: date(2040, 1, 1),
            entitlements: dict(vec![
                ("com.apple.application-identifier", s("ABCDE12345.com.example.fixture.dev")),
                ("com.apple.developer.team-identifier", s(TEAM)),
                ("com.apple.security.get-task-allow", Value::Boolean(true)),
                ("keychain-access-groups", strings(&["ABCDE12345.*"])),
            ]),
            certs: vec![&ctx.pki.appledev.cert],
            devices: Devices::Listed(&[
                "00008103-000A1B2C3D4E5F60",
                "00008112-001122334455667E",
                "4C4C4544-0042-3010-8052-B4C04F4E4E32",
            ]),
            with_der_profile: false,
        },
    )?;

    write_profile(
        ctx,
        "expired.provisionprofile",
        &ProfileSpec {
            name: "Fixture Developer ID (expired)",
            app_id_name: "Fixture",
            platform: &["OSX"],
            uuid: "A3E1F0C2-5B6D-4C7E-8F90-123456789ABC",
            created: date(2024, 1, 1),
            expires: date(2025, 1, 1),
            entitlements: dict(vec![
                ("com.apple.application-identifier", s("ABCDE12345.com.example.fixture")),
                ("com.apple.developer.team-identifier", s(TEAM)),
                ("keychain-access-groups", strings(&["ABCDE12345.*"])),
            ]),
            certs: vec![&ctx.pki.devid.cert],
            devices: Devices::All,
            with_der_profile: false,
        },
    )?;

    let ios_development = write_profile(
        ctx,
        "ios-development.mobileprovision",
        &ProfileSpec {
            name: "Fixture iOS Development",
            app_id_name: "Fixture iOS",
            platform: &["iOS", "xrOS", "visionOS"],
            uuid: "D4C3B2A1-0F9E-4D8C-B7A6-5E4D3C2B1A09",
            created: date(2026, 1, 1),
            expires: date(2040, 1, 1),
            entitlements: entitlements_ios(),
            certs: vec![&ctx.pki.appledev.cert],
            devices: Devices::Listed(&["00008030-001A2B3C4D5E802E", "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678"]),
            with_der_profile: true,
        },
    )?;

    // The distribution kinds of the same App ID, signed by Apple Distribution: ad hoc (a device
    // list, no get-task-allow), enterprise (every device) and App Store (neither).
    let ios_distribution = |file: &str, name: &str, uuid: &str, devices: Devices, expires: DateTime<Utc>| {
        write_profile(
            ctx,
            file,
            &ProfileSpec {
                name,
                app_id_name: "Fixture iOS",
                platform: &["iOS", "xrOS", "visionOS"],
                uuid,
                created: date(2026, 1, 1),
                expires,
                entitlements: entitlements_ios_distribution(),
                certs: vec![&ctx.pki.appledist.cert],
                devices,
                with_der_profile: true,
            },
        )
    };
    let ios_ad_hoc = ios_distribution(
        "ios-ad-hoc.mobileprovision",
        "Fixture iOS Ad Hoc",
        "3B9E6F12-7A4C-4D21-9E8B-0C1D2E3F4A5B",
        Devices::Listed(IOS_AD_HOC_DEVICES),
        date(2040, 1, 1),
    )?;
    let ios_enterprise = ios_distribution(
        "ios-enterprise.mobileprovision",
        "Fixture iOS In House",
        "8C2A4E6B-1D3F-4A5B-8C7D-9E0F1A2B3C4D",
        Devices::All,
        date(2040, 1, 1),
    )?;
    ios_distribution(
        "ios-app-store.mobileprovision",
        "Fixture iOS App Store",
        "E7F6A5B4-C3D2-4E1F-A0B9-C8D7E6F5A4B3",
        Devices::Unlisted,
        date(2040, 1, 1),
    )?;
    // Valid when the iOS builds were signed (2026-06-01), expired since: a release gate, which
    // checks today's date, rejects it; a development build does not.
    ios_distribution(
        "ios-ad-hoc-expired.mobileprovision",
        "Fixture iOS Ad Hoc (expired)",
        "6D5C4B3A-2918-4F7E-8D6C-5B4A39281706",
        Devices::Listed(IOS_AD_HOC_DEVICES),
        date(2026, 9, 1),
    )?;
    Ok(Profiles { developer_id, developer_id_sysext, ios_development, ios_ad_hoc, ios_enterprise })
}

// ---------------------------------------------------------------------------
// bundles/

pub(crate) fn info_plist(pairs: Vec<(&str, Value)>) -> Result<Vec<u8>> {
    let mut base = vec![
        ("CFBundleDevelopmentRegion", s("en")),
        ("CFBundleInfoDictionaryVersion", s("6.0")),
        ("CFBundleShortVersionString", s("1.0")),
        ("CFBundleVersion", s("1")),
        ("LSMinimumSystemVersion", s("11.0")),
    ];
    base.extend(pairs);
    plist_xml(&dict(base))
}

/// Path (relative to the .app) → identifier / settings for nested code.
const XPC: &str = "Contents/XPCServices/com.example.fixture.helper.xpc";
const LOGIN: &str = "Contents/Library/LoginItems/FixtureLogin.app";
const APPEX: &str = "Contents/PlugIns/FixtureExt.appex";
const SYSEXT: &str = "Contents/Library/SystemExtensions/com.example.fixture.sysext.systemextension";
const DAEMON: &str = "Contents/MacOS/FixtureDaemon";
const PRIVILEGED: &str = "Contents/Library/LaunchServices/com.example.fixture.privileged";
const HELPER: &str = "Contents/Helpers/fixture-helper";

/// The app before signing. Every nested executable is universal like the app, so each runs
/// wherever the app does; the system extension carries its own provisioning profile.
fn build_unsigned_app(ctx: &Ctx, app: &Path, profiles: &Profiles) -> Result<()> {
    let c = app.join("Contents");
    let bin = |n: &str| ctx.inputs.join(n);

    write(
        &c.join("Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("Fixture")),
            ("CFBundleIdentifier", s("com.example.fixture")),
            ("CFBundleName", s("Fixture")),
            ("CFBundlePackageType", s("APPL")),
            ("CFBundleSignature", s("????")),
            ("NSPrincipalClass", s("NSApplication")),
            (
                "SMPrivilegedExecutables",
                dict(vec![(
                    "com.example.fixture.privileged",
                    s("identifier \"com.example.fixture.privileged\" and anchor apple generic and certificate leaf[subject.OU] = \"ABCDE12345\""),
                )]),
            ),
        ])?,
    )?;
    write(&c.join("PkgInfo"), b"APPL????")?;
    copy_exec(&bin("Fixture-universal"), &c.join("MacOS/Fixture"))?;
    copy_exec(&bin("tiny-universal"), &c.join(DAEMON.trim_start_matches("Contents/")))?;

    // Versioned framework with the usual symlinks.
    let fw = c.join("Frameworks/FixtureKit.framework");
    copy_exec(&bin("FixtureKit-universal"), &fw.join("Versions/A/FixtureKit"))?;
    write(
        &fw.join("Versions/A/Resources/Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("FixtureKit")),
            ("CFBundleIdentifier", s("com.example.FixtureKit")),
            ("CFBundleName", s("FixtureKit")),
            ("CFBundlePackageType", s("FMWK")),
        ])?,
    )?;
    symlink("A", &fw.join("Versions/Current"))?;
    symlink("Versions/Current/FixtureKit", &fw.join("FixtureKit"))?;
    symlink("Versions/Current/Resources", &fw.join("Resources"))?;

    copy_exec(&bin("libfixture-universal.dylib"), &c.join("Frameworks/libfixture.dylib"))?;

    // XPC service
    let xpc = app.join(XPC).join("Contents");
    write(
        &xpc.join("Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("com.example.fixture.helper")),
            ("CFBundleIdentifier", s("com.example.fixture.helper")),
            ("CFBundleName", s("com.example.fixture.helper")),
            ("CFBundlePackageType", s("XPC!")),
            ("XPCService", dict(vec![("ServiceType", s("Application"))])),
        ])?,
    )?;
    copy_exec(&bin("tiny-universal"), &xpc.join("MacOS/com.example.fixture.helper"))?;

    // Login item
    let login = app.join(LOGIN).join("Contents");
    write(
        &login.join("Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("FixtureLogin")),
            ("CFBundleIdentifier", s("com.example.fixture.login")),
            ("CFBundleName", s("FixtureLogin")),
            ("CFBundlePackageType", s("APPL")),
            ("LSBackgroundOnly", Value::Boolean(true)),
        ])?,
    )?;
    copy_exec(&bin("tiny-universal"), &login.join("MacOS/FixtureLogin"))?;

    // App extension
    let appex = app.join(APPEX).join("Contents");
    write(
        &appex.join("Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("FixtureExt")),
            ("CFBundleIdentifier", s("com.example.fixture.extension")),
            ("CFBundleName", s("FixtureExt")),
            ("CFBundlePackageType", s("XPC!")),
            (
                "NSExtension",
                dict(vec![
                    ("NSExtensionPointIdentifier", s("com.apple.share-services")),
                    ("NSExtensionPrincipalClass", s("FixtureExt.ShareViewController")),
                    (
                        "NSExtensionAttributes",
                        dict(vec![(
                            "NSExtensionActivationRule",
                            dict(vec![("NSExtensionActivationSupportsText", Value::Boolean(true))]),
                        )]),
                    ),
                ]),
            ),
        ])?,
    )?;
    copy_exec(&bin("tiny-universal"), &appex.join("MacOS/FixtureExt"))?;

    // System extension (Endpoint Security client)
    let sysext = app.join(SYSEXT).join("Contents");
    write(
        &sysext.join("Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("com.example.fixture.sysext")),
            ("CFBundleIdentifier", s("com.example.fixture.sysext")),
            ("CFBundleName", s("com.example.fixture.sysext")),
            ("CFBundlePackageType", s("SYSX")),
            ("NSEndpointSecurityEarlyBoot", Value::Boolean(false)),
            ("NSSystemExtensionUsageDescription", s("Fixture monitors file events.")),
        ])?,
    )?;
    copy_exec(&bin("tiny-universal"), &sysext.join("MacOS/com.example.fixture.sysext"))?;
    write(&sysext.join("embedded.provisionprofile"), &profiles.developer_id_sysext)?;

    // launchd daemon plist (SMAppService style: BundleProgram)
    write(
        &c.join("Library/LaunchDaemons/com.example.fixture.daemon.plist"),
        plist_xml(&dict(vec![
            ("Label", s("com.example.fixture.daemon")),
            ("BundleProgram", s("Contents/MacOS/FixtureDaemon")),
            ("AssociatedBundleIdentifiers", strings(&["com.example.fixture"])),
            ("MachServices", dict(vec![("com.example.fixture.daemon.xpc", Value::Boolean(true))])),
            ("RunAtLoad", Value::Boolean(true)),
            (
                "SpawnConstraint",
                dict(vec![("team-identifier", s(TEAM)), ("signing-identifier", s("com.example.fixture.daemon"))]),
            ),
        ]))?,
    )?;

    // SMJobBless-style privileged tool (embedded __info_plist + __launchd_plist)
    copy_exec(&bin("privileged-universal"), &app.join(PRIVILEGED))?;
    // Helper tool
    copy_exec(&bin("tiny-universal"), &app.join(HELPER))?;

    // Resources
    write(
        &c.join("Resources/en.lproj/InfoPlist.strings"),
        "/* Localized versions of Info.plist keys */\n\"CFBundleName\" = \"Fixture\";\n\"NSHumanReadableCopyright\" = \"Fixture Corp\";\n",
    )?;
    write(&c.join("embedded.provisionprofile"), &profiles.developer_id)?;
    Ok(())
}

/// Scoped settings shared by the Developer ID and the ad-hoc app.
fn app_scoped_settings(s: &mut SigningSettings) -> Result<()> {
    let rt = CodeSignatureFlags::RUNTIME;
    s.set_code_signature_flags(SettingsScope::Main, rt);
    s.set_entitlements_xml(SettingsScope::Main, xml_string(&entitlements_app())?)?;

    let p = |x: &str| SettingsScope::Path(x.to_string());

    s.set_code_signature_flags(p(XPC), rt);
    s.set_entitlements_xml(p(XPC), xml_string(&entitlements_sandboxed(vec![]))?)?;

    s.set_code_signature_flags(p(LOGIN), rt);
    s.set_entitlements_xml(
        p(LOGIN),
        xml_string(&entitlements_sandboxed(vec![(
            "com.apple.security.application-groups",
            strings(&["ABCDE12345.com.example.fixture"]),
        )]))?,
    )?;

    s.set_code_signature_flags(p(APPEX), rt);
    s.set_entitlements_xml(
        p(APPEX),
        xml_string(&entitlements_sandboxed(vec![(
            "com.apple.security.files.user-selected.read-only",
            Value::Boolean(true),
        )]))?,
    )?;

    // The system extension is signed on its own beforehand (`sign_system_extension`) and sealed
    // as resources of the app, the way Xcode seals it: `Library/SystemExtensions` is not a
    // nested-code location of the standard resource rules.
    s.add_path_exclusion(SYSEXT)?;
    s.add_path_exclusion(&format!("{SYSEXT}/*"))?;

    s.set_binary_identifier(p(DAEMON), "com.example.fixture.daemon");
    s.set_code_signature_flags(p(DAEMON), rt);
    // Constraints the daemon meets: its own team and identifier, launched by launchd, its own
    // responsible process (a launchd job is), libraries from the OS or its team.
    let own = || dict(vec![("team-identifier", s_(TEAM)), ("signing-identifier", s_("com.example.fixture.daemon"))]);
    s.set_launch_constraints_self(p(DAEMON), constraints(own())?);
    s.set_launch_constraints_parent(p(DAEMON), constraints(dict(vec![("is-init-proc", Value::Boolean(true))]))?);
    s.set_launch_constraints_responsible(p(DAEMON), constraints(own())?);
    s.set_library_constraints(
        p(DAEMON),
        constraints(dict(vec![("$or", dict(vec![("team-identifier", s_(TEAM)), ("validation-category", int(1))]))]))?,
    );

    s.set_binary_identifier(p(PRIVILEGED), "com.example.fixture.privileged");
    s.set_code_signature_flags(p(PRIVILEGED), rt);

    s.set_binary_identifier(p(HELPER), "com.example.fixture.helper-tool");
    s.set_code_signature_flags(p(HELPER), rt);
    Ok(())
}

/// Signs the app's system extension in place with `s` (identity, requirement, time-stamp) plus
/// its runtime and entitlements.
fn sign_system_extension(mut s: SigningSettings<'_>, app: &Path) -> Result<()> {
    s.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    s.set_entitlements_xml(SettingsScope::Main, xml_string(&entitlements_sysext())?)?;
    UnifiedSigner::new(s).sign_path_in_place(app.join(SYSEXT))?;
    Ok(())
}

fn s_(v: &str) -> Value {
    s(v)
}

fn bundles(ctx: &Ctx, profiles: &Profiles) -> Result<()> {
    eprintln!("building bundles");
    // Developer ID, time-stamped.
    let unsigned = ctx.work.join("unsigned/devid/Fixture.app");
    build_unsigned_app(ctx, &unsigned, profiles)?;
    let mut s = ctx.devid_settings(false);
    s.set_designated_requirement_bytes(
        SettingsScope::Main,
        reqs::developer_id_designated("com.example.fixture.sysext", TEAM),
    )?;
    if let Some(url) = &ctx.tsa_url {
        s.set_time_stamp_url(url.as_str())?;
    }
    sign_system_extension(s, &unsigned)?;
    let mut s = ctx.devid_settings(false);
    app_scoped_settings(&mut s)?;
    s.set_designated_requirement_bytes(
        SettingsScope::Main,
        reqs::developer_id_designated("com.example.fixture", TEAM),
    )?;
    s.set_designated_requirement_bytes(
        SettingsScope::Path(PRIVILEGED.into()),
        reqs::team_designated("com.example.fixture.privileged", TEAM),
    )?;
    if let Some(url) = &ctx.tsa_url {
        s.set_time_stamp_url(url.as_str())?;
    }
    let dest = ctx.out.join("bundles/Fixture.app");
    UnifiedSigner::new(s).sign_path(&unsigned, &dest)?;
    eprintln!("  bundles/Fixture.app");

    // Ad-hoc copy.
    let unsigned = ctx.work.join("unsigned/adhoc/Fixture.app");
    build_unsigned_app(ctx, &unsigned, profiles)?;
    sign_system_extension(SigningSettings::default(), &unsigned)?;
    let mut s = SigningSettings::default();
    app_scoped_settings(&mut s)?;
    let dest = ctx.out.join("bundles/Fixture-adhoc.app");
    UnifiedSigner::new(s).sign_path(&unsigned, &dest)?;
    eprintln!("  bundles/Fixture-adhoc.app");

    // iOS flat bundles: the development build (Apple Development identity), and the ad hoc and
    // enterprise builds of the same app (Apple Distribution identity, no get-task-allow).
    ios_bundle(ctx, "ios", &profiles.ios_development, &ctx.pki.appledev, &entitlements_ios())?;
    ios_bundle(ctx, "ios-ad-hoc", &profiles.ios_ad_hoc, &ctx.pki.appledist, &entitlements_ios_distribution())?;
    ios_bundle(ctx, "ios-enterprise", &profiles.ios_enterprise, &ctx.pki.appledist, &entitlements_ios_distribution())?;
    Ok(())
}

/// `bundles/<dir>/Payload/FixtureiOS.app`, embedding `profile`, signed by `identity`.
fn ios_bundle(ctx: &Ctx, dir: &str, profile: &[u8], identity: &Identity, entitlements: &Value) -> Result<()> {
    let ios_unsigned = ctx.work.join(format!("unsigned/{dir}/FixtureiOS.app"));
    write(
        &ios_unsigned.join("Info.plist"),
        plist_xml(&dict(vec![
            ("CFBundleDevelopmentRegion", s_("en")),
            ("CFBundleExecutable", s_("FixtureiOS")),
            ("CFBundleIdentifier", s_("com.example.fixture.ios")),
            ("CFBundleInfoDictionaryVersion", s_("6.0")),
            ("CFBundleName", s_("FixtureiOS")),
            ("CFBundlePackageType", s_("APPL")),
            ("CFBundleShortVersionString", s_("1.0")),
            ("CFBundleSupportedPlatforms", strings(&["iPhoneOS"])),
            ("CFBundleVersion", s_("1")),
            ("DTPlatformName", s_("iphoneos")),
            ("LSRequiresIPhoneOS", Value::Boolean(true)),
            ("MinimumOSVersion", s_("14.0")),
            ("UIDeviceFamily", Value::Array(vec![int(1), int(2)])),
            ("UIRequiredDeviceCapabilities", strings(&["arm64"])),
        ]))?,
    )?;
    write(&ios_unsigned.join("PkgInfo"), b"APPL????")?;
    copy_exec(&ctx.inputs.join("FixtureiOS"), &ios_unsigned.join("FixtureiOS"))?;
    write(&ios_unsigned.join("embedded.mobileprovision"), profile)?;

    let mut s = SigningSettings::default();
    s.set_signing_key(&identity.key, identity.cert.clone());
    s.chain_certificate(ctx.pki.wwdr.clone());
    s.chain_certificate(ctx.pki.root.clone());
    s.set_team_id(TEAM);
    s.set_signing_time(signing_time());
    s.set_entitlements_xml(SettingsScope::Main, xml_string(entitlements)?)?;
    let dest = ctx.out.join(format!("bundles/{dir}/Payload/FixtureiOS.app"));
    UnifiedSigner::new(s).sign_path(&ios_unsigned, &dest)?;
    eprintln!("  bundles/{dir}/Payload/FixtureiOS.app");
    Ok(())
}

//! `fixture-gen cases OUT_DIR`
//!
//! Writes the inputs of rule cases (`corpus/cases/`) that need a signature or
//! a layout the main fixtures do not have, under `OUT_DIR/cases/` only. It
//! reads the committed unsigned Mach-O files in `OUT_DIR/macho/` and the test
//! PKI in `OUT_DIR/pki/`, and changes nothing else in OUT_DIR: the other
//! fixtures keep their bytes.
//!
//! Every output is RSA-signed without a time-stamp, or ad-hoc, so a rerun with
//! the same PKI reproduces it byte for byte.

use {
    crate::{
        generate::{copy_exec, dict, info_plist, s, set_exec, sign_macho, signing_time, write, xml_string, Pki, TEAM},
        reqs,
    },
    anyhow::{bail, ensure, Context, Result},
    apple_codesign::{
        cryptography::{DigestType, InMemoryPrivateKey},
        CodeSignatureFlags, SettingsScope, SigningSettings, UnifiedSigner,
    },
    bcder::{encode::Values, BitString, Integer, Mode},
    chrono::{TimeZone, Utc},
    plist::Value,
    std::path::Path,
    x509_certificate::{asn1time::Time, rfc5280, CapturedX509Certificate, X509Certificate},
};

const LC_CODE_SIGNATURE: u32 = 0x1d;
const LC_VERSION_MIN_MACOSX: u32 = 0x24;
const LC_SOURCE_VERSION: u32 = 0x2a;
const LC_BUILD_VERSION: u32 = 0x32;
const CPU_TYPE_ARM64: u32 = 0x0100_000c;

/// Developer ID identity with its chain and the fixed signing time; no team ID set.
fn devid_no_team(pki: &Pki) -> SigningSettings<'_> {
    let mut st = SigningSettings::default();
    st.set_signing_key(&pki.devid.key, pki.devid.cert.clone());
    st.chain_certificate(pki.devidca.clone());
    st.chain_certificate(pki.root.clone());
    st.set_signing_time(signing_time());
    st
}

/// Developer ID settings as `generate` uses them: team ID, runtime, Apple-style DR.
fn devid<'a>(pki: &'a Pki, identifier: &str, runtime: bool) -> Result<SigningSettings<'a>> {
    let mut st = devid_no_team(pki);
    st.set_team_id(TEAM);
    st.set_binary_identifier(SettingsScope::Main, identifier);
    if runtime {
        st.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    }
    st.set_designated_requirement_bytes(SettingsScope::Main, reqs::developer_id_designated(identifier, TEAM))?;
    Ok(st)
}

fn le_u32(data: &[u8], at: usize) -> u32 {
    u32::from_le_bytes(data[at..at + 4].try_into().unwrap())
}

fn be_u32(data: &[u8], at: usize) -> u32 {
    u32::from_be_bytes(data[at..at + 4].try_into().unwrap())
}

/// Load commands of a thin 64-bit little-endian Mach-O: (offset, cmd, cmdsize).
fn load_commands(data: &[u8]) -> Result<Vec<(usize, u32, usize)>> {
    ensure!(data.len() > 32 && le_u32(data, 0) == 0xfeed_facf, "not a thin 64-bit Mach-O");
    let mut at = 32;
    let mut out = Vec::new();
    for _ in 0..le_u32(data, 16) {
        let (cmd, size) = (le_u32(data, at), le_u32(data, at + 4) as usize);
        out.push((at, cmd, size));
        at += size;
    }
    Ok(out)
}

/// Rewrites `LC_BUILD_VERSION` (32 bytes, one tool) as the pair an old ld64 wrote:
/// `LC_VERSION_MIN_MACOSX` (16 bytes) and `LC_SOURCE_VERSION` (16 bytes).
fn with_version_min(input: &[u8], minos: u32, sdk: u32) -> Result<Vec<u8>> {
    let mut out = input.to_vec();
    let (at, _, size) = load_commands(input)?
        .into_iter()
        .find(|&(_, cmd, _)| cmd == LC_BUILD_VERSION)
        .context("input has no LC_BUILD_VERSION")?;
    ensure!(size == 32, "LC_BUILD_VERSION is {size} bytes, expected 32");
    let mut cmds = Vec::new();
    for v in [LC_VERSION_MIN_MACOSX, 16, minos, sdk, LC_SOURCE_VERSION, 16, 0, 0] {
        cmds.extend_from_slice(&v.to_le_bytes());
    }
    out[at..at + 32].copy_from_slice(&cmds);
    let ncmds = le_u32(input, 16) + 1;
    out[16..20].copy_from_slice(&ncmds.to_le_bytes());
    Ok(out)
}

/// Replaces the XML entitlements blob of an ad-hoc signed thin Mach-O with `payload`, keeping
/// the blob's place (the freed tail is zero-filled), and re-hashes special slot 5 in every
/// CodeDirectory. Only valid for ad-hoc signatures: there is no CMS to update.
fn replace_entitlements(signed: &[u8], payload: &[u8]) -> Result<Vec<u8>> {
    replace_blob(signed, 5, 0xfade_7171, payload)
}

/// The payload (after magic and length) of the blob in special slot `slot` of a thin Mach-O.
fn blob_payload(signed: &[u8], slot: u32) -> Result<Vec<u8>> {
    let (_, index) = superblob_index(signed)?;
    let at = index.iter().find(|(s, _)| *s == slot).map(|(_, o)| *o).context("no such blob")?;
    let len = be_u32(signed, at + 4) as usize;
    Ok(signed[at + 8..at + len].to_vec())
}

/// The SuperBlob's offset and its (slot, blob offset) index.
fn superblob_index(signed: &[u8]) -> Result<(usize, Vec<(u32, usize)>)> {
    let (at, _, _) = load_commands(signed)?
        .into_iter()
        .find(|&(_, cmd, _)| cmd == LC_CODE_SIGNATURE)
        .context("no LC_CODE_SIGNATURE")?;
    let sb = le_u32(signed, at + 8) as usize;
    ensure!(be_u32(signed, sb) == 0xfade_0cc0, "no SuperBlob");
    let count = be_u32(signed, sb + 8) as usize;
    Ok((
        sb,
        (0..count).map(|i| (be_u32(signed, sb + 12 + 8 * i), sb + be_u32(signed, sb + 16 + 8 * i) as usize)).collect(),
    ))
}

/// Replaces the payload of the blob in special slot `slot` (whose magic must be `magic`) of an
/// ad-hoc signed thin Mach-O with `payload`, keeping the blob's place (the freed tail is
/// zero-filled), and re-hashes that special slot in every CodeDirectory. Only valid for ad-hoc
/// signatures: there is no CMS to update.
fn replace_blob(signed: &[u8], slot: u32, magic: u32, payload: &[u8]) -> Result<Vec<u8>> {
    let mut out = signed.to_vec();
    let (_, index) = superblob_index(signed)?;
    let ents = index.iter().find(|(s, _)| *s == slot).map(|(_, o)| *o).context("no such blob")?;
    ensure!(be_u32(signed, ents) == magic, "slot {slot} does not hold a {magic:#x} blob");
    let old_len = be_u32(signed, ents + 4) as usize;
    let new_len = 8 + payload.len();
    ensure!(new_len <= old_len, "replacement ({new_len} bytes) larger than the blob ({old_len} bytes)");
    out[ents + 4..ents + 8].copy_from_slice(&(new_len as u32).to_be_bytes());
    out[ents + 8..ents + new_len].copy_from_slice(payload);
    out[ents + new_len..ents + old_len].fill(0);
    let blob = out[ents..ents + new_len].to_vec();
    for &(cd_slot, cd) in &index {
        if cd_slot != 0 && !(0x1000..0x1005).contains(&cd_slot) {
            continue;
        }
        ensure!(be_u32(&out, cd) == 0xfade_0c02, "slot {cd_slot:#x} is not a CodeDirectory");
        let hash_offset = be_u32(&out, cd + 16) as usize;
        let n_special = be_u32(&out, cd + 24) as usize;
        let (hash_size, hash_type) = (out[cd + 36] as usize, out[cd + 37]);
        ensure!(n_special >= slot as usize, "CodeDirectory has no special slot {slot}");
        let digest = match hash_type {
            1 => DigestType::Sha1.digest_data(&blob)?,
            2 => DigestType::Sha256.digest_data(&blob)?,
            t => bail!("hash type {t} not handled"),
        };
        let at = cd + hash_offset - slot as usize * hash_size;
        out[at..at + hash_size].copy_from_slice(&digest[..hash_size]);
    }
    Ok(out)
}

/// A universal file of thin slices, as `lipo -create` lays it out (x86_64 on 4 KiB, arm64 on
/// 16 KiB boundaries).
fn lipo(slices: &[&[u8]]) -> Vec<u8> {
    let mut entries = Vec::new();
    let mut at = 8 + 20 * slices.len();
    for slice in slices {
        let cpu = le_u32(slice, 4);
        let align: u32 = if cpu == CPU_TYPE_ARM64 { 14 } else { 12 };
        at = at.div_ceil(1 << align) << align;
        entries.push((cpu, le_u32(slice, 8), at, slice.len(), align));
        at += slice.len();
    }
    let mut out = vec![0u8; at];
    out[0..4].copy_from_slice(&0xcafe_babe_u32.to_be_bytes());
    out[4..8].copy_from_slice(&(slices.len() as u32).to_be_bytes());
    for (i, (cpu, sub, offset, size, align)) in entries.iter().enumerate() {
        let e = 8 + 20 * i;
        for (j, v) in [*cpu, *sub, *offset as u32, *size as u32, *align].iter().enumerate() {
            out[e + 4 * j..e + 4 * j + 4].copy_from_slice(&v.to_be_bytes());
        }
        out[*offset..*offset + size].copy_from_slice(slices[i]);
    }
    out
}

struct Out<'a> {
    dir: &'a Path,
}

impl Out<'_> {
    fn file(&self, name: &str, data: &[u8]) -> Result<()> {
        let p = self.dir.join(name);
        write(&p, data)?;
        set_exec(&p)?;
        eprintln!("  cases/{name} ({} bytes)", data.len());
        Ok(())
    }
}

pub fn run(out_dir: &Path) -> Result<()> {
    let pki = Pki::load(&out_dir.join("pki")).context("loading the test PKI")?;
    let macho = |n: &str| std::fs::read(out_dir.join("macho").join(n)).with_context(|| format!("reading macho/{n}"));
    let hello_arm64 = macho("hello-arm64")?;
    let hello_x86 = macho("hello-x86_64")?;
    let linker_signed_arm64 = macho("hello-arm64-linker-signed")?;

    let dir = out_dir.join("cases");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    let out = Out { dir: &dir };
    eprintln!("writing rule-case fixtures");

    // The LockerRoom daemon's identifier: a leading space (" com.nsnolan.LockerRoomDaemon").
    let st = devid(&pki, " com.example.fixture.daemon", true)?;
    out.file("devid-leading-space-identifier-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // Certificate-signed without a team ID in the CodeDirectory.
    let mut st = devid_no_team(&pki);
    st.set_binary_identifier(SettingsScope::Main, "com.example.fixture.noteam");
    st.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    out.file("devid-no-team-x86_64", &sign_macho(&hello_x86, &st)?)?;

    // CodeDirectory hashed with SHA-1 only.
    let mut st = devid(&pki, "com.example.fixture.sha1", true)?;
    st.set_digest_type(SettingsScope::Main, DigestType::Sha1);
    out.file("devid-sha1-only-x86_64", &sign_macho(&hello_x86, &st)?)?;

    // Built against the 10.8 SDK (LC_VERSION_MIN_MACOSX 10.6, sdk 10.8), then signed.
    let old = with_version_min(&hello_x86, 0x000a_0600, 0x000a_0800)?;
    let st = devid(&pki, "com.example.fixture.legacy", true)?;
    out.file("devid-sdk-10.8-x86_64", &sign_macho(&old, &st)?)?;

    // A Developer ID signed x86_64 slice lipo'd with lld's linker-signed arm64 output.
    let st = devid(&pki, "com.example.fixture.tool", true)?;
    let x86 = sign_macho(&hello_x86, &st)?;
    out.file("lipo-devid-x86_64-linker-signed-arm64", &lipo(&[&x86, &linker_signed_arm64]))?;

    // Both slices Developer ID signed by the same team, only the x86_64 one with the runtime.
    let arm = sign_macho(&hello_arm64, &devid(&pki, "com.example.fixture.tool", false)?)?;
    out.file("lipo-devid-runtime-x86_64-only", &lipo(&[&x86, &arm]))?;

    // Entitlements embedded as a binary plist (an ad-hoc signature: no CMS to redo).
    let ents = dict(vec![
        ("com.apple.security.cs.allow-jit", Value::Boolean(true)),
        ("com.apple.security.cs.disable-library-validation", Value::Boolean(true)),
    ]);
    let mut st = SigningSettings::default();
    st.set_binary_identifier(SettingsScope::Main, "com.example.fixture.bplist");
    st.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    st.set_entitlements_xml(SettingsScope::Main, xml_string(&ents)?)?;
    let signed = sign_macho(&hello_x86, &st)?;
    let mut bplist = Vec::new();
    ents.to_writer_binary(&mut bplist)?;
    out.file("adhoc-bplist-entitlements-x86_64", &replace_entitlements(&signed, &bplist)?)?;

    // XML and DER entitlements that disagree: the XML blob says get-task-allow is false, the DER
    // blob (edited after signing, re-hashed in its slot) says true.
    let ents = dict(vec![
        ("com.apple.security.cs.allow-jit", Value::Boolean(true)),
        ("com.apple.security.get-task-allow", Value::Boolean(false)),
    ]);
    let mut st = SigningSettings::default();
    st.set_binary_identifier(SettingsScope::Main, "com.example.fixture.diverge");
    st.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    st.set_entitlements_xml(SettingsScope::Main, xml_string(&ents)?)?;
    let signed = sign_macho(&hello_x86, &st)?;
    let mut der = blob_payload(&signed, 7)?;
    let key = b"com.apple.security.get-task-allow";
    let at = der.windows(key.len()).position(|w| w == key).context("no get-task-allow in the DER entitlements")?;
    let value = at + key.len();
    ensure!(der[value..value + 3] == [0x01, 0x01, 0x00], "get-task-allow is not DER false");
    der[value + 2] = 0xff;
    out.file("adhoc-der-xml-entitlements-diverge-x86_64", &replace_blob(&signed, 7, 0xfade_7172, &der)?)?;

    // Signed after the identifier changed, with the designated requirement of the old one kept
    // (`codesign -i NEW --preserve-metadata=requirements`).
    let mut st = devid(&pki, "com.example.fixture.tool", true)?;
    st.set_designated_requirement_bytes(
        SettingsScope::Main,
        reqs::developer_id_designated("com.example.fixture.oldtool", TEAM),
    )?;
    out.file("devid-dr-old-identifier-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // Ad-hoc signed, keeping the Developer ID designated requirement of an earlier signature.
    let mut st = SigningSettings::default();
    st.set_binary_identifier(SettingsScope::Main, "com.example.fixture.tool");
    st.set_designated_requirement_bytes(
        SettingsScope::Main,
        reqs::developer_id_designated("com.example.fixture.tool", TEAM),
    )?;
    out.file("adhoc-dr-developer-id-arm64", &sign_macho(&hello_arm64, &st)?)?;

    // An app whose XPC service sits in Contents/Helpers instead of Contents/XPCServices.
    misplaced_xpc_app(&pki, &dir, &hello_x86)?;

    // An app with a command-line tool in Contents/Resources, signed like any file there.
    stray_tool_app(&pki, &dir, &hello_x86)?;

    // The Developer ID certificate re-issued with a validity of 2021-2022, and code signed with
    // it at the fixed signing time (2026-06-01, after it expired) and at 2022-06-01 (inside it).
    let ca_key = load_key(&out_dir.join("pki/devidca.key"))?;
    let expired = reissued_with_validity(&pki.devid.cert, &ca_key, 0x2021, (2021, 1, 1), (2023, 1, 1))?;
    write(&dir.join("devid-expired.pem"), expired.encode_pem())?;
    eprintln!("  cases/devid-expired.pem");
    for (name, time) in [
        ("devid-expired-signed-after-expiry-arm64", signing_time()),
        ("devid-expired-signed-while-valid-arm64", Utc.with_ymd_and_hms(2022, 6, 1, 12, 0, 0).unwrap()),
    ] {
        let mut st = devid(&pki, "com.example.fixture.expired", true)?;
        st.set_signing_key(&pki.devid.key, expired.clone());
        st.set_signing_time(time);
        out.file(name, &sign_macho(&hello_arm64, &st)?)?;
    }

    // An app signed the way `codesign --deep --entitlements` signs: every nested item, the
    // framework included, gets the app's entitlements.
    deep_signed_app(&pki, &dir, &hello_x86, &macho("FixtureKit-universal.dylib")?)?;

    // A directory tree nested deeper than bundlelint reads (64 levels).
    let mut deep = dir.join("deep-tree");
    for _ in 0..70 {
        deep.push("d");
    }
    write(&deep.join("leaf.txt"), "70 directories deep\n")?;
    eprintln!("  cases/deep-tree (70 levels)");

    crate::cases_sandbox::run(&pki, &dir)?;
    crate::cases_constraints::run(out_dir)?;
    Ok(())
}

/// A Developer ID signed app `NAME.app` (`hello-x86_64` as its executable, hardened runtime,
/// Apple-style designated requirement) written to `dir`: `populate` adds to its unsigned
/// `Contents` (given the executable's path), `scope` sets signing settings for nested code.
fn developer_id_app(
    pki: &Pki,
    dir: &Path,
    name: &str,
    identifier: &str,
    exe: &[u8],
    populate: impl FnOnce(&Path, &Path) -> Result<()>,
    scope: impl FnOnce(&mut SigningSettings),
) -> Result<()> {
    let work = dir.join(".work");
    let unsigned = work.join(format!("{name}.app"));
    let c = unsigned.join("Contents");
    let bin = work.join("hello-x86_64");
    write(&bin, exe)?;
    write(
        &c.join("Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s(name)),
            ("CFBundleIdentifier", s(identifier)),
            ("CFBundleName", s(name)),
            ("CFBundlePackageType", s("APPL")),
        ])?,
    )?;
    copy_exec(&bin, &c.join("MacOS").join(name))?;
    populate(&c, &bin)?;

    let mut st = devid_no_team(pki);
    st.set_team_id(TEAM);
    st.set_code_signature_flags(SettingsScope::Main, CodeSignatureFlags::RUNTIME);
    st.set_designated_requirement_bytes(SettingsScope::Main, reqs::developer_id_designated(identifier, TEAM))?;
    scope(&mut st);
    UnifiedSigner::new(st).sign_path(&unsigned, dir.join(format!("{name}.app")))?;
    std::fs::remove_dir_all(&work)?;
    eprintln!("  cases/{name}.app");
    Ok(())
}

/// `MisplacedXPC.app`: its XPC service sits in `Contents/Helpers` instead of `Contents/XPCServices`.
fn misplaced_xpc_app(pki: &Pki, dir: &Path, exe: &[u8]) -> Result<()> {
    const XPC: &str = "Contents/Helpers/com.example.misplaced.worker.xpc";
    let populate = |contents: &Path, bin: &Path| -> Result<()> {
        let xpc = contents.join(XPC.trim_start_matches("Contents/")).join("Contents");
        write(
            &xpc.join("Info.plist"),
            info_plist(vec![
                ("CFBundleExecutable", s("com.example.misplaced.worker")),
                ("CFBundleIdentifier", s("com.example.misplaced.worker")),
                ("CFBundleName", s("com.example.misplaced.worker")),
                ("CFBundlePackageType", s("XPC!")),
                ("XPCService", dict(vec![("ServiceType", s("Application"))])),
            ])?,
        )?;
        copy_exec(bin, &xpc.join("MacOS/com.example.misplaced.worker"))
    };
    let scope = |st: &mut SigningSettings| {
        st.set_code_signature_flags(SettingsScope::Path(XPC.into()), CodeSignatureFlags::RUNTIME)
    };
    developer_id_app(pki, dir, "MisplacedXPC", "com.example.misplaced", exe, populate, scope)
}

/// `StrayTool.app`: a Mach-O tool in `Contents/Resources`. The standard resource rules seal that
/// folder as data, so the tool is sealed by its file hash, not as nested code; the signer still
/// signs it, without the hardened runtime.
fn stray_tool_app(pki: &Pki, dir: &Path, exe: &[u8]) -> Result<()> {
    let populate = |contents: &Path, bin: &Path| copy_exec(bin, &contents.join("Resources/stray-tool"));
    developer_id_app(pki, dir, "StrayTool", "com.example.straytool", exe, populate, |_| ())
}

/// A PKCS#8 private key in PEM.
fn load_key(path: &Path) -> Result<InMemoryPrivateKey> {
    let parsed = pem::parse(std::fs::read(path).with_context(|| format!("reading {}", path.display()))?)?;
    ensure!(parsed.tag() == "PRIVATE KEY", "{}: expected a PKCS#8 PRIVATE KEY", path.display());
    Ok(InMemoryPrivateKey::from_pkcs8_der(parsed.contents())?)
}

/// `cert` with another serial number and validity, signed again by `issuer_key`: same subject,
/// key and extensions. RSA PKCS#1 v1.5 signatures are deterministic, so the bytes are stable.
fn reissued_with_validity(
    cert: &CapturedX509Certificate,
    issuer_key: &InMemoryPrivateKey,
    serial: u32,
    from: (i32, u32, u32),
    to: (i32, u32, u32),
) -> Result<CapturedX509Certificate> {
    #[allow(deprecated)]
    use x509_certificate::Sign;
    let day = |(y, m, d): (i32, u32, u32)| Time::from(Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap());
    let x509: &X509Certificate = cert.as_ref();
    let mut c: rfc5280::Certificate = AsRef::<rfc5280::Certificate>::as_ref(x509).clone();
    c.tbs_certificate.serial_number = Integer::from(serial);
    c.tbs_certificate.validity = rfc5280::Validity { not_before: day(from), not_after: day(to) };
    c.tbs_certificate.raw_data = None;
    let tbs = c.tbs_certificate.encode_ref().to_captured(Mode::Der);
    #[allow(deprecated)]
    let (signature, algorithm) = issuer_key.sign(tbs.as_slice())?;
    c.signature_algorithm = algorithm.into();
    c.signature = BitString::new(0, signature.into());
    let der = c.encode_ref().to_captured(Mode::Der);
    Ok(CapturedX509Certificate::from_der(der.as_slice().to_vec())?)
}

fn deep_signed_app(pki: &Pki, dir: &Path, exe: &[u8], framework: &[u8]) -> Result<()> {
    const FRAMEWORK: &str = "Contents/Frameworks/FixtureKit.framework";
    const HELPER: &str = "Contents/Helpers/deep-helper";
    const XPC: &str = "Contents/XPCServices/com.example.deep.worker.xpc";
    let work = dir.join(".work-deep");
    let unsigned = work.join("DeepSigned.app");
    let c = unsigned.join("Contents");
    let bin = work.join("hello-x86_64");
    write(&bin, exe)?;
    write(
        &c.join("Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("DeepSigned")),
            ("CFBundleIdentifier", s("com.example.deep")),
            ("CFBundleName", s("DeepSigned")),
            ("CFBundlePackageType", s("APPL")),
        ])?,
    )?;
    copy_exec(&bin, &c.join("MacOS/DeepSigned"))?;
    copy_exec(&bin, &unsigned.join(HELPER))?;
    let xpc = unsigned.join(XPC).join("Contents");
    write(
        &xpc.join("Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("com.example.deep.worker")),
            ("CFBundleIdentifier", s("com.example.deep.worker")),
            ("CFBundleName", s("com.example.deep.worker")),
            ("CFBundlePackageType", s("XPC!")),
            ("XPCService", dict(vec![("ServiceType", s("Application"))])),
        ])?,
    )?;
    copy_exec(&bin, &xpc.join("MacOS/com.example.deep.worker"))?;
    let fw = unsigned.join(FRAMEWORK);
    write(&fw.join("Versions/A/FixtureKit"), framework)?;
    set_exec(&fw.join("Versions/A/FixtureKit"))?;
    write(
        &fw.join("Versions/A/Resources/Info.plist"),
        info_plist(vec![
            ("CFBundleExecutable", s("FixtureKit")),
            ("CFBundleIdentifier", s("com.example.FixtureKit")),
            ("CFBundleName", s("FixtureKit")),
            ("CFBundlePackageType", s("FMWK")),
        ])?,
    )?;
    for (target, link) in [
        ("A", "Versions/Current"),
        ("Versions/Current/FixtureKit", "FixtureKit"),
        ("Versions/Current/Resources", "Resources"),
    ] {
        std::os::unix::fs::symlink(target, fw.join(link))?;
    }

    let entitlements = xml_string(&dict(vec![
        ("com.apple.security.app-sandbox", Value::Boolean(true)),
        ("com.apple.security.files.user-selected.read-write", Value::Boolean(true)),
        ("com.apple.security.network.client", Value::Boolean(true)),
    ]))?;
    let mut st = devid_no_team(pki);
    st.set_team_id(TEAM);
    st.set_designated_requirement_bytes(SettingsScope::Main, reqs::developer_id_designated("com.example.deep", TEAM))?;
    for scope in [
        SettingsScope::Main,
        // A versioned framework is signed as its `Versions/A` bundle.
        SettingsScope::Path(format!("{FRAMEWORK}/Versions/A")),
        SettingsScope::Path(HELPER.into()),
        SettingsScope::Path(XPC.into()),
    ] {
        st.set_code_signature_flags(scope.clone(), CodeSignatureFlags::RUNTIME);
        st.set_entitlements_xml(scope, &entitlements)?;
    }
    st.set_binary_identifier(SettingsScope::Path(HELPER.into()), "com.example.deep.helper");
    UnifiedSigner::new(st).sign_path(&unsigned, dir.join("DeepSigned.app"))?;
    std::fs::remove_dir_all(&work)?;
    eprintln!("  cases/DeepSigned.app");
    Ok(())
}

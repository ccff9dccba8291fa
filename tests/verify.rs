//! The verifier against real and generated artifacts: untouched ones verify clean (or fail for
//! the reason they really fail), and every kind of tampering is reported with the right rule,
//! path, slice and page.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bundlelint::codesign::superblob::Slot;
use bundlelint::finding::{Finding, Severity};
use bundlelint::input::{Entry, FileData, Tree};
use bundlelint::model::{Code, Scan};
use bundlelint::seal::{CodeResources, Seal};
use bundlelint::verify::{verify, NestedRequirement, VerifyOptions};
use sha2::Digest as _;

use crate::common::{real_facts, shared, shared_copy};

// ---------------------------------------------------------------------------------------------
// helpers

fn open(path: &str) -> Scan {
    Scan::open(Path::new(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn check(scan: &Scan) -> Vec<Finding> {
    verify(scan, &VerifyOptions::default())
}

fn describe(findings: &[Finding]) -> String {
    findings.iter().map(|f| format!("\n  {} {} [{:?}] {}", f.rule, f.path, f.arch, f.message)).collect()
}

fn rules(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.rule.as_str()).collect()
}

/// The entries of `scan`'s tree, to edit and rebuild.
fn entries(scan: &Scan) -> BTreeMap<String, Entry> {
    scan.tree.entries().map(|(p, e)| (p.to_owned(), e.clone())).collect()
}

fn rebuild(scan: &Scan, entries: BTreeMap<String, Entry>) -> Scan {
    Scan::from_tree(Tree::from_entries(scan.tree.origin.clone(), scan.tree.kind, entries))
}

fn bytes_of(entries: &BTreeMap<String, Entry>, path: &str) -> Vec<u8> {
    match entries.get(path) {
        Some(Entry::File(data)) => data.bytes().unwrap().to_vec(),
        other => panic!("{path} is not a file: {other:?}"),
    }
}

fn file(bytes: Vec<u8>) -> Entry {
    Entry::File(FileData::from_vec(bytes))
}

/// Copies `path`, lets `edit` change its entries, and verifies the result.
fn tampered(path: &str, edit: impl FnOnce(&mut BTreeMap<String, Entry>)) -> (Scan, Vec<Finding>) {
    let scan = open(path);
    let mut e = entries(&scan);
    edit(&mut e);
    let scan = rebuild(&scan, e);
    let findings = check(&scan);
    (scan, findings)
}

fn flip(entries: &mut BTreeMap<String, Entry>, path: &str, at: usize) {
    let mut bytes = bytes_of(entries, path);
    bytes[at] ^= 0x01;
    entries.insert(path.to_owned(), file(bytes));
}

fn replace_text(entries: &mut BTreeMap<String, Entry>, path: &str, from: &str, to: &str) {
    let text = String::from_utf8(bytes_of(entries, path)).unwrap();
    assert!(text.contains(from), "{path} lacks {from:?}");
    entries.insert(path.to_owned(), file(text.replacen(from, to, 1).into_bytes()));
}

/// (file offset, arch, signature) of each slice of the Mach-O at `path`.
fn slices(scan: &Scan, path: &str) -> Vec<(u64, String, bundlelint::codesign::signature::Signature)> {
    let (_, facts) = scan.code_items().find(|(i, _)| i.executable.as_deref() == Some(path)).expect("item");
    let Code::MachO { file, slices } = &facts.code else { panic!("{path} is not Mach-O") };
    file.slices
        .iter()
        .zip(slices)
        .map(|(s, f)| (s.file_range.offset, s.arch.clone(), f.signature.clone().expect("signed")))
        .collect()
}

fn only<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|f| f.rule == rule).collect()
}

const FIXTURE: &str = "corpus/generated/bundles/Fixture.app";
const FIXTURE_ADHOC: &str = "corpus/generated/bundles/Fixture-adhoc.app";
const MAIN_EXEC: &str = "Fixture.app/Contents/MacOS/Fixture";
const SPARKLE_TESTS: &str = "sparkle-tests/SUUpdateValidatorTest";

// ---------------------------------------------------------------------------------------------
// untouched artifacts

/// Everything here is as its signer (Apple's tools, Xcode, the linker) left it and passes
/// `codesign --verify --deep --strict`.
#[test]
fn untouched_real_artifacts_verify_clean() {
    let mut inputs: Vec<PathBuf> = [
        "corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app",
        "corpus/real/small",
        "corpus/generated/bundles/ios",
        "corpus/generated/macho",
    ]
    .map(PathBuf::from)
    .into();
    let shared_inputs = [
        "app-info/apps/apple-tv.ipa",
        "app-info/apps/embedded.ipa",
        "app-info/apps/ipad.ipa",
        "app-info/apps/iphone.ipa",
        "app-info/apps/macos.zip",
        "app-info/payload",
        "sparkle-tests/DevSignedApp.zip",
        "sparkle-tests/DevSignedAppVersion2.zip",
        "santa/testdata",
    ];
    inputs.extend(shared_inputs.iter().filter_map(|p| shared(p)));
    // The framework's links matter to its seal: it is checked in a copy with them rebuilt.
    let sparkle = shared_copy("sparkle/Sparkle.framework");
    inputs.extend(sparkle.as_ref().map(|(_, copy)| copy.clone()));
    for input in inputs {
        let input = input.to_str().unwrap();
        let scan = open(input);
        assert!(scan.discovery.items.iter().any(|i| i.executable.is_some()), "{input}: no code found");
        let findings = check(&scan);
        assert!(findings.is_empty(), "{input}:{}", describe(&findings));
    }
}

#[test]
fn every_generated_signed_file_verifies_clean() {
    let mut count = 0;
    for entry in std::fs::read_dir("corpus/generated/signed").unwrap() {
        let path = entry.unwrap().path();
        let scan = open(path.to_str().unwrap());
        let findings = check(&scan);
        assert!(findings.is_empty(), "{}:{}", path.display(), describe(&findings));
        count += 1;
    }
    assert_eq!(count, 12);
}

/// The generated apps verify clean. Their system extension is sealed the way Apple's codesign
/// seals one (as plain files, its own `_CodeSignature/CodeResources` included: see the notarized
/// mitmproxy app), so the seal check judges the fixture as it would a shipped product.
#[test]
fn generated_apps_verify_clean() {
    let sealed_sysext = ".systemextension/Contents/_CodeSignature/CodeResources";
    for input in [FIXTURE, FIXTURE_ADHOC] {
        let scan = open(input);
        let findings = check(&scan);
        assert!(findings.is_empty(), "{input}:{}", describe(&findings));
        let (_, facts) = scan.code_items().next().unwrap();
        let Some(Ok(cr)) = &facts.code_resources else { panic!("{input}: seal") };
        assert!(cr.files2.keys().any(|k| k.ends_with(sealed_sysext)), "{input}: the seal lists the extension's seal");
    }
    let mitm = open("corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app");
    let (_, facts) = mitm.code_items().next().unwrap();
    let Some(Ok(cr)) = &facts.code_resources else { panic!("mitmproxy seal") };
    assert!(cr.files2.keys().any(|k| k.ends_with(sealed_sysext)));
}

/// The zip's `embedded.provisionprofile` (dated months before the rest) was dropped in after
/// signing: the seal does not list it.
#[test]
fn macos_signed_zip_carries_a_profile_added_after_signing() {
    let Some(zip) = shared("app-info/apps/macos-signed.zip") else { return };
    let findings = check(&open(zip.to_str().unwrap()));
    assert_eq!(rules(&findings), ["res-file-added"], "{}", describe(&findings));
    assert_eq!(findings[0].path, "GuiApp.app/Contents/embedded.provisionprofile");
}

// ---------------------------------------------------------------------------------------------
// Sparkle's SUUpdateValidatorTest bundles: resource-only bundles with detached signatures

/// The folder of Sparkle's test bundles, in the shared corpus.
fn sparkle_tests() -> Option<String> {
    shared(SPARKLE_TESTS).map(|p| p.to_str().unwrap().to_owned())
}

fn sparkle_bundle(dir: &str, name: &str) -> Vec<Finding> {
    check(&open(&format!("{dir}/{name}")))
}

#[test]
fn sparkle_validly_signed_test_bundles_verify_clean() {
    let Some(dir) = sparkle_tests() else { return };
    for name in ["CodeSignedOnly", "CodeSignedBoth", "CodeSignedOldED", "CodeSignedOnlyNew", "CodeSignedBothNew"] {
        let scan = open(&format!("{dir}/{name}.bundle"));
        let findings = check(&scan);
        assert!(findings.is_empty(), "{name}:{}", describe(&findings));
        // They are signed: the detached CodeDirectory binds Info.plist and the seal.
        let with_invalid_info = {
            let mut e = entries(&scan);
            replace_text(&mut e, &format!("{name}.bundle/Contents/Info.plist"), "<dict>", "<dict> ");
            check(&rebuild(&scan, e))
        };
        assert!(with_invalid_info.iter().any(|f| f.rule == "sig-special-slot-mismatch"), "{name}");
    }
}

#[test]
fn sparkle_unsigned_test_bundles_have_nothing_to_verify() {
    let Some(dir) = sparkle_tests() else { return };
    for name in ["Both", "None", "DSAOnly", "EDOnly"] {
        let scan = open(&format!("{dir}/{name}.bundle"));
        assert!(!scan.tree.entries().any(|(p, _)| p.contains("_CodeSignature")), "{name}");
        assert!(sparkle_bundle(&dir, &format!("{name}.bundle")).is_empty(), "{name}");
    }
}

/// `resign-all.sh` copies `CodeSignedOnly.bundle/Contents/_CodeSignature` into the two invalid
/// bundles: their signature binds CodeSignedOnly's Info.plist (codesign: "invalid Info.plist
/// (plist or signature have been modified)"), and CodeSignedInvalid's public key file is not in
/// the copied (empty) seal.
#[test]
fn sparkle_invalid_test_bundles_fail_on_the_copied_signature() {
    let Some(dir) = sparkle_tests() else { return };
    let signature = |b: &str| std::fs::read(format!("{dir}/{b}.bundle/Contents/_CodeSignature/CodeDirectory")).unwrap();
    assert_eq!(signature("CodeSignedInvalid"), signature("CodeSignedOnly"));
    assert_eq!(signature("CodeSignedInvalidOnly"), signature("CodeSignedOnly"));

    for (name, extra) in [("CodeSignedInvalid", Some("res-file-added")), ("CodeSignedInvalidOnly", None)] {
        let findings = sparkle_bundle(&dir, &format!("{name}.bundle"));
        let info = format!("{name}.bundle/Contents/Info.plist");
        let slot = only(&findings, "sig-special-slot-mismatch");
        assert_eq!(slot.len(), 1, "{name}:{}", describe(&findings));
        assert_eq!(slot[0].path, info);
        assert!(slot[0].message.contains("special slot 1 (Info.plist)"), "{}", slot[0].message);
        assert!(slot[0].message.contains("CodeDirectory (sha1) and AlternateCodeDirectory0 (sha256)"));
        // The Info.plist is also the code the page hashes cover, and it has a different length.
        let pages = only(&findings, "sig-page-hash-mismatch");
        assert_eq!(pages.len(), 2, "{name}");
        assert!(pages.iter().all(|f| f.path == info && f.message.contains("page 0") && f.arch.is_none()));
        assert_eq!(only(&findings, "sig-codelimit").len(), 2, "{name}");
        let added = only(&findings, "res-file-added");
        match extra {
            Some(_) => {
                assert_eq!(added.len(), 1);
                assert_eq!(added[0].path, format!("{name}.bundle/Contents/Resources/test-pubkey.pem"));
            }
            None => assert!(added.is_empty()),
        }
        assert_eq!(findings.len(), 5 + added.len(), "{name}:{}", describe(&findings));
    }
}

// ---------------------------------------------------------------------------------------------
// facts from the independent parser

/// For every nested code entry the independent parser saw in a real seal, the recorded cdhash is
/// the cdhash the independent parser read for the best (SHA-256) CodeDirectory of one slice of
/// the nested code's executable: the value the verifier compares.
#[test]
fn recorded_nested_cdhashes_are_best_code_directory_cdhashes() {
    // The seals with nested code entries are the shared corpus's (Sparkle's framework).
    if shared("sparkle").is_none() {
        return;
    }
    let facts = real_facts();
    let slice_cdhashes = |exec: &str| -> Vec<String> {
        let (_, fact) = facts.iter().find(|(_, f)| f["path"] == exec).unwrap_or_else(|| panic!("no facts for {exec}"));
        fact["slices"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|s| s["code_directories"].as_array()?.iter().find(|cd| cd["hash_type"] == "sha256"))
            .map(|cd| cd["cdhash"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut checked = 0;
    for (root, fact) in facts.iter().filter(|(_, f)| f["kind"] == "CodeResources") {
        let path = fact["path"].as_str().unwrap();
        let entries = fact["nested_code_entries"].as_array().unwrap();
        if entries.is_empty() {
            continue;
        }
        let cr = CodeResources::parse(&std::fs::read(format!("{root}/{path}")).unwrap()).unwrap();
        let base = path.trim_end_matches("/_CodeSignature/CodeResources");
        for entry in entries {
            let rel = entry.as_str().unwrap();
            let Some(Seal::Nested { cdhash: Some(recorded), .. }) = cr.files2.get(rel) else { panic!("{rel}") };
            // A nested bundle's executable is named after it in these seals.
            let exec = match rel.rsplit_once('/').map_or(rel, |(_, n)| n).rsplit_once('.') {
                Some((stem, _)) => format!("{base}/{rel}/Contents/MacOS/{stem}"),
                None => format!("{base}/{rel}"),
            };
            assert!(slice_cdhashes(&exec).contains(&hex::encode(recorded)), "{rel}: {}", hex::encode(recorded));
            checked += 1;
        }
    }
    assert_eq!(checked, 4);
}

// ---------------------------------------------------------------------------------------------
// code pages

#[test]
fn a_flipped_byte_in_each_slice_names_the_slice_and_page() {
    let path = "corpus/generated/signed/adhoc-universal";
    let scan = open(path);
    let slices = slices(&scan, "adhoc-universal");
    assert_eq!(slices.len(), 2);
    let mut e = entries(&scan);
    let pages = [1u64, 2];
    for ((offset, _, _), page) in slices.iter().zip(pages) {
        flip(&mut e, "adhoc-universal", (offset + page * 4096 + 17) as usize);
    }
    let findings = check(&rebuild(&scan, e));
    assert_eq!(rules(&findings), ["sig-page-hash-mismatch", "sig-page-hash-mismatch"], "{}", describe(&findings));
    for ((offset, arch, _), page) in slices.iter().zip(pages) {
        let f = findings.iter().find(|f| f.arch.as_deref() == Some(arch.as_str())).unwrap_or_else(|| panic!("{arch}"));
        assert_eq!(f.path, "adhoc-universal");
        assert!(
            f.message.starts_with(&format!("{arch}: page {page} (bytes {:#x}..{:#x})", page * 4096, (page + 1) * 4096)),
            "{}",
            f.message
        );
        assert!(f.message.contains("CodeDirectory (sha256)"));
        assert!(!f.message.contains("pages differ"));
        assert_eq!(f.range.unwrap().offset, offset + page * 4096);
    }
}

#[test]
fn a_flipped_byte_is_reported_for_each_code_directory_hash_type() {
    let name = "adhoc-sha1-sha256-x86_64";
    let scan = open(&format!("corpus/generated/signed/{name}"));
    let (_, _, signature) = slices(&scan, name).remove(0);
    let types: Vec<_> = signature.code_directories.iter().map(|c| c.cd.hash_type.unwrap().name()).collect();
    assert_eq!(types, ["sha1", "sha256"]);
    let mut e = entries(&scan);
    flip(&mut e, name, 4096 * 2 + 5);
    flip(&mut e, name, 4096 * 3 + 5);
    let findings = check(&rebuild(&scan, e));
    assert_eq!(findings.len(), 2, "{}", describe(&findings));
    for label in ["CodeDirectory (sha1)", "AlternateCodeDirectory0 (sha256)"] {
        let f = findings.iter().find(|f| f.message.contains(label)).unwrap_or_else(|| panic!("{label}"));
        assert_eq!(f.rule, "sig-page-hash-mismatch");
        assert_eq!(f.arch.as_deref(), Some("x86_64"));
        assert!(f.message.starts_with("x86_64: page 2 (bytes 0x2000..0x3000)"), "{}", f.message);
        assert!(f.message.contains("; 2 of "), "{}", f.message);
    }
}

#[test]
fn bytes_after_the_signature_break_the_linkedit_layout() {
    let name = "adhoc-arm64";
    let (_, findings) = tampered(&format!("corpus/generated/signed/{name}"), |e| {
        let mut bytes = bytes_of(e, name);
        bytes.extend_from_slice(&[0; 16]);
        e.insert(name.to_owned(), file(bytes));
    });
    assert_eq!(rules(&findings), ["sig-linkedit-layout"], "{}", describe(&findings));
    assert!(findings[0].message.contains("__LINKEDIT ends at"), "{}", findings[0].message);
    let lenient = {
        let scan = open(&format!("corpus/generated/signed/{name}"));
        let mut e = entries(&scan);
        let mut bytes = bytes_of(&e, name);
        bytes.extend_from_slice(&[0; 16]);
        e.insert(name.to_owned(), file(bytes));
        verify(&rebuild(&scan, e), &VerifyOptions { strict: false, ..Default::default() })
    };
    assert!(lenient.is_empty(), "strict-only rule reported without --strict");
}

/// Offsets of a CodeDirectory field in the file.
fn cd_field(signature: &bundlelint::codesign::signature::Signature, index: usize, field: u64) -> usize {
    (signature.code_directories[index].range.offset + field) as usize
}

#[test]
fn a_code_limit_that_does_not_match_the_code_is_reported() {
    let name = "adhoc-arm64";
    let scan = open(&format!("corpus/generated/signed/{name}"));
    let (_, _, signature) = slices(&scan, name).remove(0);
    let limit = signature.code_directories[0].cd.code_limit;
    let mut e = entries(&scan);
    let mut bytes = bytes_of(&e, name);
    let at = cd_field(&signature, 0, 32);
    bytes[at..at + 4].copy_from_slice(&(limit - 4096).to_be_bytes());
    let hash_size_at = cd_field(&signature, 0, 36);
    bytes[hash_size_at] = 20;
    e.insert(name.to_owned(), file(bytes));
    let findings = check(&rebuild(&scan, e));
    let messages: Vec<&str> = only(&findings, "sig-codelimit").iter().map(|f| f.message.as_str()).collect();
    assert!(messages.iter().any(|m| m.contains("hashSize is 20 but sha256 digests are 32 bytes")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("differs from LC_CODE_SIGNATURE dataoff")), "{messages:?}");
    assert!(messages.iter().any(|m| m.contains("nCodeSlots is")), "{messages:?}");
    assert!(findings.iter().all(|f| f.rule == "sig-codelimit"), "{}", describe(&findings));
}

// ---------------------------------------------------------------------------------------------
// special slots

#[test]
fn an_edited_info_plist_breaks_slot_one_of_every_slice() {
    let (_, findings) = tampered(FIXTURE, |e| {
        replace_text(e, "Fixture.app/Contents/Info.plist", "<string>1.0</string>", "<string>1.1</string>")
    });
    let slot = only(&findings, "sig-special-slot-mismatch");
    let archs: Vec<_> = slot.iter().map(|f| f.arch.as_deref().unwrap()).collect();
    assert_eq!(archs, ["arm64", "x86_64"], "{}", describe(&findings));
    for f in slot {
        assert_eq!(f.path, "Fixture.app/Contents/Info.plist");
        assert_eq!(f.item.as_deref(), Some("Fixture.app"));
        assert!(f.message.contains("special slot 1 (Info.plist) of CodeDirectory (sha256)"), "{}", f.message);
    }
    assert_eq!(findings.len(), 2, "{}", describe(&findings));
}

#[test]
fn an_edited_entitlements_blob_breaks_slot_five() {
    let scan = open(FIXTURE);
    let slices = slices(&scan, MAIN_EXEC);
    let (_, arch, signature) = &slices[1];
    let blob = signature.superblob.as_ref().unwrap().find(Slot::Entitlements).unwrap();
    let at = (signature.range.offset + u64::from(blob.offset) + 40) as usize;
    let (_, findings) = tampered(FIXTURE, |e| flip(e, MAIN_EXEC, at));
    let slot = only(&findings, "sig-special-slot-mismatch");
    assert_eq!(slot.len(), 1, "{}", describe(&findings));
    assert_eq!(slot[0].arch.as_deref(), Some(arch.as_str()));
    assert_eq!(slot[0].path, MAIN_EXEC);
    assert!(slot[0].message.contains("special slot 5 (XML entitlements)"), "{}", slot[0].message);
    let range = slot[0].range.unwrap();
    assert_eq!((range.offset, range.size), (signature.range.offset + u64::from(blob.offset), u64::from(blob.length)));
}

/// Zeroes special slot `slot` in every CodeDirectory of every slice of `exec`.
fn clear_slot(e: &mut BTreeMap<String, Entry>, scan: &Scan, exec: &str, slot: u32) {
    let mut bytes = bytes_of(e, exec);
    for (_, _, signature) in slices(scan, exec) {
        for cd in &signature.code_directories {
            let size = u64::from(cd.cd.hash_size);
            let at = (cd.range.offset + u64::from(cd.cd.hash_offset) - u64::from(slot) * size) as usize;
            bytes[at..at + size as usize].fill(0);
        }
    }
    e.insert(exec.to_owned(), file(bytes));
}

#[test]
fn an_unbound_info_plist_is_an_error_for_a_bundle_and_info_for_a_tool() {
    let scan = open(FIXTURE);
    let mut e = entries(&scan);
    clear_slot(&mut e, &scan, MAIN_EXEC, 1);
    let findings = check(&rebuild(&scan, e));
    let unbound = only(&findings, "sig-info-plist-not-bound");
    assert_eq!(unbound.len(), 2, "{}", describe(&findings));
    assert!(unbound.iter().all(|f| f.severity == Severity::Warning && f.message.contains("Info.plist=not bound")));

    let name = "devid-tool-info-plist-arm64";
    let scan = open(&format!("corpus/generated/signed/{name}"));
    let mut e = entries(&scan);
    clear_slot(&mut e, &scan, name, 1);
    let findings = check(&rebuild(&scan, e));
    assert_eq!(rules(&findings), ["sig-info-plist-not-bound"], "{}", describe(&findings));
    assert_eq!(findings[0].severity, Severity::Info);
    assert!(findings[0].range.is_some(), "points at the __info_plist section");
}

#[test]
fn resources_must_be_sealed_by_slot_three() {
    let (_, findings) = tampered(FIXTURE, |e| {
        e.remove("Fixture.app/Contents/_CodeSignature/CodeResources");
    });
    let sealed = only(&findings, "sig-resources-not-sealed");
    assert_eq!(sealed.len(), 2, "{}", describe(&findings));
    assert!(sealed[0].message.contains("has no _CodeSignature/CodeResources"), "{}", sealed[0].message);

    let scan = open(FIXTURE);
    let mut e = entries(&scan);
    clear_slot(&mut e, &scan, MAIN_EXEC, 3);
    let findings = check(&rebuild(&scan, e));
    let sealed = only(&findings, "sig-resources-not-sealed");
    assert_eq!(sealed.len(), 2, "{}", describe(&findings));
    assert!(sealed[0].message.contains("leaves special slot 3 empty"), "{}", sealed[0].message);
}

// ---------------------------------------------------------------------------------------------
// sealed resources

#[test]
fn an_edited_resource_is_altered() {
    let path = "Fixture.app/Contents/Resources/en.lproj/InfoPlist.strings";
    let (_, findings) = tampered(FIXTURE, |e| flip(e, path, 3));
    let altered = only(&findings, "res-file-altered");
    assert_eq!(altered.len(), 1, "{}", describe(&findings));
    let f = altered[0];
    assert_eq!(f.path, path);
    assert!(f.message.contains("sealed hash2 (sha256)"), "{}", f.message);
}

#[test]
fn added_removed_and_retyped_files_are_reported() {
    let (_, findings) = tampered(FIXTURE, |e| {
        e.insert("Fixture.app/Contents/Resources/notes.txt".into(), file(b"added".to_vec()));
        e.remove("Fixture.app/Contents/embedded.provisionprofile");
        e.insert(
            "Fixture.app/Contents/Library/LaunchDaemons/com.example.fixture.daemon.plist".into(),
            Entry::Symlink("../../Info.plist".into()),
        );
        // Optional (localized) resources may go.
        e.remove("Fixture.app/Contents/Resources/en.lproj/InfoPlist.strings");
    });
    let got: Vec<(&str, &str)> = findings.iter().map(|f| (f.rule.as_str(), f.path.as_str())).collect();
    for want in [
        ("res-file-added", "Fixture.app/Contents/Resources/notes.txt"),
        ("res-file-missing", "Fixture.app/Contents/embedded.provisionprofile"),
        ("res-type-changed", "Fixture.app/Contents/Library/LaunchDaemons/com.example.fixture.daemon.plist"),
    ] {
        assert!(got.contains(&want), "{want:?} not in{}", describe(&findings));
    }
    assert!(!got.iter().any(|(_, p)| p.ends_with("InfoPlist.strings")), "{}", describe(&findings));
    let retyped = only(&findings, "res-type-changed")[0];
    assert!(retyped.message.contains("sealed as a regular file but is a symbolic link"), "{}", retyped.message);
}

#[test]
fn a_framework_re_signed_after_its_container_is_invalid_nested_code() {
    let binary = "Contents/Frameworks/FixtureKit.framework/Versions/A/FixtureKit";
    let adhoc = open(FIXTURE_ADHOC);
    let replacement = bytes_of(&entries(&adhoc), &format!("Fixture-adhoc.app/{binary}"));
    let (_, findings) = tampered(FIXTURE, |e| {
        e.insert(format!("Fixture.app/{binary}"), file(replacement));
    });
    let nested = only(&findings, "res-nested-code-invalid");
    assert_eq!(nested.len(), 1, "{}", describe(&findings));
    assert_eq!(nested[0].path, "Fixture.app/Contents/Frameworks/FixtureKit.framework");
    assert_eq!(nested[0].item.as_deref(), Some("Fixture.app"));
    assert!(nested[0].message.contains("recorded cdhash 02c82fa0284f88c3…"), "{}", nested[0].message);
    assert!(nested[0].message.contains("6d7195e76eca8d09… (x86_64 CodeDirectory (sha256))"), "{}", nested[0].message);
    // The framework itself is consistent: its own signature binds its own resources.
    assert!(findings.iter().all(|f| f.item.as_deref() == Some("Fixture.app")), "{}", describe(&findings));
}

#[test]
fn unsigned_nested_code_is_reported() {
    let unsigned = std::fs::read("corpus/generated/macho/FixtureKit-universal.dylib").unwrap();
    let (_, findings) = tampered(FIXTURE, |e| {
        e.insert("Fixture.app/Contents/Frameworks/FixtureKit.framework/Versions/A/FixtureKit".into(), file(unsigned));
    });
    let f = only(&findings, "res-nested-code-unsigned");
    assert_eq!(f.len(), 1, "{}", describe(&findings));
    assert_eq!(f[0].path, "Fixture.app/Contents/Frameworks/FixtureKit.framework");
    assert!(f[0].message.contains("is not signed"));
}

#[test]
fn the_requirement_evaluator_decides_recorded_requirements() {
    let scan = open(FIXTURE);
    let seen = std::sync::Mutex::new(Vec::new());
    let evaluator = |r: &NestedRequirement<'_>| -> Result<(), String> {
        seen.lock().unwrap().push(r.path.to_owned());
        if r.requirement.contains("com.example.fixture.helper-tool") {
            Err("certificate leaf does not match".to_owned())
        } else {
            Ok(())
        }
    };
    let options = VerifyOptions { requirement_evaluator: Some(&evaluator), ..Default::default() };
    let findings = verify(&scan, &options);
    let invalid = only(&findings, "res-nested-code-invalid");
    assert_eq!(invalid.len(), 1, "{}", describe(&findings));
    assert_eq!(invalid[0].path, "Fixture.app/Contents/Helpers/fixture-helper");
    assert!(invalid[0].message.contains("certificate leaf does not match"));
    assert_eq!(seen.lock().unwrap().len(), 7, "every nested entry of the app is evaluated");
}

#[test]
fn appledouble_files_in_a_bundle_and_sidecars_in_an_archive_are_detritus() {
    let (_, findings) = tampered(FIXTURE, |e| {
        e.insert("Fixture.app/Contents/Resources/en.lproj/._InfoPlist.strings".into(), file(vec![0, 5, 0x16, 7]));
    });
    let f = only(&findings, "res-appledouble-detritus");
    assert_eq!(f.len(), 1, "{}", describe(&findings));
    assert_eq!(f[0].path, "Fixture.app/Contents/Resources/en.lproj/._InfoPlist.strings");
    assert_eq!(findings.len(), 1, "detritus is reported once, not also as an added file: {}", describe(&findings));

    // An archive sidecar holding Finder information for a file of the bundle.
    let mut sidecar = vec![0, 5, 0x16, 7, 0, 2, 0, 0];
    sidecar.extend_from_slice(b"Mac OS X        ");
    sidecar.extend_from_slice(&1u16.to_be_bytes());
    sidecar.extend_from_slice(&9u32.to_be_bytes());
    sidecar.extend_from_slice(&38u32.to_be_bytes());
    sidecar.extend_from_slice(&32u32.to_be_bytes());
    sidecar.extend_from_slice(b"APPLMACS");
    sidecar.extend_from_slice(&[0; 24]);
    let (_, findings) = tampered(FIXTURE, |e| {
        e.insert("__MACOSX/Fixture.app/Contents/._Info.plist".into(), file(sidecar.clone()));
    });
    let f = only(&findings, "res-appledouble-detritus");
    assert_eq!(f.len(), 1, "{}", describe(&findings));
    assert_eq!(f[0].path, "__MACOSX/Fixture.app/Contents/._Info.plist");
    assert!(f[0].message.contains("Finder information for Fixture.app/Contents/Info.plist"), "{}", f[0].message);
    let lenient = verify(
        &open_with(FIXTURE, "__MACOSX/Fixture.app/Contents/._Info.plist", sidecar),
        &VerifyOptions { strict: false, ..Default::default() },
    );
    assert!(lenient.iter().all(|f| f.rule != "res-appledouble-detritus"));
}

fn open_with(path: &str, extra: &str, bytes: Vec<u8>) -> Scan {
    let scan = open(path);
    let mut e = entries(&scan);
    e.insert(extra.to_owned(), file(bytes));
    rebuild(&scan, e)
}

// ---------------------------------------------------------------------------------------------
// layout

#[test]
fn stray_entries_at_bundle_and_framework_roots_are_unsealed() {
    let (_, findings) = tampered(FIXTURE, |e| {
        e.insert("Fixture.app/README".into(), file(b"x".to_vec()));
        e.insert("Fixture.app/Contents/Frameworks/FixtureKit.framework/README".into(), file(b"x".to_vec()));
        e.insert("Fixture.app/Contents/_CodeSignature/CodeResources.orig".into(), file(b"x".to_vec()));
    });
    let got: Vec<(&str, &str)> = findings.iter().map(|f| (f.rule.as_str(), f.path.as_str())).collect();
    for want in [
        ("layout-app-root-unsealed", "Fixture.app/README"),
        ("layout-framework-root", "Fixture.app/Contents/Frameworks/FixtureKit.framework/README"),
        ("layout-codesignature-dir", "Fixture.app/Contents/_CodeSignature/CodeResources.orig"),
    ] {
        assert!(got.contains(&want), "{want:?} not in{}", describe(&findings));
    }
    let framework = only(&findings, "layout-framework-root");
    assert_eq!(framework.len(), 1);
    assert_eq!(framework[0].item.as_deref(), Some("Fixture.app/Contents/Frameworks/FixtureKit.framework/Versions/A"));
    // The framework root is outside every seal: its README is nothing else's business.
    assert!(!got.iter().any(|(r, p)| *r != "layout-framework-root" && p.ends_with("FixtureKit.framework/README")));
}

#[test]
fn a_missing_or_linked_main_executable_is_reported() {
    let (_, findings) = tampered(FIXTURE, |e| {
        e.remove(MAIN_EXEC);
    });
    let missing = only(&findings, "layout-main-exec-missing");
    assert_eq!(missing.len(), 1, "{}", describe(&findings));
    assert_eq!(missing[0].path, MAIN_EXEC);

    let (_, findings) = tampered(FIXTURE, |e| {
        let exec = e.remove(MAIN_EXEC).unwrap();
        e.insert("Fixture.app/Contents/Fixture".into(), exec);
        e.insert(MAIN_EXEC.into(), Entry::Symlink("../Fixture".into()));
    });
    let linked = only(&findings, "layout-main-exec-regular");
    assert_eq!(linked.len(), 1, "{}", describe(&findings));
    assert!(linked[0].message.contains("symbolic link to `../Fixture`"));
    assert!(only(&findings, "res-file-added").iter().any(|f| f.path == "Fixture.app/Contents/Fixture"));
}

// ---------------------------------------------------------------------------------------------
// a resource bundle signed here, for the seal rules real signers never break

/// A resource bundle (`Synth.bundle`) signed detached the way codesign does it: an ad-hoc
/// SHA-256 CodeDirectory in `_CodeSignature/CodeDirectory` whose single code slot and special
/// slot 1 hash Info.plist, and whose slot 3 hashes `code_resources`.
fn signed_resource_bundle(code_resources: &str, extra: &[(&str, Entry)]) -> Scan {
    let info = b"<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>CFBundleIdentifier</key><string>com.example.synth</string><key>CFBundlePackageType</key><string>BNDL</string></dict></plist>".to_vec();
    let sha = |b: &[u8]| sha2::Sha256::digest(b).to_vec();
    let ident = b"com.example.synth\0";
    let header = 44usize;
    let hash_offset = header + ident.len() + 3 * 32;
    let length = hash_offset + 32;
    let mut cd = vec![0u8; length];
    let put = |cd: &mut Vec<u8>, at: usize, v: u32| cd[at..at + 4].copy_from_slice(&v.to_be_bytes());
    put(&mut cd, 0, 0xfade_0c02);
    put(&mut cd, 4, length as u32);
    put(&mut cd, 8, 0x20001);
    put(&mut cd, 12, 0x2);
    put(&mut cd, 16, hash_offset as u32);
    put(&mut cd, 20, header as u32);
    put(&mut cd, 24, 3);
    put(&mut cd, 28, 1);
    put(&mut cd, 32, info.len() as u32);
    cd[36] = 32;
    cd[37] = 2;
    cd[header..header + ident.len()].copy_from_slice(ident);
    cd[hash_offset - 32..hash_offset].copy_from_slice(&sha(&info));
    cd[hash_offset - 96..hash_offset - 64].copy_from_slice(&sha(code_resources.as_bytes()));
    cd[hash_offset..].copy_from_slice(&sha(&info));
    let mut entries: BTreeMap<String, Entry> = [
        ("Synth.bundle", Entry::Dir),
        ("Synth.bundle/Contents", Entry::Dir),
        ("Synth.bundle/Contents/Info.plist", file(info)),
        ("Synth.bundle/Contents/Resources", Entry::Dir),
        ("Synth.bundle/Contents/_CodeSignature", Entry::Dir),
        ("Synth.bundle/Contents/_CodeSignature/CodeDirectory", file(cd)),
        ("Synth.bundle/Contents/_CodeSignature/CodeResources", file(code_resources.as_bytes().to_vec())),
        ("Synth.bundle/Contents/_CodeSignature/CodeSignature", file(Vec::new())),
    ]
    .into_iter()
    .map(|(p, e)| (p.to_owned(), e))
    .collect();
    entries.extend(extra.iter().map(|(p, e)| (format!("Synth.bundle/Contents/{p}"), e.clone())));
    Scan::from_tree(Tree::from_entries("synth", bundlelint::input::InputKind::Directory, entries))
}

const DEFAULT_RULES2: &str = "<key>^.*</key><true/>
  <key>^(.*/)?\\.DS_Store$</key><dict><key>omit</key><true/><key>weight</key><real>2000</real></dict>
  <key>^Info\\.plist$</key><dict><key>omit</key><true/><key>weight</key><real>20</real></dict>";

fn code_resources(files2: &str, rules2: &str) -> String {
    format!(
        "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>
  <key>files</key><dict/>
  <key>files2</key><dict>{files2}</dict>
  <key>rules</key><dict><key>^Resources/</key><true/></dict>
  <key>rules2</key><dict>{rules2}</dict>
</dict></plist>"
    )
}

fn data(bytes: &[u8]) -> String {
    use base64_free::encode;
    format!("<data>{}</data>", encode(bytes))
}

/// Base64 for plist `<data>` without another dependency.
mod base64_free {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    pub fn encode(bytes: &[u8]) -> String {
        let mut out = String::new();
        for chunk in bytes.chunks(3) {
            let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
            let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
            for i in 0..4 {
                if i <= chunk.len() {
                    out.push(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize] as char);
                } else {
                    out.push('=');
                }
            }
        }
        out
    }
}

fn sealed_file(bytes: &[u8]) -> String {
    format!("<dict><key>hash2</key>{}</dict>", data(&sha2::Sha256::digest(bytes)))
}

#[test]
fn a_correctly_signed_resource_bundle_verifies_clean() {
    let text = b"hello".to_vec();
    let files2 = format!(
        "<key>Resources/a.txt</key>{}<key>Resources/link</key><dict><key>symlink</key><string>a.txt</string></dict>",
        sealed_file(&text)
    );
    let scan = signed_resource_bundle(
        &code_resources(&files2, DEFAULT_RULES2),
        &[("Resources/a.txt", file(text)), ("Resources/link", Entry::Symlink("a.txt".into()))],
    );
    let findings = check(&scan);
    assert!(findings.is_empty(), "{}", describe(&findings));
}

#[test]
fn a_detached_signature_without_its_cms_file_is_still_read_and_verified() {
    // An ad-hoc detached signature needs no CMS: the model reads `_CodeSignature/CodeDirectory`
    // alone, and the verifier judges the seal it binds.
    let text = b"hello".to_vec();
    let files2 = format!("<key>Resources/a.txt</key>{}", sealed_file(&text));
    let signed = signed_resource_bundle(&code_resources(&files2, DEFAULT_RULES2), &[("Resources/a.txt", file(text))]);
    let without_cms = |changed: Option<Vec<u8>>| {
        let entries =
            signed.tree.entries().filter(|(p, _)| !p.ends_with("_CodeSignature/CodeSignature")).map(|(p, e)| {
                match (&changed, p.ends_with("Resources/a.txt")) {
                    (Some(bytes), true) => (p.to_owned(), file(bytes.clone())),
                    _ => (p.to_owned(), e.clone()),
                }
            });
        Scan::from_tree(Tree::from_entries("synth", bundlelint::input::InputKind::Directory, entries))
    };
    let clean = without_cms(None);
    assert!(matches!(clean.items[0].code, Code::Detached(_)), "the model reads the CodeDirectory alone");
    let findings = check(&clean);
    assert!(findings.is_empty(), "{}", describe(&findings));
    let tampered = check(&without_cms(Some(b"hellO".to_vec())));
    assert_eq!(
        tampered.iter().map(|f| f.rule.as_str()).collect::<Vec<_>>(),
        ["res-file-altered"],
        "{}",
        describe(&tampered)
    );
}

#[test]
fn sealed_links_must_keep_their_target_and_stay_inside() {
    let files2 = "<key>Resources/moved</key><dict><key>symlink</key><string>a.txt</string></dict>
        <key>Resources/abs</key><dict><key>symlink</key><string>/usr/local/lib/libx.dylib</string></dict>
        <key>Resources/up</key><dict><key>symlink</key><string>../../../elsewhere</string></dict>
        <key>Resources/info</key><dict><key>symlink</key><string>../Info.plist</string></dict>
        <key>Resources/ds</key><dict><key>symlink</key><string>.DS_Store</string></dict>
        <key>Resources/system</key><dict><key>symlink</key><string>/System/Library/Frameworks/AppKit.framework</string></dict>";
    let link = |t: &str| Entry::Symlink(t.to_owned());
    let scan = signed_resource_bundle(
        &code_resources(files2, DEFAULT_RULES2),
        &[
            ("Resources/moved", link("b.txt")),
            ("Resources/abs", link("/usr/local/lib/libx.dylib")),
            ("Resources/up", link("../../../elsewhere")),
            ("Resources/info", link("../Info.plist")),
            ("Resources/ds", link(".DS_Store")),
            ("Resources/.DS_Store", file(vec![0])),
            ("Resources/system", link("/System/Library/Frameworks/AppKit.framework")),
        ],
    );
    let findings = check(&scan);
    let got: Vec<(&str, &str)> =
        findings.iter().map(|f| (f.rule.as_str(), f.path.rsplit('/').next().unwrap())).collect();
    assert_eq!(
        got,
        [
            ("res-symlink-escapes", "abs"),
            ("res-symlink-escapes", "ds"),
            ("res-symlink-altered", "moved"),
            ("res-symlink-escapes", "up"),
        ],
        "{}",
        describe(&findings)
    );
    assert!(findings[0].message.contains("absolute path outside /System/ and /Library/"));
    // Omitted from the seal, so not a valid destination; Info.plist, the nominal executable of a
    // bundle without one, is (codesign's soft target).
    assert!(
        findings[1].message.contains("which the seal of Synth.bundle/Contents does not cover"),
        "{}",
        findings[1].message
    );
    assert!(findings[2].message.contains("sealed as a link to `a.txt` but links to `b.txt`"));
    let lenient = verify(&scan, &VerifyOptions { strict: false, ..Default::default() });
    assert_eq!(rules(&lenient), ["res-symlink-altered"]);
}

#[test]
fn weak_rules_and_version_one_envelopes_are_refused_when_strict() {
    let omitting = format!("{DEFAULT_RULES2}<key>^Resources/secret</key><dict><key>omit</key><true/><key>weight</key><real>50</real></dict>");
    let findings = check(&signed_resource_bundle(&code_resources("", &omitting), &[]));
    assert_eq!(rules(&findings), ["res-weak-rules"], "{}", describe(&findings));
    assert!(findings[0].message.contains("omits `^Resources/secret`"));

    let no_catch_all = "<key>^Resources/</key><true/>";
    let findings = check(&signed_resource_bundle(&code_resources("", no_catch_all), &[]));
    assert_eq!(rules(&findings), ["res-weak-rules"], "{}", describe(&findings));
    assert!(findings[0].message.contains("lacks the catch-all rule `^.*` = true"));

    let v1 = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>files</key><dict/><key>rules</key><dict><key>^Resources/</key><true/></dict></dict></plist>";
    let findings = check(&signed_resource_bundle(v1, &[]));
    assert_eq!(rules(&findings), ["res-v1-envelope"], "{}", describe(&findings));
    assert!(verify(&signed_resource_bundle(v1, &[]), &VerifyOptions { strict: false, ..Default::default() }).is_empty());
}

#[test]
fn a_damaged_seal_is_invalid() {
    let bad_rule = format!("{DEFAULT_RULES2}<key>^(Resources</key><true/>");
    let findings = check(&signed_resource_bundle(&code_resources("", &bad_rule), &[]));
    assert_eq!(rules(&findings), ["res-coderesources-invalid"], "{}", describe(&findings));
    assert!(
        findings[0].message.contains("rule `^(Resources` is not a valid regular expression: error: unclosed group"),
        "{}",
        findings[0].message
    );

    // A seal that is not a dictionary is the reader's to report (malformed-code-resources, with
    // its offset); validation says nothing more about it.
    let scan = signed_resource_bundle("<plist><array/></plist>", &[]);
    let findings = check(&scan);
    assert!(findings.is_empty(), "{}", describe(&findings));
    let reader = scan.items.iter().find_map(|f| f.code_resources.as_ref()?.as_ref().err()).expect("a reader problem");
    assert_eq!(reader.code, "malformed-code-resources");

    let no_rules2 = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict><key>files2</key><dict/></dict></plist>";
    let findings = check(&signed_resource_bundle(no_rules2, &[]));
    assert_eq!(rules(&findings), ["res-coderesources-invalid"], "{}", describe(&findings));
    assert!(findings[0].message.contains("has files2 but no rules2"));
}

#[test]
fn detached_signatures_allow_only_their_files_in_code_signature() {
    let scan = signed_resource_bundle(
        &code_resources("", DEFAULT_RULES2),
        &[("_CodeSignature/CodeEntitlements", file(b"x".to_vec())), ("_CodeSignature/Notes", file(Vec::new()))],
    );
    let findings = check(&scan);
    // nSpecialSlots is 3, so an entitlements file (slot 5) is not read: both are strays.
    let paths: Vec<&str> =
        only(&findings, "layout-codesignature-dir").iter().map(|f| f.path.rsplit('/').next().unwrap()).collect();
    assert_eq!(paths, ["CodeEntitlements", "Notes"], "{}", describe(&findings));
    assert_eq!(findings.len(), 2, "{}", describe(&findings));
}

#[test]
fn a_sealed_nested_site_without_code_is_invalid() {
    let rules2 = format!(
        "{DEFAULT_RULES2}<key>^Frameworks/</key><dict><key>nested</key><true/><key>weight</key><real>10</real></dict>"
    );
    let files2 = format!(
        "<key>Frameworks/Thing.data</key><dict><key>cdhash</key>{}<key>requirement</key><string>cdhash H\"00\"</string></dict>",
        data(&[7; 20])
    );
    let scan = signed_resource_bundle(
        &code_resources(&files2, &rules2),
        &[
            ("Frameworks", Entry::Dir),
            ("Frameworks/Thing.data", Entry::Dir),
            ("Frameworks/Thing.data/x", file(vec![1])),
        ],
    );
    let findings = check(&scan);
    assert_eq!(rules(&findings), ["res-nested-code-invalid"], "{}", describe(&findings));
    assert!(findings[0].message.contains("is not a code bundle"), "{}", findings[0].message);
    assert_eq!(findings[0].path, "Synth.bundle/Contents/Frameworks/Thing.data");
}

#[test]
fn a_removed_component_and_an_unbound_one_break_their_slots() {
    // CodeSignedOnly binds a requirements file in slot 2.
    if let Some(dir) = sparkle_tests() {
        let (_, findings) = tampered(&format!("{dir}/CodeSignedOnly.bundle"), |e| {
            e.remove("CodeSignedOnly.bundle/Contents/_CodeSignature/CodeRequirements");
        });
        assert_eq!(rules(&findings), ["sig-special-slot-mismatch"], "{}", describe(&findings));
        assert!(findings[0].message.contains("special slot 2 (requirements)"), "{}", findings[0].message);
        assert!(findings[0].message.contains("there is no requirements to match it"), "{}", findings[0].message);
    }

    // The synthetic bundle declares slot 2 but leaves it empty.
    let scan = signed_resource_bundle(
        &code_resources("", DEFAULT_RULES2),
        &[("_CodeSignature/CodeRequirements", file(vec![0xfa, 0xde, 0x0c, 0x01, 0, 0, 0, 12, 0, 0, 0, 0]))],
    );
    let findings = check(&scan);
    assert_eq!(rules(&findings), ["sig-special-slot-mismatch"], "{}", describe(&findings));
    assert_eq!(findings[0].path, "Synth.bundle/Contents/_CodeSignature/CodeRequirements");
    assert!(findings[0].message.contains("carries requirements but special slot 2"), "{}", findings[0].message);
}

#[test]
fn a_bundle_signed_as_a_bare_file_seals_no_resources() {
    let scan = open(FIXTURE);
    let mut e = entries(&scan);
    clear_slot(&mut e, &scan, MAIN_EXEC, 3);
    e.remove("Fixture.app/Contents/_CodeSignature/CodeResources");
    let findings = check(&rebuild(&scan, e));
    let sealed = only(&findings, "sig-resources-not-sealed");
    assert_eq!(sealed.len(), 2, "{}", describe(&findings));
    assert!(sealed.iter().all(|f| f.message.contains("seals no resources")), "{}", describe(&findings));
}

#[test]
fn options_turn_off_page_hashing_and_resource_checks() {
    let scan = open("corpus/generated/signed/adhoc-arm64");
    let mut e = entries(&scan);
    flip(&mut e, "adhoc-arm64", 4096 + 1);
    let scan = rebuild(&scan, e);
    assert_eq!(rules(&check(&scan)), ["sig-page-hash-mismatch"]);
    assert!(verify(&scan, &VerifyOptions { code_pages: false, ..Default::default() }).is_empty());

    let (scan, findings) = tampered(FIXTURE, |e| {
        e.insert("Fixture.app/Contents/Resources/notes.txt".into(), file(b"added".to_vec()));
    });
    assert!(findings.iter().any(|f| f.path.ends_with("notes.txt")));
    let without = verify(&scan, &VerifyOptions { resources: false, ..Default::default() });
    assert!(without.iter().all(|f| !f.rule.starts_with("res-")), "{}", describe(&without));
}

#[test]
fn findings_are_sorted_and_every_rule_is_listed() {
    let (_, findings) = tampered(FIXTURE, |e| {
        e.insert("Fixture.app/Contents/Resources/notes.txt".into(), file(b"added".to_vec()));
        flip(e, "Fixture.app/Contents/Resources/en.lproj/InfoPlist.strings", 2);
    });
    let keys: Vec<_> = findings.iter().map(Finding::sort_key).collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    let ids = bundlelint::verify::rule_ids();
    assert!(findings.iter().all(|f| ids.contains(&f.rule.as_str())));
}

// ---------------------------------------------------------------------------------------------
// hostile input

/// Small deterministic generator, so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Corrupted signatures, code directories, seals and truncated files yield findings, never a
/// panic or a hang.
#[test]
fn corrupted_signatures_and_seals_never_panic() {
    let mut rng = XorShift(0x5eed);
    let name = "adhoc-sha1-sha256-x86_64";
    let scan = open(&format!("corpus/generated/signed/{name}"));
    let (_, _, signature) = slices(&scan, name).remove(0);
    let (start, len) = (signature.range.offset as usize, signature.range.size as usize);
    let original = bytes_of(&entries(&scan), name);
    let mut reported = 0;
    for round in 0..300 {
        let mut bytes = original.clone();
        for _ in 0..1 + round % 4 {
            let at = start + rng.below(len.min(600));
            bytes[at] = rng.below(256) as u8;
        }
        if round % 10 == 0 {
            bytes.truncate(start + rng.below(len));
        }
        let mut e = entries(&scan);
        e.insert(name.to_owned(), file(bytes));
        reported += usize::from(!check(&rebuild(&scan, e)).is_empty());
    }
    // Corruptions the parsers refuse leave no signature to verify (they are reported as malformed
    // elsewhere); the rest are findings here.
    assert!(reported > 100, "{reported} of 300 corruptions reported");

    // Every byte of every recorded page hash matters.
    for cd in &signature.code_directories {
        let hashes = cd.range.offset as usize + cd.cd.hash_offset as usize;
        for at in hashes..hashes + 3 * usize::from(cd.cd.hash_size) {
            let mut bytes = original.clone();
            bytes[at] ^= 0x80;
            let mut e = entries(&scan);
            e.insert(name.to_owned(), file(bytes));
            let findings = check(&rebuild(&scan, e));
            assert_eq!(rules(&findings), ["sig-page-hash-mismatch"], "byte {at:#x}:{}", describe(&findings));
            assert!(findings[0].message.contains(&cd.cd.hash_type.unwrap().name().to_string()));
        }
    }

    let bundle = open(FIXTURE);
    let seal = "Fixture.app/Contents/_CodeSignature/CodeResources";
    let text = bytes_of(&entries(&bundle), seal);
    for _ in 0..60 {
        let mut bytes = text.clone();
        let at = rng.below(bytes.len());
        let replacement = b"<>/\\^$.*[]()x0"[rng.below(14)];
        bytes[at] = if bytes[at] == replacement { b'y' } else { replacement };
        let mut e = entries(&bundle);
        e.insert(seal.to_owned(), file(bytes));
        let findings = check(&rebuild(&bundle, e));
        assert!(findings.iter().any(|f| f.rule == "sig-special-slot-mismatch"), "{}", describe(&findings));
    }
}

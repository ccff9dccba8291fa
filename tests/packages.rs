//! Flat installer packages as inputs: real xar samples read with every checksum verified, the
//! generated packages judged at the notary log's paths, a product package judged like the bundle
//! it installs.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use bundlelint::input::container_signature::ContainerFormat;
use bundlelint::input::xar::{self, TocCheck};

use crate::common::bundlelint;

/// Real containers from public repositories, read from the shared corpus beside the repository.
const SHARED_CONTAINERS: &str = "../shared/corpus/containers";

fn container(path: &str) -> Option<PathBuf> {
    let full = Path::new(SHARED_CONTAINERS).join(path);
    if full.exists() {
        return Some(full);
    }
    let _ = writeln!(std::io::stderr(), "skipping {}: {SHARED_CONTAINERS} is absent", full.display());
    None
}

fn check_json(path: &str) -> (i32, serde_json::Value) {
    let (code, out, err) = bundlelint(&["check", "--no-config", "--format", "json", path]);
    assert!(code == 0 || code == 1, "{path}: exit {code}: {err}");
    (code, serde_json::from_str(&out).unwrap_or_else(|e| panic!("{path}: {e}\n{out}")))
}

fn findings(doc: &serde_json::Value) -> Vec<(String, String, String)> {
    let mut all: Vec<(String, String, String)> = doc["items"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|item| item["findings"].as_array().cloned().unwrap_or_default())
        .chain(doc["findings"].as_array().cloned().unwrap_or_default())
        .map(|f| {
            let text = |k: &str| f[k].as_str().unwrap_or("").to_owned();
            (text("rule"), text("path"), text("message"))
        })
        .collect();
    all.sort();
    all
}

/// (sample, TOC check expected, members) for the kaitai-struct xar samples: every member's
/// archived and extracted checksums verify.
const KAITAI: [(&str, Option<&str>, usize); 7] = [
    ("apple-sha512-files-gzip.xar", Some("sha512"), 3),
    ("custom-sha224-files-gzip.xar", Some("sha224"), 1),
    ("md5-dir.xar", Some("md5"), 1),
    ("nocksum-dir.xar", None, 1),
    ("sha1-dir.xar", Some("sha1"), 1),
    ("sha1-file-bzip2.xar", Some("sha1"), 1),
    ("sha1-file-nocomp.xar", Some("sha1"), 1),
];

#[test]
fn every_real_xar_sample_reads_with_its_checksums_verified() {
    for (name, toc, members) in KAITAI {
        let Some(path) = container(&format!("kaitai-xar/{name}")) else { return };
        let bytes = std::fs::read(&path).unwrap();
        let archive = xar::parse(&bytes).unwrap_or_else(|p| panic!("{name}: {p}"));
        assert!(archive.problems.is_empty(), "{name}: {:?}", archive.problems);
        let expected = match toc {
            Some(style) => TocCheck::Verified(style.to_owned()),
            None => TocCheck::Absent,
        };
        assert_eq!(archive.check_toc().unwrap_or_else(|p| panic!("{name}: {p}")), expected, "{name}");
        assert_eq!(archive.members.len(), members, "{name}: {:?}", archive.members);
        for member in &archive.members {
            let Some(data) = &member.data else { continue };
            let (_, unverified) =
                archive.read(data, 1 << 20, &member.path).unwrap_or_else(|e| panic!("{name} {}: {e:?}", member.path));
            assert!(unverified.is_empty(), "{name}: {unverified:?}");
        }
    }
}

#[test]
fn the_real_component_package_is_read_and_judged_at_the_notary_path() {
    let Some(path) = container("sparkle/test.pkg") else { return };
    let (_, doc) = check_json(path.to_str().unwrap());
    assert_eq!(doc["complete"], true, "{doc}");
    // Its payload installs an app bundle holding an Info.plist and PkgInfo, and no executable.
    let found = findings(&doc);
    assert_eq!(
        found.iter().map(|(rule, path, _)| (rule.as_str(), path.as_str())).collect::<Vec<_>>(),
        [
            ("layout-info-plist-keys", "test.pkg Contents/Payload/sparklepkgtest.app/Contents/Info.plist"),
            ("notary-pkg-not-developer-id-installer", "test.pkg"),
        ],
        "{found:?}"
    );
}

#[test]
fn a_signed_products_toc_lists_both_signatures_and_their_certificates() {
    // The TOC of a package signed by productsign (Zoom, 2025), as apple-platform-rs keeps it:
    // wrapped in a xar header here to read it (its heap is not part of the sample).
    let Some(path) = container("apple-platform-rs/apple-xar-zoom-toc.xml") else { return };
    let toc = std::fs::read(&path).unwrap();
    let mut compressed = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    compressed.write_all(&toc).unwrap();
    let compressed = compressed.finish().unwrap();
    let mut bytes = b"xar!".to_vec();
    bytes.extend_from_slice(&28u16.to_be_bytes());
    bytes.extend_from_slice(&1u16.to_be_bytes());
    bytes.extend_from_slice(&(compressed.len() as u64).to_be_bytes());
    bytes.extend_from_slice(&(toc.len() as u64).to_be_bytes());
    bytes.extend_from_slice(&1u32.to_be_bytes());
    bytes.extend_from_slice(&compressed);
    let archive = xar::parse(&bytes).unwrap();
    let signatures: Vec<(&str, &str, u64, u64, usize)> = archive
        .signatures
        .iter()
        .map(|s| (s.element.as_str(), s.style.as_str(), s.offset, s.size, s.certificates.len()))
        .collect();
    assert_eq!(signatures, [("signature", "RSA", 20, 256, 3), ("x-signature", "CMS", 276, 9216, 3)]);
    assert_eq!(archive.toc_checksum, Some(("sha1".to_owned(), 0, 20)));
    assert!(archive.members.iter().any(|m| m.path == "Distribution"), "{:?}", archive.members);
    assert!(archive.members.iter().any(|m| m.path.ends_with(".pkg/Payload")), "{:?}", archive.members);
    // Heap reads fail with an offset (the heap is absent), never panic.
    assert!(archive.check_toc().is_err());
    // Its certificates, as the container rules judge them: a Developer ID Installer leaf that
    // chains to Apple's real root, at a time inside the leaf's validity.
    let parsed: Vec<_> = archive.signatures[0]
        .certificates
        .iter()
        .map(|der| bundlelint::codesign::certificate::parse_certificate(der).unwrap())
        .collect();
    assert_eq!(parsed[0].kind, bundlelint::codesign::certificate::CertificateKind::DeveloperIdInstaller);
    assert_eq!(parsed[0].common_name.as_deref().map(|n| n.starts_with("Developer ID Installer: ")), Some(true));
    let at = parsed[0].not_before_unix + 86_400;
    let chain = bundlelint::trust::check_chain(&parsed[0], &parsed, &bundlelint::trust::Anchors::default(), Some(at));
    assert!(
        matches!(chain.end, bundlelint::trust::ChainEnd::Anchored(ref root) if root == "Apple Root CA"),
        "{chain:?}"
    );
    assert!(chain.defects.is_empty(), "{chain:?}");
}

#[test]
fn a_product_package_is_judged_like_the_bundle_it_installs() {
    let (_, bare) = check_json("corpus/generated/products/Clean.app");
    let (_, packaged) = check_json("corpus/generated/packages/Release.pkg");
    let inside = "com.example.clean.pkg Contents/Payload/Applications/";
    let located = format!("Release.pkg/{inside}");
    let (package, contents): (Vec<_>, Vec<_>) =
        findings(&packaged).into_iter().partition(|(rule, ..)| rule == "notary-pkg-not-developer-id-installer");
    // The package itself is unsigned; everything else is about what it installs.
    assert_eq!(package.len(), 1, "{package:?}");
    let unpackaged: Vec<(String, String, String)> = contents
        .into_iter()
        .map(|(rule, path, message)| {
            assert!(path.starts_with(&located), "not at the notary's path: {path}");
            (rule, path.replacen(&located, "", 1), message.replace(inside, ""))
        })
        .collect();
    let mut unpackaged = unpackaged;
    unpackaged.sort();
    let bare = findings(&bare);
    assert!(!bare.is_empty());
    assert_eq!(unpackaged, bare);
}

#[test]
fn packages_in_a_folder_are_read_in_place_with_the_notary_path() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    std::fs::copy("corpus/generated/packages/Unsigned.pkg", dist.join("Release.pkg")).unwrap();
    let (code, doc) = check_json(dist.to_str().unwrap());
    assert_eq!(code, 1);
    let found = findings(&doc);
    let unsigned: Vec<&str> =
        found.iter().filter(|(rule, ..)| rule == "notary-unsigned-code").map(|(_, path, _)| path.as_str()).collect();
    assert_eq!(unsigned, ["dist/Release.pkg/Release.pkg Contents/Payload/usr/local/bin/hello"]);
}

#[test]
fn tampering_is_named_with_its_location_and_leaves_the_run_incomplete() {
    for (name, path, offset) in [
        ("tampered-payload.pkg", "tampered-payload.pkg Contents/Payload", 627),
        ("tampered-toc.pkg", "tampered-toc.pkg", 446),
    ] {
        let (code, doc) = check_json(&format!("corpus/generated/packages/{name}"));
        assert_eq!(code, 1, "{name}");
        assert_eq!(doc["complete"], false, "{name}");
        let found = findings(&doc);
        assert!(found.iter().any(|(rule, p, _)| rule == "pkg-checksum-mismatch" && p == path), "{name}: {found:?}");
        let text = doc.to_string();
        assert!(text.contains(&format!("\"offset\":{offset}")), "{name}: {text}");
    }
}

#[test]
fn containers_in_memory_are_recognised_by_their_bytes() {
    for (file, format) in [
        ("corpus/generated/packages/Timestamped.pkg", ContainerFormat::Package),
        ("corpus/generated/disk-images/Tiny-signed.dmg", ContainerFormat::DiskImage),
    ] {
        let tree = bundlelint::input::container_from_bytes(&std::fs::read(file).unwrap());
        assert!(tree.len() > 2, "{file}: {} entries", tree.len());
        let formats: Vec<_> = tree.signatures.iter().map(|s| (s.format, s.signature.is_some())).collect();
        assert_eq!(formats, [(format, true)], "{file}");
    }
    let zip = bundlelint::input::container_from_bytes(&std::fs::read("corpus/generated/archives/Fixture.zip").unwrap());
    assert!(zip.signatures.is_empty() && zip.len() > 10);
}

/// The fixture app installed under `Applications/` by a gzip + cpio component package, with
/// `resources` added under `Contents/Resources/bulk/` and sealed with their digests — except the
/// one named `wrong`, sealed with another file's.
fn package_with_resources(resources: &[(&str, Vec<u8>)], wrong: Option<&str>) -> Vec<u8> {
    use sha1::Digest as _;
    let app = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus/generated/bundles/Fixture.app");
    let mut files: Vec<(String, u32, Vec<u8>)> = vec![(".".into(), 0o040755, Vec::new())];
    files.push(("./Applications".into(), 0o040755, Vec::new()));
    files.push(("./Applications/Fixture.app".into(), 0o040755, Vec::new()));
    let mut stack = vec![(app.clone(), "./Applications/Fixture.app".to_owned())];
    while let Some((dir, arc)) = stack.pop() {
        let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name()).collect();
        names.sort();
        for name in names.into_iter().rev() {
            let (path, arc) = (dir.join(&name), format!("{arc}/{}", name.to_string_lossy()));
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                let target = std::fs::read_link(&path).unwrap().to_string_lossy().into_owned().into_bytes();
                files.push((arc, 0o120755, target));
            } else if meta.is_dir() {
                files.push((arc.clone(), 0o040755, Vec::new()));
                stack.push((path, arc));
            } else {
                files.push((arc, 0o100755, std::fs::read(&path).unwrap()));
            }
        }
    }
    let seal_path = "./Applications/Fixture.app/Contents/_CodeSignature/CodeResources";
    let seal = files.iter_mut().find(|f| f.0 == seal_path).unwrap();
    let mut dict = plist::Value::from_reader_xml(&seal.2[..]).unwrap().into_dictionary().unwrap();
    for (name, bytes) in resources {
        let sealed = if wrong == Some(*name) { b"something else".to_vec() } else { bytes.clone() };
        let rel = format!("Resources/bulk/{name}");
        let (sha1, sha256) = (sha1::Sha1::digest(&sealed).to_vec(), sha2::Sha256::digest(&sealed).to_vec());
        let files2 = dict.get_mut("files2").unwrap().as_dictionary_mut().unwrap();
        let mut entry = plist::Dictionary::new();
        entry.insert("hash".into(), plist::Value::Data(sha1.clone()));
        entry.insert("hash2".into(), plist::Value::Data(sha256));
        files2.insert(rel.clone(), plist::Value::Dictionary(entry));
        dict.get_mut("files").unwrap().as_dictionary_mut().unwrap().insert(rel, plist::Value::Data(sha1));
    }
    seal.2.clear();
    plist::Value::Dictionary(dict).to_writer_xml(&mut seal.2).unwrap();
    files.push(("./Applications/Fixture.app/Contents/Resources/bulk".into(), 0o040755, Vec::new()));
    for (name, bytes) in resources {
        files.push((format!("./Applications/Fixture.app/Contents/Resources/bulk/{name}"), 0o100644, bytes.clone()));
    }
    files.push(("TRAILER!!!".into(), 0, Vec::new()));
    let mut cpio = Vec::new();
    for (i, (name, mode, data)) in files.iter().enumerate() {
        let header = format!(
            "070707{:06o}{:06o}{:06o}{:06o}{:06o}{:06o}{:06o}{:011o}{:06o}{:011o}",
            0,
            i + 1,
            mode,
            0,
            80,
            1,
            0,
            0,
            name.len() + 1,
            data.len()
        );
        cpio.extend_from_slice(header.as_bytes());
        cpio.extend_from_slice(name.as_bytes());
        cpio.push(0);
        cpio.extend_from_slice(data);
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&cpio).unwrap();
    let payload = gz.finish().unwrap();
    let digest = hex::encode(sha1::Sha1::digest(&payload));
    let toc = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<xar><toc><checksum style=\"sha1\"><offset>0</offset><size>20</size></checksum>\
         <file id=\"1\"><data><length>{n}</length><encoding style=\"application/octet-stream\"/><offset>20</offset><size>{n}</size>\
         <extracted-checksum style=\"sha1\">{digest}</extracted-checksum><archived-checksum style=\"sha1\">{digest}</archived-checksum>\
         </data><type>file</type><name>Payload</name></file></toc></xar>",
        n = payload.len()
    );
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    z.write_all(toc.as_bytes()).unwrap();
    let compressed = z.finish().unwrap();
    let mut pkg = b"xar!".to_vec();
    pkg.extend_from_slice(&28u16.to_be_bytes());
    pkg.extend_from_slice(&1u16.to_be_bytes());
    pkg.extend_from_slice(&(compressed.len() as u64).to_be_bytes());
    pkg.extend_from_slice(&(toc.len() as u64).to_be_bytes());
    pkg.extend_from_slice(&1u32.to_be_bytes());
    pkg.extend_from_slice(&compressed);
    pkg.extend_from_slice(&sha1::Sha1::digest(&compressed));
    pkg.extend_from_slice(&payload);
    pkg
}

/// Large resources of a payload are not kept in memory: the seal is verified from the digests
/// taken as the payload streamed past, and a resource that does not match its seal is still named.
#[test]
fn large_payload_resources_are_verified_from_their_digests() {
    let resource = |seed: u32| -> Vec<u8> {
        (0..400_000u32).map(|i| ((i.wrapping_add(seed).wrapping_mul(2_654_435_761)) >> 13) as u8 | 0x40).collect()
    };
    let resources = [("one.dat", resource(1)), ("two.dat", resource(2))];
    let dir = tempfile::tempdir().unwrap();
    for (wrong, name) in [(None, "Sealed.pkg"), (Some("two.dat"), "Altered.pkg")] {
        let path = dir.path().join(name);
        std::fs::write(&path, package_with_resources(&resources, wrong)).unwrap();
        let (_, doc) = check_json(path.to_str().unwrap());
        let found = findings(&doc);
        let about_bulk: Vec<_> = found.iter().filter(|(_, p, m)| p.contains("bulk") || m.contains("bulk")).collect();
        match wrong {
            None => assert!(about_bulk.is_empty(), "{about_bulk:?}"),
            Some(file) => {
                let expected = format!("{name} Contents/Payload/Applications/Fixture.app");
                assert!(
                    about_bulk.iter().any(|(rule, p, m)| rule == "res-file-altered"
                        && p.starts_with(&expected)
                        && m.contains(&format!("Resources/bulk/{file}"))),
                    "{found:?}"
                );
                assert_eq!(about_bulk.len(), 1, "only the altered resource: {about_bulk:?}");
            }
        }
    }
}

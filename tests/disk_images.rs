//! Disk images (`.dmg`) read from their bytes: every real sample of the shared corpus is read or
//! reported with the reason it is not, an app on an image is judged at the notary log's paths,
//! and damaged images are findings, never crashes.

use std::path::{Path, PathBuf};

use bundlelint::input::{dmg, Entry, Tree};

use crate::common::{available, bundlelint};

const CONTAINERS: &str = "../shared/corpus/containers";

/// Every `.dmg` of the shared corpus, or `None` (skip message written) when it is absent.
fn shared_images() -> Option<Vec<PathBuf>> {
    let root = Path::new(CONTAINERS);
    if !available(root) || !root.is_dir() {
        return None;
    }
    let mut all = Vec::new();
    for group in std::fs::read_dir(root).unwrap().flatten() {
        if group.path().is_dir() {
            let images = std::fs::read_dir(group.path()).unwrap().flatten().map(|e| e.path());
            all.extend(images.filter(|p| p.extension().is_some_and(|e| e == "dmg")));
        }
    }
    all.sort();
    Some(all)
}

/// What is expected of each sample: the files it must yield, or the reason it is not read.
enum Expect {
    Files(&'static [&'static str]),
    /// The files of the first volume, and the reason the rest is not read.
    PartlyRead(&'static [&'static str], &'static str),
    Refused(&'static str),
}

fn expectation(name: &str) -> Expect {
    const SPARKLE_APP: &[&str] = &[
        "SparkleTestCodeSignApp.app/Contents/Info.plist",
        "SparkleTestCodeSignApp.app/Contents/MacOS/Sparkle Test App",
        "SparkleTestCodeSignApp.app/Contents/Frameworks/Sparkle.framework/Versions/A/Sparkle",
    ];
    match name {
        "SparkleTestCodeSignApp.enc.dmg" | "SparkleTestCodeSignApp.enc.nolicense.dmg" => {
            Expect::Refused("is an encrypted disk image")
        }
        "SparkleTestCodeSignApp.dmg"
        | "SparkleTestCodeSign_apfs.dmg"
        | "SparkleTestCodeSign_apfs_lzma_aux_files.dmg" => Expect::Files(SPARKLE_APP),
        // The package on the image is unpacked in place, as the notary service unpacks it.
        "SparkleTestCodeSign_pkg.dmg" => Expect::Files(&[
            "SparkleTestCodeSignApp.pkg/SparkleTestCodeSignApp.pkg Contents/Payload/sparklepkgtest.app/Contents/Info.plist",
        ]),
        "gpt.dmg" | "zlib-compressed.dmg" => Expect::Files(&[".DS_Store"]),
        // FAT32, written on Linux by the apple-dmg crate.
        "apple-dmg-example.dmg" => Expect::Files(&[
            "raqote-winit.app/Contents/Info.plist",
            "raqote-winit.app/Contents/MacOS/raqote-winit",
            "raqote-winit.app/Contents/Frameworks/libraqote_winit.dylib",
        ]),
        // Two FAT16 partitions behind an MBR.
        n if n.starts_with("compression-") => Expect::PartlyRead(
            &["README.txt", "System Volume Information/WPSettings.dat"],
            "holds a second FAT volume (at byte 0x110000 of the disk) that was not read",
        ),
        other => panic!("no expectation for {other}: add one"),
    }
}

#[test]
fn every_shared_disk_image_is_read_or_says_why_not() {
    let Some(images) = shared_images() else { return };
    assert!(images.len() >= 14, "{images:?}");
    for path in images {
        let name = path.file_name().unwrap().to_str().unwrap().to_owned();
        match expectation(&name) {
            Expect::Refused(why) => {
                let err = Tree::open(&path).unwrap_err().to_string();
                assert!(err.contains(why), "{name}: {err}");
            }
            Expect::PartlyRead(files, why) => {
                let tree = Tree::open(&path).unwrap();
                for file in files {
                    assert!(matches!(tree.get(file), Some(Entry::File(_))), "{name}: no file {file}");
                }
                let messages: Vec<&str> = tree.problems.iter().map(|p| p.problem.message.as_str()).collect();
                assert_eq!(messages.len(), 1, "{name}: {messages:?}");
                assert!(messages[0].contains(why), "{name}: {messages:?}");
                assert_eq!(tree.problems[0].problem.code, bundlelint::rule_id::INPUT_CONTAINER_UNREAD);
            }
            Expect::Files(files) => {
                let tree = Tree::open(&path).unwrap();
                for file in files {
                    assert!(matches!(tree.get(file), Some(Entry::File(_))), "{name}: no file {file}");
                }
                // Nothing is damaged; the only thing left unread is a signature on the image.
                for p in &tree.problems {
                    assert!(p.problem.message.contains("carries a code signature"), "{name}: {:?}", p.problem);
                }
            }
        }
    }
}

#[test]
fn the_unsigned_app_on_a_real_image_is_judged_at_the_volume_paths() {
    let image = format!("{CONTAINERS}/sparkle/SparkleTestCodeSignApp.dmg");
    if !available(Path::new(&image)) || !Path::new(&image).is_file() {
        return;
    }
    let (code, out, err) = bundlelint(&["check", "--no-config", "--format", "json", &image]);
    assert_eq!(code, 1, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let unsigned: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "notary-unsigned-code")
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        unsigned,
        [
            "SparkleTestCodeSignApp.dmg/SparkleTestCodeSignApp.app/Contents/Frameworks/Sparkle.framework/Versions/A/Resources/Autoupdate.app/Contents/MacOS/Autoupdate",
            "SparkleTestCodeSignApp.dmg/SparkleTestCodeSignApp.app/Contents/Frameworks/Sparkle.framework/Versions/A/Sparkle",
            "SparkleTestCodeSignApp.dmg/SparkleTestCodeSignApp.app/Contents/MacOS/Sparkle Test App",
        ]
    );
    assert_eq!(doc["complete"], true, "{out}");
}

/// The findings of a run, as sorted (rule, path, message) lines.
fn findings(input: &str) -> Vec<String> {
    let (_, out, err) = bundlelint(&["check", "--no-config", "--format", "json", input]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{input}: {e}: {err}"));
    let mut lines: Vec<String> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| format!("{} {} {}", f["rule"], f["path"], f["message"]))
        .collect();
    lines.sort();
    lines
}

#[test]
fn an_app_on_a_disk_image_gets_the_findings_of_the_bare_app() {
    let bare = findings("corpus/generated/bundles/Fixture.app");
    assert!(bare.len() > 10);
    for image in ["corpus/generated/disk-images/Fixture-zlib.dmg", "corpus/generated/disk-images/Fixture-bzip2.dmg"] {
        // At the notary's paths: `Fixture-zlib.dmg/Fixture.app/…`.
        let name = Path::new(image).file_name().unwrap().to_str().unwrap();
        let on_volume: Vec<String> = bare.iter().map(|line| line.replacen(" \"", &format!(" \"{name}/"), 1)).collect();
        assert_eq!(findings(image), on_volume, "{image}");
    }
}

#[test]
fn damaged_images_are_findings_never_crashes() {
    let good = std::fs::read("corpus/generated/disk-images/Fixture-zlib.dmg").unwrap();
    let dmg::ReadImage { entries, problems, .. } = dmg::read_bytes(&good, "Fixture-zlib.dmg");
    assert!(problems.is_empty(), "{problems:?}");
    assert!(entries.len() > 20);
    // Deterministic mutations: single bytes across the data fork, the resource list and the
    // trailer, and truncations.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for round in 0..600 {
        let mut bytes = good.clone();
        match round % 3 {
            0 => {
                let at = (next() as usize) % bytes.len();
                bytes[at] ^= (next() as u8) | 1;
            }
            1 => {
                let at = bytes.len() - 512 + (next() as usize) % 512;
                bytes[at] = next() as u8;
            }
            _ => bytes.truncate((next() as usize) % bytes.len()),
        }
        let image = dmg::read_bytes(&bytes, "x.dmg");
        for p in image.problems {
            assert!(!p.problem.message.is_empty());
        }
        // Files are read when asked for, so a damaged image is also read the ways rules read it:
        // an error here is fine (the rules report it), a panic is not.
        for (_, entry) in image.entries {
            if let Entry::File(data) = entry {
                let _ = data.head(16);
                let _ = data.for_each_chunk(1 << 16, |_| {});
                let _ = data.bytes();
            }
        }
    }
}

#[test]
fn disk_images_in_a_folder_are_read_in_place_with_their_signatures() {
    let dir = tempfile::tempdir().unwrap();
    let dist = dir.path().join("dist");
    std::fs::create_dir(&dist).unwrap();
    std::fs::copy("corpus/generated/disk-images/Fixture-installer-signed.dmg", dist.join("Release.dmg")).unwrap();
    let anchor = "corpus/generated/pki/root.pem";
    let (_, out, err) =
        bundlelint(&["check", "--no-config", "--trust-anchor", anchor, "--format", "json", dist.to_str().unwrap()]);
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {err}"));
    let paths = |rule: &str| -> Vec<String> {
        doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == rule)
            .map(|f| f["path"].as_str().unwrap().to_owned())
            .collect()
    };
    // The image's own signature is judged at its path, the app on it at the notary's path.
    assert_eq!(paths("dmg-not-developer-id"), ["dist/Release.dmg"], "{out}");
    assert!(paths("lc-os-compat").iter().all(|p| p.starts_with("dist/Release.dmg/Fixture.app/")), "{out}");
    assert!(!paths("lc-os-compat").is_empty(), "{out}");
    assert_eq!(doc["complete"], true, "{out}");
}

#[test]
fn files_on_an_image_read_alike_every_way() {
    let bytes = std::fs::read("corpus/generated/disk-images/Fixture-zlib.dmg").unwrap();
    let image = dmg::read_bytes(&bytes, "Fixture-zlib.dmg");
    let mut files = 0;
    for (path, entry) in &image.entries {
        let Entry::File(data) = entry else { continue };
        files += 1;
        let whole = data.with_transient(|b| b.to_vec()).unwrap();
        assert_eq!(whole.len() as u64, data.len(), "{path}");
        let mut streamed = Vec::new();
        data.for_each_chunk(4096, |chunk| streamed.extend_from_slice(chunk)).unwrap();
        assert_eq!(streamed, whole, "{path}");
        assert_eq!(data.head(16), whole[..whole.len().min(16)], "{path}");
        let mut read = Vec::new();
        std::io::Read::read_to_end(&mut data.reader().unwrap(), &mut read).unwrap();
        assert_eq!(read, whole, "{path}");
        assert_eq!(data.bytes().unwrap(), whole.as_slice(), "{path}");
    }
    assert!(files > 20, "{files}");
}

#[test]
fn hard_links_on_hfs_are_read_through_their_targets() {
    let bytes = std::fs::read("corpus/generated/disk-images/Hard-links.dmg").unwrap();
    let image = dmg::read_bytes(&bytes, "Hard-links.dmg");
    let linked = image.entries.iter().find(|(p, _)| p == "Linked.app/Contents/MacOS/Linked");
    let Some((_, Entry::File(data))) = linked else { panic!("no linked executable: {:?}", image.entries) };
    let target = std::fs::read("corpus/generated/macho/hello-x86_64").unwrap();
    assert_eq!(data.len(), target.len() as u64);
    assert_eq!(data.head(4), target[..4]);
    assert_eq!(data.bytes().unwrap(), target.as_slice());
    // The hidden directory is not a file of the image; the directory hard link is reported.
    let paths: Vec<&str> = image.entries.iter().map(|(p, _)| p.as_str()).collect();
    assert!(paths.iter().all(|p| !p.contains("HFS+ Private") && !p.ends_with("Shared")), "{paths:?}");
    let problems: Vec<_> =
        image.problems.iter().map(|p| (p.path.as_str(), p.problem.code, p.problem.message.as_str())).collect();
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].0, "Linked.app/Contents/Resources/Shared");
    assert_eq!(problems[0].1, bundlelint::rule_id::INPUT_CONTAINER_UNREAD);
    assert!(problems[0].2.contains("hard link to a directory (`dir_7`)"), "{problems:?}");
}

//! No input crashes bundlelint: truncated, bit-flipped and hand-corrupted variants of real files,
//! cyclic and escaping symlinks, and malformed archives all yield facts, problems or a clean
//! error — never a panic or a hang.

use std::path::{Path, PathBuf};

use crate::common::{shared, REAL};

use bundlelint::engine;
use bundlelint::input::{Entry, FileData, InputKind, Tree};
use bundlelint::model::{Code, Scan};
use bundlelint::report::{check::CheckReport, inspect::InspectReport, inspect_text, Format};
use bundlelint::settings::Settings;

/// Small deterministic generator, so failures reproduce.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// Reads `bytes` as a single-file input, inspects it both ways, checks it with every rule and
/// renders the result in every format, and returns the scan.
fn read_all_ways(name: &str, bytes: Vec<u8>) -> Scan {
    let tree = Tree::from_entries(name, InputKind::File, [(name.to_owned(), Entry::File(FileData::from_vec(bytes)))]);
    let scan = Scan::from_tree(tree);
    let report = InspectReport::from_scan(&scan);
    let _ = inspect_text::render(&report);
    serde_json::to_string(&report).expect("report serialises");
    check_every_way(&scan);
    scan
}

/// `check` with every rule, rendered in every output format.
fn check_every_way(scan: &Scan) {
    let report = CheckReport::new(scan, engine::check(scan, &Settings::default()));
    for format in Format::ALL {
        if let Some(rendered) = format.render_input(scan, &report, false) {
            rendered.expect("per-input format renders");
        }
    }
    let reports = [report];
    for format in Format::ALL {
        if let Some(rendered) = format.render_run(&reports) {
            rendered.expect("whole-run format renders");
        }
    }
}

/// Real binaries, as (name, bytes): the repository's, then the shared corpus's (when present).
fn samples() -> Vec<(&'static str, Vec<u8>)> {
    let vendored = [
        "mitmproxy-redirector/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector",
        "small/libextfunc_rpath.dylib",
        "small/fsevents.node",
    ];
    let from_shared = [
        "santa/testdata/signed-with-teamid",
        "santa/testdata/cal-yikes-universal_signed",
        "app-info/payload/frameworks/libswiftPhotos.dylib",
    ];
    let mut all: Vec<(&str, PathBuf)> = vendored.iter().map(|p| (*p, Path::new(REAL).join(p))).collect();
    all.extend(from_shared.iter().filter_map(|p| Some((*p, shared(p)?))));
    all.into_iter().map(|(name, path)| (name, sample(&path))).collect()
}

fn sample(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The signature region of the first slice, to aim corruption where the parsers work.
fn signature_region(bytes: &[u8]) -> Option<(usize, usize)> {
    let scan = read_all_ways("x", bytes.to_vec());
    let (_, facts) = scan.code_items().next()?;
    let Code::MachO { slices, .. } = &facts.code else { return None };
    let sig = slices.iter().find_map(|s| s.signature.as_ref())?;
    Some((sig.range.offset as usize, sig.range.size as usize))
}

/// Whether reading reported anything malformed, anywhere.
fn has_problem(scan: &Scan) -> bool {
    scan.code_items().any(|(_, facts)| match &facts.code {
        Code::MachO { file, slices } => {
            !file.problems.is_empty()
                || file.slices.iter().any(|s| !s.problems.is_empty())
                || slices.iter().any(|s| s.signature.as_ref().is_some_and(|sig| !sig.problems.is_empty()))
        }
        Code::Detached(sig) => !sig.problems.is_empty(),
        Code::Unreadable(_) | Code::NotMachO(_) => true,
        Code::None => false,
    }) || scan.code_items().next().is_none()
}

#[test]
fn truncations_are_problems_not_panics() {
    for (path, bytes) in samples() {
        let mut cuts: Vec<usize> = (0..64).map(|i| bytes.len() * i / 64).collect();
        if let Some((off, len)) = signature_region(&bytes) {
            cuts.extend((0..48).map(|i| off + len * i / 48));
        }
        for cut in cuts.into_iter().filter(|&c| c < bytes.len()) {
            let scan = read_all_ways(path, bytes[..cut].to_vec());
            assert!(has_problem(&scan), "{path} cut at {cut} bytes read without any problem");
        }
    }
}

#[test]
fn bit_flips_in_headers_and_signatures_never_panic() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for (path, bytes) in samples() {
        let (sig_off, sig_len) = signature_region(&bytes).unwrap_or((0, bytes.len()));
        for round in 0..150 {
            let mut bad = bytes.clone();
            for _ in 0..1 + rng.below(4) {
                // Alternate between the load commands and the signature.
                let at = if round % 2 == 0 { rng.below(4096.min(bad.len())) } else { sig_off + rng.below(sig_len) };
                if let Some(b) = bad.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            read_all_ways(path, bad);
        }
    }
}

/// Overwrites big-endian u32 fields of the SuperBlob and CodeDirectory with hostile values.
#[test]
fn hostile_counts_and_offsets_are_problems() {
    let hostile = [0u32, 1, 7, 8, 0x7fff_ffff, 0x8000_0000, 0xffff_fff8, u32::MAX];
    for (path, bytes) in samples() {
        let Some((off, len)) = signature_region(&bytes) else { continue };
        // Every u32 of the SuperBlob header and index, and of the first CodeDirectory header.
        let fields: Vec<usize> = (0..len.min(160)).step_by(4).map(|i| off + i).collect();
        for &at in &fields {
            for v in hostile {
                let mut bad = bytes.clone();
                if at + 4 <= bad.len() {
                    bad[at..at + 4].copy_from_slice(&v.to_be_bytes());
                }
                read_all_ways(path, bad);
            }
        }
    }
}

#[test]
fn universal_headers_with_hostile_entries_are_problems() {
    let bytes = sample(&Path::new(REAL).join("small/libextfunc_rpath.dylib"));
    for field in 0..(8 + 2 * 20) / 4 {
        for v in [0u32, 1, 0xffff_ffff, 0x8000_0000, 64] {
            let mut bad = bytes.clone();
            bad[field * 4..field * 4 + 4].copy_from_slice(&v.to_be_bytes());
            read_all_ways("fat", bad);
        }
    }
}

#[test]
fn non_macho_and_empty_inputs_are_reported() {
    for bytes in [Vec::new(), vec![0xca, 0xfe, 0xba, 0xbe], vec![0xcf, 0xfa, 0xed, 0xfe], b"PK\x03\x04".to_vec()] {
        let scan = read_all_ways("odd", bytes.clone());
        // Either not recognised as code at all, or recognised and reported as malformed.
        assert!(has_problem(&scan), "{bytes:02x?} read as sound code");
    }
}

#[test]
fn cyclic_and_escaping_symlinks_in_directories() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("Loop.app/Contents");
    std::fs::create_dir_all(app.join("MacOS")).unwrap();
    std::fs::write(
        app.join("Info.plist"),
        b"<plist><dict><key>CFBundleExecutable</key><string>Loop</string></dict></plist>",
    )
    .unwrap();
    std::os::unix::fs::symlink("Loop", app.join("MacOS/Loop2")).unwrap();
    std::os::unix::fs::symlink("Loop2", app.join("MacOS/Loop")).unwrap();
    std::os::unix::fs::symlink("../../..", app.join("Up")).unwrap();
    std::os::unix::fs::symlink("/etc", app.join("Abs")).unwrap();
    std::os::unix::fs::symlink(".", app.join("Self")).unwrap();
    let scan = Scan::open(&dir.path().join("Loop.app")).unwrap();
    let (item, facts) = scan.code_items().next().unwrap();
    assert_eq!(item.executable, None, "a cyclic link is not an executable");
    assert!(matches!(facts.code, Code::Unreadable(_)), "{:?}", facts.code);
    let _ = inspect_text::render(&InspectReport::from_scan(&scan));
}

#[test]
fn malformed_zips_are_findings() {
    let Some(zip) = shared("app-info/apps/macos.zip") else { return };
    let real = sample(&zip);
    let mut rng = XorShift(42);
    for cut in [0, 4, 30, real.len() / 2, real.len() - 22, real.len() - 1] {
        let tree = bundlelint::input::archive_from_bytes(&real[..cut], "cut.zip");
        let _ = Scan::from_tree(tree);
    }
    for _ in 0..60 {
        let mut bad = real.clone();
        // Corrupt the central directory, where the member table lives.
        let at = bad.len() - 1 - rng.below(2048.min(bad.len()));
        bad[at] ^= 1 << rng.below(8);
        let scan = Scan::from_tree(bundlelint::input::archive_from_bytes(&bad, "bad.zip"));
        let _ = InspectReport::from_scan(&scan);
        check_every_way(&scan);
    }
}

/// Real files made deliberately inconsistent upstream, and why.
const KNOWN_MALFORMED: &[&str] = &[
    // Santa's test data (plain, ad-hoc and signed copies): the universal header names a CPU type
    // its slice does not have.
    "santa/testdata/cal-yikes-universal",
];

/// The `malformed-macho` problems of every Mach-O under `root`, as "path: message".
fn malformed_macho_in(root: &Path) -> Vec<String> {
    let scan = Scan::open(root).unwrap_or_else(|e| panic!("{}: {e}", root.display()));
    let mut found = Vec::new();
    for (item, facts) in scan.code_items() {
        let problems: Vec<&bundlelint::Problem> = match &facts.code {
            Code::MachO { file, .. } => {
                file.problems.iter().chain(file.slices.iter().flat_map(|s| s.problems.iter())).collect()
            }
            Code::NotMachO(p) => vec![p],
            _ => Vec::new(),
        };
        let path = item.executable.as_deref().unwrap_or(&item.path);
        if KNOWN_MALFORMED.iter().any(|k| path.contains(k)) {
            continue;
        }
        found.extend(problems.iter().filter(|p| p.code == "malformed-macho").map(|p| format!("{path}: {p}")));
    }
    found
}

/// Every real Mach-O reads clean — legacy PowerPC and i386 slices with their thread states,
/// object files, universal static archives — in `corpus/real`, the shared corpus beside the
/// repository when present, and any further corpus named by `BUNDLELINT_REAL_CORPORA`
/// (colon-separated directories, e.g. a shared download cache).
#[test]
fn every_real_macho_reads_without_malformed_macho() {
    let extra = std::env::var("BUNDLELINT_REAL_CORPORA").unwrap_or_default();
    let shared = shared("").filter(|p| p.is_dir()).map(|p| p.to_string_lossy().into_owned());
    let roots: Vec<String> = std::iter::once("corpus/real".to_owned())
        .chain(shared)
        .chain(extra.split(':').filter(|s| !s.is_empty()).map(str::to_owned))
        .collect();
    let mut found = Vec::new();
    for root in roots {
        found.extend(malformed_macho_in(Path::new(&root)));
    }
    found.extend(malformed_macho_in(Path::new("corpus/generated/macho/liba-universal.a")));
    assert!(found.is_empty(), "valid Mach-O read as malformed:\n{}", found.join("\n"));
}

//! Every Mach-O slice listed in `FACTS.jsonl` (facts an independent parser read from the bytes;
//! `corpus/real/FACTS.jsonl` for the repository's items, `../shared/corpus/real/FACTS.jsonl` for
//! the shared corpus's) is read by bundlelint to the same identifier, team, CodeDirectory version,
//! flags, hash type, cdhash, special slots, page size, code limit, load-command facts and
//! entitlement keys.

use std::collections::BTreeSet;
use std::path::Path;

use bundlelint::codesign::superblob::Slot;
use bundlelint::input::{FileData, InputKind, Tree};
use bundlelint::model::{Code, Scan};
use serde_json::Value;

use crate::common::{available, real_facts, SHARED_REAL};

/// Reads one file as a bare Mach-O input (the facts are per file, not per bundle).
fn scan_file(root: &str, path: &str) -> Scan {
    let full = Path::new(root).join(path);
    let bytes = std::fs::read(&full).unwrap_or_else(|e| panic!("{path}: {e}"));
    let name = full.file_name().unwrap().to_string_lossy().into_owned();
    let tree =
        Tree::from_entries(path, InputKind::File, [(name, bundlelint::input::Entry::File(FileData::from_vec(bytes)))]);
    Scan::from_tree(tree)
}

/// The facts abbreviate alternate CodeDirectory slots (`AltCodeDirectory0`).
fn fact_slot_name(name: &str) -> String {
    name.replace("AltCodeDirectory", "AlternateCodeDirectory")
}

fn hex_u32(v: &Value) -> u32 {
    let s = v.as_str().expect("hex string");
    u32::from_str_radix(s.trim_start_matches("0x"), 16).expect("hex")
}

#[test]
fn every_slice_agrees_with_facts() {
    let mut checked_slices = 0;
    let mut checked_cds = 0;
    for (root, fact) in real_facts().iter().filter(|(_, f)| matches!(f["kind"].as_str(), Some("fat" | "thin"))) {
        let path = fact["path"].as_str().unwrap();
        let scan = scan_file(root, path);
        let (_, item) = scan.code_items().next().unwrap_or_else(|| panic!("{path}: no code item"));
        let Code::MachO { file, slices } = &item.code else { panic!("{path}: not read as Mach-O: {:?}", item.code) };
        let expected_slices = fact["slices"].as_array().unwrap();
        assert_eq!(file.slices.len(), expected_slices.len(), "{path}: slice count");
        assert_eq!(file.universal, fact["kind"] == "fat", "{path}: universal");
        for ((slice, sfacts), want) in file.slices.iter().zip(slices).zip(expected_slices) {
            let ctx = format!("{path} [{}]", slice.arch);
            assert_eq!(slice.arch, want["arch"].as_str().unwrap(), "{ctx}: arch");
            assert_eq!(slice.file_type_name.to_uppercase(), want["filetype"].as_str().unwrap(), "{ctx}: file type");
            if let Some(minos) = want.get("minos").and_then(Value::as_str) {
                assert_eq!(slice.build_target().map(|t| t.minos.as_str()), Some(minos), "{ctx}: minos");
            }
            if let Some(platform) = want.get("platform").and_then(Value::as_str) {
                let ours = slice.build_target().map(|t| t.platform_name).unwrap_or("macos");
                assert_eq!(ours, platform, "{ctx}: platform");
            }
            checked_slices += 1;
            if want.get("signed") == Some(&Value::Bool(false)) {
                assert!(sfacts.signature.is_none(), "{ctx}: facts say unsigned");
                continue;
            }
            let lc = &want["lc_code_signature"];
            let sig_range = slice.code_signature.expect("signed slice has LC_CODE_SIGNATURE");
            assert_eq!(sig_range.offset, lc["off"].as_u64().unwrap(), "{ctx}: LC_CODE_SIGNATURE offset");
            assert_eq!(sig_range.size, lc["size"].as_u64().unwrap(), "{ctx}: LC_CODE_SIGNATURE size");
            let sig = sfacts.signature.as_ref().unwrap();
            assert!(sig.problems.is_empty(), "{ctx}: {:?}", sig.problems);
            let sb = sig.superblob.as_ref().unwrap();
            assert_eq!(u64::from(sb.length), want["superblob_len"].as_u64().unwrap(), "{ctx}: superblob length");
            let slots: BTreeSet<String> = sb.blobs.iter().map(|b| b.slot.name()).collect();
            let want_slots: BTreeSet<String> =
                want["slots"].as_array().unwrap().iter().map(|s| fact_slot_name(s.as_str().unwrap())).collect();
            assert_eq!(slots, want_slots, "{ctx}: blob slots");

            let want_cds = want["code_directories"].as_array().unwrap();
            assert_eq!(sig.code_directories.len(), want_cds.len(), "{ctx}: CodeDirectory count");
            for (cd, w) in sig.code_directories.iter().zip(want_cds) {
                let c = format!("{ctx} {}", cd.slot.name());
                assert_eq!(cd.slot.name(), fact_slot_name(w["slot"].as_str().unwrap()), "{c}: slot");
                assert_eq!(cd.cd.identifier, w["identifier"].as_str().unwrap(), "{c}: identifier");
                assert_eq!(cd.cd.team_id.as_deref(), w.get("team_id").and_then(Value::as_str), "{c}: team id");
                assert_eq!(cd.cd.version, hex_u32(&w["cd_version"]), "{c}: version");
                assert_eq!(cd.cd.flags, hex_u32(&w["cd_flags"]), "{c}: flags");
                assert_eq!(cd.cd.hash_type.map(|h| h.name()), w["hash_type"].as_str(), "{c}: hash type");
                assert_eq!(cd.cd.cdhash_truncated.as_deref(), w["cdhash"].as_str(), "{c}: cdhash");
                assert_eq!(u64::from(cd.cd.n_code_slots), w["n_code_slots"].as_u64().unwrap(), "{c}: code slots");
                assert_eq!(
                    u64::from(cd.cd.n_special_slots),
                    w["n_special_slots"].as_u64().unwrap(),
                    "{c}: special slots"
                );
                assert_eq!(cd.cd.effective_code_limit(), w["code_limit"].as_u64().unwrap(), "{c}: code limit");
                assert_eq!(cd.cd.page_size(), w["page_size"].as_u64(), "{c}: page size");
                let present: Vec<u64> = cd.cd.special_slots_present().into_iter().map(u64::from).collect();
                let want_present: Vec<u64> =
                    w["special_slots_hashed"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
                assert_eq!(present, want_present, "{c}: special slots present");
                if let Some(flags) = w.get("exec_seg_flags").and_then(Value::as_str) {
                    let ours = cd.cd.exec_seg_flags.unwrap_or(0);
                    assert_eq!(ours, u64::from(hex_u32(&Value::String(flags.into()))), "{c}: exec seg flags");
                }
                assert_eq!(
                    cd.cd.runtime_version().as_deref(),
                    w.get("runtime_version").and_then(Value::as_str),
                    "{c}: runtime"
                );
                checked_cds += 1;
            }
            let want_keys: BTreeSet<String> =
                want["entitlements"].as_object().map(|o| o.keys().cloned().collect()).unwrap_or_default();
            let keys: BTreeSet<String> = sig
                .entitlements
                .as_ref()
                .and_then(|e| e.document.as_ref().ok())
                .and_then(|d| d.dict())
                .map(|d| d.keys().cloned().collect())
                .unwrap_or_default();
            assert_eq!(keys, want_keys, "{ctx}: entitlement keys");

            let kinds: Vec<String> = sig
                .requirements
                .as_ref()
                .and_then(|r| r.as_ref().ok())
                .map(|entries| {
                    entries.iter().map(|e| e.kind.prefix().trim_end().trim_end_matches(" =>").to_owned()).collect()
                })
                .unwrap_or_default();
            let want_kinds: Vec<String> = want["requirements"]
                .as_array()
                .map(|a| a.iter().map(|v| v.as_str().unwrap().to_owned()).collect())
                .unwrap_or_default();
            assert_eq!(kinds, want_kinds, "{ctx}: requirement types");
            if let Some(len) = want.get("der_entitlements_len").and_then(Value::as_u64) {
                let der = sig.blob_range(Slot::DerEntitlements).expect("DER entitlements blob");
                assert_eq!(der.size - 8, len, "{ctx}: DER entitlements length");
                assert!(matches!(sig.der_entitlements, Some(Ok(_))), "{ctx}: DER entitlements decode");
            }
            if let Some(cms_facts) = want.get("cms").filter(|c| c.get("signer_CN").is_some()) {
                let cms = sig.cms_info().unwrap_or_else(|| panic!("{ctx}: CMS not read: {:?}", sig.cms));
                let leaf = cms.leaf().expect("signer certificate");
                assert_eq!(leaf.common_name.as_deref(), cms_facts["signer_CN"].as_str(), "{ctx}: signer");
                assert_eq!(leaf.organizational_unit.as_deref(), cms_facts["signer_OU"].as_str(), "{ctx}: signer OU");
                let certs: Vec<(Option<&str>, Option<&str>, String)> = cms
                    .certificates
                    .iter()
                    .map(|c| {
                        (
                            c.common_name.as_deref(),
                            c.organizational_unit.as_deref(),
                            c.not_after.replace('T', " ").replace('Z', "+00:00"),
                        )
                    })
                    .collect();
                let want_certs: Vec<(Option<&str>, Option<&str>, String)> = cms_facts["certs"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| (c["CN"].as_str(), c["OU"].as_str(), c["not_after"].as_str().unwrap().to_owned()))
                    .collect();
                assert_eq!(certs, want_certs, "{ctx}: certificates");
                let signer = &cms.signers[0];
                let attrs: Vec<&str> =
                    signer.signed_attributes.iter().map(|a| a.name.unwrap_or(a.oid.as_str())).collect();
                let want_attrs: Vec<&str> =
                    cms_facts["signed_attrs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
                assert_eq!(attrs, want_attrs, "{ctx}: signed attributes");
                let stamped = cms_facts
                    .get("unsigned_attrs")
                    .is_some_and(|u| u.as_array().unwrap().iter().any(|v| v == "timestamp"));
                assert_eq!(signer.timestamp.is_some(), stamped, "{ctx}: secure timestamp");
                assert_eq!(
                    signer.digest_algorithm,
                    cms_facts["digest_alg"].as_str().unwrap(),
                    "{ctx}: digest algorithm"
                );
            }
            assert_eq!(
                sig.blob_range(Slot::Signature).is_some(),
                want.get("cms").is_some() || slots.contains("CMSSignature"),
                "{ctx}: CMS slot"
            );
        }
    }
    // The repository's items hold 9 slices and 10 CodeDirectories; with the shared corpus, 44 and 42.
    let (slices, cds) = if available(Path::new(SHARED_REAL)) { (44, 42) } else { (9, 10) };
    assert!(checked_slices >= slices, "only {checked_slices} slices checked");
    assert!(checked_cds >= cds, "only {checked_cds} CodeDirectories checked");
}

//! Differential test: on every generated fixture, what bundlelint reads equals what
//! `apple-codesign`'s own reader returned for the same bytes (recorded in
//! `corpus/generated/ORACLE.jsonl` by `tools/fixture-gen oracle` when the fixtures were made).

use std::collections::BTreeSet;
use std::path::Path;

use bundlelint::codesign::requirement::RequirementType;
use bundlelint::codesign::signature::Signature;
use bundlelint::codesign::superblob::Slot;
use bundlelint::input::{Entry, FileData, InputKind, Tree};
use bundlelint::model::{Code, Scan};
use serde_json::Value;

const GENERATED: &str = "corpus/generated";

fn oracle() -> Vec<Value> {
    let text = std::fs::read_to_string(Path::new(GENERATED).join("ORACLE.jsonl")).expect("ORACLE.jsonl is committed");
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).expect("valid JSON line")).collect()
}

/// Reads one file as a bare Mach-O input and returns the signature of slice `index`.
fn signature_of(path: &str, index: Option<u64>) -> (Scan, usize) {
    let full = Path::new(GENERATED).join(path);
    let bytes = std::fs::read(&full).unwrap_or_else(|e| panic!("{path}: {e}"));
    let tree = Tree::from_entries(path, InputKind::File, [("f".to_owned(), Entry::File(FileData::from_vec(bytes)))]);
    (Scan::from_tree(tree), index.unwrap_or(0) as usize)
}

fn slice_signature(scan: &Scan, index: usize) -> Option<&Signature> {
    let (_, facts) = scan.code_items().next()?;
    let Code::MachO { slices, .. } = &facts.code else { return None };
    slices.get(index)?.signature.as_ref()
}

fn plist_json(v: &plist::Value) -> Value {
    bundlelint::plist::to_json(v)
}

fn non_null(v: &Value) -> Option<Value> {
    (!v.is_null()).then(|| v.clone())
}

/// apple-codesign parenthesises every operand of `and`/`or` and quotes every string; codesign
/// (and bundlelint) group only where precedence needs it and leave simple strings bare. Compare
/// the texts without grouping and quoting.
fn without_grouping(text: &str) -> String {
    text.chars()
        .filter(|c| !matches!(c, '(' | ')' | '"'))
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

fn oid_name(oid: &str) -> &str {
    match oid {
        "2.16.840.1.101.3.4.2.1" => "sha256",
        "1.3.14.3.2.26" => "sha1",
        "2.16.840.1.101.3.4.2.2" => "sha384",
        other => other,
    }
}

fn hex_u32(v: &Value) -> u32 {
    u32::from_str_radix(v.as_str().expect("hex string").trim_start_matches("0x"), 16).expect("hex")
}

fn keys_of(v: &Value) -> BTreeSet<String> {
    v.as_array().map(|a| a.iter().filter_map(Value::as_str).map(str::to_owned).collect()).unwrap_or_default()
}

#[test]
fn code_directories_agree_with_apple_codesign() {
    let rows = oracle();
    assert!(rows.len() >= 50, "oracle has {} rows", rows.len());
    let mut compared = 0;
    for row in &rows {
        let path = row["path"].as_str().unwrap();
        let ctx = format!("{path} [{}]", row["arch"].as_str().unwrap_or("?"));
        let (scan, index) = signature_of(path, row["slice_index"].as_u64());
        let sig = slice_signature(&scan, index);
        if row["signed"] == Value::Bool(false) {
            assert!(sig.is_none(), "{ctx}: apple-codesign sees no signature");
            continue;
        }
        let sig = sig.unwrap_or_else(|| panic!("{ctx}: no signature read"));
        assert!(sig.problems.is_empty(), "{ctx}: {:?}", sig.problems);
        let slots: Vec<u64> = sig.superblob.as_ref().unwrap().blobs.iter().map(|b| u64::from(b.slot_type)).collect();
        let mut want_slots: Vec<u64> =
            row["blob_slots"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        let mut sorted = slots.clone();
        sorted.sort();
        want_slots.sort();
        assert_eq!(sorted, want_slots, "{ctx}: blob slots");
        let want_cds = row["code_directories"].as_array().unwrap();
        assert_eq!(sig.code_directories.len(), want_cds.len(), "{ctx}: CodeDirectory count");
        for (cd, want) in sig.code_directories.iter().zip(want_cds) {
            let c = format!("{ctx} {}", want["slot"]);
            let cd = &cd.cd;
            assert_eq!(cd.identifier, want["identifier"].as_str().unwrap(), "{c}: identifier");
            assert_eq!(cd.team_id.as_deref(), want["team_id"].as_str(), "{c}: team");
            assert_eq!(cd.version, hex_u32(&want["version"]), "{c}: version");
            assert_eq!(cd.flags, hex_u32(&want["flags"]), "{c}: flags");
            assert_eq!(cd.hash_type.map(|h| h.name()), want["hash_type"].as_str(), "{c}: hash type");
            assert_eq!(cd.cdhash.as_deref(), want["cdhash"].as_str(), "{c}: cdhash");
            assert_eq!(u64::from(cd.n_code_slots), want["n_code_slots"].as_u64().unwrap(), "{c}: code slots");
            assert_eq!(u64::from(cd.n_special_slots), want["n_special_slots"].as_u64().unwrap(), "{c}: special slots");
            assert_eq!(cd.effective_code_limit(), want["code_limit"].as_u64().unwrap(), "{c}: code limit");
            assert_eq!(cd.page_size(), want["page_size"].as_u64(), "{c}: page size");
            assert_eq!(u64::from(cd.platform), want["platform"].as_u64().unwrap(), "{c}: platform");
            assert_eq!(cd.exec_seg_base, want["exec_seg_base"].as_u64(), "{c}: exec seg base");
            assert_eq!(cd.exec_seg_limit, want["exec_seg_limit"].as_u64(), "{c}: exec seg limit");
            assert_eq!(
                cd.exec_seg_flags.map(|f| format!("{f:#x}")).as_deref(),
                want["exec_seg_flags"].as_str(),
                "{c}: exec seg flags"
            );
            assert_eq!(cd.runtime_version().as_deref(), want["runtime_version"].as_str(), "{c}: runtime");
            let present: Vec<u64> = cd.special_slots_present().into_iter().map(u64::from).collect();
            let want_present: Vec<u64> =
                want["special_slots_present"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
            assert_eq!(present, want_present, "{c}: special slots present");
            compared += 1;
        }
        let xml_keys: Option<BTreeSet<String>> = sig
            .entitlements
            .as_ref()
            .and_then(|e| e.document.as_ref().ok())
            .and_then(|d| d.dict())
            .map(|d| d.keys().cloned().collect());
        let want_keys = (!row["entitlements_xml_keys"].is_null()).then(|| keys_of(&row["entitlements_xml_keys"]));
        assert_eq!(xml_keys, want_keys, "{ctx}: XML entitlement keys");

        let der =
            sig.der_entitlements.as_ref().map(|d| plist_json(&d.as_ref().expect("DER entitlements decode").value));
        assert_eq!(der, non_null(&row["entitlements_der"]), "{ctx}: DER entitlements");

        for (slot, key) in [
            (Slot::LaunchConstraintSelf, "launch_constraints_self"),
            (Slot::LaunchConstraintParent, "launch_constraints_parent"),
            (Slot::LaunchConstraintResponsible, "launch_constraints_responsible"),
            (Slot::LibraryConstraint, "library_constraints"),
        ] {
            let ours = sig.constraint(slot).map(|c| {
                serde_json::json!({"ccat": c.ccat, "comp": c.comp, "vers": c.vers, "reqs": plist_json(c.raw.as_dictionary().and_then(|d| d.get("reqs")).unwrap())})
            });
            assert_eq!(ours, non_null(&row[key]), "{ctx}: {key}");
        }

        let designated = sig.requirements.as_ref().and_then(|r| r.as_ref().ok()).and_then(|entries| {
            entries
                .iter()
                .find(|e| e.kind == RequirementType::Designated)
                .map(|e| e.requirement.as_ref().unwrap().to_string())
        });
        assert_eq!(
            designated.as_deref().map(without_grouping),
            row["designated_requirement"].as_str().map(without_grouping),
            "{ctx}: designated requirement"
        );

        let cms = sig.cms_info();
        assert_eq!(cms.is_some(), !row["cms"].is_null(), "{ctx}: CMS present");
        if let (Some(cms), Some(want)) = (cms, row["cms"].as_object()) {
            let subjects: Vec<&str> = cms.certificates.iter().map(|c| c.common_name.as_deref().unwrap_or("")).collect();
            let want_subjects: Vec<&str> =
                want["certificates"].as_array().unwrap().iter().map(|c| c["subject_cn"].as_str().unwrap()).collect();
            assert_eq!(subjects, want_subjects, "{ctx}: certificates");
            let leaf = cms.leaf().expect("signer certificate found");
            let want_leaf = want["certificates"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["subject_cn"].as_str() == leaf.common_name.as_deref())
                .unwrap();
            assert_eq!(leaf.team_id(), want_leaf["team_id"].as_str(), "{ctx}: leaf team");
            let kind = serde_json::to_value(leaf.kind).unwrap();
            if let Some(profile) = want_leaf["profile"].as_str() {
                assert_eq!(kind.as_str(), Some(profile), "{ctx}: leaf certificate kind");
            }
            let signer = &cms.signers[0];
            assert_eq!(signer.signing_time.as_deref(), want["signing_time"].as_str(), "{ctx}: signing time");
            assert_eq!(signer.timestamp.is_some(), want["has_timestamp"].as_bool().unwrap(), "{ctx}: secure timestamp");
            assert_eq!(signer.message_digest_hex.as_deref(), want["message_digest"].as_str(), "{ctx}: message digest");
            let cdhashes: Vec<(String, String)> =
                signer.cdhashes2.iter().map(|c| (c.algorithm.clone(), c.hash_hex.clone())).collect();
            let want_cdhashes: Vec<(String, String)> = want["cdhash_digests"]
                .as_array()
                .unwrap()
                .iter()
                .map(|p| (oid_name(p[0].as_str().unwrap()).to_owned(), p[1].as_str().unwrap().to_owned()))
                .collect();
            assert_eq!(cdhashes, want_cdhashes, "{ctx}: cdhashes attribute");
        }
    }
    assert!(compared >= 50, "only {compared} CodeDirectories compared");
}

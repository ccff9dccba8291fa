//! `fixture-gen oracle OUT_DIR`: what apple-codesign's reader sees in every
//! Mach-O of the generated corpus, one JSON object per Mach-O slice, written
//! to `OUT_DIR/ORACLE.jsonl`.
//!
//! The values come straight from apple-codesign's public reading API
//! (`MachFile` → `code_signature()` → blobs). When a call fails, the error text
//! is recorded for that slice instead of the values.

use {
    crate::plistjson::to_json,
    anyhow::{Context, Result},
    apple_codesign::{
        embedded_signature::{CodeSigningSlot, EmbeddedSignature},
        AppleCertificate, CmsSignature, MachFile, MachOBinary,
    },
    serde_json::{json, Map, Value as Json},
    std::{
        io::Write,
        path::{Path, PathBuf},
    },
};

const MACHO_MAGICS: [[u8; 4]; 5] = [
    [0xfe, 0xed, 0xfa, 0xce],
    [0xfe, 0xed, 0xfa, 0xcf],
    [0xce, 0xfa, 0xed, 0xfe],
    [0xcf, 0xfa, 0xed, 0xfe],
    [0xca, 0xfe, 0xba, 0xbe],
];

fn is_macho(path: &Path) -> Result<bool> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut magic = [0u8; 4];
    match f.read_exact(&mut magic) {
        Ok(()) => Ok(MACHO_MAGICS.contains(&magic)),
        Err(_) => Ok(false),
    }
}

/// Regular files under `dir`, sorted, not following symlinks.
fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let mut entries = std::fs::read_dir(dir)?.map(|e| e.map(|e| e.path())).collect::<std::io::Result<Vec<_>>>()?;
    entries.sort();
    for p in entries {
        let meta = std::fs::symlink_metadata(&p)?;
        if meta.file_type().is_symlink() {
            continue;
        } else if meta.is_dir() {
            walk(&p, out)?;
        } else if meta.is_file() {
            out.push(p);
        }
    }
    Ok(())
}

fn arch_name(cputype: u32, cpusubtype: u32) -> String {
    match (cputype, cpusubtype & 0x00ff_ffff) {
        (0x0100_000c, 2) => "arm64e".into(),
        (0x0100_000c, _) => "arm64".into(),
        (0x0200_000c, _) => "arm64_32".into(),
        (0x0100_0007, _) => "x86_64".into(),
        (0x0000_0007, _) => "i386".into(),
        (0x0000_000c, _) => "arm".into(),
        (t, s) => format!("0x{t:x}/0x{s:x}"),
    }
}

fn slot_name(slot: CodeSigningSlot) -> String {
    match slot {
        CodeSigningSlot::CodeDirectory => "CodeDirectory".into(),
        CodeSigningSlot::AlternateCodeDirectory0 => "AlternateCodeDirectory0".into(),
        CodeSigningSlot::AlternateCodeDirectory1 => "AlternateCodeDirectory1".into(),
        CodeSigningSlot::AlternateCodeDirectory2 => "AlternateCodeDirectory2".into(),
        CodeSigningSlot::AlternateCodeDirectory3 => "AlternateCodeDirectory3".into(),
        CodeSigningSlot::AlternateCodeDirectory4 => "AlternateCodeDirectory4".into(),
        other => format!("{}", u32::from(other)),
    }
}

fn digest_name(d: apple_codesign::cryptography::DigestType) -> String {
    use apple_codesign::cryptography::DigestType as D;
    match d {
        D::None => "none".into(),
        D::Sha1 => "sha1".into(),
        D::Sha256 => "sha256".into(),
        D::Sha256Truncated => "sha256-truncated".into(),
        D::Sha384 => "sha384".into(),
        D::Sha512 => "sha512".into(),
        D::Unknown(v) => format!("unknown({v})"),
    }
}

fn constraints_json(blob: Option<Box<apple_codesign::embedded_signature::ConstraintsDerBlob<'_>>>) -> Result<Json> {
    Ok(match blob {
        Some(b) => to_json(&b.parse_der_plist()?),
        None => Json::Null,
    })
}

fn signature_json(sig: &EmbeddedSignature<'_>, obj: &mut Map<String, Json>) -> Result<()> {
    // Code directories: primary + alternates.
    let mut cds = Vec::new();
    for (slot, cd) in sig.all_code_directories()? {
        let entry = sig.find_slot(slot).context("code directory slot vanished")?;
        let cdhash = hex::encode(entry.digest_with(cd.digest_type)?);
        let special_present: Vec<u32> =
            cd.special_digests.iter().filter(|(_, d)| !d.is_null()).map(|(s, _)| u32::from(*s)).collect();
        cds.push(json!({
            "slot": slot_name(slot),
            "version": format!("0x{:x}", cd.version),
            "flags": format!("0x{:x}", cd.flags.bits()),
            "hash_type": digest_name(cd.digest_type),
            "identifier": cd.ident.to_string(),
            "team_id": cd.team_name.as_ref().map(|t| t.to_string()),
            "platform": cd.platform,
            "page_size": cd.page_size,
            "code_limit": cd.code_limit,
            "n_code_slots": cd.code_digests.len(),
            "n_special_slots": cd.special_digests.len(),
            "special_slots_present": special_present,
            "cdhash": cdhash,
            "runtime_version": cd
                .runtime
                .map(|v| apple_codesign::parse_version_nibbles(v).to_string()),
            "exec_seg_base": cd.exec_seg_base,
            "exec_seg_limit": cd.exec_seg_limit,
            "exec_seg_flags": cd.exec_seg_flags.map(|f| format!("0x{:x}", f.bits())),
        }));
    }
    obj.insert("code_directories".into(), Json::Array(cds));

    obj.insert("blob_slots".into(), Json::Array(sig.blobs.iter().map(|b| Json::from(u32::from(b.slot))).collect()));

    let ent_keys = match sig.entitlements()? {
        Some(blob) => {
            let v = plist::Value::from_reader_xml(blob.as_str().as_bytes()).context("parsing XML entitlements")?;
            let mut keys: Vec<String> =
                v.as_dictionary().context("XML entitlements are not a dictionary")?.keys().cloned().collect();
            keys.sort();
            json!(keys)
        }
        None => Json::Null,
    };
    obj.insert("entitlements_xml_keys".into(), ent_keys);

    let ent_der = match sig.entitlements_der()? {
        Some(blob) => to_json(&blob.parse_der()?),
        None => Json::Null,
    };
    obj.insert("entitlements_der".into(), ent_der);

    obj.insert("launch_constraints_self".into(), constraints_json(sig.launch_constraints_self()?)?);
    obj.insert("launch_constraints_parent".into(), constraints_json(sig.launch_constraints_parent()?)?);
    obj.insert("launch_constraints_responsible".into(), constraints_json(sig.launch_constraints_responsible()?)?);
    obj.insert("library_constraints".into(), constraints_json(sig.library_constraints()?)?);

    let mut dr = Json::Null;
    if let Some(set) = sig.code_requirements()? {
        for (typ, blob) in set.requirements.iter() {
            if *typ == apple_codesign::RequirementType::Designated {
                let exprs = blob.parse_expressions()?;
                let texts: Vec<String> = exprs.iter().map(|e| format!("{e}")).collect();
                dr = Json::String(texts.join("; "));
            }
        }
    }
    obj.insert("designated_requirement".into(), dr);

    let cms = match sig.signed_data()? {
        Some(signed_data) => {
            let certificates: Vec<Json> = signed_data
                .certificates()
                .map(|c| {
                    json!({
                        "subject_cn": c.subject_common_name(),
                        "team_id": c.apple_team_id(),
                        "profile": c.apple_guess_profile().map(|p| p.to_string()),
                    })
                })
                .collect();
            let summary = CmsSignature::try_from(signed_data)?;
            let signer = summary.signers.first();
            json!({
                "certificates": certificates,
                "signing_time": signer
                    .and_then(|s| s.signing_time)
                    .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)),
                "has_timestamp": signer.map(|s| s.time_stamp_token.is_some()).unwrap_or(false),
                "timestamp_certificate_subjects": signer
                    .and_then(|s| s.time_stamp_token.as_ref())
                    .map(|t| t.certificates.iter().map(|c| c.subject.clone()).collect::<Vec<_>>()),
                "signature_verifies": signer.map(|s| s.signature_verifies),
                "message_digest": signer.and_then(|s| s.message_digest.clone()),
                "cdhash_digests": signer
                    .map(|s| s.cdhash_digests.iter().map(|(oid, d)| json!([oid, d])).collect::<Vec<_>>()),
                "signer_count": summary.signers.len(),
            })
        }
        None => Json::Null,
    };
    obj.insert("cms".into(), cms);

    Ok(())
}

fn slice_json(rel: &str, macho: &MachOBinary<'_>) -> Json {
    let mut obj = Map::new();
    obj.insert("path".into(), json!(rel));
    obj.insert("slice_index".into(), json!(macho.index));
    obj.insert("arch".into(), json!(arch_name(macho.macho.header.cputype(), macho.macho.header.cpusubtype())));

    let res = (|| -> Result<()> {
        match macho.code_signature()? {
            Some(sig) => {
                obj.insert("signed".into(), json!(true));
                signature_json(&sig, &mut obj)?;
            }
            None => {
                obj.insert("signed".into(), json!(false));
                obj.insert("code_directories".into(), json!([]));
                for k in [
                    "entitlements_xml_keys",
                    "entitlements_der",
                    "launch_constraints_self",
                    "launch_constraints_parent",
                    "launch_constraints_responsible",
                    "library_constraints",
                    "designated_requirement",
                    "cms",
                ] {
                    obj.insert(k.into(), Json::Null);
                }
            }
        }
        Ok(())
    })();
    if let Err(e) = res {
        obj.insert("error".into(), json!(format!("{e:#}")));
    }
    Json::Object(obj)
}

pub fn run(out: &Path) -> Result<()> {
    let mut files = Vec::new();
    walk(out, &mut files)?;
    // `cases/` holds deliberately broken inputs for rule cases (fixture-gen cases); the oracle
    // describes the well-formed fixtures only.
    files.retain(|p| !p.starts_with(out.join("cases")));

    let mut lines = Vec::new();
    for path in files {
        if !is_macho(&path)? {
            continue;
        }
        let rel = path
            .strip_prefix(out)?
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect::<Vec<_>>()
            .join("/");
        let data = std::fs::read(&path)?;
        match MachFile::parse(&data) {
            Ok(mach) => {
                for macho in mach.iter_macho() {
                    lines.push(slice_json(&rel, macho));
                }
            }
            Err(e) => lines.push(json!({
                "path": rel,
                "slice_index": null,
                "arch": null,
                "error": format!("{e:#}"),
            })),
        }
    }

    let dest = out.join("ORACLE.jsonl");
    let mut f = std::io::BufWriter::new(std::fs::File::create(&dest)?);
    for l in &lines {
        serde_json::to_writer(&mut f, l)?;
        f.write_all(b"\n")?;
    }
    f.flush()?;
    eprintln!("oracle: {} Mach-O slices -> {}", lines.len(), dest.display());
    Ok(())
}

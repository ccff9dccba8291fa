//! The human form of `bundlelint inspect`: one block per code item, one sub-block per slice,
//! with codesign's own field names (`Identifier=`, `CodeDirectory v=…`, `CDHash=`…) so the output
//! reads like `codesign -dvvv` to those who know it.

use std::fmt::Write;

use serde_json::Value as Json;

use super::inspect::{CodeDirectoryView, InspectItem, InspectReport, InspectSlice, ProblemView, SignatureView};

/// Renders the report as indented text.
pub fn render(report: &InspectReport) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} ({})", report.input, kind_word(report));
    for root in &report.apple_root_substitutes {
        let _ =
            writeln!(out, "  substitute root: {:?} (SHA-256 {}) stood in for Apple's roots", root.name, root.sha256);
    }
    for p in &report.problems {
        problem_line(&mut out, 1, p);
    }
    for item in &report.items {
        item_block(&mut out, item);
    }
    for l in &report.launchd_plists {
        let _ = writeln!(out, "\nlaunchd plist {} ({})", l.path, serde_plain(&l.kind));
        field(&mut out, 1, "Label", l.label.as_deref());
        field(&mut out, 1, "BundleProgram", l.bundle_program.as_deref());
        field(&mut out, 1, "Program", l.program.as_deref());
        if !l.program_arguments.is_empty() {
            field(&mut out, 1, "ProgramArguments", Some(&l.program_arguments.join(" ")));
        }
        field(&mut out, 1, "Launches", l.target.as_deref());
        if let Some(c) = l.contents.as_ref().and_then(|c| c.get("SpawnConstraint")) {
            field(&mut out, 1, "SpawnConstraint", Some(&compact(c)));
        }
        field(&mut out, 2, "Verdict", l.spawn_constraint_verdict.as_deref());
        field(&mut out, 1, "Error", l.error.as_deref());
    }
    for s in &report.sources {
        let _ = writeln!(out, "\nsource file {} ({})", s.path, serde_plain(&s.kind));
        if let Some(Json::Object(keys)) = &s.contents {
            for (key, value) in keys {
                field(&mut out, 1, key, Some(&compact(value)));
            }
        }
        field(&mut out, 1, "Error", s.error.as_deref());
    }
    for c in &report.containers {
        let _ = writeln!(out, "\n{} {}", c.format.noun(), c.path);
        field(&mut out, 1, "Status", Some(c.status));
        field(&mut out, 1, "Identifier", c.identifier.as_deref());
        field(&mut out, 1, "Signs", c.signs.as_deref());
        field(&mut out, 1, "RSA", c.rsa_scheme.map(|s| serde_plain(&s)).as_deref());
        for (i, name) in c.certificate_chain.iter().enumerate() {
            field(&mut out, 1, &format!("Certificate {}", i + 1), Some(name));
        }
        field(&mut out, 1, "Signed", c.signing_time.as_deref());
        field(&mut out, 1, "Timestamp", c.timestamp.as_deref());
        field(&mut out, 1, "Ticket", Some(if c.ticket_stapled { "stapled" } else { "not stapled" }));
        for p in &c.problems {
            field(&mut out, 1, "Problem", Some(p));
        }
    }
    for p in &report.profiles {
        let _ = writeln!(out, "\nprovisioning profile {}", p.path);
        field(&mut out, 1, "Embedded in", p.owner.as_deref());
        field(&mut out, 1, "Error", p.error.as_deref());
        if let Some(profile) = &p.profile {
            profile_lines(&mut out, profile);
        }
    }
    out
}

fn kind_word(report: &InspectReport) -> String {
    let n = report.items.len();
    format!("{} code item{}", n, if n == 1 { "" } else { "s" })
}

fn serde_plain<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_value(v).ok().and_then(|j| j.as_str().map(str::to_owned)).unwrap_or_default()
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn field(out: &mut String, depth: usize, name: &str, value: Option<&str>) {
    if let Some(v) = value {
        indent(out, depth);
        let _ = writeln!(out, "{name}={v}");
    }
}

fn problem_line(out: &mut String, depth: usize, p: &ProblemView) {
    indent(out, depth);
    match p.offset {
        Some(o) => {
            let _ = writeln!(out, "! {} at byte {o:#x}: {}", p.code, p.message);
        }
        None => {
            let _ = writeln!(out, "! {}: {}", p.code, p.message);
        }
    }
}

fn item_block(out: &mut String, item: &InspectItem) {
    let _ = writeln!(out, "\n{} [{}]", item.path, item.role);
    field(out, 1, "Executable", item.executable.as_deref());
    field(out, 1, "Format", Some(&item.format));
    field(out, 1, "Kind", item.kind.as_deref());
    field(out, 1, "Inside", item.parent.as_deref());
    if let Some(b) = &item.bundle {
        field(out, 1, "Info.plist", Some(b.info_plist.as_deref().unwrap_or("not found")));
        field(out, 1, "CFBundleIdentifier", b.identifier.as_deref());
        field(out, 1, "CFBundleVersion", b.version.as_deref());
        field(out, 1, "Profile", b.profile.as_deref());
        field(out, 1, "Stapled ticket", b.stapled_ticket.as_deref());
    }
    for l in &item.launched_by {
        field(out, 1, "Launched by", Some(l));
    }
    if let Some(seal) = &item.sealed_resources {
        match &seal.error {
            Some(e) => field(out, 1, "Sealed Resources", Some(&format!("unreadable ({e})"))),
            None => {
                let line = format!(
                    "version={} rules={} files={} (v1: rules={} files={})",
                    seal.version, seal.rules2, seal.files2, seal.rules, seal.files
                );
                field(out, 1, "Sealed Resources", Some(&line));
                for n in &seal.nested {
                    indent(out, 2);
                    let _ = writeln!(out, "nested {} cdhash={}", n.path, n.cdhash.as_deref().unwrap_or("none"));
                }
            }
        }
    }
    for p in &item.problems {
        problem_line(out, 1, p);
    }
    if let Some(sig) = &item.detached_signature {
        indent(out, 1);
        let _ = writeln!(out, "detached signature");
        signature_block(out, 2, sig, "_CodeSignature");
    }
    for slice in &item.slices {
        slice_block(out, slice);
    }
}

fn slice_block(out: &mut String, s: &InspectSlice) {
    indent(out, 1);
    let _ = write!(out, "{} ({}, {} bytes at {:#x}", s.arch, s.file_type, s.size, s.offset);
    for b in &s.build {
        let sdk = if b.sdk.is_empty() { "n/a" } else { b.sdk.as_str() };
        let _ = write!(out, ", {} {} sdk {}", b.platform, b.minos, sdk);
    }
    let _ = writeln!(out, ") {}", serde_plain(&s.signing));
    field(out, 2, "InstallName", s.install_name.as_deref());
    // System libraries are the same for every app; list only what the product ships or finds
    // through search paths, and count the rest.
    let is_system = |n: &str| n.starts_with("/System/") || n.starts_with("/usr/lib/");
    let system = s.dylibs.iter().filter(|d| is_system(&d.name)).count();
    if system > 0 {
        field(out, 2, "System libraries", Some(&system.to_string()));
    }
    for d in s.dylibs.iter().filter(|d| !is_system(&d.name)) {
        indent(out, 2);
        let _ = writeln!(out, "links {} ({})", d.name, serde_plain(&d.kind));
    }
    for r in &s.rpaths {
        field(out, 2, "rpath", Some(r));
    }
    if let Some(e) = &s.encryption {
        field(
            out,
            2,
            "Encryption",
            Some(&format!("cryptid={} range={:#x}+{:#x}", e.cryptid, e.range.offset, e.range.size)),
        );
    }
    if let Some(p) = &s.embedded_info_plist {
        field(out, 2, "Embedded Info.plist", Some(&compact(p)));
    }
    if let Some(p) = &s.embedded_launchd_plist {
        field(out, 2, "Embedded launchd plist", Some(&compact(p)));
    }
    for p in &s.problems {
        problem_line(out, 2, p);
    }
    if let Some(sig) = &s.signature {
        signature_block(out, 2, sig, "embedded");
    }
}

fn signature_block(out: &mut String, depth: usize, sig: &SignatureView, location: &str) {
    for cd in &sig.code_directories {
        code_directory_lines(out, depth, cd, location);
    }
    if let Some(cms) = &sig.cms {
        for a in &cms.authorities {
            field(out, depth, "Authority", Some(a));
        }
        match (&cms.timestamp, &cms.signing_time) {
            (Some(t), _) => field(
                out,
                depth,
                "Timestamp",
                Some(&format!("{t} ({})", cms.timestamp_authority.as_deref().unwrap_or("unknown authority"))),
            ),
            (None, Some(t)) => field(out, depth, "Signed Time", Some(t)),
            (None, None) => {}
        }
    }
    field(out, depth, "Signature size", Some(&sig.size.to_string()));
    if let Some(reqs) = &sig.requirements {
        if reqs.is_empty() {
            field(out, depth, "Requirements", Some("none"));
        }
        for r in reqs {
            indent(out, depth);
            let _ = writeln!(out, "{} => {}", r.kind, r.text);
        }
    }
    for c in &sig.constraints {
        field(out, depth, &c.slot, Some(&c.text));
        if let Some(verdict) = &c.verdict {
            field(out, depth + 1, "Verdict", Some(verdict));
        }
    }
    if let Some(e) = &sig.entitlements {
        indent(out, depth);
        let _ = writeln!(out, "Entitlements:");
        entitlement_lines(out, depth + 1, e);
    }
    field(
        out,
        depth,
        "Entitlements",
        sig.entitlements_error.as_deref().map(|e| format!("unreadable ({e})")).as_deref(),
    );
    for p in &sig.problems {
        problem_line(out, depth, p);
    }
}

fn code_directory_lines(out: &mut String, depth: usize, cd: &CodeDirectoryView, location: &str) {
    if cd.slot == "CodeDirectory" {
        field(out, depth, "Identifier", Some(&cd.identifier));
    }
    let flags =
        if cd.flag_names.is_empty() { cd.flags.clone() } else { format!("{}({})", cd.flags, cd.flag_names.join(",")) };
    indent(out, depth);
    let _ = writeln!(
        out,
        "{} v={} size={} flags={} hashes={}+{} location={location}",
        if cd.slot == "CodeDirectory" { "CodeDirectory".to_owned() } else { cd.slot.clone() },
        cd.version.trim_start_matches("0x"),
        cd.size,
        flags,
        cd.code_slots,
        cd.special_slots
    );
    field(out, depth, "Hash type", Some(&format!("{} size={}", cd.hash_type, cd.hash_size)));
    field(out, depth, "CDHash", cd.cdhash.as_deref());
    field(out, depth, "TeamIdentifier", Some(cd.team_id.as_deref().unwrap_or("not set")));
    field(out, depth, "Runtime Version", cd.runtime_version.as_deref());
    if let Some(f) = &cd.exec_seg_flags {
        let names = if cd.exec_seg_flag_names.is_empty() {
            String::new()
        } else {
            format!("({})", cd.exec_seg_flag_names.join(","))
        };
        field(
            out,
            depth,
            "Executable Segment",
            Some(&format!(
                "base={:#x} limit={:#x} flags={f}{names}",
                cd.exec_seg_base.unwrap_or(0),
                cd.exec_seg_limit.unwrap_or(0)
            )),
        );
    }
    let slots: Vec<String> = cd.special_slots_present.iter().map(|s| format!("-{s}")).collect();
    field(
        out,
        depth,
        "Special slots hashed",
        Some(&if slots.is_empty() { "none".to_owned() } else { slots.join(" ") }),
    );
}

fn entitlement_lines(out: &mut String, depth: usize, value: &Json) {
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                indent(out, depth);
                match v {
                    Json::Object(_) => {
                        let _ = writeln!(out, "[Key] {k}");
                        entitlement_lines(out, depth + 1, v);
                    }
                    _ => {
                        let _ = writeln!(out, "[Key] {k} = {}", compact(v));
                    }
                }
            }
        }
        other => {
            indent(out, depth);
            let _ = writeln!(out, "{}", compact(other));
        }
    }
}

fn compact(v: &Json) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

fn profile_lines(out: &mut String, p: &crate::profile::ProvisioningProfile) {
    field(out, 1, "Name", p.name.as_deref());
    field(out, 1, "UUID", p.uuid.as_deref());
    field(out, 1, "Kind", Some(&serde_plain(&p.kind)));
    field(
        out,
        1,
        "Team",
        Some(&format!("{} ({})", p.team_identifiers.join(", "), p.team_name.as_deref().unwrap_or("?"))),
    );
    field(out, 1, "AppID", p.application_identifier());
    field(out, 1, "Platforms", Some(&p.platforms.join(", ")));
    field(out, 1, "Created", p.creation_date.as_deref());
    field(out, 1, "Expires", p.expiration_date.as_deref());
    if p.provisions_all_devices == Some(true) {
        field(out, 1, "Devices", Some("all"));
    } else {
        field(out, 1, "Devices", Some(&p.provisioned_devices.len().to_string()));
    }
    for c in &p.developer_certificates {
        match c {
            Ok(c) => field(
                out,
                1,
                "DeveloperCertificate",
                Some(&format!("{} (sha1 {})", c.common_name.as_deref().unwrap_or(&c.subject), c.sha1_fingerprint)),
            ),
            Err(e) => field(out, 1, "DeveloperCertificate", Some(&format!("unreadable ({e})"))),
        }
    }
    if let Some(signer) = p.cms.leaf() {
        field(out, 1, "Signed by", Some(signer.common_name.as_deref().unwrap_or(&signer.subject)));
    }
    indent(out, 1);
    let _ = writeln!(out, "Entitlements:");
    let ents = crate::plist::dictionary_to_json(&p.entitlements);
    entitlement_lines(out, 2, &ents);
}

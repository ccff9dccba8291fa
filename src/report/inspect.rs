//! `bundlelint inspect`: what `codesign -dvvv`, `--entitlements -`, `-d -r-` and a profile dump
//! would show, for every code item and slice, as a JSON document or a readable tree.
//!
//! [`InspectReport`] is a projection of the model; both renderers read only it.

use serde::Serialize;
use serde_json::Value as Json;

use crate::codesign::signature::{signing_kind, Signature, SigningKind};
use crate::discover::{CodeItem, Layout};
use crate::macho::{file_type_description, Slice};
use crate::model::{Code, ItemFacts, Scan, SliceFacts};
use crate::plist::{to_json, Document};
use crate::seal::CodeResources;

/// Version of the JSON document; bumped on any incompatible change.
pub const SCHEMA: &str = "bundlelint.inspect/1";

#[derive(Debug, Serialize)]
pub struct InspectReport {
    pub schema: &'static str,
    pub input: String,
    pub input_kind: crate::input::InputKind,
    pub items: Vec<InspectItem>,
    pub launchd_plists: Vec<LaunchdView>,
    pub profiles: Vec<ProfileView>,
    /// Entitlements files and Info.plists judged on their own.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<SourceView>,
    /// Flat packages and disk images read, with their own signatures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<ContainerView>,
    pub problems: Vec<ProblemView>,
    /// Roots that stood in for Apple's when the containers' signatures were judged
    /// (`--apple-root`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub apple_root_substitutes: Vec<crate::engine::SubstituteRoot>,
}

/// A package's or disk image's own signature, as `pkgutil --check-signature` and `codesign -dvvv`
/// show it. Trust is judged against Apple's roots and the anchors given (`--trust-anchor`,
/// `--apple-root`).
#[derive(Debug, Serialize)]
pub struct ContainerView {
    pub path: String,
    pub format: crate::input::container_signature::ContainerFormat,
    /// The container given, not one found inside another.
    pub submitted: bool,
    /// `no signature`, `signed ad hoc`, `invalid signature`, `not verified`, `signed by untrusted
    /// certificate`, `signed by a certificate that chains to Apple's root`, or (with anchors
    /// given) `… to a root standing in for Apple's` or `… to a trusted anchor`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// What the signature signs (`the sha1 TOC checksum`, `the CodeDirectory`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signs: Option<String>,
    /// How a package's RSA `<signature>` signs its checksum.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rsa_scheme: Option<crate::trust::RsaScheme>,
    /// The signing certificate and its issuers, leaf first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub certificate_chain: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signing_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<String>,
    pub ticket_stapled: bool,
    /// Why the signature is invalid or untrusted.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ProblemView {
    pub path: String,
    pub code: crate::rule_id::RuleId,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<u64>,
}

#[derive(Debug, Serialize)]
pub struct InspectItem {
    pub path: String,
    pub role: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// codesign's `Format=` line.
    pub format: String,
    /// What a Mach-O nothing loads is (`object file (MH_OBJECT), never loaded`): such files are
    /// data, not code.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bundle: Option<BundleView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub executable: Option<String>,
    pub slices: Vec<InspectSlice>,
    /// The signature of a resource-only bundle (`_CodeSignature/CodeSignature`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detached_signature: Option<SignatureView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sealed_resources: Option<SealView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub launched_by: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemView>,
}

#[derive(Debug, Serialize)]
pub struct BundleView {
    pub layout: Layout,
    pub info_plist: Option<String>,
    pub identifier: Option<String>,
    pub executable_name: Option<String>,
    pub version: Option<String>,
    pub short_version: Option<String>,
    pub package_type: Option<String>,
    pub code_resources: Option<String>,
    pub profile: Option<String>,
    pub stapled_ticket: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SealView {
    pub path: String,
    /// 2 when `rules2`/`files2` are present, else 1.
    pub version: u8,
    pub rules: usize,
    pub rules2: usize,
    pub files: usize,
    pub files2: usize,
    pub nested: Vec<NestedSealView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct NestedSealView {
    pub path: String,
    pub cdhash: Option<String>,
    pub requirement: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct BuildView {
    pub command: &'static str,
    pub platform: &'static str,
    pub minos: String,
    pub sdk: String,
}

#[derive(Debug, Serialize)]
pub struct InspectSlice {
    pub arch: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub index: Option<usize>,
    pub offset: u64,
    pub size: u64,
    pub file_type: &'static str,
    pub build: Vec<BuildView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub install_name: Option<String>,
    pub dylibs: Vec<crate::macho::DylibRef>,
    pub rpaths: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption: Option<crate::macho::EncryptionInfo>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded_info_plist: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub embedded_launchd_plist: Option<Json>,
    pub signing: SigningKind,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signature: Option<SignatureView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemView>,
}

#[derive(Debug, Serialize)]
pub struct BlobView {
    pub slot: String,
    pub magic: String,
    pub offset: u32,
    pub length: u32,
}

#[derive(Debug, Serialize)]
pub struct CodeDirectoryView {
    pub slot: String,
    pub version: String,
    pub flags: String,
    pub flag_names: Vec<String>,
    pub identifier: String,
    pub team_id: Option<String>,
    pub hash_type: String,
    pub hash_size: u8,
    pub page_size: u64,
    pub code_limit: u64,
    pub code_slots: u32,
    pub special_slots: u32,
    pub special_slots_present: Vec<u32>,
    pub platform: u8,
    pub exec_seg_base: Option<u64>,
    pub exec_seg_limit: Option<u64>,
    pub exec_seg_flags: Option<String>,
    pub exec_seg_flag_names: Vec<String>,
    pub runtime_version: Option<String>,
    pub cdhash: Option<String>,
    pub cdhash_full: Option<String>,
    pub size: u32,
}

#[derive(Debug, Serialize)]
pub struct SignatureView {
    pub offset: u64,
    pub size: u64,
    pub blobs: Vec<BlobView>,
    pub code_directories: Vec<CodeDirectoryView>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entitlements: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entitlements_error: Option<String>,
    /// DER entitlements (slot -7) as JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub der_entitlements: Option<Json>,
    /// Requirements as `codesign -d -r-` prints them, one per line.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub requirements: Option<Vec<RequirementView>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<ConstraintView>,
    /// The CMS signature: certificates, signer attributes, timestamp.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cms: Option<CmsView>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub problems: Vec<ProblemView>,
}

#[derive(Debug, Serialize)]
pub struct RequirementView {
    pub kind: String,
    /// The requirement in codesign's language, or why it could not be decoded.
    pub text: String,
}

#[derive(Debug, Serialize)]
pub struct ConstraintView {
    pub slot: String,
    /// A readable form (`team-identifier == "ABCDE12345" and launch-type == 3`).
    pub text: String,
    pub ccat: Option<i64>,
    pub comp: Option<i64>,
    pub vers: Option<i64>,
    pub requirements: Json,
    /// The static verdict (`satisfied`, `violated: requires …`, `unknown (depends on
    /// launch-type)`): a self constraint against the slice's own signature, parent and responsible
    /// constraints against the code that launches it (named in parentheses), a library constraint
    /// per bundled library it links.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct CmsView {
    /// Subjects' common names, leaf first (codesign's `Authority=` lines).
    pub authorities: Vec<String>,
    pub signing_time: Option<String>,
    /// The secure timestamp's time and authority.
    pub timestamp: Option<String>,
    pub timestamp_authority: Option<String>,
    pub info: crate::codesign::cms::CmsInfo,
}

#[derive(Debug, Serialize)]
pub struct LaunchdView {
    pub path: String,
    pub kind: crate::discover::LaunchdKind,
    pub label: Option<String>,
    pub bundle_program: Option<String>,
    pub program: Option<String>,
    pub program_arguments: Vec<String>,
    /// The code item `BundleProgram` resolves to.
    pub target: Option<String>,
    /// `SpawnConstraint`'s static verdict against that program, per architecture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub spawn_constraint_verdict: Option<String>,
    pub contents: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct SourceView {
    pub path: String,
    pub kind: crate::discover::SourceKind,
    pub contents: Option<Json>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ProfileView {
    pub path: String,
    pub owner: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub profile: Option<crate::profile::ProvisioningProfile>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl InspectReport {
    /// The report, with containers' signatures judged against Apple's roots.
    pub fn from_scan(scan: &Scan) -> InspectReport {
        Self::from_scan_with(scan, &crate::trust::Anchors::default())
    }

    /// The report, with containers' signatures judged against Apple's roots and `anchors`.
    pub fn from_scan_with(scan: &Scan, anchors: &crate::trust::Anchors) -> InspectReport {
        let mut items: Vec<InspectItem> = scan.code_items().map(|(item, facts)| item_view(scan, item, facts)).collect();
        add_constraint_verdicts(scan, &mut items);
        let item_path = |i: Option<usize>| i.and_then(|i| scan.discovery.items.get(i)).map(|it| it.path.clone());
        let launchd_plists = scan
            .discovery
            .launchd_plists
            .iter()
            .map(|p| LaunchdView {
                path: p.path.clone(),
                kind: p.kind,
                label: p.label.clone(),
                bundle_program: p.bundle_program.clone(),
                program: p.program.clone(),
                program_arguments: p.program_arguments.clone(),
                target: item_path(p.target),
                spawn_constraint_verdict: crate::analysis::constraint_eval::verdicts::of_spawn_constraint(scan, p),
                contents: p.document.as_ref().ok().map(|d| to_json(&d.value)),
                error: p.document.as_ref().err().map(ToString::to_string),
            })
            .collect();
        let profiles = scan
            .profiles()
            .map(|(p, facts)| ProfileView {
                path: p.path.clone(),
                owner: item_path(p.owner),
                profile: facts.profile.as_ref().ok().cloned(),
                error: facts.profile.as_ref().err().map(ToString::to_string),
            })
            .collect();
        let sources = scan
            .discovery
            .sources
            .iter()
            .map(|s| SourceView {
                path: s.path.clone(),
                kind: s.kind,
                contents: s.document.as_ref().ok().map(|d| to_json(&d.value)),
                error: s.document.as_ref().err().map(ToString::to_string),
            })
            .collect();
        let problems = scan
            .input_problems()
            .iter()
            .map(|p| problem_view(&p.path, &p.problem))
            .chain(scan.discovery.problems.iter().map(|p| problem_view(&p.path, &p.problem)))
            .collect();
        let containers = scan.tree.signatures.iter().map(|c| container_view(c, anchors)).collect();
        InspectReport {
            schema: SCHEMA,
            input: scan.tree.origin.clone(),
            input_kind: scan.tree.kind,
            items,
            launchd_plists,
            profiles,
            sources,
            containers,
            problems,
            apple_root_substitutes: crate::engine::SubstituteRoot::all_of(anchors),
        }
    }
}

/// Fills in each decoded constraint's static verdict, which needs the whole product (who launches
/// the item, which libraries it links), not only the slice's signature.
fn add_constraint_verdicts(scan: &Scan, items: &mut [InspectItem]) {
    use crate::analysis::constraint_eval::verdicts;
    let views: Vec<_> = scan.item_views().collect();
    for (view, item) in views.iter().zip(items.iter_mut()) {
        for (slice, shown) in view.slices().iter().zip(item.slices.iter_mut()) {
            let (Some(sig), Some(shown)) = (slice.signature(), shown.signature.as_mut()) else { continue };
            for (slot, c) in &sig.constraints {
                let Ok(c) = c else { continue };
                if let Some(entry) = shown.constraints.iter_mut().find(|e| e.slot == slot.name()) {
                    entry.verdict = verdicts::of_constraint(&views, slice, *slot, c);
                }
            }
        }
    }
}

fn problem_view(path: &str, p: &crate::Problem) -> ProblemView {
    ProblemView { path: path.to_owned(), code: p.code, message: p.message.clone(), offset: p.offset }
}

fn item_view(scan: &Scan, item: &CodeItem, facts: &ItemFacts) -> InspectItem {
    let exe_path = item.executable.clone().unwrap_or_else(|| item.path.clone());
    let mut problems = Vec::new();
    let info = item.info.as_ref().and_then(|r| match r {
        Ok(doc) => Some(doc),
        Err(p) => {
            problems.push(problem_view(
                item.bundle.as_ref().and_then(|b| b.info_plist.as_deref()).unwrap_or(&item.path),
                p,
            ));
            None
        }
    });
    let bundle = item.bundle.as_ref().map(|b| {
        let s = |k: &str| info.and_then(|d| d.string(k)).map(str::to_owned);
        BundleView {
            layout: b.layout.clone(),
            info_plist: b.info_plist.clone(),
            identifier: s("CFBundleIdentifier"),
            executable_name: b.executable_name.clone(),
            version: s("CFBundleVersion"),
            short_version: s("CFBundleShortVersionString"),
            package_type: s("CFBundlePackageType"),
            code_resources: b.code_resources.clone(),
            profile: b.profile.clone(),
            stapled_ticket: b.stapled_ticket.clone(),
        }
    });
    let mut slices = Vec::new();
    let mut detached_signature = None;
    match &facts.code {
        Code::MachO { file, slices: sf } => {
            problems.extend(file.problems.iter().map(|p| problem_view(&exe_path, p)));
            slices = file.slices.iter().zip(sf).map(|(s, f)| slice_view(&exe_path, s, f)).collect();
        }
        Code::Detached(sig) => detached_signature = Some(signature_view(&exe_path, sig)),
        Code::Unreadable(p) | Code::NotMachO(p) => problems.push(problem_view(&exe_path, p)),
        Code::None => {}
    }
    let sealed_resources = item
        .bundle
        .as_ref()
        .and_then(|b| b.code_resources.clone())
        .zip(facts.code_resources.as_ref())
        .map(|(path, cr)| seal_view(path, cr));
    InspectItem {
        path: item.path.clone(),
        role: item.role.name(),
        parent: item.parent.and_then(|p| scan.discovery.items.get(p)).map(|p| p.path.clone()),
        format: format_line(item, &facts.code),
        kind: never_loaded_kind(&facts.code),
        bundle,
        executable: item.executable.clone(),
        slices,
        detached_signature,
        sealed_resources,
        launched_by: item
            .launched_by
            .iter()
            .filter_map(|&i| scan.discovery.launchd_plists.get(i))
            .map(|p| p.path.clone())
            .collect(),
        problems,
    }
}

/// The description of a Mach-O whose slices are all never loaded, by the first slice's type.
fn never_loaded_kind(code: &Code) -> Option<String> {
    let Code::MachO { file, .. } = code else { return None };
    let first = file.slices.first()?;
    file.slices.iter().all(Slice::never_loaded).then(|| {
        format!("{}; data, not code: rules about code do not judge it", file_type_description(first.file_type))
    })
}

/// codesign's `Format=` wording: `app bundle with Mach-O universal (x86_64 arm64)`.
fn format_line(item: &CodeItem, code: &Code) -> String {
    let code_part = match code {
        Code::MachO { file, .. } => {
            let archs: Vec<&str> = file.slices.iter().map(|s| s.arch.as_str()).collect();
            if file.universal {
                format!("Mach-O universal ({})", archs.join(" "))
            } else {
                format!("Mach-O thin ({})", archs.join(" "))
            }
        }
        Code::Detached(_) => "generic (resources only)".to_owned(),
        Code::None => "no code".to_owned(),
        Code::Unreadable(_) => "unreadable".to_owned(),
        Code::NotMachO(_) => "not Mach-O".to_owned(),
    };
    match &item.bundle {
        Some(b) => {
            let kind = match b.extension.as_str() {
                "app" => "app bundle",
                "framework" => "framework bundle",
                "" => "bundle",
                _ => "bundle",
            };
            format!("{kind} with {code_part}")
        }
        None => code_part,
    }
}

fn seal_view(path: String, cr: &Result<CodeResources, crate::Problem>) -> SealView {
    match cr {
        Ok(cr) => SealView {
            path,
            version: if cr.has_files2 || cr.has_rules2 { 2 } else { 1 },
            rules: cr.rules.len(),
            rules2: cr.rules2.len(),
            files: cr.files.len(),
            files2: cr.files2.len(),
            nested: cr
                .nested()
                .map(|(p, s)| match s {
                    crate::seal::Seal::Nested { cdhash, requirement } => NestedSealView {
                        path: p.to_owned(),
                        cdhash: cdhash.as_ref().map(hex::encode),
                        requirement: requirement.clone(),
                    },
                    _ => NestedSealView { path: p.to_owned(), cdhash: None, requirement: None },
                })
                .collect(),
            error: None,
        },
        Err(p) => SealView {
            path,
            version: 0,
            rules: 0,
            rules2: 0,
            files: 0,
            files2: 0,
            nested: Vec::new(),
            error: Some(p.to_string()),
        },
    }
}

fn slice_view(path: &str, slice: &Slice, facts: &SliceFacts) -> InspectSlice {
    let embedded = |d: &Option<Result<Document, crate::Problem>>| {
        d.as_ref().map(|r| match r {
            Ok(doc) => to_json(&doc.value),
            Err(p) => Json::String(format!("unreadable: {p}")),
        })
    };
    InspectSlice {
        arch: slice.arch.clone(),
        index: slice.index,
        offset: slice.file_range.offset,
        size: slice.file_range.size,
        file_type: slice.file_type_name,
        build: slice
            .build_targets
            .iter()
            .map(|t| BuildView {
                command: t.command,
                platform: t.platform_name,
                minos: t.minos.clone(),
                sdk: t.sdk.clone(),
            })
            .collect(),
        install_name: slice.install_name.clone(),
        dylibs: slice.dylibs.clone(),
        rpaths: slice.rpaths.clone(),
        encryption: slice.encryption,
        embedded_info_plist: embedded(&facts.info_plist),
        embedded_launchd_plist: embedded(&facts.launchd_plist),
        signing: signing_kind(facts.signature.as_ref()),
        signature: facts.signature.as_ref().map(|s| signature_view(path, s)),
        problems: slice.problems.iter().map(|p| problem_view(path, p)).collect(),
    }
}

fn signature_view(path: &str, sig: &Signature) -> SignatureView {
    let blobs = sig
        .superblob
        .as_ref()
        .map(|sb| {
            sb.blobs
                .iter()
                .map(|b| BlobView {
                    slot: b.slot.name(),
                    magic: format!("{:#010x}", b.magic),
                    offset: b.offset,
                    length: b.length,
                })
                .collect()
        })
        .unwrap_or_default();
    let code_directories = sig
        .code_directories
        .iter()
        .map(|c| {
            let cd = &c.cd;
            CodeDirectoryView {
                slot: c.slot.name(),
                version: format!("{:#x}", cd.version),
                flags: format!("{:#x}", cd.flags),
                flag_names: cd.flag_names.clone(),
                identifier: cd.identifier.clone(),
                team_id: cd.team_id.clone(),
                hash_type: cd
                    .hash_type
                    .map(|h| h.name().to_owned())
                    .unwrap_or_else(|| format!("unknown({})", cd.hash_type_code)),
                hash_size: cd.hash_size,
                page_size: cd.page_size().unwrap_or(0),
                code_limit: cd.effective_code_limit(),
                code_slots: cd.n_code_slots,
                special_slots: cd.n_special_slots,
                special_slots_present: cd.special_slots_present(),
                platform: cd.platform,
                exec_seg_base: cd.exec_seg_base,
                exec_seg_limit: cd.exec_seg_limit,
                exec_seg_flags: cd.exec_seg_flags.map(|f| format!("{f:#x}")),
                exec_seg_flag_names: cd.exec_seg_flag_names.clone(),
                runtime_version: cd.runtime_version(),
                cdhash: cd.cdhash_truncated.clone(),
                cdhash_full: cd.cdhash.clone(),
                size: cd.length,
            }
        })
        .collect();
    let (entitlements, entitlements_error) = match sig.entitlements.as_ref().map(|e| &e.document) {
        Some(Ok(doc)) => (Some(to_json(&doc.value)), None),
        Some(Err(p)) => (None, Some(p.to_string())),
        None => (None, None),
    };
    let requirements = sig.requirements.as_ref().map(|r| match r {
        Ok(entries) => entries
            .iter()
            .map(|e| RequirementView {
                kind: e.kind.prefix().trim_end().trim_end_matches(" =>").to_owned(),
                text: match &e.requirement {
                    Ok(req) => req.to_string(),
                    Err(p) => format!("/* {p} */"),
                },
            })
            .collect(),
        Err(p) => vec![RequirementView { kind: "set".into(), text: format!("/* {p} */") }],
    });
    let constraints = sig
        .constraints
        .iter()
        .map(|(slot, c)| match c {
            Ok(c) => ConstraintView {
                slot: slot.name(),
                text: c.to_string(),
                ccat: c.ccat,
                comp: c.comp,
                vers: c.vers,
                requirements: to_json(&c.raw),
                // Filled in by `add_constraint_verdicts`, which sees the whole product.
                verdict: None,
            },
            Err(p) => ConstraintView {
                slot: slot.name(),
                text: format!("/* {p} */"),
                ccat: None,
                comp: None,
                vers: None,
                requirements: Json::Null,
                verdict: None,
            },
        })
        .collect();
    let cms = sig.cms_info().map(|info| {
        let stamp = info.signers.first().and_then(|s| s.timestamp.as_ref());
        CmsView {
            authorities: info
                .signer_chain()
                .iter()
                .map(|c| c.common_name.clone().unwrap_or_else(|| c.subject.clone()))
                .collect(),
            signing_time: info.signers.first().and_then(|s| s.signing_time.clone()),
            timestamp: stamp.map(|t| t.time.clone()),
            timestamp_authority: stamp.and_then(|t| t.tsa_name.clone()),
            info: info.clone(),
        }
    });
    SignatureView {
        offset: sig.range.offset,
        size: sig.range.size,
        blobs,
        code_directories,
        entitlements,
        entitlements_error,
        der_entitlements: sig.der_entitlements.as_ref().and_then(|d| d.as_ref().ok()).map(|d| to_json(&d.value)),
        requirements,
        constraints,
        cms,
        problems: sig.problems.iter().map(|p| problem_view(path, p)).collect(),
    }
}

fn container_view(
    c: &crate::input::container_signature::ContainerSignature,
    anchors: &crate::trust::Anchors,
) -> ContainerView {
    let mut view = ContainerView {
        path: c.path.clone(),
        format: c.format,
        submitted: c.submitted,
        status: "no signature",
        identifier: None,
        signs: None,
        rsa_scheme: None,
        certificate_chain: Vec::new(),
        signing_time: None,
        timestamp: None,
        ticket_stapled: c.ticket.is_some(),
        problems: Vec::new(),
    };
    let Some(signed) = &c.signature else { return view };
    view.identifier = signed.identifier.clone();
    view.signs = Some(signed.content_name.clone());
    let verdict = crate::trust::assess_container(signed, anchors);
    view.rsa_scheme = verdict.rsa.as_ref().and_then(|r| r.scheme);
    view.certificate_chain = verdict.chain().map(|c| c.path.clone()).unwrap_or_default();
    let cms = verdict.cms.as_ref().and_then(|c| c.as_ref().ok());
    view.signing_time = cms.and_then(|c| c.info.signers.first()).and_then(|s| s.signing_time.clone());
    view.timestamp = verdict.timestamp().map(|t| t.time.clone());
    view.problems = verdict.defects(signed).into_iter().map(|(_, why)| why).collect();
    let untrusted = verdict.untrusted();
    view.status = if signed.rsa.is_none() && signed.cms.is_none() && view.problems.is_empty() {
        "signed ad hoc"
    } else if !view.problems.is_empty() {
        "invalid signature"
    } else if let Some(why) = verdict.unverifiable() {
        view.problems.push(why);
        "not verified"
    } else if let Some(why) = untrusted {
        view.problems.push(why);
        "signed by untrusted certificate"
    } else {
        trusted_status(verdict.chain(), anchors)
    };
    view
}

/// How a trusted container signature's chain ends: at Apple's root, at a root standing in for
/// Apple's, or at an anchor the user trusts.
fn trusted_status(chain: Option<&crate::trust::ChainReport>, anchors: &crate::trust::Anchors) -> &'static str {
    let anchor = match chain.map(|c| &c.end) {
        Some(crate::trust::ChainEnd::Anchored(name)) => name,
        _ => return "signed by a certificate that chains to Apple's root",
    };
    let named = |c: &crate::codesign::certificate::CertificateInfo| {
        c.common_name.as_ref() == Some(anchor) || (c.common_name.is_none() && &c.subject == anchor)
    };
    if anchors.apple_substitutes.iter().any(named) {
        "signed by a certificate that chains to a root standing in for Apple's"
    } else if anchors.user.iter().any(named) {
        "signed by a certificate that chains to a trusted anchor"
    } else {
        "signed by a certificate that chains to Apple's root"
    }
}

//! Turning what the readers could not read into findings: each problem keeps its code as the
//! rule id, the file it was found in, the slice, and the byte offset.

use crate::finding::{Finding, Severity};
use crate::macho::Range;
use crate::model::{Code, Scan};
use crate::Problem;

fn finding(p: &Problem, path: &str) -> Finding {
    let mut f = Finding::new(p.code, Severity::Error, path, p.message.clone());
    f.range = p.offset.map(|offset| Range { offset, size: 0 });
    f
}

/// A problem in a text file (a plist people edit) also gets its line and column, for editors.
fn located_in_text(mut f: Finding, scan: &Scan) -> Finding {
    let text = scan.tree.file(&f.path).and_then(|d| d.bytes().ok());
    if let (Some(range), Some(text)) = (f.range, text) {
        f.span = Some(crate::plist::Span::at(text, range.offset));
    }
    f
}

/// Every problem recorded while opening, discovering and parsing.
pub(super) fn findings(scan: &Scan) -> Vec<Finding> {
    let mut out: Vec<Finding> = scan.input_problems().iter().map(|p| finding(&p.problem, &p.path)).collect();
    out.extend(scan.discovery.problems.iter().map(|p| finding(&p.problem, &p.path)));
    let documents = scan.discovery.launchd_plists.iter().map(|l| (&l.path, &l.document));
    for (path, document) in documents.chain(scan.discovery.sources.iter().map(|s| (&s.path, &s.document))) {
        if let Err(p) = document {
            out.push(located_in_text(finding(p, path), scan));
        }
    }
    for (file, facts) in scan.profiles() {
        match &facts.profile {
            Err(p) => out.push(finding(p, &file.path)),
            // Keys of the wrong type and certificates that do not decode; the rest was read.
            Ok(profile) => {
                out.extend(profile.problems.iter().map(|p| finding(p, &file.path)));
                out.extend(
                    profile
                        .developer_certificates
                        .iter()
                        .filter_map(|c| c.as_ref().err())
                        .map(|p| finding(p, &file.path)),
                );
            }
        }
    }
    for (item, facts) in scan.code_items() {
        let exe = item.executable.as_deref().unwrap_or(&item.path);
        let of_item = |f: Finding| f.item(item.path.clone());
        if let (Some(Err(p)), Some(info)) = (&item.info, item.bundle.as_ref().and_then(|b| b.info_plist.as_deref())) {
            out.push(of_item(finding(p, info)));
        }
        if let (Some(Err(p)), Some(cr)) =
            (&facts.code_resources, item.bundle.as_ref().and_then(|b| b.code_resources.as_deref()))
        {
            out.push(of_item(finding(p, cr)));
        }
        if let (Some(Ok(cr)), Some(path)) =
            (&facts.code_resources, item.bundle.as_ref().and_then(|b| b.code_resources.as_deref()))
        {
            out.extend(cr.problems.iter().map(|p| of_item(finding(p, path))));
        }
        match &facts.code {
            Code::MachO { file, slices } => {
                out.extend(file.problems.iter().map(|p| of_item(finding(p, exe))));
                for (slice, sf) in file.slices.iter().zip(slices) {
                    let of_slice = |f: Finding| of_item(f).arch(slice.arch.clone());
                    out.extend(slice.problems.iter().map(|p| of_slice(finding(p, exe))));
                    if let Some(sig) = &sf.signature {
                        out.extend(sig.problems.iter().map(|p| of_slice(finding(p, exe))));
                        if let Some(Err(p)) = sig.entitlements.as_ref().map(|e| &e.document) {
                            out.push(of_slice(finding(p, exe)));
                        }
                    }
                    for embedded in [&sf.info_plist, &sf.launchd_plist].into_iter().flatten() {
                        if let Err(p) = embedded {
                            out.push(of_slice(finding(p, exe)));
                        }
                    }
                }
            }
            Code::Detached(sig) => {
                let path = item.bundle.as_ref().and_then(|b| b.detached_signature.as_deref()).unwrap_or(exe);
                out.extend(sig.problems.iter().map(|p| of_item(finding(p, path))));
            }
            // A main executable that is not there at all is `layout-main-exec-missing`'s finding,
            // which names the path it expected; reporting it here too would double it.
            Code::Unreadable(_) if main_executable_absent(scan, item) => {}
            Code::Unreadable(p) | Code::NotMachO(p) => out.push(of_item(finding(p, exe))),
            Code::None => {}
        }
    }
    out
}

/// Whether the bundle's main executable, named by `CFBundleExecutable`, has no entry at all in the
/// input (as opposed to one that cannot be read, or a symlink leading out of the input).
fn main_executable_absent(scan: &Scan, item: &crate::discover::CodeItem) -> bool {
    item.executable.is_none()
        && item
            .bundle
            .as_ref()
            .and_then(|b| b.executable_name.as_ref().and(crate::verify::scope::main_executable_path(b)))
            .is_some_and(|path| scan.tree.get(&path).is_none())
}

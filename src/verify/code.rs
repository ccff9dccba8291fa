//! The code a signature covers: CodeDirectory geometry (`sig-codelimit`), every code page hash
//! of every CodeDirectory (`sig-page-hash-mismatch`) and, for Mach-O, where the signature sits
//! (`sig-linkedit-layout`).

use std::ops::Range as Span;

use super::context::{hex_prefix, Collector, ItemContext, OfUnit};
use super::pages::{self, PageHashes, PageReport, Paging};
use super::rules::{SIG_CODELIMIT, SIG_LINKEDIT_LAYOUT, SIG_PAGE_HASH_MISMATCH};
use super::signed::{CdView, SignedUnit};
use crate::macho::{Range, Slice};

/// Runs every code check on one signed unit.
pub(super) fn check(ctx: &ItemContext<'_>, unit: &SignedUnit<'_>, sink: &mut Collector) {
    for cd in &unit.cds {
        for problem in geometry_problems(unit, cd) {
            sink.add(
                ctx.finding(SIG_CODELIMIT, &cd.path, format!("{}: {}: {problem}", unit.arch_label(), cd.label()))
                    .of_unit(unit)
                    .range(cd.range)
                    .help("re-sign the code: the CodeDirectory does not describe the bytes it claims to cover"),
            );
        }
    }
    if ctx.options.code_pages {
        check_pages(ctx, unit, sink);
    }
    if let Some(slice) = unit.slice {
        if let Some(problem) = linkedit_problem(slice) {
            sink.add(
                ctx.finding(SIG_LINKEDIT_LAYOUT, unit.code_path, format!("{}: {problem}", unit.arch_label()))
                    .of_unit(unit)
                    .range(slice.file_range)
                    .help("re-link or re-sign so that the signature is the last data of __LINKEDIT, the last segment"),
            );
        }
    }
}

/// The paging a CodeDirectory declares.
fn paging(cd: &CdView<'_>) -> Paging {
    Paging { page_size: cd.cd.page_size(), limit: cd.cd.effective_code_limit() }
}

/// Everything wrong with how a CodeDirectory describes the code it covers.
fn geometry_problems(unit: &SignedUnit<'_>, cd: &CdView<'_>) -> Vec<String> {
    let mut problems = Vec::new();
    match cd.cd.hash_type {
        None => problems.push(format!("hashType {} names no known digest algorithm", cd.cd.hash_type_code)),
        Some(t) if t.size() != usize::from(cd.cd.hash_size) => {
            problems.push(format!("hashSize is {} but {} digests are {} bytes", cd.cd.hash_size, t.name(), t.size()))
        }
        Some(_) => {}
    }
    let paging = paging(cd);
    if paging.limit != unit.code_end {
        problems.push(format!(
            "codeLimit {:#x} differs from {} {:#x}, so the page hashes do not cover exactly the code",
            paging.limit, unit.code_end_source, unit.code_end
        ));
    }
    if paging.limit > unit.code.len() as u64 {
        problems.push(format!("codeLimit {:#x} lies past the end of the {}-byte code", paging.limit, unit.code.len()));
    }
    let expected = paging.page_count();
    if u64::from(cd.cd.n_code_slots) != expected {
        let pages = match paging.page_size {
            Some(size) => format!("{size}-byte pages"),
            None => "a single page".to_owned(),
        };
        problems.push(format!(
            "nCodeSlots is {} but codeLimit {:#x} in {pages} needs {expected}",
            cd.cd.n_code_slots, paging.limit
        ));
    }
    problems
}

/// Hashes every page once per digest type and reports, per CodeDirectory, the first page that
/// does not match and how many do not.
fn check_pages(ctx: &ItemContext<'_>, unit: &SignedUnit<'_>, sink: &mut Collector) {
    let usable: Vec<&CdView<'_>> = unit.cds.iter().filter(|cd| cd.digest_usable()).collect();
    // CodeDirectories normally share one paging; group them so each byte is hashed once per type.
    let mut groups: Vec<(Paging, Vec<&CdView<'_>>)> = Vec::new();
    for cd in usable {
        let p = paging(cd);
        match groups.iter_mut().find(|(g, _)| g.page_size == p.page_size && g.limit == p.limit) {
            Some((_, members)) => members.push(cd),
            None => groups.push((p, vec![cd])),
        }
    }
    let encrypted = encrypted_range(unit.slice);
    let skip = |page: Span<u64>| encrypted.as_ref().is_some_and(|e| page.start < e.end && e.start < page.end);
    for (paging, members) in groups {
        let tables: Vec<PageHashes<'_>> = members
            .iter()
            .filter_map(|cd| {
                Some(PageHashes {
                    hash_type: cd.cd.hash_type?,
                    hash_size: usize::from(cd.cd.hash_size),
                    slots: cd.blob.get(cd.cd.code_slots_range.0..cd.cd.code_slots_range.1)?,
                    pages: u64::from(cd.cd.n_code_slots).min(paging.page_count()),
                })
            })
            .collect();
        // Hashed pages of a mapped executable are let go at once: peak memory stays small
        // however large the binary.
        let file = ctx.item.executable.as_deref().and_then(|p| ctx.tree().file(p));
        let release = |done: &[u8]| {
            crate::progress::hashed(done.len());
            if let Some(f) = file {
                f.release(done);
            }
        };
        let reports = pages::check(unit.code, paging, &tables, &skip, &release);
        for ((cd, table), report) in members.iter().zip(&tables).zip(reports) {
            if let Some(finding) = page_finding(ctx, unit, cd, table, paging, report) {
                sink.add(finding);
            }
        }
    }
}

fn page_finding(
    ctx: &ItemContext<'_>,
    unit: &SignedUnit<'_>,
    cd: &CdView<'_>,
    table: &PageHashes<'_>,
    paging: Paging,
    report: PageReport,
) -> Option<crate::finding::Finding> {
    let page = report.first_mismatch?;
    let span = paging.page(page);
    let recorded = cd.cd.code_slots(cd.blob).nth(usize::try_from(page).ok()?).map(hex_prefix);
    let computed = pages::page_digest(unit.code, paging, page, table.hash_type).map(|d| {
        let shown = d.get(..table.hash_size).unwrap_or(&d);
        hex_prefix(shown)
    });
    let count = if report.mismatches > 1 {
        format!("; {} of {} pages differ", report.mismatches, table.pages)
    } else {
        String::new()
    };
    let message = format!(
        "{}: page {page} (bytes {:#x}..{:#x}) does not match its hash in {}: recorded {}, computed {}{count}",
        unit.arch_label(),
        span.start,
        span.end,
        cd.label(),
        recorded.unwrap_or_else(|| "nothing".to_owned()),
        computed.unwrap_or_else(|| "nothing (the page lies past the end of the file)".to_owned()),
    );
    let file_range = Range { offset: unit.code_offset.saturating_add(span.start), size: span.end - span.start };
    Some(
        ctx.finding(SIG_PAGE_HASH_MISMATCH, unit.code_path, message)
            .of_unit(unit)
            .range(file_range)
            .help("the code was modified after it was signed: restore the original file or sign it again"),
    )
}

/// The slice-relative range that FairPlay encrypts (`cryptid` ≠ 0): its pages as stored are not
/// the pages that were hashed, so they cannot be checked from the bytes.
fn encrypted_range(slice: Option<&Slice>) -> Option<Span<u64>> {
    let e = slice?.encryption?;
    (e.cryptid != 0 && e.range.size > 0).then(|| e.range.offset..e.range.end())
}

/// Where codesign's strict Mach-O validation and the kernel expect the signature: `__LINKEDIT`
/// is the last segment, reaches the end of the slice, and the signature is its last data.
fn linkedit_problem(slice: &Slice) -> Option<String> {
    let signature = slice.code_signature?;
    let Some(linkedit) = slice.segment("__LINKEDIT") else {
        return Some("the slice has no __LINKEDIT segment to hold the signature".to_owned());
    };
    let link = linkedit.file_range;
    if let Some(after) = slice
        .segments
        .iter()
        .find(|s| s.name != "__LINKEDIT" && s.file_range.size > 0 && s.file_range.offset > link.offset)
    {
        return Some(format!(
            "segment {} (slice offset {:#x}) follows __LINKEDIT (slice offset {:#x}); __LINKEDIT must be last",
            after.name, after.file_range.offset, link.offset
        ));
    }
    if signature.offset < link.offset || signature.end() > link.end() {
        return Some(format!(
            "the signature (slice bytes {:#x}..{:#x}) lies outside __LINKEDIT ({:#x}..{:#x})",
            signature.offset,
            signature.end(),
            link.offset,
            link.end()
        ));
    }
    if signature.end() != link.end() {
        return Some(format!(
            "{} bytes of __LINKEDIT follow the signature (signature ends at slice offset {:#x}, __LINKEDIT at {:#x})",
            link.end() - signature.end(),
            signature.end(),
            link.end()
        ));
    }
    if link.end() != slice.file_range.size {
        return Some(format!(
            "__LINKEDIT ends at {:#x} but the slice is {:#x} bytes long",
            link.end(),
            slice.file_range.size
        ));
    }
    None
}

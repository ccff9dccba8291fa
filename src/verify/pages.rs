//! Checking code page hashes: every page hashed once per digest type, pages spread over all
//! cores in chunks, digests compared in place (no copies of the code, no allocation per page).

use std::ops::Range as Span;

use rayon::prelude::*;
use sha1::Digest as _;

use crate::codesign::digest::HashType;

/// About a mebibyte of code per parallel task: large enough to amortise scheduling, small
/// enough to balance a 200 MB file over every core.
const BYTES_PER_TASK: usize = 1 << 20;
/// The longest digest any hash type produces.
const MAX_DIGEST: usize = 64;

/// How the code is cut into pages: `page_size` bytes each (the last one partial), up to `limit`;
/// without a page size, one page holds the whole `limit`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Paging {
    pub page_size: Option<u64>,
    pub limit: u64,
}

impl Paging {
    /// How many pages cover `limit`.
    pub fn page_count(self) -> u64 {
        match self.page_size {
            Some(size) if size > 0 => self.limit.div_ceil(size),
            _ => u64::from(self.limit > 0),
        }
    }

    /// How many leading pages lie wholly inside `len` bytes of code.
    fn pages_within(self, len: u64) -> u64 {
        if self.limit <= len {
            return self.page_count();
        }
        match self.page_size {
            Some(size) if size > 0 => len / size,
            _ => 0,
        }
    }

    /// Byte range of page `index`, relative to the start of the code.
    pub fn page(self, index: u64) -> Span<u64> {
        match self.page_size {
            Some(size) if size > 0 => {
                let start = index.saturating_mul(size).min(self.limit);
                start..start.saturating_add(size).min(self.limit)
            }
            _ => 0..self.limit,
        }
    }
}

/// The page hashes one CodeDirectory records.
#[derive(Debug, Clone, Copy)]
pub(super) struct PageHashes<'a> {
    pub hash_type: HashType,
    /// Digest size the CodeDirectory declares; it equals `hash_type.size()` (checked earlier).
    pub hash_size: usize,
    /// The code slots, concatenated.
    pub slots: &'a [u8],
    /// How many leading pages to check.
    pub pages: u64,
}

impl PageHashes<'_> {
    fn slot(&self, index: u64) -> Option<&[u8]> {
        let start = usize::try_from(index).ok()?.checked_mul(self.hash_size)?;
        self.slots.get(start..start.checked_add(self.hash_size)?)
    }
}

/// What checking one CodeDirectory's pages found.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct PageReport {
    pub first_mismatch: Option<u64>,
    pub mismatches: u64,
    /// Pages left unchecked because `skip` said so (encrypted pages).
    pub skipped: u64,
}

impl PageReport {
    fn merge(self, other: PageReport) -> PageReport {
        PageReport {
            first_mismatch: match (self.first_mismatch, other.first_mismatch) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            },
            mismatches: self.mismatches + other.mismatches,
            skipped: self.skipped + other.skipped,
        }
    }
}

/// Checks the pages of `code` against each table; one report per table, in order. A page that
/// lies (partly) past the end of `code` counts as a mismatch; pages for which `skip` is true are
/// not checked. `release` is handed each stretch of `code` once it is hashed, so the caller can
/// let the memory go.
pub(super) fn check(
    code: &[u8],
    paging: Paging,
    tables: &[PageHashes<'_>],
    skip: &(dyn Fn(Span<u64>) -> bool + Sync),
    release: &(dyn Fn(&[u8]) + Sync),
) -> Vec<PageReport> {
    // Pages past the end of the code cannot match; count them without visiting each one.
    let inside = paging.pages_within(code.len() as u64);
    let pages = tables.iter().map(|t| t.pages).max().unwrap_or(0).min(inside);
    let per_task = match paging.page_size {
        Some(size) if size > 0 => (BYTES_PER_TASK as u64 / size).max(1),
        _ => 1,
    };
    let tasks = pages.div_ceil(per_task);
    let empty = vec![PageReport::default(); tables.len()];
    let reports = (0..tasks)
        .into_par_iter()
        .map(|task| {
            let first = task * per_task;
            let last = (first + per_task).min(pages);
            let report = check_range(code, paging, tables, first..last, skip);
            let start = paging.page(first).start.min(code.len() as u64) as usize;
            let end = paging.page(last.saturating_sub(1)).end.min(code.len() as u64) as usize;
            if let Some(done) = code.get(start..end) {
                release(done);
            }
            report
        })
        .reduce(|| empty.clone(), |a, b| a.into_iter().zip(b).map(|(x, y)| x.merge(y)).collect());
    tables
        .iter()
        .zip(reports)
        .map(|(table, report)| {
            let outside = table.pages.saturating_sub(inside);
            let past_end =
                PageReport { first_mismatch: (outside > 0).then_some(inside), mismatches: outside, skipped: 0 };
            report.merge(past_end)
        })
        .collect()
}

/// Checks pages `range` sequentially, hashing each page once per distinct hash type.
fn check_range(
    code: &[u8],
    paging: Paging,
    tables: &[PageHashes<'_>],
    range: Span<u64>,
    skip: &(dyn Fn(Span<u64>) -> bool + Sync),
) -> Vec<PageReport> {
    let mut reports = vec![PageReport::default(); tables.len()];
    let mut digest = [0u8; MAX_DIGEST];
    for index in range {
        let span = paging.page(index);
        let wanted = |t: &PageHashes<'_>| index < t.pages;
        if skip(span.clone()) {
            tables.iter().zip(reports.iter_mut()).filter(|(t, _)| wanted(t)).for_each(|(_, r)| r.skipped += 1);
            continue;
        }
        let bytes = byte_range(code, span);
        let mut hashed: Option<HashType> = None;
        for (table, report) in tables.iter().zip(reports.iter_mut()) {
            if !wanted(table) {
                continue;
            }
            let matches = match bytes {
                Some(page) => {
                    // Tables are few; a type is re-hashed only if tables alternate between types.
                    if hashed != Some(table.hash_type) {
                        digest_into(table.hash_type, page, &mut digest);
                        hashed = Some(table.hash_type);
                    }
                    Some(digest.get(..table.hash_size)) == Some(table.slot(index))
                }
                None => false,
            };
            if !matches {
                report.mismatches += 1;
                report.first_mismatch.get_or_insert(index);
            }
        }
    }
    reports
}

fn byte_range(code: &[u8], span: Span<u64>) -> Option<&[u8]> {
    let start = usize::try_from(span.start).ok()?;
    let end = usize::try_from(span.end).ok()?;
    code.get(start..end)
}

/// The digest of page `index` (for messages), when the page lies inside `code`.
pub(super) fn page_digest(code: &[u8], paging: Paging, index: u64, hash_type: HashType) -> Option<Vec<u8>> {
    byte_range(code, paging.page(index)).map(|page| hash_type.digest(page))
}

/// Hashes `data` into the front of `out`.
fn digest_into(hash_type: HashType, data: &[u8], out: &mut [u8; MAX_DIGEST]) {
    fn put(out: &mut [u8; MAX_DIGEST], digest: &[u8]) {
        if let Some(front) = out.get_mut(..digest.len()) {
            front.copy_from_slice(digest);
        }
    }
    match hash_type {
        HashType::Sha1 => put(out, &sha1::Sha1::digest(data)),
        HashType::Sha256 | HashType::Sha256Truncated => put(out, &sha2::Sha256::digest(data)),
        HashType::Sha384 => put(out, &sha2::Sha384::digest(data)),
        HashType::Sha512 => put(out, &sha2::Sha512::digest(data)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(code: &[u8], paging: Paging, hash_type: HashType) -> Vec<u8> {
        (0..paging.page_count()).flat_map(|i| page_digest(code, paging, i, hash_type).unwrap()).collect()
    }

    fn no_skip() -> impl Fn(Span<u64>) -> bool + Sync {
        |_| false
    }

    #[test]
    fn pages_cover_the_limit_with_a_partial_last_page() {
        let paging = Paging { page_size: Some(4096), limit: 10_000 };
        assert_eq!(paging.page_count(), 3);
        assert_eq!(paging.page(2), 8192..10_000);
        let whole = Paging { page_size: None, limit: 530 };
        assert_eq!(whole.page_count(), 1);
        assert_eq!(whole.page(0), 0..530);
        assert_eq!(Paging { page_size: None, limit: 0 }.page_count(), 0);
    }

    #[test]
    fn finds_the_first_flipped_page_for_each_hash_type() {
        let mut code: Vec<u8> = (0..3_000_000u32).map(|i| (i * 7 % 251) as u8).collect();
        let paging = Paging { page_size: Some(4096), limit: code.len() as u64 };
        let sha1 = table(&code, paging, HashType::Sha1);
        let sha256 = table(&code, paging, HashType::Sha256);
        code[4096 * 300 + 5] ^= 1;
        code[4096 * 700] ^= 1;
        let tables = [
            PageHashes { hash_type: HashType::Sha1, hash_size: 20, slots: &sha1, pages: paging.page_count() },
            PageHashes { hash_type: HashType::Sha256, hash_size: 32, slots: &sha256, pages: paging.page_count() },
        ];
        let reports = check(&code, paging, &tables, &no_skip(), &|_| {});
        for r in reports {
            assert_eq!(r, PageReport { first_mismatch: Some(300), mismatches: 2, skipped: 0 });
        }
    }

    #[test]
    fn pages_past_the_end_of_the_code_mismatch_and_skipped_pages_are_counted() {
        let code = vec![1u8; 8192];
        let paging = Paging { page_size: Some(4096), limit: 8192 };
        let slots = table(&code, paging, HashType::Sha256);
        let tables = [PageHashes { hash_type: HashType::Sha256, hash_size: 32, slots: &slots, pages: 2 }];
        let short = &code[..5000];
        let reports = check(short, paging, &tables, &no_skip(), &|_| {});
        assert_eq!(reports[0].first_mismatch, Some(1));
        let skip_first = |s: Span<u64>| s.start == 0;
        let reports = check(&code, paging, &tables, &skip_first, &|_| {});
        assert_eq!(reports[0], PageReport { first_mismatch: None, mismatches: 0, skipped: 1 });
    }
}

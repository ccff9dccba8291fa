//! Counters of the work done, for the command line's progress line: code items read and bytes
//! hashed. Relaxed atomics: a display needs no ordering, and one add per hashed megabyte or page
//! stretch costs nothing next to the hashing.

use std::sync::atomic::{AtomicU64, Ordering};

static ITEMS_READ: AtomicU64 = AtomicU64::new(0);
static BYTES_HASHED: AtomicU64 = AtomicU64::new(0);

/// One code item's files were read and parsed.
pub fn item_read() {
    ITEMS_READ.fetch_add(1, Ordering::Relaxed);
}

/// `bytes` more were hashed (code pages, sealed resources).
pub fn hashed(bytes: usize) {
    BYTES_HASHED.fetch_add(bytes as u64, Ordering::Relaxed);
}

/// The work done so far in this process.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Done {
    pub items_read: u64,
    pub bytes_hashed: u64,
}

pub fn done() -> Done {
    Done { items_read: ITEMS_READ.load(Ordering::Relaxed), bytes_hashed: BYTES_HASHED.load(Ordering::Relaxed) }
}

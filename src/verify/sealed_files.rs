//! Sealed files: each is hashed (in parallel, once per digest type its seal records) and
//! compared; sealed entries the walk did not meet are missing unless optional; a Mach-O of the
//! bundle's own sealed as a plain file is flagged.

use std::collections::{BTreeSet, HashSet};

use rayon::prelude::*;

use super::context::{hex_prefix, Collector, ItemContext};
use super::envelope::Envelope;
use super::rules::{RES_FILE_ALTERED, RES_FILE_MISSING, RES_MACHO_SEALED_AS_DATA};
use super::scope::Scope;
use crate::codesign::digest::{HashType, Hasher};
use crate::discover::Role;
use crate::finding::Finding;
use crate::seal::Seal;

/// A sealed file to hash.
pub(super) struct FileWork<'a> {
    pub rel: &'a str,
    pub path: &'a str,
    pub seal: &'a Seal,
}

/// The digests a file seal records: (hash type, seal key, digest). Signers record one per digest
/// type of the code's CodeDirectories (`hash` SHA-1, `hash2` SHA-256), which codesign checks.
fn recorded(seal: &Seal) -> Vec<(HashType, &'static str, &[u8])> {
    let mut out = Vec::new();
    if let Seal::File { hash, hash2, .. } = seal {
        if let Some(h) = hash2 {
            out.push((HashType::Sha256, "hash2", &h[..]));
        }
        if let Some(h) = hash {
            out.push((HashType::Sha1, "hash", &h[..]));
        }
    }
    out
}

/// Hashes every sealed file (in parallel, each once per digest type) and compares.
pub(super) fn hash_files(ctx: &ItemContext<'_>, sink: &mut Collector, files: &[FileWork<'_>]) {
    let tree = ctx.tree();
    let found: Vec<Finding> = files
        .par_iter()
        .flat_map_iter(|work| {
            // Streamed through one buffer: file data is never kept past its use.
            let judged =
                tree.file(work.path).and_then(|f| read_sealed(f, work.seal).ok()).map(|r| judge_file(ctx, work, r));
            match judged {
                Some(found) => found,
                // A file that cannot be read is as good as missing.
                None if !is_optional(work.seal) => vec![missing(ctx, work.rel, work.path)],
                None => Vec::new(),
            }
        })
        .collect();
    found.into_iter().for_each(|f| sink.add(f));
}

/// What hashing a sealed file yields: its digests of each type the seal records, and its first
/// bytes (to recognise Mach-O sealed as data).
struct ReadSealed {
    digests: Vec<(HashType, Vec<u8>)>,
    head: Vec<u8>,
}

/// Chunk size for streaming sealed files: large enough to keep SHA-256 busy, small enough that
/// parallel hashing of huge resources stays within a few megabytes.
const CHUNK: usize = 1 << 20;

fn read_sealed(data: &crate::input::FileData, seal: &Seal) -> Result<ReadSealed, String> {
    let mut types: Vec<HashType> = recorded(seal).into_iter().map(|(t, _, _)| t).collect();
    types.dedup();
    // A payload file of a package that was hashed as the package was read is not read again.
    let known: Option<Vec<(HashType, Vec<u8>)>> = types.iter().map(|&t| Some((t, known_digest(data, t)?))).collect();
    if let Some(digests) = known.filter(|_| known_digest(data, HashType::Sha256).is_some()) {
        crate::progress::hashed(usize::try_from(data.len()).unwrap_or(usize::MAX));
        return Ok(ReadSealed { digests, head: data.head(8) });
    }
    let mut hashers: Vec<(HashType, Hasher)> = types.into_iter().map(|t| (t, Hasher::new(t))).collect();
    let mut head = Vec::with_capacity(8);
    data.for_each_chunk(CHUNK, |chunk| {
        if head.len() < 8 {
            head.extend_from_slice(&chunk[..chunk.len().min(8 - head.len())]);
        }
        hashers.iter_mut().for_each(|(_, h)| h.update(chunk));
        crate::progress::hashed(chunk.len());
    })?;
    Ok(ReadSealed { digests: hashers.into_iter().map(|(t, h)| (t, h.finish())).collect(), head })
}

/// The digest of type `hash_type` of `data`'s whole contents, if it was computed when they were
/// read (see [`crate::input::FileData::known_digest`]).
pub(super) fn known_digest(data: &crate::input::FileData, hash_type: HashType) -> Option<Vec<u8>> {
    use crate::input::DigestKind;
    match hash_type {
        HashType::Sha1 => data.known_digest(DigestKind::Sha1).map(<[u8]>::to_vec),
        HashType::Sha256 => data.known_digest(DigestKind::Sha256).map(<[u8]>::to_vec),
        HashType::Sha256Truncated => data.known_digest(DigestKind::Sha256).map(|d| d[..20].to_vec()),
        HashType::Sha384 | HashType::Sha512 => None,
    }
}

/// Compares one sealed file's digests with every digest its seal records.
fn judge_file(ctx: &ItemContext<'_>, work: &FileWork<'_>, read: ReadSealed) -> Vec<Finding> {
    let mut out = Vec::new();
    for (hash_type, key, want) in recorded(work.seal) {
        let Some((_, digest)) = read.digests.iter().find(|(t, _)| *t == hash_type) else { continue };
        if digest.as_slice() != want {
            out.push(
                ctx.finding(
                    RES_FILE_ALTERED,
                    work.path,
                    format!(
                        "{}: sealed {key} ({}) is {}, but the file hashes to {}",
                        work.rel,
                        hash_type.name(),
                        hex_prefix(want),
                        hex_prefix(digest)
                    ),
                )
                .help("the file was modified after signing: restore it or sign the bundle again"),
            );
            break;
        }
    }
    out.extend(sealed_as_data(ctx, work, &read.head));
    out
}

pub(super) fn is_optional(seal: &Seal) -> bool {
    matches!(seal, Seal::File { optional: true, .. })
}

/// A Mach-O of this bundle's own (not part of a nested bundle) sealed as a plain file: codesign
/// never signs it as code, yet it runs as code. SMJobBless tools live sealed as data by design;
/// object files, dSYMs and archives are data.
fn sealed_as_data(ctx: &ItemContext<'_>, work: &FileWork<'_>, bytes: &[u8]) -> Option<Finding> {
    if !crate::macho::is_macho(bytes.get(..8).unwrap_or(bytes)) {
        return None;
    }
    let index = ctx.items.find(ctx.tree(), work.path)?;
    let (item, _) = ctx.other(index)?;
    let own = item.bundle.is_none()
        && item.parent == Some(ctx.index)
        && !matches!(item.role, Role::SmJobBlessTool | Role::NeverLoaded);
    own.then(|| {
        ctx.finding(
            RES_MACHO_SEALED_AS_DATA,
            work.path,
            format!("{} is Mach-O code but is sealed as a plain resource (hash), not as nested code", work.rel),
        )
        .help("move code to Contents/MacOS, Helpers, Frameworks or PlugIns so it is signed and sealed as code")
    })
}

fn missing(ctx: &ItemContext<'_>, rel: &str, path: &str) -> Finding {
    ctx.finding(RES_FILE_MISSING, path, format!("{rel} is sealed but missing from {}", ctx.container_root()))
        .help("a sealed resource was removed: restore it or sign the bundle again")
}

/// Every sealed entry the walk did not meet is missing, unless optional.
pub(super) fn report_missing(
    ctx: &ItemContext<'_>,
    sink: &mut Collector,
    scope: &Scope,
    env: &Envelope<'_>,
    seen: &HashSet<&str>,
) {
    let unseen: BTreeSet<&String> = env.files.keys().filter(|k| !seen.contains(k.as_str())).collect();
    for rel in unseen {
        let Some(seal) = env.files.get(rel.as_str()) else { continue };
        if is_optional(seal) {
            continue;
        }
        let path = format!("{}/{rel}", scope.base);
        sink.add(missing(ctx, rel, &path));
    }
}

//! The digest algorithms a CodeDirectory may name (`hashType`), and hashing with them.

use serde::Serialize;
use sha1::Digest as _;

/// `CS_HASHTYPE_*` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HashType {
    Sha1,
    Sha256,
    Sha256Truncated,
    Sha384,
    Sha512,
}

impl HashType {
    pub fn from_code(code: u8) -> Option<HashType> {
        Some(match code {
            1 => HashType::Sha1,
            2 => HashType::Sha256,
            3 => HashType::Sha256Truncated,
            4 => HashType::Sha384,
            5 => HashType::Sha512,
            _ => return None,
        })
    }

    pub fn code(self) -> u8 {
        match self {
            HashType::Sha1 => 1,
            HashType::Sha256 => 2,
            HashType::Sha256Truncated => 3,
            HashType::Sha384 => 4,
            HashType::Sha512 => 5,
        }
    }

    /// The size a CodeDirectory must declare in `hashSize` for this type.
    pub fn size(self) -> usize {
        match self {
            HashType::Sha1 | HashType::Sha256Truncated => 20,
            HashType::Sha256 => 32,
            HashType::Sha384 => 48,
            HashType::Sha512 => 64,
        }
    }

    /// The name codesign prints (`sha1`, `sha256`…).
    pub fn name(self) -> &'static str {
        match self {
            HashType::Sha1 => "sha1",
            HashType::Sha256 => "sha256",
            HashType::Sha256Truncated => "sha256-truncated",
            HashType::Sha384 => "sha384",
            HashType::Sha512 => "sha512",
        }
    }

    /// Hashes `data`; the truncated type keeps the first 20 bytes of SHA-256.
    pub fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            HashType::Sha1 => sha1::Sha1::digest(data).to_vec(),
            HashType::Sha256 => sha2::Sha256::digest(data).to_vec(),
            HashType::Sha256Truncated => sha2::Sha256::digest(data)[..20].to_vec(),
            HashType::Sha384 => sha2::Sha384::digest(data).to_vec(),
            HashType::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// An incremental digest of one [`HashType`], for data read in chunks.
#[derive(Clone)]
pub enum Hasher {
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256, HashType),
    Sha384(sha2::Sha384),
    Sha512(sha2::Sha512),
}

impl Hasher {
    pub fn new(hash_type: HashType) -> Hasher {
        match hash_type {
            HashType::Sha1 => Hasher::Sha1(sha1::Sha1::new()),
            HashType::Sha256 | HashType::Sha256Truncated => Hasher::Sha256(sha2::Sha256::new(), hash_type),
            HashType::Sha384 => Hasher::Sha384(sha2::Sha384::new()),
            HashType::Sha512 => Hasher::Sha512(sha2::Sha512::new()),
        }
    }

    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha1(h) => h.update(data),
            Hasher::Sha256(h, _) => h.update(data),
            Hasher::Sha384(h) => h.update(data),
            Hasher::Sha512(h) => h.update(data),
        }
    }

    /// The digest, as [`HashType::digest`] gives it for the same bytes.
    pub fn finish(self) -> Vec<u8> {
        match self {
            Hasher::Sha1(h) => h.finalize().to_vec(),
            Hasher::Sha256(h, HashType::Sha256Truncated) => h.finalize()[..20].to_vec(),
            Hasher::Sha256(h, _) => h.finalize().to_vec(),
            Hasher::Sha384(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

impl std::fmt::Display for HashType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunked_digests_equal_one_shot_digests() {
        let data: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        for t in [HashType::Sha1, HashType::Sha256, HashType::Sha256Truncated, HashType::Sha384, HashType::Sha512] {
            let mut h = Hasher::new(t);
            data.chunks(777).for_each(|c| h.update(c));
            assert_eq!(h.finish(), t.digest(&data), "{t}");
        }
    }
}

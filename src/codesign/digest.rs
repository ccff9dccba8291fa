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

impl std::fmt::Display for HashType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

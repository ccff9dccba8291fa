//! Signature verification with certificates' public keys: RSA PKCS #1 v1.5 and ECDSA P-256/P-384,
//! the algorithms Apple's code-signing and timestamp certificates use.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};

use der::Decode;
use sha1::Digest as _;
use signature::hazmat::PrehashVerifier;
use x509_cert::Certificate;

use crate::codesign::ber::Element;

const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";
/// Identifier octet of a DER SEQUENCE.
const SEQUENCE: u8 = 0x30;

/// A digest algorithm by the name the CMS reader gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Hash {
    Sha1,
    Sha256,
    Sha384,
    Sha512,
}

impl Hash {
    fn from_name(name: &str) -> Option<Hash> {
        Some(match name {
            "sha1" => Hash::Sha1,
            "sha256" => Hash::Sha256,
            "sha384" => Hash::Sha384,
            "sha512" => Hash::Sha512,
            _ => return None,
        })
    }

    /// The hash a combined signature algorithm name implies (`sha256-rsa`, `ecdsa-sha384`).
    fn from_signature_algorithm(name: &str) -> Option<Hash> {
        ["sha1", "sha256", "sha384", "sha512"].into_iter().find(|h| name.contains(h)).and_then(Hash::from_name)
    }

    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Hash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            Hash::Sha256 => sha2::Sha256::digest(data).to_vec(),
            Hash::Sha384 => sha2::Sha384::digest(data).to_vec(),
            Hash::Sha512 => sha2::Sha512::digest(data).to_vec(),
        }
    }
}

/// Verifies `signature` over `message` with the key of the certificate `cert_der`. The hash is
/// the one the signature algorithm names, else `digest_algorithm`. `None` when the key type or
/// algorithm is not supported, or the certificate's key cannot be read.
pub fn verify_signature(
    cert_der: &[u8],
    digest_algorithm: &str,
    signature_algorithm: &str,
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let cert = Certificate::from_der(cert_der).ok()?;
    let hash = Hash::from_signature_algorithm(signature_algorithm).or_else(|| Hash::from_name(digest_algorithm))?;
    verify_with_spki(&cert.tbs_certificate.subject_public_key_info, hash, message, signature)
}

/// Verifies an RSA PKCS #1 v1.5 `signature` whose DigestInfo holds `digest` as a hash in
/// `algorithm` (`"sha1"`, `"sha256"`…) with the key of `cert_der`: a signature over a value that
/// is itself a hash, as a flat package's `<signature>` signs its TOC checksum. `None` when the
/// key is not RSA or cannot be read, or the algorithm is not one of SHA-1/SHA-2.
pub fn verify_rsa_digest(cert_der: &[u8], algorithm: &str, digest: &[u8], signature: &[u8]) -> Option<bool> {
    use rsa::pkcs1::DecodeRsaPublicKey;
    let cert = Certificate::from_der(cert_der).ok()?;
    let spki = &cert.tbs_certificate.subject_public_key_info;
    if spki.algorithm.oid.to_string() != RSA_ENCRYPTION {
        return None;
    }
    let key = rsa::RsaPublicKey::from_pkcs1_der(spki.subject_public_key.as_bytes()?).ok()?;
    Some(key.verify(pkcs1v15(Hash::from_name(algorithm)?), digest, signature).is_ok())
}

fn pkcs1v15(hash: Hash) -> rsa::Pkcs1v15Sign {
    match hash {
        Hash::Sha1 => rsa::Pkcs1v15Sign::new::<sha1::Sha1>(),
        Hash::Sha256 => rsa::Pkcs1v15Sign::new::<sha2::Sha256>(),
        Hash::Sha384 => rsa::Pkcs1v15Sign::new::<sha2::Sha384>(),
        Hash::Sha512 => rsa::Pkcs1v15Sign::new::<sha2::Sha512>(),
    }
}

/// How many (certificate, issuer) verdicts [`verify_certificate`] remembers before it starts over.
const REMEMBERED_VERDICTS: usize = 4096;

/// Verifies the signature of certificate `cert_der` with the key of `issuer_der`, over the
/// TBSCertificate bytes as they appear in `cert_der`.
///
/// Verdicts are remembered for the process, by the SHA-256 of both certificates: every signature
/// of a product repeats the same chain (a Developer ID intermediate under Apple's root), and one
/// RSA verification costs as much as hashing a megabyte.
pub fn verify_certificate(cert_der: &[u8], issuer_der: &[u8]) -> Option<bool> {
    static VERDICTS: Mutex<Option<HashMap<[u8; 32], Option<bool>>>> = Mutex::new(None);
    let mut pair = sha2::Sha256::new();
    for der in [cert_der, issuer_der] {
        // The length first keeps (ab, c) apart from (a, bc).
        pair.update((der.len() as u64).to_le_bytes());
        pair.update(der);
    }
    let pair: [u8; 32] = pair.finalize().into();
    let remembered =
        VERDICTS.lock().unwrap_or_else(PoisonError::into_inner).as_ref().and_then(|v| v.get(&pair).copied());
    if let Some(verdict) = remembered {
        return verdict;
    }
    let verdict = verify_certificate_afresh(cert_der, issuer_der);
    let mut verdicts = VERDICTS.lock().unwrap_or_else(PoisonError::into_inner);
    let verdicts = verdicts.get_or_insert_with(HashMap::new);
    if verdicts.len() >= REMEMBERED_VERDICTS {
        verdicts.clear();
    }
    verdicts.insert(pair, verdict);
    verdict
}

fn verify_certificate_afresh(cert_der: &[u8], issuer_der: &[u8]) -> Option<bool> {
    let cert = Certificate::from_der(cert_der).ok()?;
    let issuer = Certificate::from_der(issuer_der).ok()?;
    let tbs = signed_tbs_bytes(cert_der)?;
    let algorithm = crate::codesign::certificate::algorithm_name(&cert.signature_algorithm.oid);
    let hash = Hash::from_signature_algorithm(&algorithm)?;
    let signature = cert.signature.as_bytes()?;
    verify_with_spki(&issuer.tbs_certificate.subject_public_key_info, hash, tbs, signature)
}

/// The TBSCertificate element (first member of the Certificate SEQUENCE) exactly as encoded in
/// `cert_der`. The signature covers these bytes; a re-encoding of the decoded certificate may
/// differ, because `der` sorts every `SET OF` (a multi-valued RDN) while decoding.
pub(super) fn signed_tbs_bytes(cert_der: &[u8]) -> Option<&[u8]> {
    let certificate = Element::parse_exact(cert_der, 0, crate::codesign::certificate::PROBLEM_CODE).ok()?;
    let tbs = certificate.children().next()?.ok()?;
    (certificate.tag == SEQUENCE && tbs.tag == SEQUENCE).then_some(tbs.encoded)
}

fn verify_with_spki(
    spki: &spki::SubjectPublicKeyInfoOwned,
    hash: Hash,
    message: &[u8],
    signature: &[u8],
) -> Option<bool> {
    let key_bytes = spki.subject_public_key.as_bytes()?;
    match spki.algorithm.oid.to_string().as_str() {
        RSA_ENCRYPTION => Some(verify_rsa(key_bytes, hash, message, signature)),
        EC_PUBLIC_KEY => {
            let curve =
                spki.algorithm.parameters.as_ref()?.decode_as::<der::asn1::ObjectIdentifier>().ok()?.to_string();
            let prehash = hash.digest(message);
            match curve.as_str() {
                P256 => {
                    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes).ok()?;
                    let sig = p256::ecdsa::DerSignature::try_from(signature).ok()?;
                    let sig = p256::ecdsa::Signature::try_from(sig).ok()?;
                    Some(key.verify_prehash(&prehash, &sig).is_ok())
                }
                P384 => {
                    let key = p384::ecdsa::VerifyingKey::from_sec1_bytes(key_bytes).ok()?;
                    let sig = p384::ecdsa::DerSignature::try_from(signature).ok()?;
                    let sig = p384::ecdsa::Signature::try_from(sig).ok()?;
                    Some(key.verify_prehash(&prehash, &sig).is_ok())
                }
                _ => None,
            }
        }
        _ => None,
    }
}

/// RSA PKCS #1 v1.5: the signature decrypts to the DigestInfo of `message`'s hash.
fn verify_rsa(key_bytes: &[u8], hash: Hash, message: &[u8], signature: &[u8]) -> bool {
    use rsa::pkcs1::DecodeRsaPublicKey;
    let Ok(key) = rsa::RsaPublicKey::from_pkcs1_der(key_bytes) else { return false };
    key.verify(pkcs1v15(hash), &hash.digest(message), signature).is_ok()
}

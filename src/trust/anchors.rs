//! Trust anchors: Apple's roots shipped inside the binary, certificates the user trusts, and test
//! roots the user names to stand in for Apple's (`--apple-root`).

use std::sync::OnceLock;

use crate::codesign::certificate::{parse_certificate, CertificateInfo};

/// Apple's root certificate authorities: what `anchor apple` and `anchor apple generic` mean.
const APPLE_ROOTS: &[&[u8]] = &[
    include_bytes!("apple-certs/AppleIncRootCertificate.cer"),
    include_bytes!("apple-certs/AppleRootCA-G2.cer"),
    include_bytes!("apple-certs/AppleRootCA-G3.cer"),
    include_bytes!("apple-certs/AppleComputerRootCertificate.cer"),
];

/// Apple's intermediates for developer code signing and time stamping.
const APPLE_INTERMEDIATES: &[&[u8]] = &[
    include_bytes!("apple-certs/AppleWWDRCA.cer"),
    include_bytes!("apple-certs/AppleWWDRCAG2.cer"),
    include_bytes!("apple-certs/AppleWWDRCAG3.cer"),
    include_bytes!("apple-certs/AppleWWDRCAG4.cer"),
    include_bytes!("apple-certs/AppleWWDRCAG5.cer"),
    include_bytes!("apple-certs/AppleWWDRCAG6.cer"),
    include_bytes!("apple-certs/AppleWWDRCAG7.cer"),
    include_bytes!("apple-certs/AppleWWDRCAG8.cer"),
    include_bytes!("apple-certs/DeveloperIDCA.cer"),
    include_bytes!("apple-certs/DeveloperIDG2CA.cer"),
    include_bytes!("apple-certs/AppleTimestampCA.cer"),
];

fn parsed(ders: &[&[u8]]) -> Vec<CertificateInfo> {
    ders.iter().filter_map(|d| parse_certificate(d).ok()).collect()
}

/// Apple's roots and intermediates, parsed once.
pub fn apple_certificates() -> &'static (Vec<CertificateInfo>, Vec<CertificateInfo>) {
    static APPLE: OnceLock<(Vec<CertificateInfo>, Vec<CertificateInfo>)> = OnceLock::new();
    APPLE.get_or_init(|| (parsed(APPLE_ROOTS), parsed(APPLE_INTERMEDIATES)))
}

/// The anchors a verification trusts.
#[derive(Debug, Clone, Default)]
pub struct Anchors {
    /// Certificates added by the user (`--trust-anchor`, `trust-anchors` in the config): chains
    /// may end there, but such a chain shows nothing about what `anchor apple generic` says on a Mac.
    pub user: Vec<CertificateInfo>,
    /// Roots that take the place of Apple's (`--apple-root`, `apple-roots` in the config): a test
    /// hierarchy that mirrors Apple's, so that `anchor apple`, `anchor apple generic` and the
    /// timestamp authority are judged as they would be for code signed by Apple's real hierarchy.
    /// Apple's own roots stay trusted beside them.
    pub apple_substitutes: Vec<CertificateInfo>,
}

impl Anchors {
    /// Reads user anchors from PEM (any number of certificates) or DER files.
    pub fn load(paths: &[std::path::PathBuf]) -> Result<Anchors, String> {
        Ok(Anchors { user: read_certificates(paths)?, apple_substitutes: Vec::new() })
    }

    /// Reads roots that stand in for Apple's, from PEM or DER files.
    pub fn with_apple_substitutes(mut self, paths: &[std::path::PathBuf]) -> Result<Anchors, String> {
        self.apple_substitutes.extend(read_certificates(paths)?);
        Ok(self)
    }

    /// Apple's roots and the roots standing in for them.
    fn apple_roots(&self) -> impl Iterator<Item = &CertificateInfo> {
        apple_certificates().0.iter().chain(&self.apple_substitutes)
    }

    fn all(&self) -> impl Iterator<Item = &CertificateInfo> {
        self.apple_roots().chain(&self.user)
    }

    /// The anchor that `cert` is, or that issued it.
    pub fn find(&self, cert: &CertificateInfo) -> Option<&CertificateInfo> {
        self.all().find(|a| a.der == cert.der).or_else(|| self.all().find(|a| a.subject == cert.issuer))
    }

    /// An Apple intermediate that issued `cert` (the chain is then merely incomplete).
    pub fn intermediate_for(&self, cert: &CertificateInfo) -> Option<&'static CertificateInfo> {
        apple_certificates().1.iter().find(|i| i.subject == cert.issuer)
    }

    /// Whether `anchor` (as returned by [`Anchors::find`]) is one of Apple's roots or a root
    /// standing in for them: what `anchor apple generic` asks.
    pub fn is_apple(&self, anchor: &CertificateInfo) -> bool {
        self.apple_roots().any(|a| a.der == anchor.der)
    }

    /// Whether `anchor` is a root standing in for Apple's.
    pub fn is_substitute(&self, anchor: &CertificateInfo) -> bool {
        self.apple_substitutes.iter().any(|a| a.der == anchor.der)
    }
}

/// The certificates of PEM (any number of blocks) or DER files.
fn read_certificates(paths: &[std::path::PathBuf]) -> Result<Vec<CertificateInfo>, String> {
    let mut certificates = Vec::new();
    for path in paths {
        let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let ders = if bytes.starts_with(b"-----BEGIN") { pem_blocks(&bytes) } else { vec![bytes] };
        if ders.is_empty() {
            return Err(format!("{}: no CERTIFICATE block", path.display()));
        }
        for der in ders {
            certificates.push(parse_certificate(&der).map_err(|p| format!("{}: {}", path.display(), p.message))?);
        }
    }
    Ok(certificates)
}

/// DER bodies of the `CERTIFICATE` blocks of a PEM file, exactly as stored: decoding and
/// re-encoding a certificate would sort its `SET OF`s and change the bytes its issuer signed.
fn pem_blocks(pem: &[u8]) -> Vec<Vec<u8>> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = String::from_utf8_lossy(pem);
    let mut blocks = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(BEGIN) {
        let Some(length) = rest[start..].find(END).map(|l| l + END.len()) else { break };
        if let Ok(("CERTIFICATE", der)) = der::pem::decode_vec(&rest.as_bytes()[start..start + length]) {
            blocks.push(der);
        }
        rest = &rest[start + length..];
    }
    blocks
}

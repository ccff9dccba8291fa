//! A container's own signature as read from its bytes: what a flat package's table of contents
//! or a disk image's code signature says, before anyone judges it.
//!
//! The readers record one [`ContainerSignature`] for every package and disk image they open,
//! signed or not; the container rules judge them with the trust store (which roots count is a
//! setting, so no verdict is made here).

use crate::Problem;

/// The container formats that carry their own signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerFormat {
    /// A flat installer package (xar): an RSA `<signature>` and a CMS `<x-signature>` over the
    /// table of contents' checksum.
    Package,
    /// A UDIF disk image: a code signature whose CodeDirectory hashes the image.
    DiskImage,
}

impl ContainerFormat {
    pub fn noun(self) -> &'static str {
        match self {
            ContainerFormat::Package => "flat installer package",
            ContainerFormat::DiskImage => "disk image",
        }
    }
}

/// One container and its signature.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ContainerSignature {
    /// Where findings about the container go: its name when it is the input, else its path in
    /// the tree.
    pub path: String,
    pub format: ContainerFormat,
    /// The container given to bundlelint, the one a user submits to the notary service, rather
    /// than one found inside another.
    pub submitted: bool,
    /// `None` when the container is not signed at all.
    pub signature: Option<SignedBy>,
    /// File offset of a stapled notarization ticket, when one is present.
    pub ticket: Option<u64>,
}

/// What a signed container's signature consists of.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SignedBy {
    /// The bytes the signatures sign: the TOC checksum of a package, the CodeDirectory of a
    /// disk image.
    #[serde(skip)]
    pub content: Vec<u8>,
    /// What `content` is, for messages ("the sha1 TOC checksum", "the CodeDirectory").
    pub content_name: String,
    /// The hash algorithm that made `content` (a package's checksum algorithm), when it is one.
    pub content_algorithm: Option<String>,
    /// The signing identifier (disk images).
    pub identifier: Option<String>,
    /// A package's RSA `<signature>`.
    pub rsa: Option<RsaSignature>,
    /// The CMS signature; an empty one (a disk image signed ad hoc) is `None`.
    pub cms: Option<CmsSignature>,
    /// Mismatches met while reading, located in the file: a disk image's code hashes, a
    /// signature outside the archive.
    pub integrity: Vec<Problem>,
}

/// A package's `<signature style="RSA">`: PKCS #1 v1.5 over the TOC checksum.
#[derive(Debug, Clone, serde::Serialize)]
pub struct RsaSignature {
    /// File offset of the signature value.
    pub offset: u64,
    #[serde(skip)]
    pub value: Vec<u8>,
    /// DER certificates from the TOC's `<KeyInfo>`, leaf first as written.
    #[serde(skip)]
    pub certificates: Vec<Vec<u8>>,
}

/// A CMS SignedData over the signed content, detached.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CmsSignature {
    /// File offset of the DER.
    pub offset: u64,
    /// The DER, possibly followed by the zero padding of its reservation.
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// The stapled-ticket trailer after a flat package: `t8lr`, version 1, type 2 (ticket), the
/// ticket's length (little endian), written by `stapler` after the archive.
pub fn package_ticket(bytes: &[u8]) -> Option<u64> {
    const TRAILER: usize = 16;
    let start = bytes.len().checked_sub(TRAILER)?;
    let trailer = &bytes[start..];
    let field = |at: usize| u16::from_le_bytes([trailer[at], trailer[at + 1]]);
    if &trailer[..4] != b"t8lr" || field(4) != 1 || field(6) != 2 {
        return None;
    }
    let len = u32::from_le_bytes([trailer[8], trailer[9], trailer[10], trailer[11]]) as usize;
    (len > 0 && len <= start).then(|| (start - len) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trailer(kind: u16, len: u32) -> Vec<u8> {
        let mut t = b"t8lr".to_vec();
        t.extend(1u16.to_le_bytes());
        t.extend(kind.to_le_bytes());
        t.extend(len.to_le_bytes());
        t.extend(0u32.to_le_bytes());
        t
    }

    #[test]
    fn a_stapled_ticket_is_found_before_its_trailer() {
        let mut bytes = b"xar!archive".to_vec();
        bytes.extend(trailer(1, 0));
        bytes.extend(b"TICKET");
        bytes.extend(trailer(2, 6));
        assert_eq!(package_ticket(&bytes), Some(27));
    }

    #[test]
    fn no_trailer_or_a_wrong_one_is_no_ticket() {
        assert_eq!(package_ticket(b"xar!short"), None);
        assert_eq!(package_ticket(&trailer(2, 6)), None, "a length beyond the file");
        assert_eq!(package_ticket(&[b"x".repeat(10), trailer(1, 4)].concat()), None, "a terminator only");
    }
}

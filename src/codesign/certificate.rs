//! X.509 certificate facts: names, validity, keys, Apple extensions and the role Apple gives
//! the certificate (Developer ID, Apple Development, …).
//!
//! Classification reads what the certificate *claims*; nothing here checks a signature or a chain,
//! so a forged certificate claiming to be Apple's is classified as Apple's. Trust is decided later,
//! by verification against pinned Apple roots.

use der::asn1::ObjectIdentifier;
use der::{Decode, Tag, Tagged};
use serde::Serialize;
use sha1::{Digest, Sha1};
use sha2::Sha256;
use x509_cert::name::Name;
use x509_cert::Certificate;

use super::ber::Element;
use crate::time::rfc3339_from_unix;
use crate::Problem;

/// Problem code for certificates that do not decode.
pub const PROBLEM_CODE: crate::rule_id::RuleId = crate::rule_id::MALFORMED_CERTIFICATE;

/// Largest certificate accepted. Apple's are under 2 KiB; the bound keeps `SET OF` sorting inside
/// the decoder (quadratic in the number of name attributes) cheap on hostile input.
pub const MAX_CERTIFICATE_LEN: usize = 64 * 1024;

/// Most RDNs accepted in a distinguished name, and most attributes in one RDN. Real names have
/// about six RDNs of one attribute each; `x509-cert` sorts each RDN's attributes with an insertion
/// sort, so an RDN with thousands of attributes would cost seconds.
pub const MAX_NAME_RDNS: usize = 64;
pub const MAX_RDN_ATTRIBUTES: usize = 16;

/// Arc prefix of Apple's private OIDs (`1.2.840.113635.100.*`).
const APPLE_OID_PREFIX: &str = "1.2.840.113635.100.";
/// Prefix of Apple's certificate-authority marker extensions (`…100.6.2.*`).
const APPLE_CA_EXTENSION_PREFIX: &str = "1.2.840.113635.100.6.2.";

const OID_BASIC_CONSTRAINTS: &str = "2.5.29.19";
const OID_EXTENDED_KEY_USAGE: &str = "2.5.29.37";
const OID_SUBJECT_KEY_IDENTIFIER: &str = "2.5.29.14";
const OID_EKU_TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

// Apple leaf-certificate extensions (marker extensions whose presence names the role).
const EXT_IPHONE_OS_APPLICATION_SIGNING: &str = "1.2.840.113635.100.6.1.3";
const EXT_IPHONE_DEVELOPER: &str = "1.2.840.113635.100.6.1.2";
const EXT_IPHONE_DISTRIBUTION: &str = "1.2.840.113635.100.6.1.4";
const EXT_MAC_APP_DISTRIBUTION: &str = "1.2.840.113635.100.6.1.7";
const EXT_MAC_INSTALLER_DISTRIBUTION: &str = "1.2.840.113635.100.6.1.8";
const EXT_MAC_APP_STORE_CODE_SIGNING: &str = "1.2.840.113635.100.6.1.9";
const EXT_MAC_APP_STORE_INSTALLER_SIGNING: &str = "1.2.840.113635.100.6.1.10";
const EXT_MAC_DEVELOPER: &str = "1.2.840.113635.100.6.1.12";
const EXT_DEVELOPER_ID_APPLICATION: &str = "1.2.840.113635.100.6.1.13";
const EXT_DEVELOPER_ID_INSTALLER: &str = "1.2.840.113635.100.6.1.14";
const EXT_DEVELOPER_ID_KERNEL: &str = "1.2.840.113635.100.6.1.18";
const EXT_APPLE_SOFTWARE_SIGNING: &str = "1.2.840.113635.100.6.22";
const EXT_IOS_PROFILE_SIGNING: &str = "1.2.840.113635.100.6.2.2.1";
const EXT_MAC_PROFILE_SIGNING: &str = "1.2.840.113635.100.4.11";

/// The role a certificate plays in Apple code signing, read from its marker extensions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertificateKind {
    /// "Developer ID Application" leaf (`…6.1.13`), including ones that may also sign kernel
    /// extensions (`…6.1.18` alongside).
    DeveloperIdApplication,
    /// "Developer ID Installer" leaf (`…6.1.14`), for signed installer packages.
    DeveloperIdInstaller,
    /// Leaf carrying only the "Developer ID Kernel" extension (`…6.1.18`).
    DeveloperIdKernel,
    /// "Apple Development", "iPhone Developer" or "Mac Developer" leaf (`…6.1.2`, `…6.1.12`).
    AppleDevelopment,
    /// "Apple Distribution", "iPhone Distribution" or "3rd Party Mac Developer Application"
    /// (Mac App Distribution) leaf (`…6.1.4`, `…6.1.7`): code submitted to the stores.
    AppleDistribution,
    /// "3rd Party Mac Developer Installer" (Mac Installer Distribution) leaf (`…6.1.8`).
    MacInstallerDistribution,
    /// Apple's own signature on Mac App Store code or installers (`…6.1.9`, `…6.1.10`).
    MacAppStore,
    /// Apple's own signature on operating-system software ("Software Signing", `…6.22`) or on
    /// iOS App Store binaries (`…6.1.3`).
    ApplePlatform,
    /// A certificate authority naming Apple Inc. as its organisation or carrying an Apple CA
    /// marker (`…6.2.*`): Apple Root CA, WWDR, Developer ID CA, Apple Timestamp CA, ….
    AppleCa,
    /// Apple's provisioning-profile signing leaf (`…6.2.2.1` for iOS, `…4.11` for macOS).
    ProvisioningProfileSigner,
    /// A time-stamping authority leaf (extended key usage `id-kp-timeStamping`).
    Timestamp,
    /// Issuer equals subject and nothing above applies.
    SelfSigned,
    /// None of the above.
    Other,
}

impl CertificateKind {
    /// Whether this is a leaf Apple issues to a developer team, whose OU is the team ID.
    pub fn is_developer_issued(self) -> bool {
        matches!(
            self,
            Self::DeveloperIdApplication
                | Self::DeveloperIdInstaller
                | Self::DeveloperIdKernel
                | Self::AppleDevelopment
                | Self::AppleDistribution
                | Self::MacInstallerDistribution
        )
    }
}

/// Facts read from one X.509 certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CertificateInfo {
    /// Subject distinguished name in RFC 4514 order (last RDN first), `", "`-separated,
    /// e.g. `"CN=Apple Root CA, OU=Apple Certification Authority, O=Apple Inc., C=US"`.
    pub subject: String,
    /// Issuer distinguished name, formatted like `subject`.
    pub issuer: String,
    /// First commonName of the subject, unescaped.
    pub common_name: Option<String>,
    /// First organizationalUnitName of the subject: the team ID in developer certificates.
    pub organizational_unit: Option<String>,
    /// First organizationName of the subject.
    pub organization: Option<String>,
    /// Serial number, lowercase hex of its magnitude (no sign-padding octet).
    pub serial_hex: String,
    /// Start of validity, RFC 3339 UTC (`"2027-02-01T22:12:15Z"`).
    pub not_before: String,
    pub not_before_unix: i64,
    /// End of validity, RFC 3339 UTC.
    pub not_after: String,
    pub not_after_unix: i64,
    /// Subject and issuer names are byte-identical. No signature is checked.
    pub is_self_signed: bool,
    /// basicConstraints says `cA: TRUE`.
    pub is_ca: bool,
    /// Public key type and size: `"rsa-2048"`, `"ecdsa-p256"`, `"ed25519"`, or the dotted OID.
    pub key_algorithm: String,
    /// Algorithm the issuer signed with: `"sha256-rsa"`, `"ecdsa-sha384"`, … or the dotted OID.
    pub signature_algorithm: String,
    /// subjectKeyIdentifier, lowercase hex.
    pub subject_key_identifier: Option<String>,
    /// Dotted OIDs of extensions under `1.2.840.113635.100.*`, in certificate order.
    pub apple_extensions: Vec<String>,
    /// Dotted OIDs of the extended key usages, in certificate order.
    pub extended_key_usage: Vec<String>,
    pub kind: CertificateKind,
    /// SHA-1 over the DER, lowercase hex (what `codesign` and Keychain display).
    pub sha1_fingerprint: String,
    /// SHA-256 over the DER, lowercase hex.
    pub sha256_fingerprint: String,
    /// The certificate's DER.
    #[serde(skip)]
    pub der: Vec<u8>,
    /// DER of the issuer Name, for matching a CMS `IssuerAndSerialNumber`.
    #[serde(skip)]
    pub issuer_der: Vec<u8>,
    /// Serial number INTEGER value octets as encoded, for the same matching.
    #[serde(skip)]
    pub serial_der: Vec<u8>,
}

impl CertificateInfo {
    /// The Apple team ID of a developer leaf (its OU); `None` for CAs, Apple's own leaves and
    /// certificates Apple did not issue to a team.
    pub fn team_id(&self) -> Option<&str> {
        if self.kind.is_developer_issued() {
            self.organizational_unit.as_deref()
        } else {
            None
        }
    }
}

/// Reads the facts of a DER certificate.
pub fn parse_certificate(der: &[u8]) -> Result<CertificateInfo, Problem> {
    if der.len() > MAX_CERTIFICATE_LEN {
        return Err(Problem::at(
            PROBLEM_CODE,
            0,
            format!("certificate of {} bytes exceeds the {MAX_CERTIFICATE_LEN}-byte limit", der.len()),
        ));
    }
    let raw = RawTbsFields::read(der)?;
    let certificate = Certificate::from_der(der).map_err(|e| der_problem(PROBLEM_CODE, &e, 0, "certificate"))?;
    let tbs = &certificate.tbs_certificate;

    let subject = NameFacts::read(&tbs.subject);
    let issuer = NameFacts::read(&tbs.issuer);
    let extensions = ExtensionFacts::read(tbs.extensions.as_deref().unwrap_or(&[]))?;
    let not_before_unix = unix_seconds(tbs.validity.not_before);
    let not_after_unix = unix_seconds(tbs.validity.not_after);
    let is_self_signed = raw.issuer == raw.subject;

    let mut info = CertificateInfo {
        subject: subject.rfc4514,
        issuer: issuer.rfc4514,
        common_name: subject.common_name,
        organizational_unit: subject.organizational_unit,
        organization: subject.organization,
        serial_hex: serial_hex(raw.serial),
        not_before: rfc3339_from_unix(not_before_unix).unwrap_or_default(),
        not_before_unix,
        not_after: rfc3339_from_unix(not_after_unix).unwrap_or_default(),
        not_after_unix,
        is_self_signed,
        is_ca: extensions.is_ca,
        key_algorithm: key_algorithm(&tbs.subject_public_key_info),
        signature_algorithm: algorithm_name(&certificate.signature_algorithm.oid),
        subject_key_identifier: extensions.subject_key_identifier.map(hex::encode),
        apple_extensions: extensions.apple,
        extended_key_usage: extensions.extended_key_usage,
        kind: CertificateKind::Other,
        sha1_fingerprint: hex::encode(Sha1::digest(der)),
        sha256_fingerprint: hex::encode(Sha256::digest(der)),
        der: der.to_vec(),
        issuer_der: raw.issuer.to_vec(),
        serial_der: raw.serial.to_vec(),
    };
    info.kind = classify(&info);
    Ok(info)
}

/// Names the role of a certificate from its marker extensions, most specific first.
fn classify(info: &CertificateInfo) -> CertificateKind {
    let has = |oid: &str| info.apple_extensions.iter().any(|e| e == oid);
    let apple_ca_marker =
        info.apple_extensions.iter().any(|e| e.starts_with(APPLE_CA_EXTENSION_PREFIX) && e != EXT_IOS_PROFILE_SIGNING);
    if info.is_ca {
        return if apple_ca_marker || info.organization.as_deref() == Some("Apple Inc.") {
            CertificateKind::AppleCa
        } else if info.is_self_signed {
            CertificateKind::SelfSigned
        } else {
            CertificateKind::Other
        };
    }
    if has(EXT_DEVELOPER_ID_APPLICATION) {
        CertificateKind::DeveloperIdApplication
    } else if has(EXT_DEVELOPER_ID_INSTALLER) {
        CertificateKind::DeveloperIdInstaller
    } else if has(EXT_DEVELOPER_ID_KERNEL) {
        CertificateKind::DeveloperIdKernel
    } else if has(EXT_MAC_APP_STORE_CODE_SIGNING) || has(EXT_MAC_APP_STORE_INSTALLER_SIGNING) {
        CertificateKind::MacAppStore
    } else if has(EXT_IPHONE_DISTRIBUTION) || has(EXT_MAC_APP_DISTRIBUTION) {
        CertificateKind::AppleDistribution
    } else if has(EXT_MAC_INSTALLER_DISTRIBUTION) {
        CertificateKind::MacInstallerDistribution
    } else if has(EXT_IPHONE_DEVELOPER) || has(EXT_MAC_DEVELOPER) {
        CertificateKind::AppleDevelopment
    } else if has(EXT_APPLE_SOFTWARE_SIGNING) || has(EXT_IPHONE_OS_APPLICATION_SIGNING) {
        CertificateKind::ApplePlatform
    } else if has(EXT_IOS_PROFILE_SIGNING) || has(EXT_MAC_PROFILE_SIGNING) {
        CertificateKind::ProvisioningProfileSigner
    } else if info.extended_key_usage.iter().any(|e| e == OID_EKU_TIME_STAMPING) {
        CertificateKind::Timestamp
    } else if info.is_self_signed {
        CertificateKind::SelfSigned
    } else {
        CertificateKind::Other
    }
}

/// Raw encodings inside the TBSCertificate, kept byte-exact for matching against CMS signer
/// identifiers (re-encoding a decoded Name could reorder multi-valued RDNs).
struct RawTbsFields<'a> {
    serial: &'a [u8],
    issuer: &'a [u8],
    subject: &'a [u8],
}

impl<'a> RawTbsFields<'a> {
    /// Walks `Certificate → TBSCertificate → [version] serial signature issuer validity subject`.
    fn read(der: &'a [u8]) -> Result<Self, Problem> {
        let certificate = Element::parse_exact(der, 0, PROBLEM_CODE)?;
        let tbs = certificate
            .children()
            .next()
            .ok_or_else(|| certificate.problem(PROBLEM_CODE, "certificate has no TBSCertificate"))??;
        let mut fields = tbs.children().peekable();
        if matches!(fields.peek(), Some(Ok(version)) if version.tag == 0xa0) {
            fields.next();
        }
        let mut next = |what: &str| {
            fields.next().ok_or_else(|| tbs.problem(PROBLEM_CODE, format!("TBSCertificate ends before its {what}")))?
        };
        let serial = next("serial number")?;
        let _signature = next("signature algorithm")?;
        let issuer = next("issuer")?;
        let _validity = next("validity")?;
        let subject = next("subject")?;
        check_name_size(issuer, PROBLEM_CODE)?;
        check_name_size(subject, PROBLEM_CODE)?;
        Ok(RawTbsFields { serial: serial.value, issuer: issuer.encoded, subject: subject.encoded })
    }
}

/// Refuses distinguished names beyond [`MAX_NAME_RDNS`] RDNs or [`MAX_RDN_ATTRIBUTES`] attributes
/// per RDN, before a decoder sorts them.
pub(crate) fn check_name_size(name: Element<'_>, code: crate::rule_id::RuleId) -> Result<(), Problem> {
    for (index, rdn) in name.children().enumerate() {
        let rdn = rdn.map_err(|p| Problem { code, ..p })?;
        if index >= MAX_NAME_RDNS {
            return Err(name.problem(code, format!("distinguished name has more than {MAX_NAME_RDNS} RDNs")));
        }
        if rdn.children().nth(MAX_RDN_ATTRIBUTES).is_some() {
            return Err(rdn.problem(code, format!("RDN has more than {MAX_RDN_ATTRIBUTES} attributes")));
        }
    }
    Ok(())
}

/// A `der` decoding error as a [`Problem`] at `base` plus the position the decoder reports.
pub(crate) fn der_problem(code: crate::rule_id::RuleId, error: &der::Error, base: usize, what: &str) -> Problem {
    let message = format!("{what}: {error}");
    match error.position() {
        Some(position) => Problem::at(code, (base as u64).saturating_add(u64::from(u32::from(position))), message),
        None => Problem::at(code, base as u64, message),
    }
}

/// Lowercase hex of a serial number's magnitude: DER keeps a leading zero octet only to mark a
/// positive number whose top bit is set, which is not part of the number.
fn serial_hex(value: &[u8]) -> String {
    match value {
        [0, rest @ ..] if !rest.is_empty() => hex::encode(rest),
        _ => hex::encode(value),
    }
}

/// Seconds since the Unix epoch of a certificate time. `der` only represents 1970–9999, so the
/// value always fits.
fn unix_seconds(time: x509_cert::time::Time) -> i64 {
    i64::try_from(time.to_unix_duration().as_secs()).unwrap_or(i64::MAX)
}

/// Distinguished-name facts.
struct NameFacts {
    rfc4514: String,
    common_name: Option<String>,
    organizational_unit: Option<String>,
    organization: Option<String>,
}

impl NameFacts {
    fn read(name: &Name) -> Self {
        let first = |oid: &str| {
            name.0
                .iter()
                .flat_map(|rdn| rdn.0.iter())
                .find(|ava| ava.oid.to_string() == oid)
                .and_then(|ava| attribute_text(ava.value.tag(), ava.value.value()))
        };
        NameFacts {
            rfc4514: format_name(name),
            common_name: first("2.5.4.3"),
            organizational_unit: first("2.5.4.11"),
            organization: first("2.5.4.10"),
        }
    }
}

/// Formats a Name per RFC 4514 (RDNs last to first, multi-valued RDNs joined by `+`), with
/// `", "` between RDNs for readability.
pub fn format_name(name: &Name) -> String {
    name.0
        .iter()
        .rev()
        .map(|rdn| {
            rdn.0
                .iter()
                .map(|ava| {
                    let key = attribute_short_name(&ava.oid);
                    let value = match attribute_text(ava.value.tag(), ava.value.value()) {
                        Some(text) => escape_rfc4514(&text),
                        // RFC 4514 §2.4: values of unknown syntax as `#` + hex of their BER.
                        None => format!("#{}", hex::encode(der::Encode::to_der(&ava.value).unwrap_or_default())),
                    };
                    format!("{key}={value}")
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// The RFC 4514 short name of a name attribute, or its dotted OID.
fn attribute_short_name(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    let short = match dotted.as_str() {
        "2.5.4.3" => "CN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "STREET",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        _ => return dotted,
    };
    short.to_string()
}

/// Text of a directory-string value, or `None` for types that are not text.
fn attribute_text(tag: Tag, value: &[u8]) -> Option<String> {
    match tag {
        Tag::Utf8String | Tag::PrintableString | Tag::Ia5String | Tag::VisibleString | Tag::NumericString => {
            Some(String::from_utf8_lossy(value).into_owned())
        }
        // T.61 in practice carries Latin-1.
        Tag::TeletexString => Some(value.iter().map(|&b| char::from(b)).collect()),
        Tag::BmpString => {
            let units = value.chunks_exact(2).map(|pair| match pair {
                [hi, lo] => u16::from_be_bytes([*hi, *lo]),
                _ => 0xfffd,
            });
            Some(char::decode_utf16(units).map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER)).collect())
        }
        _ => None,
    }
}

/// Escapes an attribute value per RFC 4514 §2.4.
fn escape_rfc4514(text: &str) -> String {
    let last = text.chars().count().saturating_sub(1);
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        let special = matches!(c, '"' | '+' | ',' | ';' | '<' | '>' | '\\')
            || (i == 0 && matches!(c, ' ' | '#'))
            || (i == last && c == ' ');
        if c == '\0' {
            out.push_str("\\00");
            continue;
        }
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Facts read from the extensions.
struct ExtensionFacts {
    is_ca: bool,
    subject_key_identifier: Option<Vec<u8>>,
    apple: Vec<String>,
    extended_key_usage: Vec<String>,
}

impl ExtensionFacts {
    fn read(extensions: &[x509_cert::ext::Extension]) -> Result<Self, Problem> {
        let mut facts = ExtensionFacts {
            is_ca: false,
            subject_key_identifier: None,
            apple: Vec::new(),
            extended_key_usage: Vec::new(),
        };
        for extension in extensions {
            let oid = extension.extn_id.to_string();
            let value = extension.extn_value.as_bytes();
            match oid.as_str() {
                OID_BASIC_CONSTRAINTS => facts.is_ca = basic_constraints_ca(value)?,
                OID_EXTENDED_KEY_USAGE => facts.extended_key_usage = extended_key_usage(value)?,
                OID_SUBJECT_KEY_IDENTIFIER => facts.subject_key_identifier = Some(subject_key_identifier(value)?),
                _ if oid.starts_with(APPLE_OID_PREFIX) => facts.apple.push(oid),
                _ => {}
            }
        }
        Ok(facts)
    }
}

/// `BasicConstraints ::= SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER OPTIONAL }`.
/// Read by hand: the `x509-cert` type rejects path lengths above 255, which says nothing about `cA`.
fn basic_constraints_ca(value: &[u8]) -> Result<bool, Problem> {
    let sequence = Element::parse_exact(value, 0, PROBLEM_CODE)?;
    if sequence.tag != 0x30 {
        return Err(Problem::new(PROBLEM_CODE, "basicConstraints is not a SEQUENCE"));
    }
    match sequence.children().next() {
        Some(Ok(first)) if first.tag == 0x01 => Ok(first.value.iter().any(|&b| b != 0)),
        Some(Err(e)) => Err(e),
        _ => Ok(false),
    }
}

fn extended_key_usage(value: &[u8]) -> Result<Vec<String>, Problem> {
    let usages = x509_cert::ext::pkix::ExtendedKeyUsage::from_der(value)
        .map_err(|e| der_problem(PROBLEM_CODE, &e, 0, "extendedKeyUsage"))?;
    Ok(usages.0.iter().map(ToString::to_string).collect())
}

fn subject_key_identifier(value: &[u8]) -> Result<Vec<u8>, Problem> {
    let octets = der::asn1::OctetString::from_der(value)
        .map_err(|e| der_problem(PROBLEM_CODE, &e, 0, "subjectKeyIdentifier"))?;
    Ok(octets.as_bytes().to_vec())
}

/// `"rsa-<bits>"`, `"ecdsa-<curve>"`, `"ed25519"`, or the dotted algorithm OID.
fn key_algorithm(spki: &x509_cert::spki::SubjectPublicKeyInfoOwned) -> String {
    let oid = spki.algorithm.oid.to_string();
    match oid.as_str() {
        "1.2.840.113549.1.1.1" => match spki.subject_public_key.as_bytes().and_then(rsa_modulus_bits) {
            Some(bits) => format!("rsa-{bits}"),
            None => "rsa".to_string(),
        },
        "1.2.840.10045.2.1" => {
            let curve = spki
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.decode_as::<ObjectIdentifier>().ok())
                .map(|c| c.to_string());
            match curve.as_deref() {
                Some("1.2.840.10045.3.1.7") => "ecdsa-p256".to_string(),
                Some("1.3.132.0.34") => "ecdsa-p384".to_string(),
                Some("1.3.132.0.35") => "ecdsa-p521".to_string(),
                Some(other) => format!("ecdsa-{other}"),
                None => "ecdsa".to_string(),
            }
        }
        "1.3.101.112" => "ed25519".to_string(),
        _ => oid,
    }
}

/// Bit length of the modulus in `RSAPublicKey ::= SEQUENCE { modulus INTEGER, … }`.
fn rsa_modulus_bits(key: &[u8]) -> Option<usize> {
    let sequence = Element::parse_exact(key, 0, PROBLEM_CODE).ok()?;
    let modulus = sequence.children().next()?.ok()?;
    let significant = modulus.value.iter().position(|&b| b != 0).and_then(|i| modulus.value.get(i..))?;
    let top = *significant.first()?;
    let leading = usize::try_from(top.leading_zeros()).ok()?;
    significant.len().checked_mul(8)?.checked_sub(leading)
}

/// Short name of a digest or signature algorithm, or its dotted OID.
pub fn algorithm_name(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
    let name = match dotted.as_str() {
        "1.3.14.3.2.26" => "sha1",
        "2.16.840.1.101.3.4.2.1" => "sha256",
        "2.16.840.1.101.3.4.2.2" => "sha384",
        "2.16.840.1.101.3.4.2.3" => "sha512",
        "2.16.840.1.101.3.4.2.4" => "sha224",
        "1.2.840.113549.2.5" => "md5",
        "1.2.840.113549.1.1.1" => "rsa",
        "1.2.840.113549.1.1.4" => "md5-rsa",
        "1.2.840.113549.1.1.5" => "sha1-rsa",
        "1.2.840.113549.1.1.10" => "rsa-pss",
        "1.2.840.113549.1.1.11" => "sha256-rsa",
        "1.2.840.113549.1.1.12" => "sha384-rsa",
        "1.2.840.113549.1.1.13" => "sha512-rsa",
        "1.2.840.113549.1.1.14" => "sha224-rsa",
        "1.2.840.10045.2.1" => "ecdsa",
        "1.2.840.10045.4.1" => "ecdsa-sha1",
        "1.2.840.10045.4.3.1" => "ecdsa-sha224",
        "1.2.840.10045.4.3.2" => "ecdsa-sha256",
        "1.2.840.10045.4.3.3" => "ecdsa-sha384",
        "1.2.840.10045.4.3.4" => "ecdsa-sha512",
        "1.3.101.112" => "ed25519",
        _ => return dotted,
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Certificates from a real Developer ID signature (mitmproxy redirector, 2023).
    fn mitmproxy_certificates() -> Vec<Vec<u8>> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector"
        );
        let bytes = std::fs::read(path).unwrap();
        certificates_in(&bytes)
    }

    /// Every DER SEQUENCE in `bytes` that decodes as an X.509 certificate, found by scanning for
    /// `30 82` headers (test helper only: real code walks the CMS structure).
    fn certificates_in(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut found = Vec::new();
        let mut i = 0;
        while i + 4 < bytes.len() {
            if bytes[i] == 0x30 && bytes[i + 1] == 0x82 {
                let len = usize::from(u16::from_be_bytes([bytes[i + 2], bytes[i + 3]])) + 4;
                if let Some(candidate) = bytes.get(i..i + len) {
                    if len > 600 && Certificate::from_der(candidate).is_ok() {
                        found.push(candidate.to_vec());
                        i += len;
                        continue;
                    }
                }
            }
            i += 1;
        }
        found
    }

    #[test]
    fn developer_id_leaf_facts() {
        let infos: Vec<_> = mitmproxy_certificates().iter().map(|d| parse_certificate(d).unwrap()).collect();
        let leaf = infos.iter().find(|c| c.kind == CertificateKind::DeveloperIdApplication).unwrap();
        assert_eq!(leaf.common_name.as_deref(), Some("Developer ID Application: Maximilian Hils (S8XHQB96PW)"));
        assert_eq!(leaf.team_id(), Some("S8XHQB96PW"));
        assert_eq!(leaf.organization.as_deref(), Some("Maximilian Hils"));
        assert_eq!(leaf.not_after, "2027-02-01T22:12:15Z");
        assert_eq!(leaf.not_after_unix, 1_801_519_935);
        assert_eq!(leaf.key_algorithm, "rsa-2048");
        assert_eq!(leaf.signature_algorithm, "sha256-rsa");
        assert!(!leaf.is_ca && !leaf.is_self_signed);
        assert_eq!(leaf.apple_extensions, ["1.2.840.113635.100.6.1.33", "1.2.840.113635.100.6.1.13"]);
        assert!(leaf.extended_key_usage.contains(&"1.3.6.1.5.5.7.3.3".to_string()));
        assert_eq!(
            leaf.subject,
            "C=US, O=Maximilian Hils, OU=S8XHQB96PW, CN=Developer ID Application: Maximilian Hils (S8XHQB96PW), UID=S8XHQB96PW"
        );
        assert_eq!(
            leaf.issuer,
            "C=US, O=Apple Inc., OU=Apple Certification Authority, CN=Developer ID Certification Authority"
        );
        assert_eq!(leaf.sha256_fingerprint.len(), 64);

        let root = infos.iter().find(|c| c.common_name.as_deref() == Some("Apple Root CA")).unwrap();
        assert_eq!(root.kind, CertificateKind::AppleCa);
        assert!(root.is_ca && root.is_self_signed);
        assert_eq!(root.subject, "CN=Apple Root CA, OU=Apple Certification Authority, O=Apple Inc., C=US");
        assert_eq!(root.team_id(), None);
        assert_eq!(root.serial_hex, "02");

        let timestamp = infos.iter().find(|c| c.kind == CertificateKind::Timestamp).unwrap();
        assert!(timestamp.common_name.as_deref().unwrap().starts_with("Timestamp Signer"));
    }

    #[test]
    fn kinds_of_real_apple_leaves() {
        let cases = [
            ("app-info/payload/frameworks/libswiftPhotos.dylib", CertificateKind::AppleDistribution),
            ("santa/testdata/signed-with-teamid", CertificateKind::AppleDevelopment),
            ("santa/testdata/yikes-universal_signed", CertificateKind::AppleDevelopment),
            ("santa/testdata/cal-yikes-universal_signed", CertificateKind::ApplePlatform),
            ("app-info/mobileprovisions/ios_adhoc.mobileprovision", CertificateKind::ProvisioningProfileSigner),
            ("app-info/mobileprovisions/macos_appstore.provisionprofile", CertificateKind::ProvisioningProfileSigner),
            ("app-info/mobileprovisions/signed_plist.mobileprovision", CertificateKind::SelfSigned),
        ];
        for (path, kind) in cases {
            let Some(bytes) = crate::real_corpus::read(path) else { return };
            let kinds: Vec<_> = certificates_in(&bytes).iter().map(|d| parse_certificate(d).unwrap().kind).collect();
            assert!(kinds.contains(&kind), "{path}: {kinds:?}");
            assert!(
                kind == CertificateKind::SelfSigned || kinds.contains(&CertificateKind::AppleCa),
                "{path}: {kinds:?}"
            );
        }
    }

    #[test]
    fn malformed_certificates_are_problems() {
        let der = mitmproxy_certificates().remove(0);
        for cut in [0, 1, 10, der.len() / 2, der.len() - 1] {
            let p = parse_certificate(&der[..cut]).unwrap_err();
            assert_eq!(p.code, PROBLEM_CODE);
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(parse_certificate(&trailing).is_err());
        assert!(parse_certificate(&vec![0x30; MAX_CERTIFICATE_LEN + 1]).is_err());
    }

    #[test]
    fn oversized_names_are_refused_before_decoding() {
        fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
            let len = content.len().to_be_bytes();
            let significant = &len[len.iter().take_while(|&&b| b == 0).count()..];
            let mut out = vec![tag];
            if content.len() < 0x80 {
                out.push(content.len() as u8);
            } else {
                out.push(0x80 | significant.len() as u8);
                out.extend(significant);
            }
            out.extend(content);
            out
        }
        let ava = [0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, b'a', b'b'];
        let name = |count: usize| tlv(0x30, &tlv(0x31, &ava.repeat(count)));
        let one_rdn_of = |count: usize| {
            let der = name(count);
            check_name_size(Element::parse_exact(&der, 0, PROBLEM_CODE).unwrap(), PROBLEM_CODE).map(|_| ())
        };
        assert!(one_rdn_of(40).unwrap_err().message.contains("RDN has more than"));
        let many_rdns = tlv(0x30, &[0x31, 0x00].repeat(MAX_NAME_RDNS + 100));
        let problem =
            check_name_size(Element::parse_exact(&many_rdns, 0, PROBLEM_CODE).unwrap(), PROBLEM_CODE).unwrap_err();
        assert!(problem.message.contains("RDNs"));
        let fine = tlv(0x30, &[0x31, 0x00].repeat(MAX_NAME_RDNS));
        assert!(check_name_size(Element::parse_exact(&fine, 0, PROBLEM_CODE).unwrap(), PROBLEM_CODE).is_ok());
    }

    #[test]
    fn rfc4514_escaping() {
        assert_eq!(escape_rfc4514("Co., Ltd."), "Co.\\, Ltd.");
        assert_eq!(escape_rfc4514(" #a+b "), "\\ #a\\+b\\ ");
        assert_eq!(escape_rfc4514("#x"), "\\#x");
    }
}

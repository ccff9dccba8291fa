//! CMS SignedData (RFC 5652) facts: the signature blob of a code signature (the payload of the
//! `0xfade0b01` BlobWrapper) and the envelope of a provisioning profile.
//!
//! The structure is walked by hand over the DER produced by [`ber_to_der`](super::ber::ber_to_der): the `cms`
//! crate sorts every `SET OF` while decoding, which would lose the stored order of certificates
//! and signed attributes and the exact signed-attribute bytes a signature covers. Typed leaves
//! (certificates, names, OIDs) are decoded by `der`/`x509-cert`.
//!
//! Nothing here verifies a signature; the facts (digests, signed-attribute DER, signature bytes,
//! certificates) are kept for the verifier.

use der::asn1::ObjectIdentifier;
use der::Decode;
use serde::Serialize;
use sha1::Sha1;
use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_cert::name::Name;

use super::ber::{self, Children, Element};
use super::certificate::{self, algorithm_name, der_problem, format_name, parse_certificate, CertificateInfo};
use crate::Problem;

/// Problem code for CMS structures that do not decode.
pub const PROBLEM_CODE: crate::rule_id::RuleId = crate::rule_id::MALFORMED_CMS;

/// Largest CMS accepted. Code signature CMS blobs are under 16 KiB, provisioning profiles under
/// 1 MiB.
pub const MAX_CMS_LEN: usize = 16 * 1024 * 1024;
/// Most certificates read from one SignedData (Apple's carry three).
pub const MAX_CERTIFICATES: usize = 64;
/// Most SignerInfos read from one SignedData (Apple's carry one).
pub const MAX_SIGNERS: usize = 16;
/// Most attributes read per signed or unsigned attribute set.
pub const MAX_ATTRIBUTES: usize = 64;
/// Most values read per attribute, and most code-directory hashes per cdhash attribute.
pub const MAX_ATTRIBUTE_VALUES: usize = 64;

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_DATA: &str = "1.2.840.113549.1.7.1";
const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_SIGNING_TIME: &str = "1.2.840.113549.1.9.5";
const OID_TIMESTAMP_TOKEN: &str = "1.2.840.113549.1.9.16.2.14";
const OID_CDHASHES_PLIST: &str = "1.2.840.113635.100.9.1";
const OID_CDHASHES2: &str = "1.2.840.113635.100.9.2";

// Identifier octets used in the walk.
const TAG_BOOLEAN: u8 = 0x01;
const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_UTC_TIME: u8 = 0x17;
const TAG_GENERALIZED_TIME: u8 = 0x18;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_SET: u8 = 0x31;
const TAG_CONTEXT_0_PRIMITIVE: u8 = 0x80;
const TAG_CONTEXT_0: u8 = 0xa0;
const TAG_CONTEXT_1: u8 = 0xa1;

/// Facts of a CMS SignedData.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CmsInfo {
    /// SignedData version (1 for Apple's signatures).
    pub version: Option<u64>,
    /// Dotted OID of the encapsulated content type (`1.2.840.113549.1.7.1` for data).
    pub content_type: String,
    /// Short name of `content_type` when known: `"data"`, `"tst-info"`.
    pub content_type_name: Option<&'static str>,
    /// Digest algorithms the SignedData announces (`"sha256"`, …), in stored order.
    pub digest_algorithms: Vec<String>,
    /// No encapsulated content: the signed data lives elsewhere (the CodeDirectory, for code
    /// signatures).
    pub detached: bool,
    /// The encapsulated content (a provisioning profile's plist), identical to what was signed.
    #[serde(skip)]
    pub encapsulated_content: Option<Vec<u8>>,
    /// Length of `encapsulated_content`.
    pub encapsulated_content_len: Option<usize>,
    /// Certificates that decoded, in stored order.
    pub certificates: Vec<CertificateInfo>,
    /// Certificates that did not decode (or are not X.509 certificates), with where they were.
    pub certificate_problems: Vec<Problem>,
    /// Number of revocation entries carried in `crls`.
    pub crl_count: usize,
    /// SignerInfos in stored order.
    pub signers: Vec<SignerFacts>,
    /// The bytes were BER but not DER (indefinite lengths, chunked strings). When true, offsets
    /// inside the structure are given in problem messages against the DER re-encoding.
    pub was_ber: bool,
    /// Zero bytes following the SignedData (padding), not part of it.
    pub trailing_zero_bytes: usize,
    /// The SignedData's ContentInfo re-encoded as DER, for signature verification.
    #[serde(skip)]
    pub der: Vec<u8>,
}

/// How a SignerInfo names its certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum SignerIdentifier {
    IssuerAndSerialNumber { issuer: String, serial_hex: String },
    SubjectKeyIdentifier { hex: String },
}

/// A signed or unsigned attribute type, with its name when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AttributeId {
    pub oid: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<&'static str>,
}

/// One entry of the `cdhashes2` attribute: a CodeDirectory hash and its algorithm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CdHash {
    /// `"sha256"`, `"sha1"`, … or the dotted OID.
    pub algorithm: String,
    pub hash_hex: String,
}

/// Facts of one SignerInfo.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SignerFacts {
    pub version: Option<u64>,
    pub identifier: SignerIdentifier,
    /// Index into the certificates of the same SignedData of the certificate `identifier` names.
    pub signer_certificate_index: Option<usize>,
    /// `"sha256"`, … or the dotted OID.
    pub digest_algorithm: String,
    /// `"rsa"`, `"sha256-rsa"`, `"ecdsa-sha256"`, … or the dotted OID.
    pub signature_algorithm: String,
    /// The signingTime attribute (RFC 3339 UTC). Claimed by the signer, not attested.
    pub signing_time: Option<String>,
    pub signing_time_unix: Option<i64>,
    /// The messageDigest attribute, lowercase hex.
    pub message_digest_hex: Option<String>,
    /// Signed attribute types in stored order.
    pub signed_attributes: Vec<AttributeId>,
    /// Unsigned attribute types in stored order.
    pub unsigned_attributes: Vec<AttributeId>,
    /// CodeDirectory hashes from Apple's `1.2.840.113635.100.9.1` attribute (an XML plist
    /// `{cdhashes: [data, …]}`), lowercase hex, in order. Each is a CodeDirectory hash truncated
    /// to 20 bytes.
    pub cdhashes_plist: Vec<String>,
    /// CodeDirectory hashes from Apple's `1.2.840.113635.100.9.2` attribute, full length.
    pub cdhashes2: Vec<CdHash>,
    /// The RFC 3161 timestamp token (unsigned attribute `1.2.840.113549.1.9.16.2.14`).
    pub timestamp: Option<TimestampFacts>,
    /// Attribute values that did not decode; the rest of the signer is still read.
    pub problems: Vec<Problem>,
    /// Length of the signature value in bytes.
    pub signature_len: usize,
    /// The signed attributes as the DER `SET OF` the signature covers (`[0]` re-tagged `0x31`).
    #[serde(skip)]
    pub signed_attrs_der: Option<Vec<u8>>,
    /// The signature value.
    #[serde(skip)]
    pub signature: Vec<u8>,
}

/// Facts of an RFC 3161 timestamp token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimestampFacts {
    /// genTime of the TSTInfo, RFC 3339 UTC (fractional seconds dropped).
    pub time: String,
    pub unix: i64,
    /// The TSTInfo `tsa` name when present, else the common name of the token's signer.
    pub tsa_name: Option<String>,
    /// Dotted OID of the TSA policy.
    pub policy_oid: String,
    /// Algorithm of the message imprint (`"sha256"`, …).
    pub imprint_algorithm: String,
    /// The message imprint: the hash of the outer signature value, lowercase hex.
    pub imprint_hex: String,
    /// Whether the imprint equals the hash of the outer signer's signature value; `None` when
    /// the imprint algorithm is not one of SHA-1/SHA-2.
    pub imprint_matches_signature: Option<bool>,
    /// TSTInfo serial number, lowercase hex.
    pub serial_hex: String,
    /// Certificates carried in the token, in stored order.
    pub certificates: Vec<CertificateInfo>,
    pub certificate_problems: Vec<Problem>,
    /// The token's SignerInfos.
    pub signers: Vec<SignerFacts>,
    /// DER of the TSTInfo, for verifying the token's messageDigest.
    #[serde(skip)]
    pub tst_info_der: Vec<u8>,
}

impl CmsInfo {
    /// The first signer's certificate followed by its issuers found among the embedded
    /// certificates, leaf first — the `Authority=` lines of `codesign -dvv`. Stops at a
    /// self-signed certificate, a missing issuer, or a loop.
    pub fn signer_chain(&self) -> Vec<&CertificateInfo> {
        let Some(mut index) = self.signers.first().and_then(|s| s.signer_certificate_index) else { return Vec::new() };
        let mut chain: Vec<&CertificateInfo> = Vec::new();
        let mut seen = vec![false; self.certificates.len()];
        while let Some(cert) = self.certificates.get(index) {
            if std::mem::replace(&mut seen[index], true) {
                break;
            }
            chain.push(cert);
            if cert.is_self_signed {
                break;
            }
            match self.certificates.iter().position(|c| c.subject == cert.issuer && !std::ptr::eq(c, cert)) {
                Some(next) => index = next,
                None => break,
            }
        }
        chain
    }

    /// The signing certificate.
    pub fn leaf(&self) -> Option<&CertificateInfo> {
        self.certificates.get(self.signers.first()?.signer_certificate_index?)
    }
}

/// Parses a CMS SignedData: a ContentInfo, BER or DER, optionally followed by zero padding.
///
/// An empty input is an error here. In a code signature an empty CMS blob payload marks an
/// ad-hoc signature, not a malformed one: use [`parse_cms_payload`] there, or check for emptiness
/// first.
pub fn parse_cms(bytes: &[u8]) -> Result<CmsInfo, Problem> {
    if bytes.is_empty() {
        return Err(Problem::at(PROBLEM_CODE, 0, "empty CMS data"));
    }
    if bytes.len() > MAX_CMS_LEN {
        return Err(Problem::at(
            PROBLEM_CODE,
            0,
            format!("CMS of {} bytes exceeds the {MAX_CMS_LEN}-byte limit", bytes.len()),
        ));
    }
    let normalized = ber::normalize_first_element(bytes, PROBLEM_CODE)?;
    let trailing = bytes.get(normalized.consumed..).unwrap_or(&[]);
    if let Some(position) = trailing.iter().position(|&b| b != 0) {
        return Err(Problem::at(
            PROBLEM_CODE,
            normalized.consumed.saturating_add(position) as u64,
            format!("{} bytes of data follow the SignedData", trailing.len()),
        ));
    }
    let was_ber = normalized.was_rewritten();
    let der = normalized.der.into_owned();
    let parts = read_content_info(&der, Nesting::Outer).map_err(|p| relocate(p, was_ber))?;
    let mut info = CmsInfo {
        version: parts.version,
        content_type_name: content_type_name(&parts.content_type),
        content_type: parts.content_type,
        digest_algorithms: parts.digest_algorithms,
        detached: parts.encapsulated_content.is_none(),
        encapsulated_content_len: parts.encapsulated_content.as_ref().map(Vec::len),
        encapsulated_content: parts.encapsulated_content,
        certificates: parts.certificates,
        certificate_problems: parts.certificate_problems,
        crl_count: parts.crl_count,
        signers: parts.signers,
        was_ber,
        trailing_zero_bytes: trailing.len(),
        der,
    };
    if was_ber {
        relocate_inner_problems(&mut info);
    }
    Ok(info)
}

/// [`parse_cms`] for the payload of a code signature's CMS blob: `Ok(None)` when the payload is
/// empty, which is how ad-hoc signatures mark that they carry no CMS.
pub fn parse_cms_payload(payload: &[u8]) -> Result<Option<CmsInfo>, Problem> {
    if payload.is_empty() {
        return Ok(None);
    }
    parse_cms(payload).map(Some)
}

/// Short name of a signed or unsigned attribute type, when known.
pub fn attribute_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        OID_CONTENT_TYPE => "contentType",
        OID_MESSAGE_DIGEST => "messageDigest",
        OID_SIGNING_TIME => "signingTime",
        OID_CDHASHES_PLIST => "cdhashes-plist",
        OID_CDHASHES2 => "cdhashes2",
        OID_TIMESTAMP_TOKEN => "timestamp",
        "1.2.840.113549.1.9.15" => "smimeCapabilities",
        "1.2.840.113549.1.9.52" => "cmsAlgorithmProtection",
        "1.2.840.113549.1.9.16.2.11" => "encrypKeyPref",
        "1.2.840.113549.1.9.16.2.12" => "signingCertificate",
        "1.2.840.113549.1.9.16.2.47" => "signingCertificateV2",
        "1.3.6.1.4.1.311.16.4" => "microsoftEncryptionKeyPreference",
        _ => return None,
    })
}

fn content_type_name(oid: &str) -> Option<&'static str> {
    match oid {
        OID_DATA => Some("data"),
        OID_TST_INFO => Some("tst-info"),
        _ => None,
    }
}

/// Where a SignedData sits: the outer one may carry a timestamp token; a token's own SignedData
/// is not searched for further tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nesting {
    Outer,
    TimestampToken,
}

/// Everything read from one SignedData.
struct SignedParts {
    version: Option<u64>,
    content_type: String,
    digest_algorithms: Vec<String>,
    encapsulated_content: Option<Vec<u8>>,
    certificates: Vec<CertificateInfo>,
    certificate_problems: Vec<Problem>,
    crl_count: usize,
    signers: Vec<SignerFacts>,
}

/// Reads `ContentInfo ::= SEQUENCE { contentType OID, content [0] EXPLICIT SignedData }` that
/// fills `der`.
fn read_content_info(der: &[u8], nesting: Nesting) -> Result<SignedParts, Problem> {
    let content_info = Element::parse_exact(der, 0, PROBLEM_CODE)?;
    read_content_info_element(content_info, nesting)
}

fn read_content_info_element(content_info: Element<'_>, nesting: Nesting) -> Result<SignedParts, Problem> {
    let mut fields = Fields::new(content_info, TAG_SEQUENCE, "ContentInfo")?;
    let content_type = oid_string(fields.required(TAG_OID, "contentType")?)?;
    if content_type != OID_SIGNED_DATA {
        return Err(content_info
            .problem(PROBLEM_CODE, format!("ContentInfo holds {content_type}, not SignedData ({OID_SIGNED_DATA})")));
    }
    let explicit = fields.required(TAG_CONTEXT_0, "content")?;
    fields.finish()?;
    let mut inner = Fields::new(explicit, TAG_CONTEXT_0, "content")?;
    let signed_data = inner.required(TAG_SEQUENCE, "SignedData")?;
    inner.finish()?;
    read_signed_data(signed_data, nesting)
}

/// Reads `SignedData ::= SEQUENCE { version, digestAlgorithms SET, encapContentInfo,
/// certificates [0] IMPLICIT OPTIONAL, crls [1] IMPLICIT OPTIONAL, signerInfos SET }`.
fn read_signed_data(signed_data: Element<'_>, nesting: Nesting) -> Result<SignedParts, Problem> {
    let mut fields = Fields::new(signed_data, TAG_SEQUENCE, "SignedData")?;
    let version = small_integer(fields.required(TAG_INTEGER, "version")?);
    let digest_algorithms = fields
        .required(TAG_SET, "digestAlgorithms")?
        .children()
        .take(MAX_ATTRIBUTE_VALUES)
        .map(|algorithm| algorithm.and_then(algorithm_identifier))
        .collect::<Result<Vec<_>, _>>()?;
    let (content_type, encapsulated_content) =
        read_encapsulated_content(fields.required(TAG_SEQUENCE, "encapContentInfo")?)?;
    let (certificates, certificate_problems) = match fields.optional(TAG_CONTEXT_0)? {
        Some(set) => read_certificates(set)?,
        None => (Vec::new(), Vec::new()),
    };
    let crl_count = match fields.optional(TAG_CONTEXT_1)? {
        Some(set) => set.children().count(),
        None => 0,
    };
    let signer_set = fields.required(TAG_SET, "signerInfos")?;
    fields.finish()?;

    let mut signers = Vec::new();
    for signer in signer_set.children() {
        if signers.len() >= MAX_SIGNERS {
            return Err(signer_set.problem(PROBLEM_CODE, format!("more than {MAX_SIGNERS} SignerInfos")));
        }
        signers.push(read_signer_info(signer?, &certificates, nesting)?);
    }
    Ok(SignedParts {
        version,
        content_type,
        digest_algorithms,
        encapsulated_content,
        certificates,
        certificate_problems,
        crl_count,
        signers,
    })
}

/// Reads `EncapsulatedContentInfo ::= SEQUENCE { eContentType OID, eContent [0] EXPLICIT OCTET
/// STRING OPTIONAL }`. Chunked OCTET STRINGs were joined by the BER normalisation, so the content
/// is the signed bytes exactly.
fn read_encapsulated_content(element: Element<'_>) -> Result<(String, Option<Vec<u8>>), Problem> {
    let mut fields = Fields::new(element, TAG_SEQUENCE, "encapContentInfo")?;
    let content_type = oid_string(fields.required(TAG_OID, "eContentType")?)?;
    let content = match fields.optional(TAG_CONTEXT_0)? {
        Some(explicit) => {
            let mut inner = Fields::new(explicit, TAG_CONTEXT_0, "eContent")?;
            let octets = inner.required(TAG_OCTET_STRING, "eContent OCTET STRING")?;
            inner.finish()?;
            Some(octets.value.to_vec())
        }
        None => None,
    };
    fields.finish()?;
    Ok((content_type, content))
}

/// Reads the `certificates` set: X.509 certificates decode into facts; anything else (attribute
/// certificates, undecodable certificates) becomes a problem so the signer can still be read.
fn read_certificates(set: Element<'_>) -> Result<(Vec<CertificateInfo>, Vec<Problem>), Problem> {
    let mut certificates = Vec::new();
    let mut problems = Vec::new();
    for (index, choice) in set.children().enumerate() {
        let choice = choice?;
        if index >= MAX_CERTIFICATES {
            return Err(set.problem(PROBLEM_CODE, format!("more than {MAX_CERTIFICATES} certificates")));
        }
        if choice.tag != TAG_SEQUENCE {
            problems.push(choice.problem(
                certificate::PROBLEM_CODE,
                format!("certificate {index} is a CertificateChoices alternative {:#04x}, not X.509", choice.tag),
            ));
            continue;
        }
        match parse_certificate(choice.encoded) {
            Ok(info) => certificates.push(info),
            Err(problem) => problems.push(Problem {
                message: format!("certificate {index}: {}", problem.message),
                ..problem.rebased(choice.offset as u64)
            }),
        }
    }
    Ok((certificates, problems))
}

/// Reads `SignerInfo ::= SEQUENCE { version, sid, digestAlgorithm, signedAttrs [0] IMPLICIT
/// OPTIONAL, signatureAlgorithm, signature OCTET STRING, unsignedAttrs [1] IMPLICIT OPTIONAL }`.
fn read_signer_info(
    element: Element<'_>,
    certificates: &[CertificateInfo],
    nesting: Nesting,
) -> Result<SignerFacts, Problem> {
    let mut fields = Fields::new(element, TAG_SEQUENCE, "SignerInfo")?;
    let version = small_integer(fields.required(TAG_INTEGER, "version")?);
    let sid = fields.next("sid")?;
    let (identifier, signer_certificate_index) = read_signer_identifier(sid, certificates)?;
    let digest_algorithm = algorithm_identifier(fields.required(TAG_SEQUENCE, "digestAlgorithm")?)?;
    let signed_attrs = fields.optional(TAG_CONTEXT_0)?;
    let signature_algorithm = algorithm_identifier(fields.required(TAG_SEQUENCE, "signatureAlgorithm")?)?;
    let signature = fields.required(TAG_OCTET_STRING, "signature")?.value.to_vec();
    let unsigned_attrs = fields.optional(TAG_CONTEXT_1)?;
    fields.finish()?;

    let mut facts = SignerFacts {
        version,
        identifier,
        signer_certificate_index,
        digest_algorithm,
        signature_algorithm,
        signing_time: None,
        signing_time_unix: None,
        message_digest_hex: None,
        signed_attributes: Vec::new(),
        unsigned_attributes: Vec::new(),
        cdhashes_plist: Vec::new(),
        cdhashes2: Vec::new(),
        timestamp: None,
        problems: Vec::new(),
        signature_len: signature.len(),
        signed_attrs_der: signed_attrs.map(signed_attributes_set_der),
        signature,
    };
    if let Some(set) = signed_attrs {
        for attribute in read_attributes(set)? {
            facts.signed_attributes.push(attribute.id());
            if let Err(problem) = apply_signed_attribute(&mut facts, &attribute) {
                facts.problems.push(problem);
            }
        }
    }
    if let Some(set) = unsigned_attrs {
        for attribute in read_attributes(set)? {
            facts.unsigned_attributes.push(attribute.id());
            if attribute.oid == OID_TIMESTAMP_TOKEN && nesting == Nesting::Outer {
                match read_timestamp_attribute(&attribute, &facts.signature) {
                    Ok(timestamp) => facts.timestamp = Some(timestamp),
                    Err(problem) => facts.problems.push(problem),
                }
            }
        }
    }
    Ok(facts)
}

/// The signature covers the signed attributes encoded as a `SET OF` (RFC 5652 §5.4): the same
/// bytes as the `[0] IMPLICIT` field with the identifier octet replaced.
fn signed_attributes_set_der(implicit: Element<'_>) -> Vec<u8> {
    let mut der = implicit.encoded.to_vec();
    if let Some(identifier) = der.first_mut() {
        *identifier = TAG_SET;
    }
    der
}

/// Reads the sid and finds the certificate it names.
fn read_signer_identifier(
    sid: Element<'_>,
    certificates: &[CertificateInfo],
) -> Result<(SignerIdentifier, Option<usize>), Problem> {
    match sid.tag {
        TAG_SEQUENCE => {
            let mut fields = Fields::new(sid, TAG_SEQUENCE, "IssuerAndSerialNumber")?;
            let issuer = fields.required(TAG_SEQUENCE, "issuer")?;
            let serial = fields.required(TAG_INTEGER, "serialNumber")?;
            fields.finish()?;
            certificate::check_name_size(issuer, PROBLEM_CODE)?;
            let name =
                Name::from_der(issuer.encoded).map_err(|e| der_problem(PROBLEM_CODE, &e, issuer.offset, "issuer"))?;
            let index =
                certificates.iter().position(|c| c.issuer_der == issuer.encoded && c.serial_der == serial.value);
            let identifier = SignerIdentifier::IssuerAndSerialNumber {
                issuer: format_name(&name),
                serial_hex: magnitude_hex(serial.value),
            };
            Ok((identifier, index))
        }
        TAG_CONTEXT_0_PRIMITIVE => {
            let hex_id = hex::encode(sid.value);
            let index = certificates.iter().position(|c| c.subject_key_identifier.as_deref() == Some(hex_id.as_str()));
            Ok((SignerIdentifier::SubjectKeyIdentifier { hex: hex_id }, index))
        }
        other => Err(sid.problem(PROBLEM_CODE, format!("SignerIdentifier has tag {other:#04x}"))),
    }
}

/// One attribute: its type and the elements of its value set.
struct Attribute<'a> {
    oid: String,
    element: Element<'a>,
    values: Vec<Element<'a>>,
}

impl<'a> Attribute<'a> {
    fn id(&self) -> AttributeId {
        AttributeId { name: attribute_name(&self.oid), oid: self.oid.clone() }
    }

    /// The single value RFC 5652 requires for contentType, messageDigest, signingTime and the
    /// timestamp token.
    fn single_value(&self) -> Result<Element<'a>, Problem> {
        match self.values.as_slice() {
            [value] => Ok(*value),
            values => Err(self
                .element
                .problem(PROBLEM_CODE, format!("attribute {} has {} values, expected 1", self.oid, values.len()))),
        }
    }
}

/// Reads `SET OF Attribute`, `Attribute ::= SEQUENCE { attrType OID, attrValues SET OF ANY }`.
fn read_attributes(set: Element<'_>) -> Result<Vec<Attribute<'_>>, Problem> {
    let mut attributes = Vec::new();
    for element in set.children() {
        let element = element?;
        if attributes.len() >= MAX_ATTRIBUTES {
            return Err(set.problem(PROBLEM_CODE, format!("more than {MAX_ATTRIBUTES} attributes")));
        }
        let mut fields = Fields::new(element, TAG_SEQUENCE, "Attribute")?;
        let oid = oid_string(fields.required(TAG_OID, "attrType")?)?;
        let value_set = fields.required(TAG_SET, "attrValues")?;
        fields.finish()?;
        let mut values = Vec::new();
        for value in value_set.children() {
            if values.len() >= MAX_ATTRIBUTE_VALUES {
                return Err(
                    value_set.problem(PROBLEM_CODE, format!("more than {MAX_ATTRIBUTE_VALUES} attribute values"))
                );
            }
            values.push(value?);
        }
        attributes.push(Attribute { oid, element, values });
    }
    Ok(attributes)
}

/// Records what a signed attribute says, when it is one whose value is read.
fn apply_signed_attribute(facts: &mut SignerFacts, attribute: &Attribute<'_>) -> Result<(), Problem> {
    match attribute.oid.as_str() {
        OID_MESSAGE_DIGEST => {
            let value = expect_tag(attribute.single_value()?, TAG_OCTET_STRING, "messageDigest")?;
            facts.message_digest_hex = Some(hex::encode(value.value));
        }
        OID_SIGNING_TIME => {
            let value = attribute.single_value()?;
            let unix = asn1_time_unix(value)?;
            facts.signing_time = crate::time::rfc3339_from_unix(unix);
            facts.signing_time_unix = Some(unix);
        }
        OID_CDHASHES_PLIST => {
            let value = expect_tag(attribute.single_value()?, TAG_OCTET_STRING, "cdhashes plist")?;
            facts.cdhashes_plist = cdhashes_from_plist(value.value)
                .map_err(|message| value.problem(PROBLEM_CODE, format!("cdhashes plist: {message}")))?;
        }
        OID_CDHASHES2 => {
            facts.cdhashes2 = attribute.values.iter().map(|&value| cdhash2_entry(value)).collect::<Result<_, _>>()?;
        }
        _ => {}
    }
    Ok(())
}

/// Reads one `cdhashes2` value: `SEQUENCE { digestAlgorithm OID, hash OCTET STRING }`.
fn cdhash2_entry(value: Element<'_>) -> Result<CdHash, Problem> {
    let mut fields = Fields::new(value, TAG_SEQUENCE, "cdhashes2 entry")?;
    let algorithm = fields.required(TAG_OID, "digest algorithm")?;
    let hash = fields.required(TAG_OCTET_STRING, "hash")?;
    fields.finish()?;
    Ok(CdHash { algorithm: algorithm_text(algorithm)?, hash_hex: hex::encode(hash.value) })
}

/// The `cdhashes` array of data in the plist `{cdhashes: [data, …]}`, as lowercase hex.
fn cdhashes_from_plist(bytes: &[u8]) -> Result<Vec<String>, String> {
    let (value, _) = crate::plist::read_bounded(bytes).map_err(|e| e.to_string())?;
    let hashes = value
        .as_dictionary()
        .ok_or("top level is not a dictionary")?
        .get("cdhashes")
        .ok_or("no cdhashes key")?
        .as_array()
        .ok_or("cdhashes is not an array")?;
    if hashes.len() > MAX_ATTRIBUTE_VALUES {
        return Err(format!("more than {MAX_ATTRIBUTE_VALUES} cdhashes"));
    }
    hashes
        .iter()
        .map(|hash| hash.as_data().map(hex::encode).ok_or_else(|| "a cdhash is not data".to_string()))
        .collect()
}

/// Reads the timestamp-token attribute: a ContentInfo holding a SignedData over a TSTInfo.
fn read_timestamp_attribute(attribute: &Attribute<'_>, outer_signature: &[u8]) -> Result<TimestampFacts, Problem> {
    let token = attribute.single_value()?;
    let parts = read_content_info_element(token, Nesting::TimestampToken)?;
    if parts.content_type != OID_TST_INFO {
        return Err(token.problem(
            PROBLEM_CODE,
            format!("timestamp token holds {}, not TSTInfo ({OID_TST_INFO})", parts.content_type),
        ));
    }
    let content = parts
        .encapsulated_content
        .ok_or_else(|| token.problem(PROBLEM_CODE, "timestamp token has no TSTInfo content"))?;
    // The TSTInfo is opaque OCTET STRING content to the outer normalisation: normalise it too.
    let tst_info_der = ber::ber_to_der(&content, PROBLEM_CODE)
        .map_err(|p| Problem { message: format!("TSTInfo: {}", p.message), offset: None, ..p })?
        .into_owned();
    let tst = read_tst_info(&tst_info_der).map_err(|p| Problem {
        message: format!("TSTInfo: {} (at byte {} of the TSTInfo)", p.message, p.offset.unwrap_or(0)),
        offset: Some(token.offset as u64),
        ..p
    })?;
    let signer_common_name = parts
        .signers
        .first()
        .and_then(|s| s.signer_certificate_index)
        .and_then(|i| parts.certificates.get(i))
        .and_then(|c| c.common_name.clone());
    Ok(TimestampFacts {
        time: crate::time::rfc3339_from_unix(tst.gen_time_unix).unwrap_or_default(),
        unix: tst.gen_time_unix,
        tsa_name: tst.tsa_name.or(signer_common_name),
        imprint_matches_signature: digest(&tst.imprint_algorithm, outer_signature).map(|d| d == tst.imprint),
        policy_oid: tst.policy_oid,
        imprint_algorithm: tst.imprint_algorithm,
        imprint_hex: hex::encode(&tst.imprint),
        serial_hex: magnitude_hex(&tst.serial),
        certificates: parts.certificates,
        certificate_problems: parts.certificate_problems,
        signers: parts.signers,
        tst_info_der,
    })
}

/// Facts of a TSTInfo.
struct TstInfo {
    policy_oid: String,
    imprint_algorithm: String,
    imprint: Vec<u8>,
    serial: Vec<u8>,
    gen_time_unix: i64,
    tsa_name: Option<String>,
}

/// Reads `TSTInfo ::= SEQUENCE { version, policy, messageImprint, serialNumber, genTime,
/// accuracy OPTIONAL, ordering DEFAULT FALSE, nonce OPTIONAL, tsa [0] OPTIONAL,
/// extensions [1] IMPLICIT OPTIONAL }` (RFC 3161 §2.4.2).
fn read_tst_info(der: &[u8]) -> Result<TstInfo, Problem> {
    let tst = Element::parse_exact(der, 0, PROBLEM_CODE)?;
    let mut fields = Fields::new(tst, TAG_SEQUENCE, "TSTInfo")?;
    let _version = fields.required(TAG_INTEGER, "version")?;
    let policy_oid = oid_string(fields.required(TAG_OID, "policy")?)?;
    let mut imprint_fields =
        Fields::new(fields.required(TAG_SEQUENCE, "messageImprint")?, TAG_SEQUENCE, "messageImprint")?;
    let imprint_algorithm = algorithm_identifier(imprint_fields.required(TAG_SEQUENCE, "hashAlgorithm")?)?;
    let imprint = imprint_fields.required(TAG_OCTET_STRING, "hashedMessage")?.value.to_vec();
    imprint_fields.finish()?;
    let serial = fields.required(TAG_INTEGER, "serialNumber")?.value.to_vec();
    let gen_time = fields.required(TAG_GENERALIZED_TIME, "genTime")?;
    let gen_time_unix = asn1_time_unix(gen_time)?;
    let _accuracy = fields.optional(TAG_SEQUENCE)?;
    let _ordering = fields.optional(TAG_BOOLEAN)?;
    let _nonce = fields.optional(TAG_INTEGER)?;
    let tsa_name = match fields.optional(TAG_CONTEXT_0)? {
        Some(explicit) => general_name_text(explicit)?,
        None => None,
    };
    let _extensions = fields.optional(TAG_CONTEXT_1)?;
    fields.finish()?;
    Ok(TstInfo { policy_oid, imprint_algorithm, imprint, serial, gen_time_unix, tsa_name })
}

/// Text of the GeneralName inside `tsa [0] EXPLICIT GeneralName`: a directory name as RFC 4514,
/// DNS names, e-mail addresses and URIs as themselves; other forms give `None`.
fn general_name_text(explicit: Element<'_>) -> Result<Option<String>, Problem> {
    let mut inner = Fields::new(explicit, TAG_CONTEXT_0, "tsa")?;
    let name = inner.next("GeneralName")?;
    inner.finish()?;
    Ok(match name.tag {
        // directoryName [4] EXPLICIT Name
        0xa4 => {
            let mut directory = Fields::new(name, 0xa4, "directoryName")?;
            let rdns = directory.required(TAG_SEQUENCE, "Name")?;
            directory.finish()?;
            certificate::check_name_size(rdns, PROBLEM_CODE)?;
            let parsed =
                Name::from_der(rdns.encoded).map_err(|e| der_problem(PROBLEM_CODE, &e, rdns.offset, "tsa name"))?;
            Some(format_name(&parsed))
        }
        // rfc822Name [1], dNSName [2], uniformResourceIdentifier [6]: IA5String, IMPLICIT.
        0x81 | 0x82 | 0x86 => Some(String::from_utf8_lossy(name.value).into_owned()),
        _ => None,
    })
}

/// The hash of `data` with an algorithm named as in these facts (`"sha1"`, `"sha256"`, `"sha384"`,
/// `"sha512"`); `None` for other algorithms.
pub fn digest(algorithm: &str, data: &[u8]) -> Option<Vec<u8>> {
    Some(match algorithm {
        "sha1" => Sha1::digest(data).to_vec(),
        "sha256" => Sha256::digest(data).to_vec(),
        "sha384" => Sha384::digest(data).to_vec(),
        "sha512" => Sha512::digest(data).to_vec(),
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Small readers
// ---------------------------------------------------------------------------------------------

/// Sequential access to the fields of a constructed element, with OPTIONAL fields recognised by
/// their identifier octet.
struct Fields<'a> {
    parent: Element<'a>,
    children: std::iter::Peekable<Children<'a>>,
    what: &'static str,
}

impl<'a> Fields<'a> {
    /// Starts reading `parent`, which must carry identifier `tag`.
    fn new(parent: Element<'a>, tag: u8, what: &'static str) -> Result<Self, Problem> {
        expect_tag(parent, tag, what)?;
        Ok(Fields { parent, children: parent.children().peekable(), what })
    }

    /// The next field, whatever its tag.
    fn next(&mut self, field: &str) -> Result<Element<'a>, Problem> {
        match self.children.next() {
            Some(element) => element,
            None => Err(self.parent.problem(PROBLEM_CODE, format!("{} ends before its {field}", self.what))),
        }
    }

    /// The next field, which must carry identifier `tag`.
    fn required(&mut self, tag: u8, field: &str) -> Result<Element<'a>, Problem> {
        let element = self.next(field)?;
        expect_tag(element, tag, field)
    }

    /// The next field if it carries identifier `tag`.
    fn optional(&mut self, tag: u8) -> Result<Option<Element<'a>>, Problem> {
        match self.children.peek() {
            Some(Ok(element)) if element.tag == tag => self.next("optional field").map(Some),
            Some(Err(_)) => self.next("optional field").map(Some),
            _ => Ok(None),
        }
    }

    /// Requires that no field is left.
    fn finish(mut self) -> Result<(), Problem> {
        match self.children.next() {
            None => Ok(()),
            Some(Err(problem)) => Err(problem),
            Some(Ok(extra)) => Err(extra
                .problem(PROBLEM_CODE, format!("unexpected element {:#04x} at the end of {}", extra.tag, self.what))),
        }
    }
}

fn expect_tag<'a>(element: Element<'a>, tag: u8, what: &str) -> Result<Element<'a>, Problem> {
    if element.tag == tag {
        Ok(element)
    } else {
        Err(element.problem(PROBLEM_CODE, format!("{what} has tag {:#04x}, expected {tag:#04x}", element.tag)))
    }
}

fn object_identifier(element: Element<'_>) -> Result<ObjectIdentifier, Problem> {
    ObjectIdentifier::from_der(element.encoded)
        .map_err(|e| der_problem(PROBLEM_CODE, &e, element.offset, "OBJECT IDENTIFIER"))
}

/// The name of an algorithm OID, or its dotted text when it is not one `const-oid` can hold.
fn algorithm_text(element: Element<'_>) -> Result<String, Problem> {
    match object_identifier(element) {
        Ok(oid) => Ok(algorithm_name(&oid)),
        Err(_) => oid_string(element),
    }
}

/// Dotted text of an OID. Decoded by hand rather than through `const-oid`, which refuses valid
/// identifiers it cannot store (a first subidentifier above 127, as in `2.999.…`, or very large
/// arcs); such OIDs appear as policies and attribute types and must not make a signature unreadable.
fn oid_string(element: Element<'_>) -> Result<String, Problem> {
    dotted_oid(element.value)
        .ok_or_else(|| element.problem(PROBLEM_CODE, "OBJECT IDENTIFIER is not a valid base-128 encoding"))
}

/// Decodes the contents octets of an OID into dotted text; `None` when malformed.
pub fn dotted_oid(contents: &[u8]) -> Option<String> {
    let mut arcs: Vec<u128> = Vec::new();
    let mut current: u128 = 0;
    let mut pending = false;
    for &byte in contents {
        if !pending && byte == 0x80 {
            return None; // Non-minimal encoding.
        }
        current = current.checked_mul(128)?.checked_add(u128::from(byte & 0x7f))?;
        pending = byte & 0x80 != 0;
        if !pending {
            arcs.push(current);
            current = 0;
        }
    }
    if pending || arcs.is_empty() {
        return None;
    }
    let first = arcs[0];
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut text = format!("{a}.{b}");
    for arc in &arcs[1..] {
        text.push('.');
        text.push_str(&arc.to_string());
    }
    Some(text)
}

/// Name of the algorithm in `AlgorithmIdentifier ::= SEQUENCE { algorithm OID, parameters ANY
/// OPTIONAL }`.
fn algorithm_identifier(element: Element<'_>) -> Result<String, Problem> {
    let mut fields = Fields::new(element, TAG_SEQUENCE, "AlgorithmIdentifier")?;
    let name = algorithm_text(fields.required(TAG_OID, "algorithm")?)?;
    // Parameters (NULL, curve OIDs, PSS parameters) are not needed for the facts.
    let _parameters = fields.children.next();
    fields.finish()?;
    Ok(name)
}

/// A non-negative INTEGER that fits 64 bits, else `None` (versions are tiny; the value is a fact,
/// not something to fail on).
fn small_integer(element: Element<'_>) -> Option<u64> {
    let value = element.value;
    if value.is_empty() || value.len() > 9 || value.first().is_some_and(|&b| b & 0x80 != 0) {
        return None;
    }
    let significant = match value {
        [0, rest @ ..] => rest,
        _ => value,
    };
    if significant.len() > 8 {
        return None;
    }
    Some(significant.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Lowercase hex of an INTEGER's magnitude (drops DER's sign-padding zero octet).
fn magnitude_hex(value: &[u8]) -> String {
    match value {
        [0, rest @ ..] if !rest.is_empty() => hex::encode(rest),
        _ => hex::encode(value),
    }
}

/// Unix seconds of a UTCTime or GeneralizedTime element.
fn asn1_time_unix(element: Element<'_>) -> Result<i64, Problem> {
    let text = element.value;
    let parsed = match element.tag {
        TAG_UTC_TIME => parse_utc_time(text),
        TAG_GENERALIZED_TIME => parse_generalized_time(text),
        other => {
            return Err(element
                .problem(PROBLEM_CODE, format!("time has tag {other:#04x}, expected UTCTime or GeneralizedTime")))
        }
    };
    parsed.ok_or_else(|| element.problem(PROBLEM_CODE, format!("invalid time {:?}", String::from_utf8_lossy(text))))
}

/// `YYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.1: years 50–99 are 19xx, 00–49 are 20xx).
fn parse_utc_time(text: &[u8]) -> Option<i64> {
    let (digits, rest) = text.split_at_checked(12)?;
    if rest != b"Z" {
        return None;
    }
    let year = decimal(digits.get(0..2)?)?;
    let year = if year >= 50 { year.checked_add(1900)? } else { year.checked_add(2000)? };
    civil_digits(i64::from(year), digits.get(2..12)?)
}

/// `YYYYMMDDHHMMSS[.fraction]Z`; the fraction is dropped.
fn parse_generalized_time(text: &[u8]) -> Option<i64> {
    let (digits, rest) = text.split_at_checked(14)?;
    let fraction_ok = match rest {
        [b'Z'] => true,
        [b'.', fraction @ .., b'Z'] => !fraction.is_empty() && fraction.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if !fraction_ok {
        return None;
    }
    civil_digits(i64::from(decimal(digits.get(0..4)?)?), digits.get(4..14)?)
}

/// Unix seconds of `year` followed by `MMDDHHMMSS` digits.
fn civil_digits(year: i64, digits: &[u8]) -> Option<i64> {
    let field = |range: std::ops::Range<usize>| digits.get(range).and_then(decimal);
    crate::time::unix_from_civil(year, field(0..2)?, field(2..4)?, field(4..6)?, field(6..8)?, field(8..10)?)
}

/// Value of a short run of ASCII digits.
fn decimal(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 4 {
        return None;
    }
    digits.iter().try_fold(0u32, |acc, &d| {
        let digit = char::from(d).to_digit(10)?;
        acc.checked_mul(10)?.checked_add(digit)
    })
}

/// Offsets found while walking the DER re-encoding of BER input do not point into the input:
/// move them into the message.
fn relocate(mut problem: Problem, was_ber: bool) -> Problem {
    if was_ber {
        if let Some(offset) = problem.offset.take() {
            problem.message = format!("{} (at byte {offset} of the DER re-encoding of BER input)", problem.message);
        }
    }
    problem
}

fn relocate_inner_problems(info: &mut CmsInfo) {
    let relocate_all = |problems: &mut Vec<Problem>| {
        for problem in problems.iter_mut() {
            *problem = relocate(problem.clone(), true);
        }
    };
    relocate_all(&mut info.certificate_problems);
    for signer in &mut info.signers {
        relocate_all(&mut signer.problems);
        if let Some(timestamp) = &mut signer.timestamp {
            relocate_all(&mut timestamp.certificate_problems);
            for inner in &mut timestamp.signers {
                relocate_all(&mut inner.problems);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oids_outside_const_oid_range_still_decode() {
        // 2.999.1.1: the first subidentifier (1079) takes two bytes.
        assert_eq!(dotted_oid(&[0x88, 0x37, 0x01, 0x01]).as_deref(), Some("2.999.1.1"));
        assert_eq!(dotted_oid(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d]).as_deref(), Some("1.2.840.113549"));
        assert_eq!(dotted_oid(&[0x80, 0x01]), None);
        assert_eq!(dotted_oid(&[0x86]), None);
        assert_eq!(dotted_oid(&[]), None);
    }
    use crate::codesign::certificate::CertificateKind;

    const BLOB_WRAPPER_MAGIC: [u8; 4] = [0xfa, 0xde, 0x0b, 0x01];

    use crate::real_corpus;

    const MITMPROXY: &str = "mitmproxy-redirector/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector";

    /// Payloads of every CMS BlobWrapper in a Mach-O file, in file order (one per signed slice).
    /// Test helper: real code reaches the blob through the SuperBlob index.
    fn cms_payloads(bytes: &[u8]) -> Vec<Vec<u8>> {
        let mut payloads = Vec::new();
        let mut i = 0;
        while let Some(found) = bytes[i..].windows(4).position(|w| w == BLOB_WRAPPER_MAGIC) {
            let start = i + found;
            let len = u32::from_be_bytes(bytes[start + 4..start + 8].try_into().unwrap()) as usize;
            if len >= 8 && start + len <= bytes.len() {
                payloads.push(bytes[start + 8..start + len].to_vec());
            }
            i = start + 4;
        }
        payloads
    }

    /// FACTS.jsonl entries of the signed slices of `path`: the slice's `cms` facts and the
    /// cdhashes of its code directories.
    fn facts_for(path: &str) -> Vec<(serde_json::Value, Vec<String>)> {
        let entry = real_corpus::facts()
            .into_iter()
            .find(|v| v["path"] == path)
            .unwrap_or_else(|| panic!("no facts for {path}"));
        entry["slices"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s.get("cms").is_some_and(|c| c.get("signer_CN").is_some()))
            .map(|s| {
                let cdhashes = s["code_directories"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|cd| cd["cdhash"].as_str().unwrap().to_string())
                    .collect();
                (s["cms"].clone(), cdhashes)
            })
            .collect()
    }

    /// FACTS.jsonl writes times as `2027-02-01 22:12:15+00:00`.
    fn facts_time(text: &str) -> String {
        format!("{}Z", text.trim_end_matches("+00:00").replace(' ', "T"))
    }

    /// The CMS of every signed slice of `path`, checked against FACTS.jsonl; `None` when `path`
    /// is a shared item and the shared corpus is absent.
    fn check_against_facts(path: &str) -> Option<Vec<CmsInfo>> {
        let payloads = cms_payloads(&real_corpus::read(path)?);
        let facts = facts_for(path);
        assert_eq!(payloads.len(), facts.len(), "{path}: signed slices");
        let mut infos = Vec::new();
        for (payload, (fact, cdhashes)) in payloads.iter().zip(&facts) {
            assert_eq!(payload.len() as u64, fact["cms_len"].as_u64().unwrap(), "{path}");
            let info = parse_cms(payload).unwrap_or_else(|p| panic!("{path}: {p}"));
            assert!(info.detached);
            assert_eq!(info.content_type_name, Some("data"));
            assert_eq!(info.certificates.len() as u64, fact["n_certs"].as_u64().unwrap());
            assert!(info.certificate_problems.is_empty());
            for (cert, expected) in info.certificates.iter().zip(fact["certs"].as_array().unwrap()) {
                assert_eq!(cert.common_name.as_deref(), expected["CN"].as_str(), "{path}");
                assert_eq!(cert.organizational_unit.as_deref(), expected["OU"].as_str(), "{path}");
                assert_eq!(cert.organization.as_deref(), expected["O"].as_str(), "{path}");
                assert_eq!(cert.not_after, facts_time(expected["not_after"].as_str().unwrap()), "{path}");
            }
            assert_eq!(info.signers.len() as u64, fact["n_signers"].as_u64().unwrap());
            let signer = &info.signers[0];
            let signer_cert = &info.certificates[signer.signer_certificate_index.unwrap()];
            assert_eq!(signer_cert.common_name.as_deref(), fact["signer_CN"].as_str(), "{path}");
            assert_eq!(signer_cert.organizational_unit.as_deref(), fact["signer_OU"].as_str(), "{path}");
            assert_eq!(signer.digest_algorithm, fact["digest_alg"].as_str().unwrap());
            let names: Vec<_> = signer.signed_attributes.iter().map(|a| a.name.unwrap()).collect();
            let expected: Vec<_> =
                fact["signed_attrs"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            assert_eq!(names, expected, "{path}");
            let unsigned: Vec<_> = signer.unsigned_attributes.iter().map(|a| a.name.unwrap()).collect();
            let expected_unsigned: Vec<_> = fact
                .get("unsigned_attrs")
                .and_then(|v| v.as_array())
                .map(|a| a.iter().map(|v| v.as_str().unwrap()).collect())
                .unwrap_or_default();
            assert_eq!(unsigned, expected_unsigned, "{path}");
            assert!(signer.problems.is_empty(), "{path}: {:?}", signer.problems);
            assert_eq!(&signer.cdhashes_plist, cdhashes, "{path}: cdhashes attribute lists the code directories");
            assert_eq!(signer.message_digest_hex.as_ref().map(String::len), Some(64));
            // The signed attributes are kept exactly as stored (Apple writes them as DER inside
            // the BER), only re-tagged as the SET the signature covers.
            let mut implicit = signer.signed_attrs_der.clone().unwrap();
            assert_eq!(implicit[0], 0x31);
            implicit[0] = 0xa0;
            assert!(payload.windows(implicit.len()).any(|w| w == implicit), "{path}");
            infos.push(info);
        }
        Some(infos)
    }

    #[test]
    fn developer_id_signature_with_secure_timestamp() {
        let infos = check_against_facts(MITMPROXY).expect("kept in the repository");
        for info in &infos {
            assert!(info.was_ber, "codesign writes BER");
            assert_eq!(info.trailing_zero_bytes, 0);
            let signer = &info.signers[0];
            assert_eq!(
                info.certificates[signer.signer_certificate_index.unwrap()].kind,
                CertificateKind::DeveloperIdApplication
            );
            assert!(signer.signing_time.is_some());
            assert_eq!(signer.cdhashes2.len(), 1);
            assert_eq!(signer.cdhashes2[0].algorithm, "sha256");
            assert_eq!(signer.cdhashes2[0].hash_hex.len(), 64);
            assert_eq!(signer.cdhashes_plist.len(), 1);
            assert!(signer.cdhashes2[0].hash_hex.starts_with(&signer.cdhashes_plist[0]));
            let timestamp = signer.timestamp.as_ref().unwrap();
            assert_eq!(timestamp.imprint_algorithm, "sha256");
            assert_eq!(timestamp.imprint_matches_signature, Some(true));
            assert!(timestamp.time.starts_with("2026-10-22T00:43:1"), "{}", timestamp.time);
            assert!(timestamp.tsa_name.as_deref().unwrap().contains("Timestamp"), "{:?}", timestamp.tsa_name);
            assert!(!timestamp.certificates.is_empty());
            assert!(timestamp.certificates.iter().any(|c| c.kind == CertificateKind::Timestamp));
            assert_eq!(timestamp.signers.len(), 1);
            let token_signer = &timestamp.signers[0];
            assert!(token_signer.signer_certificate_index.is_some());
            let tst_digest = digest(&token_signer.digest_algorithm, &timestamp.tst_info_der).unwrap();
            assert_eq!(token_signer.message_digest_hex.as_deref(), Some(hex::encode(tst_digest).as_str()));
            // The signing time the signer claims and the attested time agree to the second or so.
            let claimed = signer.signing_time_unix.unwrap();
            assert!((timestamp.unix - claimed).abs() < 120, "{claimed} vs {}", timestamp.unix);
        }
        let json = serde_json::to_value(&infos[0]).unwrap();
        assert_eq!(json["signers"][0]["timestamp"]["imprint_algorithm"], "sha256");
        assert_eq!(json["certificates"][2]["kind"], "developer-id-application");
    }

    #[test]
    fn apple_distribution_signature() {
        let Some(infos) = check_against_facts("app-info/payload/frameworks/libswiftPhotos.dylib") else { return };
        for info in infos {
            assert!(info.was_ber);
            let signer = &info.signers[0];
            assert_eq!(
                info.certificates[signer.signer_certificate_index.unwrap()].kind,
                CertificateKind::AppleDistribution
            );
            assert_eq!(info.certificates[signer.signer_certificate_index.unwrap()].team_id(), Some("WKR87TTKML"));
            assert!(signer.timestamp.is_none());
            // Two code directories (SHA-1 and SHA-256) are listed in the cdhashes plist.
            assert_eq!(signer.cdhashes_plist.len(), 2);
            assert_eq!(signer.cdhashes2.len(), 2);
            assert_eq!(signer.cdhashes2[0].algorithm, "sha1");
            assert_eq!(signer.cdhashes2[1].algorithm, "sha256");
        }
    }

    #[test]
    fn santa_signatures() {
        let Some(apple) = check_against_facts("santa/testdata/cal-yikes-universal_signed") else { return };
        check_against_facts("santa/testdata/signed-with-teamid");
        check_against_facts("santa/testdata/yikes-universal_signed");
        let platform = apple.iter().find(|i| {
            let s = &i.signers[0];
            i.certificates[s.signer_certificate_index.unwrap()].kind == CertificateKind::ApplePlatform
        });
        assert!(platform.is_some());
        assert!(platform.unwrap().signers[0].signing_time.is_none());
    }

    #[test]
    fn empty_payload_is_ad_hoc() {
        assert_eq!(parse_cms_payload(&[]), Ok(None));
        assert_eq!(parse_cms(&[]).unwrap_err().code, PROBLEM_CODE);
    }

    #[test]
    fn der_input_round_trips_and_keeps_offsets() {
        let payload = cms_payloads(&real_corpus::read_vendored(MITMPROXY)).remove(0);
        let info = parse_cms(&payload).unwrap();
        let again = parse_cms(&info.der).unwrap();
        assert!(!again.was_ber);
        assert_eq!(again.der, info.der);
        assert_eq!(again.signers, info.signers);
        // A structural error in DER input carries an offset into the input.
        let mut broken = info.der.clone();
        let at = broken.windows(3).position(|w| w == [0x06, 0x09, 0x2a]).unwrap();
        broken[at] = 0x05;
        let p = parse_cms(&broken).unwrap_err();
        assert_eq!(p.code, PROBLEM_CODE);
        assert!(p.offset.is_some(), "{p}");
    }

    #[test]
    fn trailing_bytes() {
        let mut payload = cms_payloads(&real_corpus::read_vendored(MITMPROXY)).remove(0);
        payload.extend([0, 0, 0, 0]);
        assert_eq!(parse_cms(&payload).unwrap().trailing_zero_bytes, 4);
        payload.push(1);
        assert_eq!(parse_cms(&payload).unwrap_err().code, PROBLEM_CODE);
    }

    #[test]
    fn time_parsing() {
        assert_eq!(parse_utc_time(b"270201221215Z"), Some(1_801_519_935));
        assert_eq!(parse_utc_time(b"500101000000Z"), Some(-631_152_000));
        assert_eq!(parse_generalized_time(b"20270201221215Z"), Some(1_801_519_935));
        assert_eq!(parse_generalized_time(b"20270201221215.123Z"), Some(1_801_519_935));
        for bad in
            [&b"20270201221215"[..], b"2027020122121Z", b"20271301221215Z", b"20270201221215.Z", b"2027020122121xZ"]
        {
            assert_eq!(parse_generalized_time(bad), None, "{bad:?}");
        }
        assert_eq!(parse_utc_time(b"27020122121Z"), None);
    }

    #[test]
    fn cdhashes_plist_reading() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0"><dict><key>other</key><array><data>AAEC</data></array>
<key>cdhashes</key><array><data>AQID</data><data>BAUG</data></array></dict></plist>"#;
        assert_eq!(cdhashes_from_plist(xml).unwrap(), ["010203", "040506"]);
        assert!(cdhashes_from_plist(b"<plist><array></array></plist>").is_err());
        assert!(cdhashes_from_plist(
            b"<plist><dict><key>cdhashes</key><array><string>x</string></array></dict></plist>"
        )
        .is_err());
    }

    #[test]
    fn bounded_plist_reading() {
        let xml = b"<plist><dict><key>d</key><date>2020-07-21T08:44:54Z</date><key>u</key><integer>-3</integer>\
<key>r</key><real>1.5</real><key>b</key><true/><key>x</key><data>AAE=</data></dict></plist>";
        let (value, format) = crate::plist::read_bounded(xml).unwrap();
        assert_eq!(format, crate::plist::Format::Xml);
        let dict = value.as_dictionary().unwrap();
        assert_eq!(
            dict.get("d").and_then(plist::Value::as_date).map(|d| d.to_xml_format()).as_deref(),
            Some("2020-07-21T08:44:54Z")
        );
        assert_eq!(dict.get("u").and_then(plist::Value::as_signed_integer), Some(-3));
        assert_eq!(dict.get("x").and_then(plist::Value::as_data), Some(&[0u8, 1][..]));
        let mut binary = Vec::new();
        value.to_writer_binary(&mut binary).unwrap();
        let (again, format) = crate::plist::read_bounded(&binary).unwrap();
        assert_eq!(format, crate::plist::Format::Binary);
        assert_eq!(again, value);

        let nested = |depth: usize| format!("<plist>{}{}</plist>", "<array>".repeat(depth), "</array>".repeat(depth));
        assert!(crate::plist::read_bounded(nested(crate::plist::MAX_PLIST_DEPTH).as_bytes()).is_ok());
        let error = crate::plist::read_bounded(nested(crate::plist::MAX_PLIST_DEPTH + 1).as_bytes()).unwrap_err();
        assert!(error.message.contains("nested deeper than 32"), "{error}");
        // Far deeper than any stack could recurse: refused at the limit, not by overflowing.
        assert!(crate::plist::read_bounded(nested(200_000).as_bytes()).is_err());
    }
}

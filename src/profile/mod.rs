//! Provisioning profiles (`embedded.mobileprovision`, `embedded.provisionprofile`): a CMS
//! SignedData, usually BER, whose encapsulated content is a property list (XML, rarely binary)
//! naming the team, the app ID, the devices and the entitlements the profile allows.
//!
//! Parsing reads facts only; whether the signature verifies, whether the profile has expired and
//! whether it matches the app are decided by the rules.

pub mod der;

use serde::Serialize;

use crate::codesign::certificate::{parse_certificate, CertificateInfo};
use crate::codesign::cms::{self, CmsInfo};
use crate::plist::{read_bounded, Format};
use crate::Problem;

/// Problem code for files that are not well-formed provisioning profiles.
pub const PROBLEM_CODE: crate::rule_id::RuleId = crate::rule_id::MALFORMED_PROFILE;

/// Largest profile accepted. Real ones are 8–40 KiB; one listing the maximum number of devices
/// stays under 1 MiB.
pub const MAX_PROFILE_LEN: usize = 8 * 1024 * 1024;

/// Most developer certificates read from a profile (Xcode-managed team profiles list every
/// development certificate of the team, typically a handful).
pub const MAX_DEVELOPER_CERTIFICATES: usize = 256;

/// What kind of distribution a profile is for.
///
/// Profiles do not state this; it is inferred, as Xcode and `fastlane` do:
/// * `ProvisionsAllDevices = true`: `DeveloperId` on macOS, `Enterprise` (in-house) elsewhere;
/// * a `ProvisionedDevices` list: `Development` when the entitlements allow debugging
///   (`get-task-allow` / `com.apple.security.get-task-allow`) or the platform is macOS (which has
///   no ad-hoc distribution), else `AdHoc`;
/// * neither: `AppStore`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProfileKind {
    Development,
    AdHoc,
    AppStore,
    Enterprise,
    DeveloperId,
}

impl ProfileKind {
    /// The kind in words, with its article: `an ad hoc`, `an enterprise (in-house)`.
    pub fn with_article(self) -> &'static str {
        match self {
            ProfileKind::Development => "a development",
            ProfileKind::AdHoc => "an ad hoc",
            ProfileKind::AppStore => "an App Store",
            ProfileKind::Enterprise => "an enterprise (in-house)",
            ProfileKind::DeveloperId => "a Developer ID",
        }
    }
}

/// Facts read from a provisioning profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProvisioningProfile {
    /// The signed envelope.
    pub cms: CmsInfo,
    /// Encoding of the content.
    pub plist_format: Format,
    /// `Name`.
    pub name: Option<String>,
    /// `UUID`.
    pub uuid: Option<String>,
    /// `TeamIdentifier`.
    pub team_identifiers: Vec<String>,
    /// `TeamName`.
    pub team_name: Option<String>,
    /// `AppIDName`.
    pub app_id_name: Option<String>,
    /// `ApplicationIdentifierPrefix`.
    pub application_identifier_prefix: Vec<String>,
    /// `Platform` (`"iOS"`, `"OSX"`, `"xrOS"`, `"tvOS"`, …).
    pub platforms: Vec<String>,
    /// `CreationDate`, RFC 3339 UTC.
    pub creation_date: Option<String>,
    pub creation_date_unix: Option<i64>,
    /// `ExpirationDate`, RFC 3339 UTC.
    pub expiration_date: Option<String>,
    pub expiration_date_unix: Option<i64>,
    /// `TimeToLive`, in days.
    pub time_to_live: Option<i64>,
    /// `Version`.
    pub version: Option<i64>,
    /// `IsXcodeManaged`.
    pub is_xcode_managed: Option<bool>,
    /// `ProvisionsAllDevices`.
    pub provisions_all_devices: Option<bool>,
    /// `ProvisionedDevices`: device UDIDs.
    pub provisioned_devices: Vec<String>,
    /// `Entitlements`: what apps signed under this profile may claim.
    #[serde(serialize_with = "crate::plist::serialize_dictionary")]
    pub entitlements: plist::Dictionary,
    /// `DeveloperCertificates`: the certificates allowed to sign under this profile, in order.
    pub developer_certificates: Vec<Result<CertificateInfo, Problem>>,
    /// `DER-Encoded-Profile`: the DER form of the profile newer profiles carry.
    #[serde(skip)]
    pub der_encoded_profile: Option<Vec<u8>>,
    pub der_encoded_profile_len: Option<usize>,
    /// Inferred distribution kind; see [`ProfileKind`].
    pub kind: ProfileKind,
    /// Keys present with an unexpected type (the key is then treated as absent).
    pub problems: Vec<Problem>,
    /// The whole property list.
    #[serde(skip)]
    pub raw: plist::Dictionary,
}

impl ProvisioningProfile {
    /// The app ID the profile is for (`TEAMID.bundle.id`, possibly ending in `*`), from the
    /// entitlements: `application-identifier` (iOS family) or `com.apple.application-identifier`
    /// (macOS).
    pub fn application_identifier(&self) -> Option<&str> {
        ["application-identifier", "com.apple.application-identifier"]
            .iter()
            .find_map(|key| self.entitlements.get(key).and_then(plist::Value::as_string))
    }

    /// Whether the entitlements allow a debugger to attach (`get-task-allow`, or
    /// `com.apple.security.get-task-allow` on macOS).
    pub fn allows_debugging(&self) -> bool {
        entitlements_allow_debugging(&self.entitlements)
    }

    /// What in the profile shows its [`ProfileKind`], in words: `ProvisionsAllDevices is true`,
    /// `it lists 3 ProvisionedDevices, its entitlements allow get-task-allow`…
    pub fn kind_evidence(&self) -> String {
        let devices = self.provisioned_devices.len();
        let mut parts = Vec::new();
        if self.provisions_all_devices == Some(true) {
            parts.push("ProvisionsAllDevices is true".to_owned());
        } else if devices > 0 {
            parts.push(format!("it lists {devices} ProvisionedDevices"));
        } else {
            parts.push("it lists no devices and ProvisionsAllDevices is not true".to_owned());
        }
        if self.allows_debugging() {
            parts.push("its entitlements allow get-task-allow".to_owned());
        } else if self.kind == ProfileKind::AdHoc {
            // What tells an ad hoc profile from a development one with the same device list.
            parts.push("its entitlements do not allow get-task-allow".to_owned());
        }
        parts.join(", ")
    }
}

/// Parses a provisioning profile file.
pub fn parse_profile(bytes: &[u8]) -> Result<ProvisioningProfile, Problem> {
    if bytes.len() > MAX_PROFILE_LEN {
        return Err(Problem::at(
            PROBLEM_CODE,
            0,
            format!("{} bytes exceed the {MAX_PROFILE_LEN}-byte limit for a provisioning profile", bytes.len()),
        ));
    }
    if bytes.first() != Some(&0x30) {
        return Err(Problem::at(PROBLEM_CODE, 0, describe_non_cms(bytes)));
    }
    let cms = cms::parse_cms(bytes)
        .map_err(|p| Problem { message: format!("signature envelope: {}", p.message), ..recode(p) })?;
    if cms.content_type_name != Some("data") {
        return Err(Problem::new(PROBLEM_CODE, format!("signed content type is {}, not data", cms.content_type)));
    }
    let content = cms
        .encapsulated_content
        .as_deref()
        .ok_or_else(|| Problem::new(PROBLEM_CODE, "the SignedData is detached: it carries no property list"))?;
    // No offset: the content sits inside the CMS envelope, whose bytes may be re-encoded (BER).
    let (value, plist_format) =
        read_bounded(content).map_err(|e| Problem::new(PROBLEM_CODE, format!("signed property list: {e}")))?;
    let plist::Value::Dictionary(raw) = value else {
        return Err(Problem::new(PROBLEM_CODE, "signed property list is not a dictionary"));
    };
    Ok(read_fields(cms, plist_format, raw))
}

/// What a file that does not start like DER is, in words.
fn describe_non_cms(bytes: &[u8]) -> String {
    let text_start = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let text_start =
        text_start.iter().position(|b| !b.is_ascii_whitespace()).and_then(|i| text_start.get(i..)).unwrap_or(&[]);
    if bytes.is_empty() {
        "empty file".to_string()
    } else if bytes.starts_with(b"bplist") {
        "an unsigned binary property list, not a CMS SignedData".to_string()
    } else if text_start.starts_with(b"<") {
        let has_plist_element = bytes.windows(6).any(|w| w == b"<plist");
        let has_closing = bytes.windows(8).any(|w| w == b"</plist>");
        match (has_plist_element, has_closing) {
            (true, true) => "an unsigned XML property list, not a CMS SignedData".to_string(),
            (true, false) => {
                "unsigned, truncated XML: a <plist> element that never closes, not a CMS SignedData".to_string()
            }
            (false, _) => "XML text without a property list, not a CMS SignedData".to_string(),
        }
    } else {
        let first = bytes.first().copied().unwrap_or(0);
        format!("starts with byte {first:#04x}, not a DER SEQUENCE (0x30) holding a CMS SignedData")
    }
}

fn recode(problem: Problem) -> Problem {
    Problem { code: PROBLEM_CODE, ..problem }
}

/// Reads the known keys of the profile dictionary.
fn read_fields(cms: CmsInfo, plist_format: Format, raw: plist::Dictionary) -> ProvisioningProfile {
    let mut fields = Fields { dictionary: &raw, problems: Vec::new() };
    let creation = fields.date("CreationDate");
    let expiration = fields.date("ExpirationDate");
    let entitlements = fields.dictionary("Entitlements");
    let provisions_all_devices = fields.boolean("ProvisionsAllDevices");
    let provisioned_devices = fields.strings("ProvisionedDevices");
    let platforms = fields.strings("Platform");
    let developer_certificates = fields.developer_certificates();
    let der_encoded_profile = fields.data("DER-Encoded-Profile");
    let kind = infer_kind(provisions_all_devices, !provisioned_devices.is_empty(), &entitlements, &platforms);
    ProvisioningProfile {
        plist_format,
        name: fields.string("Name"),
        uuid: fields.string("UUID"),
        team_identifiers: fields.strings("TeamIdentifier"),
        team_name: fields.string("TeamName"),
        app_id_name: fields.string("AppIDName"),
        application_identifier_prefix: fields.strings("ApplicationIdentifierPrefix"),
        creation_date: creation.as_ref().map(|(text, _)| text.clone()),
        creation_date_unix: creation.and_then(|(_, unix)| unix),
        expiration_date: expiration.as_ref().map(|(text, _)| text.clone()),
        expiration_date_unix: expiration.and_then(|(_, unix)| unix),
        time_to_live: fields.integer("TimeToLive"),
        version: fields.integer("Version"),
        is_xcode_managed: fields.boolean("IsXcodeManaged"),
        provisions_all_devices,
        provisioned_devices,
        platforms,
        entitlements,
        developer_certificates,
        der_encoded_profile_len: der_encoded_profile.as_ref().map(Vec::len),
        der_encoded_profile,
        kind,
        problems: fields.problems,
        cms,
        raw,
    }
}

/// See [`ProfileKind`] for the rules.
fn infer_kind(
    provisions_all_devices: Option<bool>,
    has_device_list: bool,
    entitlements: &plist::Dictionary,
    platforms: &[String],
) -> ProfileKind {
    let is_macos = platforms.iter().any(|p| p == "OSX");
    if provisions_all_devices == Some(true) {
        if is_macos {
            ProfileKind::DeveloperId
        } else {
            ProfileKind::Enterprise
        }
    } else if has_device_list {
        if entitlements_allow_debugging(entitlements) || is_macos {
            ProfileKind::Development
        } else {
            ProfileKind::AdHoc
        }
    } else {
        ProfileKind::AppStore
    }
}

fn entitlements_allow_debugging(entitlements: &plist::Dictionary) -> bool {
    ["get-task-allow", "com.apple.security.get-task-allow"]
        .iter()
        .any(|key| entitlements.get(key).and_then(plist::Value::as_boolean) == Some(true))
}

/// Typed access to profile keys; a key of the wrong type is recorded and read as absent.
struct Fields<'a> {
    dictionary: &'a plist::Dictionary,
    problems: Vec<Problem>,
}

impl Fields<'_> {
    fn wrong_type(&mut self, key: &str, expected: &str) {
        self.problems.push(Problem::new(PROBLEM_CODE, format!("{key} is not {expected}")));
    }

    /// The value under `key` converted by `convert`, recording a problem when it has another type.
    fn typed<T>(&mut self, key: &str, expected: &str, convert: impl Fn(&plist::Value) -> Option<T>) -> Option<T> {
        let value = self.dictionary.get(key)?;
        let converted = convert(value);
        if converted.is_none() {
            self.wrong_type(key, expected);
        }
        converted
    }

    fn string(&mut self, key: &str) -> Option<String> {
        self.typed(key, "a string", |v| v.as_string().map(str::to_string))
    }

    fn boolean(&mut self, key: &str) -> Option<bool> {
        self.typed(key, "a boolean", plist::Value::as_boolean)
    }

    fn integer(&mut self, key: &str) -> Option<i64> {
        self.typed(key, "an integer", plist::Value::as_signed_integer)
    }

    fn data(&mut self, key: &str) -> Option<Vec<u8>> {
        self.typed(key, "data", |v| v.as_data().map(<[u8]>::to_vec))
    }

    fn dictionary(&mut self, key: &str) -> plist::Dictionary {
        self.typed(key, "a dictionary", |v| v.as_dictionary().cloned()).unwrap_or_default()
    }

    /// RFC 3339 text and Unix seconds of a date.
    fn date(&mut self, key: &str) -> Option<(String, Option<i64>)> {
        self.typed(key, "a date", |v| {
            v.as_date().map(|d| (crate::plist::json::date_text(d), crate::plist::json::unix_from_date(d)))
        })
    }

    /// An array of strings; non-string entries are recorded and skipped.
    fn strings(&mut self, key: &str) -> Vec<String> {
        let Some(items) = self.typed(key, "an array", |v| v.as_array().cloned()) else {
            return Vec::new();
        };
        let strings: Vec<String> = items.iter().filter_map(|item| item.as_string().map(str::to_string)).collect();
        if strings.len() != items.len() {
            self.wrong_type(key, "an array of strings only");
        }
        strings
    }

    /// `DeveloperCertificates`: DER certificates as data, each read on its own.
    fn developer_certificates(&mut self) -> Vec<Result<CertificateInfo, Problem>> {
        let key = "DeveloperCertificates";
        let Some(items) = self.typed(key, "an array", |v| v.as_array().cloned()) else {
            return Vec::new();
        };
        if items.len() > MAX_DEVELOPER_CERTIFICATES {
            self.problems.push(Problem::new(
                PROBLEM_CODE,
                format!("{key} lists {} certificates; the first {MAX_DEVELOPER_CERTIFICATES} are read", items.len()),
            ));
        }
        items
            .iter()
            .take(MAX_DEVELOPER_CERTIFICATES)
            .enumerate()
            .map(|(index, item)| match item.as_data() {
                Some(der) => parse_certificate(der)
                    .map_err(|p| Problem { message: format!("{key}[{index}]: {}", p.message), ..p }),
                None => Err(Problem::new(PROBLEM_CODE, format!("{key}[{index}] is not data"))),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests;

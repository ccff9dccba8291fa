use super::*;
use crate::codesign::certificate::CertificateKind;
use crate::codesign::cms::parse_cms;

use crate::real_corpus;

const MITMPROXY_PROFILE: &str = "mitmproxy-redirector/Mitmproxy Redirector.app/Contents/embedded.provisionprofile";

/// The `kind: "profile"` entries of FACTS.jsonl.
fn profile_facts() -> Vec<serde_json::Value> {
    real_corpus::facts().into_iter().filter(|entry| entry["kind"] == "profile").collect()
}

/// FACTS.jsonl writes profile dates as `2020-10-24 08:40:28` (UTC).
fn facts_date(value: &serde_json::Value) -> Option<String> {
    value.as_str().map(|text| format!("{}Z", text.replace(' ', "T")))
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value.as_array().map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect()).unwrap_or_default()
}

fn signer_common_name(cms: &CmsInfo) -> Option<String> {
    let signer = cms.signers.first()?;
    cms.certificates.get(signer.signer_certificate_index?)?.common_name.clone()
}

#[test]
fn profiles_match_independent_facts() {
    let facts = profile_facts();
    // Two in the repository (the mitmproxy app's), thirteen in the shared corpus.
    assert!([2, 15].contains(&facts.len()), "{} profile facts", facts.len());
    for fact in facts {
        let path = fact["path"].as_str().unwrap();
        let Some(bytes) = real_corpus::read(path) else { continue };
        let readable = fact.get("Name").is_some();
        let parsed = parse_profile(&bytes);
        if !readable {
            let problem = parsed.expect_err(path);
            assert_eq!(problem.code, PROBLEM_CODE, "{path}");
            // The one signed file among them still yields its envelope facts.
            if let Some(cn) = fact["signer_CN"].as_str() {
                let cms = parse_cms(&bytes).unwrap();
                assert_eq!(signer_common_name(&cms).as_deref(), Some(cn), "{path}");
                assert_eq!(cms.certificates.len() as u64, fact["n_certs"].as_u64().unwrap(), "{path}");
            }
            continue;
        }
        let profile = parsed.unwrap_or_else(|p| panic!("{path}: {p}"));
        assert_eq!(profile.name.as_deref(), fact["Name"].as_str(), "{path}");
        assert_eq!(profile.team_identifiers, strings(&fact["TeamIdentifier"]), "{path}");
        assert_eq!(profile.team_name.as_deref(), fact["TeamName"].as_str(), "{path}");
        assert_eq!(profile.app_id_name.as_deref(), fact["AppIDName"].as_str(), "{path}");
        assert_eq!(profile.application_identifier(), fact["application-identifier"].as_str(), "{path}");
        assert_eq!(profile.platforms, strings(&fact["Platform"]), "{path}");
        assert_eq!(profile.developer_certificates.len() as u64, fact["n_DeveloperCertificates"].as_u64().unwrap());
        assert!(profile.developer_certificates.iter().all(Result::is_ok), "{path}");
        assert_eq!(profile.provisioned_devices.len() as u64, fact["n_ProvisionedDevices"].as_u64().unwrap(), "{path}");
        assert_eq!(profile.provisions_all_devices, fact["ProvisionsAllDevices"].as_bool(), "{path}");
        assert_eq!(profile.der_encoded_profile.is_some(), fact["has_DER-Encoded-Profile"].as_bool().unwrap(), "{path}");
        assert_eq!(profile.expiration_date, facts_date(&fact["ExpirationDate"]), "{path}");
        assert_eq!(profile.creation_date, facts_date(&fact["CreationDate"]), "{path}");
        assert_eq!(
            profile.entitlements.get("get-task-allow").and_then(plist::Value::as_boolean),
            fact["get-task-allow"].as_bool(),
            "{path}"
        );
        let mut keys: Vec<_> = profile.entitlements.keys().cloned().collect();
        keys.sort();
        assert_eq!(keys, strings(&fact["entitlement_keys"]), "{path}");
        assert_eq!(signer_common_name(&profile.cms).as_deref(), fact["signer_CN"].as_str(), "{path}");
        assert_eq!(profile.cms.certificates.len() as u64, fact["n_certs"].as_u64().unwrap(), "{path}");
        assert!(profile.problems.is_empty(), "{path}: {:?}", profile.problems);
        assert_eq!(profile.plist_format, crate::plist::Format::Xml);
        assert_signed_attributes_cover_content(&bytes, &profile.cms, path);
        assert!(!profile.cms.was_ber, "{path}: Apple's provisioning profiles are DER");
    }
}

/// The messageDigest attribute is the digest of the encapsulated content as read, and the
/// signed-attribute DER is the `[0]` field exactly as stored: what a verifier needs.
fn assert_signed_attributes_cover_content(bytes: &[u8], cms: &CmsInfo, path: &str) {
    let signer = &cms.signers[0];
    let content = cms.encapsulated_content.as_deref().unwrap();
    let digest = crate::codesign::cms::digest(&signer.digest_algorithm, content).unwrap();
    assert_eq!(signer.message_digest_hex.as_deref(), Some(hex::encode(digest).as_str()), "{path}");
    let mut implicit = signer.signed_attrs_der.clone().unwrap();
    implicit[0] = 0xa0;
    assert!(bytes.windows(implicit.len()).any(|w| w == implicit), "{path}: signed attributes stored as DER");
}

#[test]
fn inferred_kinds() {
    let cases = [
        ("app-info/mobileprovisions/ios_adhoc.mobileprovision", ProfileKind::AdHoc),
        ("app-info/mobileprovisions/ios_appstore.mobileprovision", ProfileKind::AppStore),
        ("app-info/mobileprovisions/ios_development.mobileprovision", ProfileKind::Development),
        ("app-info/mobileprovisions/macos_appstore.provisionprofile", ProfileKind::AppStore),
        ("app-info/mobileprovisions/macos_development.provisionprofile", ProfileKind::Development),
        ("app-info/mobileprovisions/profile.mobileprovision", ProfileKind::Development),
        ("app-info/payload/plugins/NotificationService.appex/embedded.mobileprovision", ProfileKind::AdHoc),
        (MITMPROXY_PROFILE, ProfileKind::DeveloperId),
    ];
    for (path, kind) in cases {
        let Some(bytes) = real_corpus::read(path) else { continue };
        assert_eq!(parse_profile(&bytes).unwrap().kind, kind, "{path}");
    }
}

#[test]
fn apple_profile_facts_in_detail() {
    let profile = parse_profile(&real_corpus::read_vendored(MITMPROXY_PROFILE)).unwrap();
    assert!(!profile.cms.was_ber, "Apple's profile CMS is DER");
    assert!(!profile.cms.detached);
    assert_eq!(profile.uuid.as_deref(), Some("69842bb4-a811-4ff6-8724-f49e73bdbfde"));
    assert_eq!(profile.time_to_live, Some(6570));
    assert_eq!(profile.version, Some(1));
    assert_eq!(profile.is_xcode_managed, Some(false));
    assert_eq!(profile.der_encoded_profile_len, Some(3620));
    assert_eq!(profile.expiration_date_unix, Some(2_260_364_104));
    assert_eq!(profile.application_identifier(), Some("S8XHQB96PW.org.mitmproxy.macos-redirector"));
    assert!(!profile.allows_debugging());
    let signer = &profile.cms.signers[0];
    let signer_certificate = &profile.cms.certificates[signer.signer_certificate_index.unwrap()];
    assert_eq!(signer_certificate.kind, CertificateKind::ProvisioningProfileSigner);
    assert!(signer.signing_time.is_some());
    let developer = profile.developer_certificates[0].as_ref().unwrap();
    assert_eq!(developer.kind, CertificateKind::DeveloperIdApplication);
    assert_eq!(developer.team_id(), Some("S8XHQB96PW"));

    let json = serde_json::to_value(&profile).unwrap();
    assert_eq!(json["kind"], "developer-id");
    assert_eq!(json["plist_format"], "xml");
    assert_eq!(json["entitlements"]["com.apple.developer.team-identifier"], "S8XHQB96PW");
    assert_eq!(json["entitlements"]["com.apple.developer.system-extension.install"], true);
    assert!(json.get("raw").is_none() && json.get("der_encoded_profile").is_none());
    assert_eq!(json["developer_certificates"][0]["Ok"]["kind"], "developer-id-application");
}

#[test]
fn non_profiles_are_named_for_what_they_are() {
    let cases = [
        ("invalid_empty.mobileprovision", "empty file"),
        ("invalid_missing_plist_block.mobileprovision", "XML text without a property list"),
        ("invalid_missing_plist_tag.mobileprovision", "never closes"),
        ("plist.mobileprovision", "unsigned XML property list"),
        ("bplist.mobileprovision", "unsigned binary property list"),
        // A BER SignedData by a self-signed certificate around plist.mobileprovision, whose
        // DeveloperCertificates entry is not valid base64.
        ("signed_plist.mobileprovision", "signed property list"),
    ];
    let Some(signed_bytes) = real_corpus::read("app-info/mobileprovisions/signed_plist.mobileprovision") else {
        return;
    };
    for (name, words) in cases {
        let bytes = real_corpus::read(&format!("app-info/mobileprovisions/{name}")).unwrap();
        let problem = parse_profile(&bytes).unwrap_err();
        assert_eq!(problem.code, PROBLEM_CODE, "{name}");
        assert!(problem.message.contains(words), "{name}: {problem}");
    }
    let signed = parse_cms(&signed_bytes).unwrap();
    assert!(signed.was_ber, "signed_plist uses indefinite lengths");
    assert_signed_attributes_cover_content(&signed_bytes, &signed, "signed_plist");
    assert_eq!(signed.certificates[0].kind, CertificateKind::SelfSigned);
    assert_eq!(
        signed.encapsulated_content.as_deref(),
        real_corpus::read("app-info/mobileprovisions/plist.mobileprovision").as_deref()
    );
}

/// DER TLV with a definite length.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = (len as u32).to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        out.push(0x80 | (4 - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
    out.extend_from_slice(content);
    out
}

/// An unsigned, BER-framed SignedData around `content`, the content split into chunks as
/// streaming signers write it.
fn ber_signed_data(content: &[u8]) -> Vec<u8> {
    const OID_SIGNED_DATA: [u8; 11] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x02];
    const OID_DATA: [u8; 11] = [0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    let mut chunks = vec![0x24, 0x80];
    for chunk in content.chunks(1000) {
        chunks.extend(tlv(0x04, chunk));
    }
    chunks.extend([0, 0]);
    let mut out = vec![0x30, 0x80];
    out.extend(OID_SIGNED_DATA);
    out.extend([0xa0, 0x80, 0x30, 0x80, 0x02, 0x01, 0x01, 0x31, 0x00, 0x30, 0x80]);
    out.extend(OID_DATA);
    out.extend([0xa0, 0x80]);
    out.extend(chunks);
    out.extend([0, 0, 0, 0]); // [0], EncapsulatedContentInfo
    out.extend([0x31, 0x00]); // no signers
    out.extend([0, 0, 0, 0, 0, 0]); // SignedData, [0], ContentInfo
    out
}

#[test]
fn binary_plist_inside_chunked_ber() {
    let Some(content) = real_corpus::read("app-info/mobileprovisions/bplist.mobileprovision") else { return };
    let profile = parse_profile(&ber_signed_data(&content)).unwrap();
    assert!(profile.cms.was_ber);
    assert_eq!(profile.cms.encapsulated_content.as_deref(), Some(&content[..]));
    assert_eq!(profile.plist_format, crate::plist::Format::Binary);
    assert_eq!(profile.name.as_deref(), Some("com.icyleaf.ios"));
    assert_eq!(profile.creation_date.as_deref(), Some("2019-06-20T11:47:07Z"));
    assert_eq!(profile.provisions_all_devices, Some(true));
    assert_eq!(profile.kind, ProfileKind::Enterprise);
    assert!(profile.cms.signers.is_empty());
    // The sample's certificate bytes are placeholders, so the entry is a problem, not a failure.
    assert_eq!(profile.developer_certificates.len(), 1);
    assert!(profile.developer_certificates[0].is_err());
}

#[test]
fn wrongly_typed_keys_are_problems_not_failures() {
    let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<plist version="1.0"><dict>
<key>Name</key><integer>5</integer>
<key>TeamIdentifier</key><array><string>ABCDE12345</string><true/></array>
<key>Entitlements</key><string>none</string>
<key>DeveloperCertificates</key><array><string>x</string></array>
<key>ProvisionedDevices</key><array><string>udid</string></array>
</dict></plist>"#;
    let profile = parse_profile(&ber_signed_data(xml)).unwrap();
    assert_eq!(profile.name, None);
    assert_eq!(profile.team_identifiers, ["ABCDE12345"]);
    assert!(profile.entitlements.is_empty());
    assert_eq!(profile.kind, ProfileKind::AdHoc);
    assert_eq!(profile.problems.len(), 3, "{:?}", profile.problems);
    assert!(profile.developer_certificates[0].is_err());
    let array = br#"<plist version="1.0"><array/></plist>"#;
    assert!(parse_profile(&ber_signed_data(array)).unwrap_err().message.contains("not a dictionary"));
}

/// A small deterministic generator for the corruption test.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Truncations, single bit flips and random multi-byte damage of a real code-signature CMS blob
/// (with a timestamp token) and a real profile: the parsers must return, never panic.
#[test]
fn damaged_inputs_never_panic() {
    let binary =
        real_corpus::read_vendored("mitmproxy-redirector/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector");
    let magic = binary.windows(4).position(|w| w == [0xfa, 0xde, 0x0b, 0x01]).unwrap();
    let len = u32::from_be_bytes(binary[magic + 4..magic + 8].try_into().unwrap()) as usize;
    let cms_blob = binary[magic + 8..magic + len].to_vec();
    // An iOS development profile when the shared corpus is here, the app's own otherwise.
    let profile = real_corpus::read("app-info/mobileprovisions/ios_development.mobileprovision")
        .unwrap_or_else(|| real_corpus::read_vendored(MITMPROXY_PROFILE));
    let der_cms = parse_cms(&cms_blob).unwrap().der;

    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let mut outcomes = [0usize; 2];
    type Parser = fn(&[u8]) -> bool;
    let inputs: [(&[u8], Parser); 3] = [
        (&cms_blob, |b| parse_cms(b).is_ok()),
        (&der_cms, |b| parse_cms(b).is_ok()),
        (&profile, |b| parse_profile(b).is_ok()),
    ];
    for (original, parse) in inputs {
        let mut run = |bytes: &[u8]| outcomes[usize::from(parse(bytes))] += 1;
        for cut in (0..original.len()).step_by(29) {
            run(&original[..cut]);
        }
        // Every byte of the framing-dense start, then a sample of the rest.
        for position in (0..original.len()).filter(|&p| p < 512 || p % 13 == 0) {
            let mut damaged = original.to_vec();
            damaged[position] ^= 1 << (position % 8);
            run(&damaged);
        }
        for _ in 0..300 {
            let mut damaged = original.to_vec();
            for _ in 0..1 + rng.below(4) {
                let at = rng.below(damaged.len());
                damaged[at] = [0x00, 0x80, 0xff, 0x30, 0x24, rng.next() as u8][rng.below(6)];
            }
            run(&damaged);
        }
    }
    // Both outcomes occur: damage in signature bytes goes unnoticed by a parser, damage to the
    // framing does not.
    assert!(outcomes[0] > 0 && outcomes[1] > 0, "{outcomes:?}");
}

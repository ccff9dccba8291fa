//! `profile-cms-invalid`: a profile's CMS signature verifies, covers its property list and
//! chains to Apple's provisioning-profile signer; the `DER-Encoded-Profile` newer profiles carry
//! is present, signed the same way and says the same as the property list.

use sha2::Digest as _;

use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::codesign::cms::{self, CmsInfo};
use crate::profile::der::parse_der_profile;
use crate::profile::ProvisioningProfile;
use crate::trust::{check_chain, judgement_time, signer_signature_valid, Anchors, ChainDefect, ChainEnd};

pub static RULE: Rule = Rule { id: crate::rule_id::PROFILE_CMS_INVALID, check: Check::Scan(check) };

/// Profiles created from this day on (Xcode 13 beta 1, 7 June 2021) carry `DER-Encoded-Profile`.
const DER_PROFILE_SINCE: i64 = 1_623_024_000;

/// Keys compared between the property list and its DER form, when both have them.
const COMPARED_KEYS: &[&str] = &[
    "AppIDName",
    "ApplicationIdentifierPrefix",
    "CreationDate",
    "Entitlements",
    "ExpirationDate",
    "Name",
    "Platform",
    "ProvisionedDevices",
    "ProvisionsAllDevices",
    "TeamIdentifier",
    "UUID",
];

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for (file, facts) in cx.scan.profiles() {
        let Ok(profile) = &facts.profile else { continue };
        let item = file.owner.and_then(|i| cx.scan.discovery.items.get(i)).map(|i| i.path.clone());
        let mut report = |message: String, help: &str| {
            let mut f = sink.finding(RULE.id, &file.path, format!("`{}`: {message}", file.path)).help(help);
            if let Some(item) = &item {
                f = f.item(item.clone());
            }
            sink.push(f);
        };
        let content = profile.cms.encapsulated_content.as_deref().unwrap_or_default();
        for why in envelope_defects(&profile.cms, content, &cx.settings.anchors) {
            report(
                format!("the profile's signature {why}"),
                "download the profile again from Certificates, Identifiers & Profiles (or let Xcode fetch it) and embed it unchanged; a profile edited or re-signed by anyone but Apple is rejected",
            );
        }
        for why in der_profile_defects(profile, &cx.settings.anchors) {
            report(
                why,
                "download the profile again from Certificates, Identifiers & Profiles (profiles issued since June 2021 carry a matching DER-Encoded-Profile) and embed it unchanged",
            );
        }
    }
}

/// What is wrong with a profile's (or its DER form's) CMS envelope over `content`.
fn envelope_defects(info: &CmsInfo, content: &[u8], anchors: &Anchors) -> Vec<String> {
    let mut out = Vec::new();
    let Some(signer) = info.signers.first() else {
        out.push("has no SignerInfo: nobody signed it".to_owned());
        return out;
    };
    let actual = cms::digest(&signer.digest_algorithm, content).map(hex::encode);
    if let (Some(expected), Some(actual)) = (&signer.message_digest_hex, &actual) {
        if expected != actual {
            out.push(format!(
                "does not cover its content: the signed {} digest is {expected}, the content's is {actual} (the property list was edited after Apple signed it)",
                signer.digest_algorithm
            ));
        }
    }
    if signer_signature_valid(info, signer) == Some(false) {
        out.push("does not verify with the signer's public key".to_owned());
    }
    let Some(leaf) = info.leaf() else {
        out.push("names a signer certificate the envelope does not carry".to_owned());
        return out;
    };
    let name = leaf.common_name.clone().unwrap_or_else(|| leaf.subject.clone());
    let at = judgement_time(signer).map(|(t, _)| t);
    let chain = check_chain(leaf, &info.certificates, anchors, at);
    if let ChainEnd::Untrusted { top } = &chain.end {
        out.push(format!(
            "chains to {top:?}, which is not an Apple root or a trusted anchor (chain: {})",
            chain.path.join(" → ")
        ));
    }
    for defect in &chain.defects {
        match defect {
            ChainDefect::BadSignature { subject, issuer } => {
                out.push(format!("carries certificate {subject:?}, which is not signed by {issuer:?}"))
            }
            ChainDefect::Expired { subject, not_before, not_after, at } => {
                out.push(format!("was made at {at}, outside the validity of {subject:?} ({not_before} to {not_after})"))
            }
        }
    }
    if !is_profile_signer(leaf.kind, &name) {
        out.push(format!("is made by {name:?}, not by Apple's provisioning-profile signing certificate"));
    }
    out
}

/// Apple's profile signers carry a marker extension (`…6.2.2.1`, `…4.11`, newer ones others);
/// all are named "… Provisioning Profile Signing".
fn is_profile_signer(kind: CertificateKind, common_name: &str) -> bool {
    kind == CertificateKind::ProvisioningProfileSigner || common_name.ends_with("Provisioning Profile Signing")
}

/// What is wrong with the profile's `DER-Encoded-Profile`: missing on a profile issued after
/// Apple started adding it, unreadable, badly signed, or saying something else than the plist.
fn der_profile_defects(profile: &ProvisioningProfile, anchors: &Anchors) -> Vec<String> {
    let Some(bytes) = profile.der_encoded_profile.as_deref() else {
        let created = profile.creation_date_unix.filter(|&c| c >= DER_PROFILE_SINCE);
        return created
            .map(|_| {
                format!(
                    "the profile was created {} but has no DER-Encoded-Profile, which every profile Apple issued since June 2021 carries: it was rebuilt by another tool",
                    profile.creation_date.as_deref().unwrap_or_default()
                )
            })
            .into_iter()
            .collect();
    };
    let der = match parse_der_profile(bytes) {
        Ok(d) => d,
        Err(why) => return vec![format!("DER-Encoded-Profile is not readable: {why}")],
    };
    let content = der.cms.encapsulated_content.as_deref().unwrap_or_default();
    let mut out: Vec<String> = envelope_defects(&der.cms, content, anchors)
        .into_iter()
        .map(|why| format!("the signature of DER-Encoded-Profile {why}"))
        .collect();
    for key in COMPARED_KEYS {
        let (Some(plist), Some(der)) = (profile.raw.get(key), der.fields.get(key)) else { continue };
        if same(plist, der) {
            continue;
        }
        let (what, der_value, plist_value) = first_difference(key, der, plist);
        out.push(format!(
            "DER-Encoded-Profile says {what} is {der_value}, the property list says {plist_value}; the system trusts the DER form"
        ));
    }
    if let (Some(plist), Some(der)) =
        (profile.raw.get("DeveloperCertificates"), der.fields.get("DeveloperCertificates"))
    {
        if !same_certificates(plist, der) {
            out.push(
                "DER-Encoded-Profile lists other DeveloperCertificates (by SHA-256) than the property list".to_owned(),
            );
        }
    }
    out
}

/// Plist values equal, dictionaries compared as maps.
fn same(a: &plist::Value, b: &plist::Value) -> bool {
    use plist::Value as V;
    match (a, b) {
        (V::Dictionary(x), V::Dictionary(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        (V::Array(x), V::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same(v, w)),
        (V::Integer(x), V::Integer(y)) => x.as_signed() == y.as_signed() && x.as_unsigned() == y.as_unsigned(),
        _ => a == b,
    }
}

/// Where two differing values first differ: a dictionary key path and both values as JSON
/// (`absent` when one side lacks the key).
fn first_difference(path: &str, a: &plist::Value, b: &plist::Value) -> (String, String, String) {
    let show = |v: Option<&plist::Value>| {
        v.map_or_else(|| "absent".to_owned(), |v| crate::plist::json::to_json(v).to_string())
    };
    if let (Some(x), Some(y)) = (a.as_dictionary(), b.as_dictionary()) {
        for key in x.keys().chain(y.keys()) {
            match (x.get(key), y.get(key)) {
                (Some(v), Some(w)) if same(v, w) => continue,
                (Some(v), Some(w)) => return first_difference(&format!("{path}.{key}"), v, w),
                (v, w) => return (format!("{path}.{key}"), show(v), show(w)),
            }
        }
    }
    (path.to_owned(), show(Some(a)), show(Some(b)))
}

/// The DER form lists certificates as SHA-256 digests of their DER; the plist lists the DER.
fn same_certificates(plist: &plist::Value, der: &plist::Value) -> bool {
    let (Some(certs), Some(digests)) = (plist.as_array(), der.as_array()) else { return true };
    let mut ours: Vec<Vec<u8>> =
        certs.iter().filter_map(|c| c.as_data()).map(|d| sha2::Sha256::digest(d).to_vec()).collect();
    let mut theirs: Vec<Vec<u8>> = digests.iter().filter_map(|d| d.as_data()).map(<[u8]>::to_vec).collect();
    ours.sort();
    theirs.sort();
    ours == theirs
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_signers() {
        assert!(is_profile_signer(CertificateKind::Other, "Apple iPhone OS Provisioning Profile Signing"));
        assert!(is_profile_signer(CertificateKind::ProvisioningProfileSigner, "x"));
        assert!(!is_profile_signer(CertificateKind::DeveloperIdApplication, "Developer ID Application: X (T)"));
    }

    #[test]
    fn dictionaries_compare_as_maps() {
        let mut a = plist::Dictionary::new();
        a.insert("x".into(), true.into());
        a.insert("y".into(), "s".into());
        let mut b = plist::Dictionary::new();
        b.insert("y".into(), "s".into());
        b.insert("x".into(), true.into());
        assert!(same(&a.clone().into(), &b.into()));
        let mut c = a.clone();
        c.insert("x".into(), false.into());
        assert!(!same(&a.into(), &c.into()));
    }

    #[test]
    fn differences_name_the_key() {
        let mut a = plist::Dictionary::new();
        a.insert("id".into(), "T.a".into());
        let mut b = a.clone();
        b.insert("id".into(), "T.b".into());
        let (what, x, y) = first_difference("Entitlements", &a.clone().into(), &b.into());
        assert_eq!((what.as_str(), x.as_str(), y.as_str()), ("Entitlements.id", "\"T.a\"", "\"T.b\""));
        let (what, _, y) = first_difference("E", &a.into(), &plist::Dictionary::new().into());
        assert_eq!((what.as_str(), y.as_str()), ("E.id", "absent"));
    }

    #[test]
    fn certificates_by_digest() {
        let der = plist::Value::Data(vec![1, 2, 3]);
        let digest = plist::Value::Data(sha2::Sha256::digest([1, 2, 3]).to_vec());
        assert!(same_certificates(&plist::Value::Array(vec![der.clone()]), &plist::Value::Array(vec![digest])));
        assert!(!same_certificates(&plist::Value::Array(vec![der]), &plist::Value::Array(vec![])));
    }
}

use super::*;
use crate::codesign::certificate::parse_certificate;

fn corpus_cms(path: &str) -> CmsInfo {
    let bytes = crate::real_corpus::read_vendored(path);
    let file = crate::macho::parse(&bytes).unwrap();
    let slice = &file.slices[0];
    let sig = crate::codesign::signature::parse(&bytes, slice.file_range, slice.code_signature.unwrap());
    sig.cms_info().cloned().expect("certificate-signed")
}

#[test]
fn apple_certificates_parse() {
    let (roots, intermediates) = apple_certificates();
    assert_eq!(roots.len(), 4);
    assert_eq!(intermediates.len(), 11);
}

#[test]
fn a_notarized_developer_id_signature_verifies_to_apple_root() {
    let cms = corpus_cms("mitmproxy-redirector/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector");
    let signer = &cms.signers[0];
    assert_eq!(signer_signature_valid(&cms, signer), Some(true));
    let (at, what) = judgement_time(signer).unwrap();
    assert_eq!(what, "the secure timestamp");
    let at = Some(at);
    let report = check_chain(cms.leaf().unwrap(), &cms.certificates, &Anchors::default(), at);
    assert_eq!(report.end, ChainEnd::Anchored("Apple Root CA".into()), "{report:?}");
    assert!(report.defects.is_empty(), "{report:?}");
    assert_eq!(
        report.path,
        [
            "Developer ID Application: Maximilian Hils (S8XHQB96PW)",
            "Developer ID Certification Authority",
            "Apple Root CA"
        ]
    );
}

#[test]
fn a_tampered_signature_does_not_verify() {
    let mut cms = corpus_cms("mitmproxy-redirector/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector");
    let mut signer = cms.signers[0].clone();
    signer.signature[10] ^= 1;
    cms.signers[0] = signer.clone();
    assert_eq!(signer_signature_valid(&cms, &signer), Some(false));
}

#[test]
fn a_missing_intermediate_is_incomplete_and_expiry_is_checked() {
    let cms = corpus_cms("mitmproxy-redirector/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector");
    let leaf = cms.leaf().unwrap();
    let only_leaf = vec![leaf.clone()];
    let report = check_chain(leaf, &only_leaf, &Anchors::default(), Some(leaf.not_before_unix + 10));
    assert_eq!(report.end, ChainEnd::Incomplete { missing: "Developer ID Certification Authority".into() });
    let late = check_chain(leaf, &cms.certificates, &Anchors::default(), Some(leaf.not_after_unix + 1));
    assert!(matches!(late.defects[0], ChainDefect::Expired { .. }), "{late:?}");
}

/// The signature of the first slice of `devid-universal`, signed by the fixture hierarchy.
fn fixture_signature() -> crate::codesign::signature::Signature {
    let bytes =
        std::fs::read(format!("{}/corpus/generated/signed/devid-universal", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let file = crate::macho::parse(&bytes).unwrap();
    let slice = &file.slices[0];
    crate::codesign::signature::parse(&bytes, slice.file_range, slice.code_signature.unwrap())
}

#[test]
fn a_self_signed_chain_is_untrusted_unless_anchored_by_the_user() {
    let sig = fixture_signature();
    let cms = sig.cms_info().unwrap();
    let leaf = cms.leaf().unwrap();
    assert_eq!(signer_signature_valid(cms, &cms.signers[0]), Some(true));
    let at = Some(leaf.not_before_unix + 60);
    let untrusted = check_chain(leaf, &cms.certificates, &Anchors::default(), at);
    assert!(matches!(untrusted.end, ChainEnd::Untrusted { .. }), "{untrusted:?}");
    let root = std::fs::read(format!("{}/corpus/generated/pki/root.pem", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let anchor = dir.path().join("root.pem");
    std::fs::write(&anchor, root).unwrap();
    let anchors = Anchors::load(&[anchor]).unwrap();
    let trusted = check_chain(leaf, &cms.certificates, &anchors, at);
    assert_eq!(trusted.end, ChainEnd::Anchored("Fixture Apple Root CA".into()), "{trusted:?}");
    assert!(trusted.defects.is_empty(), "{trusted:?}");
    let _ = parse_certificate;
}

#[test]
fn a_substitute_root_counts_as_apples_and_a_trust_anchor_does_not() {
    let sig = fixture_signature();
    let cms = sig.cms_info().unwrap();
    let root = std::path::PathBuf::from(format!("{}/corpus/generated/pki/root.pem", env!("CARGO_MANIFEST_DIR")));
    let chain = |anchors: &Anchors| {
        let (chain, anchored, apple) =
            super::requirement_eval::certificate_chain(cms.leaf().unwrap(), &cms.certificates, anchors);
        (chain.len(), anchored, apple)
    };
    assert_eq!(chain(&Anchors::default()), (3, false, false));
    let trusted = Anchors::load(std::slice::from_ref(&root)).unwrap();
    assert_eq!(chain(&trusted), (3, true, false));
    let substituted = Anchors::default().with_apple_substitutes(std::slice::from_ref(&root)).unwrap();
    assert_eq!(chain(&substituted), (3, true, true));
    let anchor = substituted.find(&substituted.apple_substitutes[0]).unwrap();
    assert!(substituted.is_apple(anchor) && substituted.is_substitute(anchor));
    assert!(!trusted.is_apple(anchor));
    let real = &super::apple_certificates().0[0];
    assert!(substituted.is_apple(real) && !substituted.is_substitute(real));
}

#[test]
fn every_vendored_apple_certificate_parses() {
    let dir = format!("{}/src/trust/apple-certs", env!("CARGO_MANIFEST_DIR"));
    let mut failures = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        if entry.path().extension().is_some_and(|e| e == "cer") {
            if let Err(p) = parse_certificate(&std::fs::read(entry.path()).unwrap()) {
                failures.push(format!("{}: {p}", entry.path().display()));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

/// A leaf whose subject holds a multi-valued RDN stored out of DER order, and the root that
/// signed it (`tools/make-rdn-order-certificates.py`), as DER.
fn rdn_order_certificate(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/rdn-order/{name}", env!("CARGO_MANIFEST_DIR"));
    let pem = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let (label, der) = der::pem::decode_vec(&pem).unwrap();
    assert_eq!(label, "CERTIFICATE");
    der
}

#[test]
fn certificates_are_verified_over_the_bytes_their_issuer_signed() {
    use der::{Decode, Encode};
    let leaf = rdn_order_certificate("leaf.pem");
    let root = rdn_order_certificate("root.pem");
    // The hazard is real for this certificate: decoding sorts the RDN, so a re-encoding differs
    // from what the root signed.
    let reencoded = x509_cert::Certificate::from_der(&leaf).unwrap().tbs_certificate.to_der().unwrap();
    let signed = keys::signed_tbs_bytes(&leaf).unwrap();
    assert_ne!(reencoded, signed);
    assert_eq!(reencoded.len(), signed.len());
    assert_eq!(keys::verify_certificate(&leaf, &root), Some(true));
    assert_eq!(keys::verify_certificate(&root, &root), Some(true));

    // One changed byte in the signed part (the subject's organisation) fails.
    let mut altered = leaf.clone();
    let at = altered.windows(7).position(|w| w == b"Example").unwrap();
    altered[at] ^= 0x20;
    assert_eq!(keys::verify_certificate(&altered, &root), Some(false));
    // Neither a certificate that is not one, nor one with trailing bytes, is verified.
    assert_eq!(keys::verify_certificate(&leaf[..leaf.len() - 1], &root), None);
    let mut trailing = leaf.clone();
    trailing.push(0);
    assert_eq!(keys::verify_certificate(&trailing, &root), None);
}

#[test]
fn a_chain_through_an_unsorted_name_is_anchored() {
    let leaf = parse_certificate(&rdn_order_certificate("leaf.pem")).unwrap();
    let root = parse_certificate(&rdn_order_certificate("root.pem")).unwrap();
    let root_path = std::path::PathBuf::from(format!("{}/tests/data/rdn-order/root.pem", env!("CARGO_MANIFEST_DIR")));
    let anchors = Anchors::load(&[root_path]).unwrap();
    let report = check_chain(&leaf, &[leaf.clone(), root], &anchors, Some(leaf.not_before_unix + 60));
    assert_eq!(report.end, ChainEnd::Anchored("RDN Order Test Root".into()), "{report:?}");
    assert!(report.defects.is_empty(), "{report:?}");
}

/// A PEM anchor keeps its bytes: re-encoding would sort the leaf's RDN and change them.
#[test]
fn pem_anchors_keep_their_bytes() {
    let dir = format!("{}/tests/data/rdn-order", env!("CARGO_MANIFEST_DIR"));
    let both = tempfile::tempdir().unwrap();
    let chain = both.path().join("chain.pem");
    let text = [std::fs::read(format!("{dir}/leaf.pem")).unwrap(), std::fs::read(format!("{dir}/root.pem")).unwrap()];
    std::fs::write(&chain, text.concat()).unwrap();
    let anchors = Anchors::load(&[chain]).unwrap();
    let ders: Vec<&[u8]> = anchors.user.iter().map(|c| c.der.as_slice()).collect();
    assert_eq!(ders, [rdn_order_certificate("leaf.pem").as_slice(), rdn_order_certificate("root.pem").as_slice()]);
}

//! Code requirements evaluated against the product: nested code against the requirement its
//! container's seal recorded for it, and each signature against its own designated requirement.

use crate::codesign::certificate::CertificateInfo;
use crate::codesign::requirement::{CertSlot, Expr, Requirement, RequirementType};
use crate::codesign::requirement_text::parse_requirement_text;
use crate::codesign::signature::Signature;
use crate::model::Scan;
use crate::trust::requirement_eval::{certificate_chain, evaluate, identity_of, CodeIdentity, Verdict};
use crate::trust::Anchors;
use crate::verify::NestedRequirement;

/// Whether the nested code of `request` satisfies the requirement its container recorded; the
/// reason when it does not. Clauses that bytes cannot decide (notarization) do not fail it.
pub fn nested_satisfies(scan: &Scan, request: &NestedRequirement<'_>, anchors: &Anchors) -> Result<(), String> {
    let expr = parse_requirement_text(request.requirement).map_err(|p| p.message)?;
    let mut code = identity_of(scan, request.nested, anchors);
    match evaluate(&expr, &code) {
        Verdict::Unsatisfied(why) => {
            // A chain that ends at a trust anchor fails `anchor apple generic` as it does on a
            // Mac that trusts that root; when that is all that fails, the root is probably a
            // test hierarchy mirroring Apple's, which `--apple-root` is for.
            code.apple_anchored = true;
            let only_the_anchor = code.anchored && evaluate(&expr, &code) == Verdict::Satisfied;
            Err(if only_the_anchor {
                format!(
                    "{why} (it ends at a trust anchor; a test root that mirrors Apple's is given with --apple-root)"
                )
            } else {
                why
            })
        }
        Verdict::Satisfied | Verdict::Unknown(_) => Ok(()),
    }
}

/// The designated requirement a signature states explicitly (type 3 of its requirement set),
/// when it has one that decodes.
pub fn explicit_designated(signature: &Signature) -> Option<&Requirement> {
    let entries = signature.requirements.as_ref()?.as_ref().ok()?;
    entries.iter().find(|e| e.kind == RequirementType::Designated).and_then(|e| e.requirement.as_ref().ok())
}

/// Whether the code signed by `signature` (a slice, or the detached signature, of item `index`)
/// satisfies `requirement`, as `codesign --verify -v` asks of its designated requirement.
///
/// `info` is the Info.plist the signature binds (the bundle's, or a tool's `__info_plist`).
/// Clauses about the certificate chain are only decided where a Mac would decide them the same
/// way: the chain ends at one of Apple's roots, or the signature has no certificates at all.
/// A chain that ends at an anchor the user added (a test or enterprise PKI) cannot show what
/// `anchor apple generic` says on a Mac, and one that ends nowhere is `sig-cert-untrusted`'s
/// finding: for those, the other clauses are still judged.
pub fn self_verdict(
    scan: &Scan,
    index: usize,
    signature: &Signature,
    info: Option<&plist::Dictionary>,
    requirement: &Requirement,
    anchors: &Anchors,
) -> Verdict {
    let code = signature_identity(scan, index, signature, info, anchors);
    let chain = ChainKnowledge::of(&code, signature);
    evaluate_knowing(&requirement.expr, &code, &chain)
}

/// What one signature can show a requirement: its own identifier, entitlements and certificates,
/// every CodeDirectory hash of the item (a `cdhash` clause names any of its architectures).
fn signature_identity<'a>(
    scan: &'a Scan,
    index: usize,
    signature: &'a Signature,
    info: Option<&'a plist::Dictionary>,
    anchors: &'a Anchors,
) -> CodeIdentity<'a> {
    let mut code = identity_of(scan, index, anchors);
    code.info = info.or(code.info);
    code.identifier = signature.primary().map(|cd| cd.identifier.as_str());
    code.platform = signature.primary().map_or(0, |cd| cd.platform);
    code.entitlements = signature.entitlements_value().and_then(plist::Value::as_dictionary);
    let (chain, anchored, apple): (Vec<&CertificateInfo>, bool, bool) = match signature.cms_info() {
        Some(cms) => match cms.leaf() {
            Some(leaf) => certificate_chain(leaf, &cms.certificates, anchors),
            None => (Vec::new(), false, false),
        },
        None => (Vec::new(), false, false),
    };
    code.chain = chain;
    code.anchored = anchored;
    code.apple_anchored = apple;
    code
}

/// Which certificate clauses the signature's chain lets us decide.
struct ChainKnowledge {
    /// Anchor clauses (`anchor apple`, `anchor apple generic`, `anchor trusted`) and the root's
    /// fields: decided when the chain ends at an Apple root, or when there are no certificates.
    anchor: bool,
    /// The chain reached an anchor, so a certificate missing from it is missing on a Mac too.
    complete: bool,
    /// Certificates known, leaf first.
    known: usize,
    /// The signature is ad-hoc: no certificate clause can hold.
    adhoc: bool,
}

impl ChainKnowledge {
    fn of(code: &CodeIdentity<'_>, signature: &Signature) -> ChainKnowledge {
        use crate::codesign::signature::{signing_kind, SigningKind};
        // Ad-hoc code has no certificates at all, so no certificate clause can hold; a CMS blob
        // that could not be read says nothing either way.
        let certificate_free = matches!(signing_kind(Some(signature)), SigningKind::Adhoc | SigningKind::LinkerSigned)
            && signature.cms_info().is_none_or(|cms| cms.certificates.is_empty());
        ChainKnowledge {
            anchor: code.apple_anchored || certificate_free,
            complete: code.anchored || certificate_free,
            known: code.chain.len(),
            adhoc: certificate_free,
        }
    }

    /// Whether a clause about certificate `slot` can be decided.
    fn slot(&self, slot: &CertSlot) -> bool {
        match slot {
            CertSlot::Leaf => self.known > 0 || self.complete,
            CertSlot::Index(n) if *n > 0 => (*n as usize) < self.known || self.complete,
            // The root and positions counted from it depend on where the chain ends.
            CertSlot::Root | CertSlot::Index(_) => self.anchor,
        }
    }

    /// Whether a leaf clause of a requirement can be decided; `None` for clauses that are not
    /// about certificates.
    fn decides(&self, expr: &Expr) -> Option<bool> {
        match expr {
            Expr::AnchorApple | Expr::AnchorAppleGeneric | Expr::TrustedCerts | Expr::NamedAnchor(_) => {
                Some(self.anchor)
            }
            Expr::TrustedCert(slot) => Some(self.anchor && self.slot(slot)),
            Expr::AnchorHash { slot, .. }
            | Expr::CertField { slot, .. }
            | Expr::CertGeneric { slot, .. }
            | Expr::CertPolicy { slot, .. }
            | Expr::CertFieldDate { slot, .. } => Some(self.slot(slot)),
            _ => None,
        }
    }
}

/// [`evaluate`], with the certificate clauses `chain` cannot decide left unknown.
fn evaluate_knowing(expr: &Expr, code: &CodeIdentity<'_>, chain: &ChainKnowledge) -> Verdict {
    use Verdict::{Satisfied, Unknown, Unsatisfied};
    match expr {
        Expr::And(a, b) => match (evaluate_knowing(a, code, chain), evaluate_knowing(b, code, chain)) {
            (Unsatisfied(w), _) | (_, Unsatisfied(w)) => Unsatisfied(w),
            (Unknown(w), _) | (_, Unknown(w)) => Unknown(w),
            _ => Satisfied,
        },
        Expr::Or(a, b) => match (evaluate_knowing(a, code, chain), evaluate_knowing(b, code, chain)) {
            (Satisfied, _) | (_, Satisfied) => Satisfied,
            (Unknown(w), _) | (_, Unknown(w)) => Unknown(w),
            (Unsatisfied(x), Unsatisfied(y)) => Unsatisfied(format!("{x}, and {y}")),
        },
        Expr::Not(a) => match evaluate_knowing(a, code, chain) {
            Satisfied => Unsatisfied(format!("`{}` holds", Requirement { expr: (**a).clone() })),
            Unsatisfied(_) => Satisfied,
            unknown => unknown,
        },
        clause if chain.adhoc && chain.decides(clause).is_some() => Unsatisfied(format!(
            "`{}` needs a certificate, and the signature is ad-hoc: it has none",
            Requirement { expr: clause.clone() }
        )),
        clause if chain.decides(clause) == Some(false) => Unknown(format!(
            "`{}` depends on a chain that does not end at an Apple root",
            Requirement { expr: clause.clone() }
        )),
        clause => evaluate(clause, code),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verdict(text: &str, code: &CodeIdentity<'_>, chain: &ChainKnowledge) -> Verdict {
        evaluate_knowing(&parse_requirement_text(text).unwrap(), code, chain)
    }

    #[test]
    fn anchor_clauses_of_a_chain_not_ending_at_apple_are_left_undecided_and_the_rest_judged() {
        let code = CodeIdentity { identifier: Some("com.example.fixture"), ..CodeIdentity::default() };
        let test_root = ChainKnowledge { anchor: false, complete: true, known: 3, adhoc: false };
        let dr = r#"identifier "com.example.fixture" and anchor apple generic"#;
        assert!(matches!(verdict(dr, &code, &test_root), Verdict::Unknown(_)));
        let other = r#"identifier "com.example.other" and anchor apple generic"#;
        assert!(
            matches!(verdict(other, &code, &test_root), Verdict::Unsatisfied(w) if w.contains("\"com.example.fixture\""))
        );
        assert!(matches!(verdict("!anchor apple generic", &code, &test_root), Verdict::Unknown(_)));
        assert!(matches!(
            verdict("certificate root = H\"0000000000000000000000000000000000000000\"", &code, &test_root),
            Verdict::Unknown(_)
        ));
    }

    #[test]
    fn a_signature_without_certificates_fails_every_anchor_clause() {
        let code = CodeIdentity { identifier: Some("hello"), ..CodeIdentity::default() };
        let adhoc = ChainKnowledge { anchor: true, complete: true, known: 0, adhoc: true };
        assert_eq!(
            verdict("anchor apple generic", &code, &adhoc),
            Verdict::Unsatisfied(
                "`anchor apple generic` needs a certificate, and the signature is ad-hoc: it has none".into()
            )
        );
        assert!(matches!(verdict("certificate leaf[subject.OU] = X", &code, &adhoc), Verdict::Unsatisfied(_)));
        assert_eq!(verdict("identifier hello", &code, &adhoc), Verdict::Satisfied);
    }

    #[test]
    fn an_incomplete_chain_leaves_missing_certificates_undecided() {
        let code = CodeIdentity::default();
        let partial = ChainKnowledge { anchor: false, complete: false, known: 1, adhoc: false };
        assert!(matches!(
            verdict("certificate 1[field.1.2.840.113635.100.6.2.6] exists", &code, &partial),
            Verdict::Unknown(_)
        ));
    }

    #[test]
    fn a_notarized_apps_own_requirement_is_decided_in_full_and_holds() {
        let app = format!("{}/corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app", env!("CARGO_MANIFEST_DIR"));
        let scan = Scan::open(std::path::Path::new(&app)).unwrap();
        let anchors = Anchors::default();
        let item = scan.item_views().next().unwrap();
        let slices = item.slices();
        let signature = slices[0].signature().unwrap();
        let info = item.info().and_then(|d| d.dict());
        let dr = explicit_designated(signature).unwrap();
        assert_eq!(self_verdict(&scan, item.index, signature, info, dr, &anchors), Verdict::Satisfied);
        let other_team = parse_requirement_text(&dr.to_string().replace("S8XHQB96PW", "ABCDE12345")).unwrap();
        let other_team = Requirement { expr: other_team };
        assert!(matches!(
            self_verdict(&scan, item.index, signature, info, &other_team, &anchors),
            Verdict::Unsatisfied(why) if why.contains("S8XHQB96PW")
        ));
    }
}

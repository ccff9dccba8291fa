//! Evaluating a code requirement statically against a piece of code's signature: what codesign
//! does when it checks that nested code "satisfies its designated requirement".
//!
//! Three answers: satisfied, not satisfied (with the clause that fails), or unknown — for clauses
//! that depend on things bytes cannot show (notarization tickets, revocation, non-Apple
//! certificate extensions bundlelint does not record).

use crate::codesign::certificate::{CertificateInfo, CertificateKind};
use crate::codesign::requirement::{CertSlot, Expr, Match, Operand};

/// What a requirement can ask about a piece of code.
#[derive(Debug, Clone, Default)]
pub struct CodeIdentity<'a> {
    pub identifier: Option<&'a str>,
    /// Every CodeDirectory hash (full length); a requirement's `cdhash` matches by prefix.
    pub cdhashes: Vec<Vec<u8>>,
    /// Leaf first, then its issuers, ending with the anchor when the chain reached one.
    pub chain: Vec<&'a CertificateInfo>,
    /// The chain ends at one of Apple's roots.
    pub apple_anchored: bool,
    /// The chain ends at a trusted anchor (Apple's or the user's).
    pub anchored: bool,
    pub info: Option<&'a plist::Dictionary>,
    pub entitlements: Option<&'a plist::Dictionary>,
    pub platform: u8,
}

/// The outcome of an evaluation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    Satisfied,
    Unsatisfied(String),
    Unknown(String),
}

use Verdict::{Satisfied, Unknown, Unsatisfied};

fn verdict(ok: bool, why: impl FnOnce() -> String) -> Verdict {
    if ok {
        Satisfied
    } else {
        Unsatisfied(why())
    }
}

/// Evaluates `expr` against `code`.
pub fn evaluate(expr: &Expr, code: &CodeIdentity<'_>) -> Verdict {
    match expr {
        Expr::True => Satisfied,
        Expr::False => Unsatisfied("the requirement is `never`".into()),
        Expr::And(a, b) => match (evaluate(a, code), evaluate(b, code)) {
            (Unsatisfied(w), _) | (_, Unsatisfied(w)) => Unsatisfied(w),
            (Unknown(w), _) | (_, Unknown(w)) => Unknown(w),
            _ => Satisfied,
        },
        Expr::Or(a, b) => match (evaluate(a, code), evaluate(b, code)) {
            (Satisfied, _) | (_, Satisfied) => Satisfied,
            (Unknown(w), _) | (_, Unknown(w)) => Unknown(w),
            (Unsatisfied(x), Unsatisfied(y)) => Unsatisfied(format!("{x}, and {y}")),
        },
        Expr::Not(a) => match evaluate(a, code) {
            Satisfied => {
                Unsatisfied(format!("`{}` holds", crate::codesign::requirement::Requirement { expr: (**a).clone() }))
            }
            Unsatisfied(_) => Satisfied,
            u => u,
        },
        Expr::Identifier(id) => {
            let want = text(id);
            verdict(code.identifier == Some(want.as_str()), || {
                format!("identifier is {:?}, not {want:?}", code.identifier.unwrap_or("unset"))
            })
        }
        Expr::AnchorAppleGeneric => {
            verdict(code.apple_anchored, || "the certificate chain does not lead to an Apple root".into())
        }
        Expr::AnchorApple => {
            let apple_own =
                code.apple_anchored && code.chain.first().is_some_and(|c| c.kind == CertificateKind::ApplePlatform);
            verdict(apple_own, || "the code is not signed by Apple itself".into())
        }
        Expr::TrustedCert(_) | Expr::TrustedCerts => {
            verdict(code.anchored, || "the certificate chain does not lead to a trusted anchor".into())
        }
        Expr::AnchorHash { slot, hash } => match cert(code, slot) {
            Some(c) => verdict(hex::decode(&c.sha1_fingerprint).is_ok_and(|f| f == *hash), || {
                format!("certificate {} is {}, not H\"{}\"", slot_name(slot), c.sha1_fingerprint, hex::encode(hash))
            }),
            None => Unsatisfied(format!("there is no certificate {}", slot_name(slot))),
        },
        Expr::CdHash(hash) => verdict(code.cdhashes.iter().any(|c| c.starts_with(hash) && !hash.is_empty()), || {
            format!("no CodeDirectory hashes to {}", hex::encode(hash))
        }),
        Expr::CertField { slot, field, matcher } => match cert(code, slot) {
            None => Unsatisfied(format!("there is no certificate {}", slot_name(slot))),
            Some(c) => {
                let name = text(field);
                let value = match name.as_str() {
                    "subject.CN" => c.common_name.as_deref(),
                    "subject.OU" => c.organizational_unit.as_deref(),
                    "subject.O" => c.organization.as_deref(),
                    _ => return Unknown(format!("certificate field {name} is not read")),
                };
                matches(value, matcher, || format!("certificate {}[{name}]", slot_name(slot)))
            }
        },
        Expr::CertGeneric { slot, oid, matcher } => match cert(code, slot) {
            None => Unsatisfied(format!("there is no certificate {}", slot_name(slot))),
            Some(c) => {
                let present =
                    c.apple_extensions.iter().any(|e| e == oid) || c.extended_key_usage.iter().any(|e| e == oid);
                // Only Apple's extensions are recorded: an absent other one is unknown.
                if !present && !oid.starts_with("1.2.840.113635.") {
                    return Unknown(format!("certificate extension {oid} is not read"));
                }
                match matcher {
                    Match::Exists => {
                        verdict(present, || format!("certificate {} lacks extension {oid}", slot_name(slot)))
                    }
                    Match::Absent => {
                        verdict(!present, || format!("certificate {} has extension {oid}", slot_name(slot)))
                    }
                    _ => Unknown(format!("values of certificate extension {oid} are not read")),
                }
            }
        },
        Expr::InfoKey { key, matcher } => {
            let value = code.info.and_then(|d| d.get(text(key).as_str())).and_then(plist::Value::as_string);
            matches(value, matcher, || format!("info[{}]", text(key)))
        }
        Expr::InfoKeyValue { key, value } => {
            let found = code.info.and_then(|d| d.get(text(key).as_str())).and_then(plist::Value::as_string);
            matches(found, &Match::Equal(value.clone()), || format!("info[{}]", text(key)))
        }
        Expr::Entitlement { key, matcher } => {
            let value = code.entitlements.and_then(|d| d.get(text(key).as_str()));
            match (value, matcher) {
                (None, Match::Absent) => Satisfied,
                (None, _) => Unsatisfied(format!("entitlement {} is absent", text(key))),
                (Some(_), Match::Exists) => Satisfied,
                (Some(plist::Value::Boolean(b)), Match::Equal(want)) => {
                    verdict(want.as_str() == Some(if *b { "true" } else { "false" }), || {
                        format!("entitlement {} is {b}", text(key))
                    })
                }
                (Some(v), m) => matches(v.as_string(), m, || format!("entitlement[{}]", text(key))),
            }
        }
        Expr::Platform(n) => {
            verdict(i32::from(code.platform) == *n, || format!("platform is {}, not {n}", code.platform))
        }
        Expr::Notarized => Unknown("notarization is recorded in Apple's ticket, not in the signature".into()),
        other => Unknown(format!(
            "`{}` is not evaluated statically",
            crate::codesign::requirement::Requirement { expr: other.clone() }
        )),
    }
}

fn text(o: &Operand) -> String {
    String::from_utf8_lossy(o.as_bytes()).into_owned()
}

fn slot_name(slot: &CertSlot) -> String {
    match slot {
        CertSlot::Leaf => "leaf".into(),
        CertSlot::Root => "root".into(),
        CertSlot::Index(n) => n.to_string(),
    }
}

fn cert<'a>(code: &CodeIdentity<'a>, slot: &CertSlot) -> Option<&'a CertificateInfo> {
    match slot {
        CertSlot::Leaf => code.chain.first().copied(),
        // The root is only known when the chain reached an anchor.
        CertSlot::Root => code.chain.last().copied().filter(|_| code.anchored),
        CertSlot::Index(n) if *n >= 0 => code.chain.get(*n as usize).copied(),
        CertSlot::Index(n) => {
            code.chain.len().checked_sub(n.unsigned_abs() as usize).and_then(|i| code.chain.get(i).copied())
        }
    }
}

/// Applies a string matcher to a value.
fn matches(value: Option<&str>, matcher: &Match, what: impl FnOnce() -> String) -> Verdict {
    let op = |o: &Operand| text(o);
    let ok = match (value, matcher) {
        (v, Match::Exists) => v.is_some(),
        (v, Match::Absent) => v.is_none(),
        (None, _) => return Unsatisfied(format!("{} is absent", what())),
        (Some(v), Match::Equal(o)) => v == op(o),
        (Some(v), Match::Contains(o)) => v.contains(&op(o)),
        (Some(v), Match::BeginsWith(o)) => v.starts_with(&op(o)),
        (Some(v), Match::EndsWith(o)) => v.ends_with(&op(o)),
        (Some(_), _) => return Unknown(format!("{} is compared by an operator not evaluated statically", what())),
    };
    if ok {
        Satisfied
    } else {
        let shown = value.map_or_else(|| "absent".to_owned(), |v| format!("{v:?}"));
        Unsatisfied(format!("{} is {shown}", what()))
    }
}

/// What code item `index` of `scan` can show a requirement: its first signed slice's identity,
/// every CodeDirectory hash of every slice, its certificate chain and its Info.plist.
pub fn identity_of<'a>(scan: &'a crate::model::Scan, index: usize, anchors: &'a super::Anchors) -> CodeIdentity<'a> {
    use crate::model::Code;
    let (Some(item), Some(facts)) = (scan.discovery.items.get(index), scan.items.get(index)) else {
        return CodeIdentity::default();
    };
    let signatures: Vec<&crate::codesign::signature::Signature> = match &facts.code {
        Code::MachO { slices, .. } => slices.iter().filter_map(|s| s.signature.as_ref()).collect(),
        Code::Detached(sig) => vec![sig.as_ref()],
        _ => Vec::new(),
    };
    let mut identity = CodeIdentity {
        info: item.info.as_ref().and_then(|i| i.as_ref().ok()).and_then(|d| d.dict()),
        cdhashes: signatures
            .iter()
            .flat_map(|s| s.code_directories.iter())
            .filter_map(|c| hex::decode(c.cd.cdhash.as_ref()?).ok())
            .collect(),
        ..CodeIdentity::default()
    };
    if let Some(first) = signatures.first() {
        identity.identifier = first.primary().map(|cd| cd.identifier.as_str());
        identity.platform = first.primary().map_or(0, |cd| cd.platform);
        identity.entitlements = first.entitlements_value().and_then(plist::Value::as_dictionary);
        if let Some(cms) = first.cms_info() {
            if let Some(leaf) = cms.leaf() {
                let (chain, anchored, apple) = certificate_chain(leaf, &cms.certificates, anchors);
                identity.chain = chain;
                identity.anchored = anchored;
                identity.apple_anchored = apple;
            }
        }
    }
    identity
}

/// The certificates of a signature from its leaf up, through the embedded certificates, ending
/// with the anchor when one is reached: (chain, anchored, anchored at an Apple root or a root
/// standing in for Apple's).
pub fn certificate_chain<'a>(
    leaf: &'a CertificateInfo,
    pool: &'a [CertificateInfo],
    anchors: &'a super::Anchors,
) -> (Vec<&'a CertificateInfo>, bool, bool) {
    let mut chain = vec![leaf];
    let mut current = leaf;
    for _ in 0..8 {
        if let Some(anchor) = anchors.find(current) {
            if anchor.der != current.der {
                chain.push(anchor);
            }
            let apple = anchors.is_apple(anchor);
            return (chain, true, apple);
        }
        match pool.iter().find(|c| c.subject == current.issuer && c.der != current.der) {
            Some(issuer) => {
                chain.push(issuer);
                current = issuer;
            }
            None => break,
        }
    }
    (chain, false, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codesign::requirement_text::parse_requirement_text;

    fn eval(text: &str, code: &CodeIdentity<'_>) -> Verdict {
        evaluate(&parse_requirement_text(text).unwrap(), code)
    }

    #[test]
    fn a_notarized_apps_designated_requirement_is_satisfied_by_itself_only() {
        let bytes = std::fs::read(format!(
            "{}/corpus/real/mitmproxy-redirector/Mitmproxy Redirector.app/Contents/MacOS/Mitmproxy Redirector",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap();
        let file = crate::macho::parse(&bytes).unwrap();
        let slice = &file.slices[0];
        let sig = crate::codesign::signature::parse(&bytes, slice.file_range, slice.code_signature.unwrap());
        let cms = sig.cms_info().unwrap();
        let anchors = super::super::Anchors::default();
        let (chain, anchored, apple) = certificate_chain(cms.leaf().unwrap(), &cms.certificates, &anchors);
        assert!(anchored && apple);
        let me = CodeIdentity {
            identifier: Some("org.mitmproxy.macos-redirector"),
            cdhashes: sig.code_directories.iter().filter_map(|c| hex::decode(c.cd.cdhash.as_ref()?).ok()).collect(),
            chain,
            apple_anchored: apple,
            anchored,
            ..CodeIdentity::default()
        };
        let dr = r#"anchor apple generic and identifier "org.mitmproxy.macos-redirector" and (certificate leaf[field.1.2.840.113635.100.6.1.9] /* exists */ or certificate 1[field.1.2.840.113635.100.6.2.6] /* exists */ and certificate leaf[field.1.2.840.113635.100.6.1.13] /* exists */ and certificate leaf[subject.OU] = S8XHQB96PW)"#;
        assert_eq!(eval(dr, &me), Satisfied);
        assert!(
            matches!(eval(&dr.replace("S8XHQB96PW", "ABCDE12345"), &me), Unsatisfied(w) if w.contains("S8XHQB96PW"))
        );
        assert!(
            matches!(eval(r#"identifier "other" and anchor apple generic"#, &me), Unsatisfied(w) if w.contains("identifier"))
        );
        assert_eq!(eval("anchor apple", &me), Unsatisfied("the code is not signed by Apple itself".into()));
        assert!(matches!(eval("notarized", &me), Unknown(_)));
        let cd = me.cdhashes[0].clone();
        assert_eq!(eval(&format!("cdhash H\"{}\"", hex::encode(&cd[..20])), &me), Satisfied);
        assert!(matches!(eval("cdhash H\"0000000000000000000000000000000000000000\"", &me), Unsatisfied(_)));
        let leaf_sha1 = me.chain[0].sha1_fingerprint.clone();
        assert_eq!(eval(&format!("certificate leaf = H\"{leaf_sha1}\""), &me), Satisfied);
        assert_eq!(eval(r#"certificate root[subject.CN] = "Apple Root CA""#, &me), Satisfied);
        assert_eq!(eval(r#"certificate leaf[subject.CN] = "Developer ID Application:*""#, &me), Satisfied);
    }

    #[test]
    fn unsigned_code_satisfies_nothing_about_certificates() {
        let none = CodeIdentity::default();
        assert!(matches!(eval("anchor apple generic", &none), Unsatisfied(_)));
        assert!(matches!(eval("certificate leaf[subject.OU] = X", &none), Unsatisfied(_)));
        assert_eq!(eval("always or anchor apple generic", &none), Satisfied);
        assert_eq!(eval("!anchor apple generic", &none), Satisfied);
    }
}

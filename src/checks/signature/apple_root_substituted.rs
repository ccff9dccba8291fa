//! `sig-apple-root-substituted`: a root given with `--apple-root` stood in for Apple's roots in
//! this run, so verdicts that demand Apple's hierarchy were reached with a test one.

use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::certificate::CertificateInfo;
use crate::trust::ChainEnd;

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_APPLE_ROOT_SUBSTITUTED, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for root in &cx.settings.anchors.apple_substitutes {
        let name = display_name(root);
        let chained = match signatures_anchored_at(cx, &name) {
            1 => "1 code signature chains to it and was".to_owned(),
            n => format!("{n} code signatures chain to it and were"),
        };
        let message = format!(
            "{name:?} (SHA-256 {}) stood in for Apple's roots in this run: {chained} judged as if Apple had issued it; \
             on a Mac and at the notary service only Apple's own roots count",
            root.sha256_fingerprint
        );
        let help = "this is expected when testing with a hierarchy that mirrors Apple's; the shipped product must be signed by Apple-issued certificates and checked without --apple-root";
        sink.push(sink.finding(RULE.id, &input_path(cx), message).help(help));
    }
}

/// The input as findings name it: the bundle or file given (`Fixture.app`), or the container,
/// whose name the engine gives to path `""`.
fn input_path(cx: &Context<'_>) -> String {
    let tree = &cx.scan.tree;
    let mut top = tree.children("");
    match (tree.kind, top.next(), top.next()) {
        (crate::input::InputKind::Archive, ..) => String::new(),
        (_, Some((name, _)), None) => name.to_owned(),
        _ => String::new(),
    }
}

/// How a chain's end names its anchor: the common name, or the whole subject.
fn display_name(certificate: &CertificateInfo) -> String {
    certificate.common_name.clone().unwrap_or_else(|| certificate.subject.clone())
}

/// Signed slices whose certificate chain ends at the anchor called `name`.
fn signatures_anchored_at(cx: &Context<'_>, name: &str) -> usize {
    cx.items()
        .flat_map(|item| item.slices())
        .filter(|slice| {
            cx.trust_of(slice)
                .and_then(|a| a.chain.as_ref())
                .is_some_and(|chain| matches!(&chain.end, ChainEnd::Anchored(anchor) if anchor == name))
        })
        .count()
}

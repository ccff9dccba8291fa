//! `sig-cert-untrusted`: the certificate chain leads to Apple's roots (or an anchor the user
//! trusts), with every link signed by the next.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::trust::{ChainDefect, ChainEnd};

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_CERT_UNTRUSTED, check: Check::Slice(check) };

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(chain) = cx.trust_of(slice).and_then(|a| a.chain.as_ref()) else { return };
    let path = slice.item.code_path();
    let arch = &slice.slice.arch;
    if let ChainEnd::Untrusted { top } = &chain.end {
        let mut f = slice
            .finding(RULE.id, format!("`{path}` [{arch}] is signed by a chain ending at {top:?}, which is not an Apple root or a trusted anchor (chain: {})", chain.path.join(" → ")))
            .help("sign with an Apple-issued certificate; for an enterprise or test PKI pass --trust-anchor ROOT.pem (or trust-anchors in bundlelint.toml)");
        f.range = slice.signature().and_then(|s| s.blob_range(crate::codesign::superblob::Slot::Signature));
        sink.push(f);
    }
    for defect in &chain.defects {
        if let ChainDefect::BadSignature { subject, issuer } = defect {
            let mut f = slice
                .finding(RULE.id, format!("`{path}` [{arch}]: certificate {subject:?} is not signed by {issuer:?}, whose name it claims as issuer"))
                .help("the chain is forged or mixed up: re-sign with a genuine certificate");
            f.range = slice.signature().and_then(|s| s.blob_range(crate::codesign::superblob::Slot::Signature));
            sink.push(f);
        }
    }
}

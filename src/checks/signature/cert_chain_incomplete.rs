//! `sig-cert-chain-incomplete`: the signature embeds its intermediate certificates.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::trust::ChainEnd;

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_CERT_CHAIN_INCOMPLETE, check: Check::Slice(check) };

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(chain) = cx.trust_of(slice).and_then(|a| a.chain.as_ref()) else { return };
    let ChainEnd::Incomplete { missing } = &chain.end else { return };
    let path = slice.item.code_path();
    let mut f = slice
        .finding(RULE.id, format!("`{path}` [{}]: the signature's certificates stop at {:?}; {missing:?} is not embedded", slice.slice.arch, chain.path.last().cloned().unwrap_or_default()))
        .help("sign with the intermediate in the keychain (codesign embeds the whole chain); with other signers, pass the intermediate certificate explicitly");
    f.range = slice.signature().and_then(|s| s.blob_range(crate::codesign::superblob::Slot::Signature));
    sink.push(f);
}

//! `notary-weak-digest`: at least one CodeDirectory is hashed with SHA-256 or stronger.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::digest::HashType;

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_WEAK_DIGEST, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    if sig.code_directories.is_empty() {
        return;
    }
    let strong = sig
        .code_directories
        .iter()
        .any(|c| matches!(c.cd.hash_type, Some(HashType::Sha256 | HashType::Sha384 | HashType::Sha512)));
    if strong {
        return;
    }
    let types: Vec<String> =
        sig.code_directories.iter().map(|c| c.cd.hash_type.map_or("unknown".into(), |h| h.name().to_owned())).collect();
    let path = slice.item.code_path();
    let f = slice
        .finding(RULE.id, format!("`{path}` [{}] is hashed only with {}", slice.slice.arch, types.join(", ")))
        .help("re-sign with a current codesign (SHA-256 CodeDirectory); drop deployment targets before macOS 10.11.4 if they force SHA-1 only");
    sink.push(f);
}

//! `notary-entitlements-not-xml`: embedded entitlements are a well-formed XML plist.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: "notary-entitlements-not-xml", check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    let Some(ents) = &sig.entitlements else { return };
    let text = &ents.text;
    let why = if text.starts_with(b"bplist") {
        "a binary plist".to_owned()
    } else if text.starts_with(b"\xef\xbb\xbf") {
        "XML with a byte-order mark".to_owned()
    } else if contains(text, b"<!--") {
        "XML with comments".to_owned()
    } else if let Err(p) = &ents.document {
        format!("XML that does not parse ({})", p.message)
    } else {
        return;
    };
    let path = slice.item.code_path();
    let mut f = slice
        .finding(sink, RULE.id, format!("`{path}` [{}] embeds entitlements as {why}", slice.slice.arch))
        .help("sign with an entitlements file that is plain XML (plutil -convert xml1 file.entitlements)");
    f.range = sig.entitlements_range();
    sink.push(f);
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

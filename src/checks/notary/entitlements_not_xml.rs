//! `notary-entitlements-not-xml`: embedded entitlements are an XML plist, not a binary one.
//!
//! Anything well-formed XML allows (comments, a DOCTYPE or none, processing instructions,
//! whitespace and line endings) is accepted; XML that does not parse is `malformed-entitlements`.

use crate::checks::{Check, Context, Rule, Sink, SliceView};

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_ENTITLEMENTS_NOT_XML, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    let Some(ents) = &sig.entitlements else { return };
    let Some(why) = defect(&ents.text) else { return };
    let path = slice.item.code_path();
    let mut f = slice
        .finding(RULE.id, format!("`{path}` [{}] embeds entitlements as {why}", slice.slice.arch))
        .help("sign with an entitlements file that is plain XML (plutil -convert xml1 file.entitlements)");
    f.range = sig.entitlements_range();
    sink.push(f);
}

/// What the entitlements payload is instead of an XML plist, if it is not one.
fn defect(text: &[u8]) -> Option<&'static str> {
    // A byte-order mark is well-formed XML too: no report shows the notary refusing it.
    text.starts_with(b"bplist").then_some("a binary plist")
}

#[cfg(test)]
mod tests {
    use super::defect;
    use crate::plist::Document;

    const BODY: &str =
        "<plist version=\"1.0\">\n<dict>\n\t<key>com.apple.security.cs.allow-jit</key>\n\t<true/>\n</dict>\n</plist>\n";
    const DECL: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    const DOCTYPE: &str =
        "<!DOCTYPE plist PUBLIC \"-//Apple//DTD PLIST 1.0//EN\" \"http://www.apple.com/DTDs/PropertyList-1.0.dtd\">\n";

    /// Well-formed XML plists in the forms real signing pipelines produce: each is accepted by
    /// this rule and parses (so `malformed-entitlements` stays silent too).
    #[test]
    fn well_formed_xml_variants_are_accepted() {
        let variants = [
            format!("{DECL}{DOCTYPE}{BODY}"),
            // Temurin's form: a licence comment (with `~` and `>`-free text) between declaration and DOCTYPE.
            format!("{DECL}<!--\n  ~ SPDX-License-Identifier: Apache-2.0\n-->\n\n{DOCTYPE}{BODY}"),
            format!("<!-- release entitlements -->{DOCTYPE}{BODY}"),
            format!("{DECL}{DOCTYPE}<plist version=\"1.0\"><!-- a > b --><dict><!-- note --></dict></plist>"),
            format!("{DECL}<!DOCTYPE plist SYSTEM \"file://localhost/System/Library/DTDs/PropertyList.dtd\">\n{BODY}"),
            format!("{DECL}<!DOCTYPE plist>\n{BODY}"),
            format!("{DECL}{BODY}"),
            BODY.to_owned(),
            format!("{DECL}<?xml-stylesheet type=\"text/xsl\" href=\"x.xsl\"?>\n{DOCTYPE}{BODY}"),
            format!("{DECL}{DOCTYPE}{BODY}").replace('\n', "\r\n"),
            format!("{DECL}{DOCTYPE}{BODY}\n\n   \n"),
            format!("<?xml version='1.0' encoding='utf-8' standalone='yes'?>{DOCTYPE}{BODY}"),
            // Node.js's tools/osx-entitlements.plist starts with two spaces.
            format!("  {DECL}{DOCTYPE}{BODY}"),
        ];
        for text in &variants {
            assert_eq!(defect(text.as_bytes()), None, "{text}");
            assert!(Document::parse(text.as_bytes()).is_ok(), "does not parse: {text}");
        }
    }

    #[test]
    fn binary_and_byte_order_mark_are_reported() {
        assert_eq!(defect(b"bplist00\xd1\x01\x02"), Some("a binary plist"));
        assert_eq!(defect(format!("\u{feff}{DECL}{BODY}").as_bytes()), None);
    }
}

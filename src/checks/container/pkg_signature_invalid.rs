//! `pkg-signature-invalid`: a signed flat package's RSA and CMS signatures verify over its TOC
//! checksum, and every certificate they carry is signed by its issuer.

use super::report_defects;
use crate::checks::{Check, Context, Rule, Sink};
use crate::input::container_signature::ContainerFormat;

pub static RULE: Rule = Rule { id: crate::rule_id::PKG_SIGNATURE_INVALID, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    report_defects(
        cx,
        sink,
        ContainerFormat::Package,
        RULE.id,
        "sign the package again as the last step (`productsign --sign \"Developer ID Installer: …\" --timestamp`) and do not modify it afterwards",
    );
}

//! `dmg-signature-invalid`: a signed disk image still matches its CodeDirectory (the image's
//! bytes, its trailer, its requirements), and its CMS signature verifies over that
//! CodeDirectory with a chain whose certificates are each signed by their issuer.

use super::report_defects;
use crate::checks::{Check, Context, Rule, Sink};
use crate::input::container_signature::ContainerFormat;

pub static RULE: Rule = Rule { id: crate::rule_id::DMG_SIGNATURE_INVALID, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    report_defects(
        cx,
        sink,
        ContainerFormat::DiskImage,
        RULE.id,
        "sign the image last, after every change to it (`codesign --sign \"Developer ID Application: …\" --timestamp App.dmg`), and check it with `codesign --verify --verbose App.dmg`",
    );
}

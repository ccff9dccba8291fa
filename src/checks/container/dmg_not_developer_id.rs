//! `dmg-not-developer-id`: a disk image signed with a certificate is signed by a Developer ID
//! Application certificate that chains to Apple and was valid when it signed.

use super::{not_signed_as, signed};
use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::input::container_signature::ContainerFormat;

pub static RULE: Rule = Rule { id: crate::rule_id::DMG_NOT_DEVELOPER_ID, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for s in signed(cx, ContainerFormat::DiskImage).into_iter().filter(|s| s.container.submitted && !s.is_ad_hoc()) {
        let why = not_signed_as(&s, CertificateKind::DeveloperIdApplication, "Developer ID Application");
        if let Some(why) = why {
            let message = format!(
                "`{}` is not signed with a valid Developer ID Application certificate: {why}",
                s.container.path
            );
            let help = "sign the disk image with your team's \"Developer ID Application\" identity: `codesign --sign \"Developer ID Application: …\" --timestamp App.dmg`";
            sink.push(sink.finding(RULE.id, &s.container.path, message).help(help));
        }
    }
}

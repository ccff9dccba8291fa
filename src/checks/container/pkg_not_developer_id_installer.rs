//! `notary-pkg-not-developer-id-installer`: the package submitted is signed, by a Developer ID
//! Installer certificate that chains to Apple and was valid when it signed.

use super::{not_signed_as, signed, unsigned_packages};
use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::input::container_signature::ContainerFormat;

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_PKG_NOT_DEVELOPER_ID_INSTALLER, check: Check::Scan(check) };

const HELP: &str = "sign the package with your team's \"Developer ID Installer\" identity: `productsign --sign \"Developer ID Installer: …\" --timestamp in.pkg out.pkg`";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    // Packages inside another package's payload are the outer package's business.
    for unsigned in unsigned_packages(cx) {
        let message = format!("`{}` is not signed: its table of contents has no <signature>", unsigned.path);
        sink.push(sink.finding(RULE.id, &unsigned.path, message).help(HELP));
    }
    for s in signed(cx, ContainerFormat::Package).into_iter().filter(|s| s.container.submitted) {
        if let Some(why) = not_signed_as(&s, CertificateKind::DeveloperIdInstaller, "Developer ID Installer") {
            let message =
                format!("`{}` is not signed with a valid Developer ID Installer certificate: {why}", s.container.path);
            sink.push(sink.finding(RULE.id, &s.container.path, message).help(HELP));
        }
    }
}

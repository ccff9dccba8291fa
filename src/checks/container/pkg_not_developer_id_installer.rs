//! `notary-pkg-not-developer-id-installer`: the package submitted is signed, by a Developer ID
//! Installer certificate that chains to Apple and was valid when it signed.

use super::{signed, signer};
use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::input::container_signature::ContainerFormat;

pub static RULE: Rule = Rule { id: crate::rule_id::NOTARY_PKG_NOT_DEVELOPER_ID_INSTALLER, check: Check::Scan(check) };

const HELP: &str = "sign the package with your team's \"Developer ID Installer\" identity: `productsign --sign \"Developer ID Installer: …\" --timestamp in.pkg out.pkg`";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    // Packages inside another package's payload are the outer package's business.
    let submitted = |path: &str| {
        cx.scan.tree.signatures.iter().any(|c| c.path == path && c.submitted && c.format == ContainerFormat::Package)
    };
    for unsigned in cx.scan.tree.signatures.iter().filter(|c| c.signature.is_none() && submitted(&c.path)) {
        let message = format!("`{}` is not signed: its table of contents has no <signature>", unsigned.path);
        sink.push(sink.finding(RULE.id, &unsigned.path, message).help(HELP));
    }
    for s in signed(cx, ContainerFormat::Package).into_iter().filter(|s| s.container.submitted) {
        let kind = s.verdict.leaf().map(|l| l.kind);
        let why = if kind != Some(CertificateKind::DeveloperIdInstaller) {
            Some(format!("it is signed by {}, not a Developer ID Installer certificate", signer(&s.verdict)))
        } else {
            s.verdict.untrusted()
        };
        if let Some(why) = why {
            let message =
                format!("`{}` is not signed with a valid Developer ID Installer certificate: {why}", s.container.path);
            sink.push(sink.finding(RULE.id, &s.container.path, message).help(HELP));
        }
    }
}

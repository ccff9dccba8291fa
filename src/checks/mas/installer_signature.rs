//! `mas-installer-signature`: the package uploaded to the Mac App Store is signed by a Mac
//! Installer Distribution ("3rd Party Mac Developer Installer") certificate that chains to
//! Apple and was valid when it signed.

use crate::checks::container::{not_signed_as, signed, unsigned_packages};
use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::input::container_signature::ContainerFormat;

pub static RULE: Rule = Rule { id: crate::rule_id::MAS_INSTALLER_SIGNATURE, check: Check::Scan(check) };

const HELP: &str = "sign the package with your team's Mac Installer Distribution identity: `productbuild --component App.app /Applications --sign \"3rd Party Mac Developer Installer: …\" App.pkg` (or `productsign --sign \"3rd Party Mac Developer Installer: …\" in.pkg out.pkg`)";

const ITMS: &str = "upload fails with ITMS-90237 \"The product archive package's signature is invalid. Ensure that it is signed with your \"3rd Party Mac Developer Installer\" certificate.\"";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    // Packages inside another package's payload are the outer package's business.
    for unsigned in unsigned_packages(cx) {
        let message = format!("`{}` is not signed: its table of contents has no <signature>; {ITMS}", unsigned.path);
        sink.push(sink.finding(RULE.id, &unsigned.path, message).help(HELP));
    }
    for s in signed(cx, ContainerFormat::Package).into_iter().filter(|s| s.container.submitted) {
        let kind = CertificateKind::MacInstallerDistribution;
        if let Some(why) = not_signed_as(&s, kind, "Mac Installer Distribution") {
            let message = format!(
                "`{}` is not signed with a valid Mac Installer Distribution certificate: {why}; {ITMS}",
                s.container.path
            );
            sink.push(sink.finding(RULE.id, &s.container.path, message).help(HELP));
        }
    }
}

//! `mas-installer-signature`: the package uploaded to the Mac App Store is signed by a Mac
//! Installer Distribution ("3rd Party Mac Developer Installer") certificate that chains to
//! Apple and was valid when it signed.

use crate::checks::container::{signed, signer};
use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::input::container_signature::ContainerFormat;

pub static RULE: Rule = Rule { id: crate::rule_id::MAS_INSTALLER_SIGNATURE, check: Check::Scan(check) };

const HELP: &str = "sign the package with your team's Mac Installer Distribution identity: `productbuild --component App.app /Applications --sign \"3rd Party Mac Developer Installer: …\" App.pkg` (or `productsign --sign \"3rd Party Mac Developer Installer: …\" in.pkg out.pkg`)";

const ITMS: &str = "upload fails with ITMS-90237 \"The product archive package's signature is invalid. Ensure that it is signed with your \"3rd Party Mac Developer Installer\" certificate.\"";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    // Packages inside another package's payload are the outer package's business.
    let submitted_packages =
        cx.scan.tree.signatures.iter().filter(|c| c.submitted && c.format == ContainerFormat::Package);
    for unsigned in submitted_packages.filter(|c| c.signature.is_none()) {
        let message = format!("`{}` is not signed: its table of contents has no <signature>; {ITMS}", unsigned.path);
        sink.push(sink.finding(RULE.id, &unsigned.path, message).help(HELP));
    }
    for s in signed(cx, ContainerFormat::Package).into_iter().filter(|s| s.container.submitted) {
        let kind = s.verdict.leaf().map(|l| l.kind);
        let why = if kind != Some(CertificateKind::MacInstallerDistribution) {
            Some(format!("it is signed by {}, not a Mac Installer Distribution certificate", signer(&s.verdict)))
        } else {
            s.verdict.untrusted()
        };
        if let Some(why) = why {
            let message = format!(
                "`{}` is not signed with a valid Mac Installer Distribution certificate: {why}; {ITMS}",
                s.container.path
            );
            sink.push(sink.finding(RULE.id, &s.container.path, message).help(HELP));
        }
    }
}

//! `mas-nested-signature`: code nested in a Mac App Store app is signed like the app, with a
//! certificate of the same distribution kind, never ad hoc.

use crate::checks::{Check, Context, ItemView, Rule, Sink, SliceView};
use crate::codesign::certificate::{CertificateInfo, CertificateKind};
use crate::codesign::signature::{signing_kind, SigningKind};

pub static RULE: Rule = Rule { id: crate::rule_id::MAS_NESTED_SIGNATURE, check: Check::Item(check) };

const ITMS: &str = "App Store Connect rejects the build with ITMS-90238 \"Invalid Signature\" (the nested code fails the app's code requirement)";

/// The signing certificate of an item's first signed slice.
fn leaf<'a>(view: &ItemView<'a>) -> Option<&'a CertificateInfo> {
    view.slices().into_iter().find_map(|s| s.signature()?.cms_info()?.leaf())
}

/// The kind's name as the JSON output spells it (`developer-id-application`).
fn kind_name(kind: CertificateKind) -> String {
    serde_json::to_value(kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn name(c: &CertificateInfo) -> &str {
    c.common_name.as_deref().unwrap_or(&c.subject)
}

/// Why a slice of nested code does not pass, `None` when it is signed like the app (or when
/// another rule judges it).
fn defect(app: &ItemView<'_>, slice: &SliceView<'_>) -> Option<String> {
    match signing_kind(slice.signature()) {
        SigningKind::Adhoc => Some("is ad-hoc signed (no certificate)".to_owned()),
        SigningKind::LinkerSigned => Some("is only linker-signed (the linker's ad-hoc signature)".to_owned()),
        SigningKind::Certificate => {
            // The app's own certificate is judged by the profile and identity rules; here only
            // nested code that departs from a distribution-signed app.
            let app_leaf = leaf(app).filter(|l| l.kind == CertificateKind::AppleDistribution)?;
            let own = slice.signature()?.cms_info()?.leaf()?;
            (own.kind != CertificateKind::AppleDistribution).then(|| {
                format!(
                    "is signed by {:?} ({}), but the app by {:?} (apple-distribution)",
                    name(own),
                    kind_name(own.kind),
                    name(app_leaf)
                )
            })
        }
        // Unsigned nested code is `res-nested-code-unsigned`; a signature that does not read, malformed-*.
        SigningKind::Unsigned | SigningKind::Malformed => None,
    }
}

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    let Some(app) = super::submitted_mac_app_of(view).filter(|app| app.index != view.index) else { return };
    // A bundle signed only as a bare file is `sig-resources-not-sealed`'s, reported once.
    if view.bundle_signed_as_bare_file() {
        return;
    }
    // One finding per distinct defect, naming the architectures it concerns.
    let mut defects: Vec<(String, Vec<&str>)> = Vec::new();
    for slice in view.slices() {
        let Some(why) = defect(&app, &slice) else { continue };
        match defects.iter_mut().find(|(w, _)| *w == why) {
            Some((_, arches)) => arches.push(&slice.slice.arch),
            None => defects.push((why, vec![&slice.slice.arch])),
        }
    }
    let path = view.code_path();
    for (why, arches) in defects {
        let message = format!("`{path}` [{}] in `{}` {why}: {ITMS}", arches.join(", "), app.item.path);
        let help = "sign every nested item, inside out, with the same Apple Distribution (3rd Party Mac Developer Application) identity as the app, then sign the app";
        sink.item(view, RULE.id, message).help = Some(help.into());
    }
}

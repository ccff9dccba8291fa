//! `sig-teamid-missing`: certificate-signed code records its team ID in the CodeDirectory.

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::certificate::CertificateKind;
use crate::codesign::signature::{signing_kind, SigningKind};

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_TEAMID_MISSING, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let sig = slice.signature();
    if signing_kind(sig) != SigningKind::Certificate {
        return;
    }
    // Apple signs its own operating-system code ("Software Signing") without a team ID.
    let leaf = sig.and_then(|s| s.cms_info()).and_then(|c| c.leaf());
    if leaf.is_some_and(|l| l.kind == CertificateKind::ApplePlatform) {
        return;
    }
    let Some(cd) = sig.and_then(|s| s.code_directories.first()) else { return };
    if cd.cd.team_id.as_deref().is_some_and(|t| !t.is_empty()) {
        return;
    }
    let path = slice.item.code_path();
    let mut f = slice
        .finding(
            RULE.id,
            format!(
                "`{path}` [{}] is certificate-signed but its CodeDirectory (v={:#x}) records no team ID",
                slice.slice.arch, cd.cd.version
            ),
        )
        .help("re-sign with a current codesign and an Apple-issued certificate, which records the team ID");
    f.range = Some(cd.range);
    sink.push(f);
}

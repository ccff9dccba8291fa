//! `smapp-program-signed`: the program a bundled job launches is signed like its app: same team,
//! sealed by the app, and (for Developer ID distribution) Developer ID, hardened runtime and a
//! secure timestamp.

use std::collections::BTreeSet;

use crate::catalog::Policy;
use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::certificate::CertificateKind;
use crate::codesign::signature::{signing_kind, SigningKind};

use super::{finding, owner, plists, sealed_by, shown_team, target, team_of};

pub static RULE: Rule = Rule { id: crate::rule_id::SMAPP_PROGRAM_SIGNED, check: Check::Scan(check) };

/// What a signature that does not match the app's does at spawn time.
const LAUNCH: &str = "the spawn constraint SMAppService registers for it is not met and launchd's spawn ends in `AMFI: Launch Constraint Violation`";
/// What the notary service says about the other defects.
const NOTARY: &str = "the notary service rejects the app (status Invalid) and Gatekeeper then blocks it";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for plist in plists(cx) {
        let (Some(app), Some(program)) = (owner(cx, plist), target(cx, plist)) else { continue };
        let exe = program.code_path();
        let app_team = team_of(&app);
        let mut defects: BTreeSet<(String, &str)> = BTreeSet::new();
        for slice in program.slices() {
            let arch = &slice.slice.arch;
            let sig = slice.signature();
            match signing_kind(sig) {
                SigningKind::Unsigned => {
                    defects.insert((format!("[{arch}] is not signed"), LAUNCH));
                    continue;
                }
                SigningKind::Adhoc | SigningKind::LinkerSigned => {
                    defects.insert((format!("[{arch}] is only ad-hoc signed (no certificate, no team), which runs as a registered daemon only with SIP off"), LAUNCH));
                }
                SigningKind::Malformed => continue,
                SigningKind::Certificate => {}
            }
            let Some(cd) = sig.and_then(|s| s.primary()) else { continue };
            let team = cd.team_id.as_deref();
            if app_team.is_some() && team != app_team {
                defects.insert((
                    format!(
                        "[{arch}] is signed by {} while the app `{}` is signed by {}",
                        shown_team(team),
                        app.item.path,
                        shown_team(app_team)
                    ),
                    LAUNCH,
                ));
            }
            if cx.policy != Policy::DeveloperId || signing_kind(sig) != SigningKind::Certificate {
                continue;
            }
            let cms = sig.and_then(|s| s.cms_info());
            if cms.and_then(|c| c.leaf()).is_some_and(|l| l.kind != CertificateKind::DeveloperIdApplication) {
                defects.insert((format!("[{arch}] is not signed with a Developer ID Application certificate"), NOTARY));
            }
            if !cd.has_runtime() {
                defects.insert((format!("[{arch}] lacks the hardened runtime (codesign --options runtime)"), NOTARY));
            }
            if cms.and_then(|c| c.signers.first()).is_some_and(|s| s.timestamp.is_none()) {
                defects.insert((format!("[{arch}] has no secure timestamp (codesign --timestamp)"), NOTARY));
            }
        }
        if sealed_by(&app, exe) == Some(false) {
            defects.insert((
                format!("is not covered by the seal of `{}` (added after the app was signed)", app.item.path),
                "the app's signature no longer verifies (codesign: a sealed resource is missing or invalid) and Gatekeeper rejects the app",
            ));
        }
        for (defect, consequence) in defects {
            let f = finding(
                cx,
                sink,
                RULE.id,
                plist,
                Some("BundleProgram"),
                format!("`{exe}`, launched by `{}`, {defect}: {consequence}", plist.path),
            )
            .help(format!(
                "sign `{exe}` with the app's Developer ID identity (`codesign --force --options runtime --timestamp --sign \"Developer ID Application: …\"`), then sign the app again so its seal covers it"
            ));
            sink.push(f);
        }
    }
}

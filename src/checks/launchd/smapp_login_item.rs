//! `smapp-login-item`: each app in `Contents/Library/LoginItems` is a complete, signed app of
//! the same team as the app that registers it.

use crate::catalog::Policy;
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::codesign::signature::{signing_kind, SigningKind};
use crate::discover::Role;
use crate::model::Code;

use super::{shown_team, team_of};

pub static RULE: Rule = Rule { id: crate::rule_id::SMAPP_LOGIN_ITEM, check: Check::Item(check) };

fn check(cx: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if item.item.role != Role::LoginItem {
        return;
    }
    let path = &item.item.path;
    let mut defects: Vec<String> = Vec::new();
    // Defects of the bundle make it unfindable; defects of the signature are refused when it is
    // notarized or launched.
    let mut signing: Vec<String> = Vec::new();
    match item.info() {
        None => defects.push("has no readable Contents/Info.plist".into()),
        Some(info) => {
            match info.string("CFBundlePackageType") {
                Some("APPL") => {}
                Some(other) => defects.push(format!("has CFBundlePackageType {other:?}, not \"APPL\"")),
                None => defects.push("has no CFBundlePackageType (must be \"APPL\")".into()),
            }
            if info.string("CFBundleIdentifier").is_none_or(|s| s.trim().is_empty()) {
                defects.push(
                    "has no CFBundleIdentifier, the identifier SMAppService.loginItem(identifier:) is called with"
                        .into(),
                );
            }
        }
    }
    match &item.facts.code {
        Code::MachO { .. } => {}
        Code::Unreadable(p) | Code::NotMachO(p) => {
            defects.push(format!("has no usable main executable ({})", p.message))
        }
        _ => defects.push("has no main executable (CFBundleExecutable)".into()),
    }
    let slices = item.slices();
    let kinds: Vec<SigningKind> = slices.iter().map(|s| signing_kind(s.signature())).collect();
    if kinds.contains(&SigningKind::Unsigned) {
        signing.push("is not signed".into());
    } else if cx.policy == Policy::DeveloperId {
        if kinds.iter().any(|k| matches!(k, SigningKind::Adhoc | SigningKind::LinkerSigned)) {
            signing.push("is only ad-hoc signed".into());
        }
        if slices.iter().any(|s| s.signature().and_then(|g| g.primary()).is_some_and(|cd| !cd.has_runtime())) {
            signing.push("lacks the hardened runtime".into());
        }
    }
    if let Some(app) = item.parent() {
        let (mine, theirs) = (team_of(item), team_of(&app));
        if theirs.is_some() && mine != theirs && !slices.is_empty() {
            signing.push(format!(
                "is signed by {} while `{}` is signed by {}",
                shown_team(mine),
                app.item.path,
                shown_team(theirs)
            ));
        }
    }
    let found = defects
        .into_iter()
        .map(|d| (d, "SMAppService.loginItem(identifier:) cannot find or register it (status .notFound)"));
    let signed = signing
        .into_iter()
        .map(|d| (d, "the notary service rejects the app, and launching the login item fails its code-signing checks"));
    for (defect, consequence) in found.chain(signed) {
        let f = sink
            .finding(RULE.id, item.code_path(), format!("login item `{path}` {defect}: {consequence}"))
            .item(path.clone())
            .help("build the login item as a full app target (APPL, CFBundleIdentifier, executable in Contents/MacOS), sign it with the app's team and hardened runtime before signing the app, and pass its CFBundleIdentifier to SMAppService.loginItem(identifier:)");
        sink.push(f);
    }
}

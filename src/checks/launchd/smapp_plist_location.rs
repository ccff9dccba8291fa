//! `smapp-plist-location`: a bundled daemon or agent plist is where SMAppService reads it,
//! parses as a dictionary, and is sealed by the app's signature.

use crate::checks::{Check, Context, Rule, Sink};
use crate::discover::LaunchdKind;

use super::{finding, in_standard_folder, owner, plists, sealed_by};

pub static RULE: Rule = Rule { id: crate::rule_id::SMAPP_PLIST_LOCATION, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for plist in plists(cx) {
        if plist.kind == LaunchdKind::Other || !in_standard_folder(cx, plist) {
            continue;
        }
        let Some(app) = owner(cx, plist) else { continue };
        let path = &plist.path;
        let api = match plist.kind {
            LaunchdKind::Agent => "SMAppService.agent(plistName:)",
            _ => "SMAppService.daemon(plistName:)",
        };
        let unreadable = match &plist.document {
            Err(p) => Some(format!("cannot be read ({})", p.message)),
            Ok(doc) if doc.dict().is_none() => Some("is not a dictionary".to_owned()),
            Ok(_) => None,
        };
        if let Some(why) = unreadable {
            let f = finding(cx, sink, RULE.id, plist, None, format!("`{path}` {why}: {api} cannot read it, so the service's status stays .notFound and register() fails"))
                .help(format!("check it with `plutil -lint {path}`; its root must be a <dict> with Label and BundleProgram"));
            sink.push(f);
        }
        if sealed_by(&app, path) == Some(false) {
            let f = finding(
                cx,
                sink,
                RULE.id,
                plist,
                None,
                format!("`{path}` is not sealed by the signature of `{}`: it was added or renamed after signing, so the app no longer verifies and {api} finds a plist the signature does not vouch for", app.item.path),
            )
            .help("copy the plist into Contents/Library/LaunchDaemons (or LaunchAgents) before signing the app, then sign the app again");
            sink.push(f);
        }
    }
}

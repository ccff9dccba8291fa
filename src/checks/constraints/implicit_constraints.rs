//! `lc-implicit-constraints`: for each job an app registers with SMAppService (a bundled launchd
//! plist with `BundleProgram`), the launch requirement launchd is assumed to record for the
//! program, so that a later `c[5]` refusal can be explained.
//!
//! Apple does not document this requirement ("LWCR"); launchd prints it in
//! `launchctl print` as `LWCR = { signing-identifier => …, team-identifier => …,
//! validation-category => … }`, and the failures reported after changing a helper's identifier,
//! team or `BundleProgram` match it. The finding states what is assumed, as information.

use ::plist::Value;

use crate::analysis::constraint_eval::facts::category_name;
use crate::analysis::constraint_eval::render_value;
use crate::checks::{Check, Context, Rule, Sink};
use crate::discover::LaunchdKind;

use crate::analysis::launchers::{facts_of, program};

pub static RULE: Rule = Rule { id: crate::rule_id::LC_IMPLICIT_CONSTRAINTS, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    let items: Vec<_> = cx.items().collect();
    for plist in &cx.scan.discovery.launchd_plists {
        if plist.kind == LaunchdKind::Other || plist.bundle_program.is_none() {
            continue;
        }
        let Some(target) = program(&items, plist) else { continue };
        let Some(first) = target.slices().first().map(|s| s.slice.arch.clone()) else { continue };
        let Some((facts, _)) = facts_of(&target, &first) else { continue };
        let mut parts: Vec<String> = Vec::new();
        for fact in ["signing-identifier", "team-identifier", "validation-category"] {
            let shown = match facts.known(fact) {
                Some(v @ Value::Integer(_)) => {
                    let n = v.as_signed_integer().unwrap_or_default();
                    format!("{fact} {} ({})", render_value(&v), category_name(n))
                }
                Some(v) => format!("{fact} {}", render_value(&v)),
                None => format!("{fact} (none known from the signature)"),
            };
            parts.push(shown);
        }
        let message = format!(
            "`{}`: when the app registers this job with SMAppService, launchd is assumed to record a launch requirement for `{}`: {}; a later build that changes any of these (or BundleProgram) is refused with `c[5]p[1]m[1]e[0]` until the job is unregistered and registered again",
            plist.path,
            target.code_path(),
            parts.join(", ")
        );
        let mut f = sink
            .finding(RULE.id, &plist.path, message)
            .help("keep the program's signing identifier, team and BundleProgram stable across releases; after changing them, call unregister() then register() on the SMAppService");
        if let Ok(doc) = &plist.document {
            f = f.span(doc.key_span("BundleProgram"));
        }
        if let Some(owner) = plist.owner.and_then(|o| cx.scan.discovery.items.get(o)) {
            f = f.item(owner.path.clone());
        }
        sink.push(f);
    }
}

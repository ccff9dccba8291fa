//! `xpc-service-name-team-prefix`: a launchd service a system extension connects to is named with
//! the team ID (or one of the extension's app groups) as prefix.

use crate::analysis::services::{self, Via, MACH_LOOKUP_EXCEPTION};
use crate::checks::{Check, Context, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::XPC_SERVICE_NAME_TEAM_PREFIX, check: Check::Scan(check) };

fn check(ctx: &Context<'_>, sink: &mut Sink) {
    let scan = ctx.scan;
    for item in ctx.items().filter(|i| i.item.role == Role::SystemExtension) {
        let services = ctx.services();
        let e = services::entitlements(&item);
        let groups = e.map(services::app_groups).unwrap_or_default();
        let exceptions = e.map(|e| services::string_list(e, MACH_LOOKUP_EXCEPTION)).unwrap_or_default();
        let team = services::team_id(&item);
        let Some(names) = services.references.get(item.index) else { continue };
        for name in names {
            let team_prefixed = team.is_some_and(|t| name.starts_with(&format!("{t}.")));
            if team_prefixed || services::group_prefix(name, &groups).is_some() || exceptions.contains(name) {
                continue;
            }
            // Only names launchd registers for other components: daemons, agents, login items.
            let vendors: Vec<_> = services
                .vendors(name)
                .filter(|v| matches!(v.via, Via::LaunchdPlist { .. } | Via::EmbeddedLaunchdPlist | Via::LoginItem))
                .filter(|v| v.item != Some(item.index))
                .collect();
            let Some(first) = vendors.first() else { continue };
            let path = &item.item.path;
            let shown_team = team.unwrap_or("<TeamID>");
            sink.item(
                &item,
                RULE.id,
                format!(
                    "system extension `{path}` connects to `{name}`, vended by {}; the name does not start with the team ID `{shown_team}.` nor with one of the extension's app groups ({}), so the sandboxed extension's lookup is refused",
                    first.describe(scan),
                    services::quoted_list(&groups)
                ),
            )
            .help = Some(format!(
                "rename the Mach service to `{shown_team}.{name}` (or `<app group>.<name>`) in the launchd plist's MachServices and in both the listener and the extension"
            ));
        }
    }
}

//! `sysext-mach-service-prefix`: a system extension's Mach service name starts with one of its
//! app groups (Network Extension, Camera Extension) or with its team ID (Endpoint Security).

use crate::analysis::services::{self, Vended, Via};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::SYSEXT_MACH_SERVICE_PREFIX, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if item.item.role != Role::SystemExtension {
        return;
    }
    let mut declared = Vec::new();
    services::vended_by(item, &mut declared);
    let entitlements = services::entitlements(item);
    let groups = entitlements.map(services::app_groups).unwrap_or_default();
    let team = services::team_id(item);
    for v in &declared {
        if let Some((needs, help)) = problem(v, &groups, team) {
            let path = &item.item.path;
            let key = v.key.rsplit('/').next().unwrap_or(&v.key);
            let f = sink
                .finding(
                    RULE.id,
                    &v.declared_in,
                    format!("system extension `{path}` declares {key} `{}`, which {needs}: activation fails with OSSystemExtensionErrorValidationFailed (code 9)", v.name),
                )
                .item(path.clone())
                .span(item.info().and_then(|d| d.key_span(&v.key)))
                .help(help);
            sink.push(f);
        }
    }
}

/// What the name lacks, and the fix; `None` when it is well formed.
fn problem(v: &Vended, groups: &[String], team: Option<&str>) -> Option<(String, String)> {
    match v.via {
        Via::NetworkExtension | Via::CameraExtension => {
            if prefixing_group(&v.name, groups).is_some() {
                return None;
            }
            let needs = format!("does not start with any of its app groups ({})", services::quoted_list(groups));
            let help = match groups.first() {
                Some(g) => format!("name the service `{g}.<name>` (e.g. `{g}.{}`)", v.name.rsplit('.').next().unwrap_or("xpc")),
                None => "add an app group (com.apple.security.application-groups, `<TeamID>.<name>`) to the extension and name the service `<group>.<name>`".to_owned(),
            };
            Some((needs, help))
        }
        Via::EndpointSecurity => {
            let team = team?;
            if v.name.starts_with(&format!("{team}.")) {
                return None;
            }
            Some((
                format!("does not start with the team ID `{team}.`"),
                format!("name the service `{team}.{}`", v.name),
            ))
        }
        _ => None,
    }
}

/// The app group `name` starts with. sysextd's test is a plain prefix test: a name equal to the
/// group passes as well as `<group>.<name>` (Apple DTS, forum thread 708017).
fn prefixing_group<'g>(name: &str, groups: &'g [String]) -> Option<&'g str> {
    groups.iter().find(|g| !g.is_empty() && name.starts_with(g.as_str())).map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vended(name: &str, via: Via) -> Vended {
        Vended { name: name.into(), via, item: None, declared_in: String::new(), key: String::new() }
    }

    #[test]
    fn network_names_need_a_group_and_endpoint_security_names_a_team() {
        let groups = vec!["ABCDE12345.com.example.netfilter".to_owned()];
        assert!(problem(&vended("ABCDE12345.com.example.netfilter.provider", Via::NetworkExtension), &groups, None)
            .is_none());
        assert!(problem(&vended("ABCDE12345.com.example.netfilter", Via::NetworkExtension), &groups, None).is_none());
        assert!(problem(&vended("com.example.netfilter.provider", Via::NetworkExtension), &groups, None).is_some());
        assert!(problem(&vended("ABCDE12345.com.example", Via::NetworkExtension), &groups, None).is_some());
        assert!(problem(&vended("anything", Via::CameraExtension), &[String::new()], None).is_some());
        assert!(problem(&vended("ABCDE12345.com.example.es", Via::EndpointSecurity), &[], Some("ABCDE12345")).is_none());
        assert!(problem(&vended("com.example.es", Via::EndpointSecurity), &[], Some("ABCDE12345")).is_some());
    }
}

//! `sbx-mach-lookup-needs-group-prefix`: a sandboxed client can look up a product's Mach service
//! only if the name is `<one of its app groups>.<name>` or a `mach-lookup` exception lists it.

use crate::analysis::services::{self, Services, MACH_LOOKUP_EXCEPTION};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;
use crate::model::Scan;

pub static RULE: Rule = Rule { id: crate::rule_id::SBX_MACH_LOOKUP_NEEDS_GROUP_PREFIX, check: Check::Scan(check) };

/// The non-temporary spelling of the exception, granted to some Apple-reviewed products.
const MACH_LOOKUP_EXCEPTION_PERMANENT: &str = "com.apple.security.exception.mach-lookup.global-name";

fn check(ctx: &Context<'_>, sink: &mut Sink) {
    let scan = ctx.scan;
    for item in ctx.items() {
        let Some(e) = services::entitlements(&item) else { continue };
        // Network system extensions are sandboxed too; `xpc-service-name-team-prefix` covers
        // them, since a team-ID prefix is reported to work for them as well.
        if !services::is_sandboxed(e) || item.item.role == Role::SystemExtension {
            continue;
        }
        // Read the product's strings only once a sandboxed client exists.
        let services = ctx.services();
        let groups = services::app_groups(e);
        let mut exceptions = services::string_list(e, MACH_LOOKUP_EXCEPTION);
        exceptions.extend(services::string_list(e, MACH_LOOKUP_EXCEPTION_PERMANENT));
        let Some(names) = services.references.get(item.index) else { continue };
        for name in names {
            if services::group_prefix(name, &groups).is_some() || exceptions.contains(name) {
                continue;
            }
            // XPC services live in their host's private namespace, where the sandbox does not
            // apply this check.
            if services.vendors(name).any(|v| !v.is_global()) {
                continue;
            }
            let Some(vendor) = vendor(scan, services, name, item.index) else { continue };
            report(&item, name, &vendor, &groups, sink);
        }
    }
}

/// Who vends `name`: the plist or bundle that registers it, else the other code that uses the
/// name (its listener, which launchd does not register it for). `None` when nothing else in the
/// product knows the name: then it is not known to be a service of this product.
fn vendor(scan: &Scan, services: &Services, name: &str, client: usize) -> Option<String> {
    let declared: Vec<String> = services.vendors(name).map(|v| v.describe(scan)).collect();
    if !declared.is_empty() {
        return Some(declared.join(" and "));
    }
    let users: Vec<String> = services
        .referrers(name, client)
        .into_iter()
        .filter_map(|i| scan.discovery.items.get(i))
        .map(|i| format!("`{}`", i.path))
        .collect();
    (!users.is_empty())
        .then(|| format!("{} (whose code uses the name; no launchd plist declares it)", users.join(", ")))
}

/// The name the service could take: the client's first group, then the name's last component.
fn suggested_name(name: &str, groups: &[String]) -> Option<String> {
    let group = groups.first()?;
    let last = name.rsplit('.').next().filter(|s| !s.is_empty())?;
    Some(format!("{group}.{last}"))
}

fn report(item: &ItemView<'_>, name: &str, vendor: &str, groups: &[String], sink: &mut Sink) {
    let path = item.code_path();
    let message = format!(
        "`{path}` is sandboxed (app groups: {}) and looks up `{name}`, vended by {vendor}; the name is not `<app group>.<name>` nor listed in {MACH_LOOKUP_EXCEPTION}, so the lookup fails: \"The connection to service named {name} was invalidated: failed at lookup with error 159 - Sandbox restriction.\"",
        services::quoted_list(groups)
    );
    let help = match suggested_name(name, groups) {
        Some(better) => format!(
            "name the service as a child of an app group the client is in, e.g. `{better}` (in MachServices, or as the login item's CFBundleIdentifier), and use that name on both sides; or add `{name}` to {MACH_LOOKUP_EXCEPTION} (not accepted on the Mac App Store)"
        ),
        None => format!(
            "sign the client with an app group that is a prefix of `{name}` (com.apple.security.application-groups), or add `{name}` to {MACH_LOOKUP_EXCEPTION}"
        ),
    };
    sink.item(item, RULE.id, message).help = Some(help);
}

#[cfg(test)]
mod tests {
    use super::suggested_name;

    #[test]
    fn suggestion_is_a_child_of_the_first_group() {
        let groups = vec!["S1J6DZ9E7U.group.com.myapp.agent".to_owned()];
        assert_eq!(
            suggested_name("S1J6DZ9E7U.com.myapp.agent.srv2", &groups).as_deref(),
            Some("S1J6DZ9E7U.group.com.myapp.agent.srv2")
        );
        assert_eq!(suggested_name("x.srv", &[]), None);
    }
}

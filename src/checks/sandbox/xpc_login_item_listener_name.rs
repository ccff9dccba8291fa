//! `xpc-login-item-listener-name`: a Service Management login item can vend one Mach service,
//! named exactly its `CFBundleIdentifier`.

use crate::analysis::services::{self, Services};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::XPC_LOGIN_ITEM_LISTENER_NAME, check: Check::Scan(check) };

fn check(ctx: &Context<'_>, sink: &mut Sink) {
    for item in ctx.items().filter(|i| i.item.role == Role::LoginItem) {
        let Some(id) = item.info().and_then(|d| d.string("CFBundleIdentifier")) else { continue };
        let services = ctx.services();
        let listened = other_listener_names(services, &item, id);
        if !listened.is_empty() {
            report(&item, id, &listened, sink);
        }
    }
}

/// Names the login item's code uses that are not its bundle ID and that it serves: no launchd
/// plist, system extension or XPC service of the product vends them (a name vended elsewhere is
/// one the login item connects to), and either other code of the product uses the name too, or
/// the name extends the login item's own identifier (`<id>.srv1`, `<TeamID>.<id>.srv1`).
fn other_listener_names(services: &Services, item: &ItemView<'_>, id: &str) -> Vec<String> {
    let Some(names) = services.references.get(item.index) else { return Vec::new() };
    names
        .iter()
        .filter(|n| n.as_str() != id)
        .filter(|n| services.vendors(n).next().is_none())
        .filter(|n| !services.referrers(n, item.index).is_empty() || extends(n, id))
        .cloned()
        .collect()
}

/// Whether `name` is the identifier `id` with more components: `id.x` or `<prefix>.id.x`.
fn extends(name: &str, id: &str) -> bool {
    let own = format!("{id}.");
    name.starts_with(&own) || name.contains(&format!(".{own}"))
}

fn report(item: &ItemView<'_>, id: &str, names: &[String], sink: &mut Sink) {
    let path = &item.item.path;
    let team = services::team_id(item);
    let suggestion = match team {
        Some(t) if !id.starts_with(&format!("{t}.")) => format!("`{t}.{id}`"),
        _ => format!("`{id}`"),
    };
    let message = format!(
        "login item `{path}` (CFBundleIdentifier `{id}`) listens on {}, but launchd registers only `{id}` for a Service Management login item: clients of the other names fail at lookup",
        services::quoted_list(names)
    );
    let help = format!(
        "serve one NSXPCListener(machServiceName:) named exactly the login item's bundle identifier and multiplex the interfaces over it; for sandboxed clients make that identifier a child of a shared app group (e.g. bundle ID {suggestion} with the group `{}`), and start the item with SMLoginItemSetEnabled / SMAppService.loginItem, not from Xcode",
        team.map_or_else(|| "<TeamID>".to_owned(), |t| format!("{t}.{}", id.rsplit_once('.').map_or(id, |(head, _)| head)))
    );
    sink.item(item, RULE.id, message).help = Some(help);
}

#[cfg(test)]
mod tests {
    use super::extends;

    #[test]
    fn names_extending_the_identifier_are_its_own() {
        assert!(extends("S1J6DZ9E7U.com.myapp.agent.srv1", "com.myapp.agent"));
        assert!(extends("com.myapp.agent.srv1", "com.myapp.agent"));
        assert!(!extends("S1J6DZ9E7U.com.myapp.agentx.srv1", "com.myapp.agent"));
        assert!(!extends("com.myapp.agent", "com.myapp.agent"));
    }
}

//! Mach service names: the ones a product vends (launchd `MachServices`, Service Management login
//! items, XPC services, system extensions) and the ones its code references.
//!
//! A name is *vended* when something in the product makes launchd register it: a launchd plist's
//! `MachServices` key (bundled in `Contents/Library/Launch*` or embedded in a tool's
//! `__TEXT,__launchd_plist`), an SM login item's `CFBundleIdentifier` (launchd registers that one
//! name for it), an XPC service's `CFBundleIdentifier` (in its host's private namespace only), or
//! a system extension's declared Mach service (`NEMachServiceName`,
//! `NSEndpointSecurityMachServiceName`, `CMIOExtensionMachServiceName`).
//!
//! A name is *referenced* by a code item when a C string of its Mach-O equals a vended name, or
//! has the form of a service name and starts with one of the product's team IDs or app groups
//! followed by `.`: what `NSXPCConnection(machServiceName:)`, `xpc_connection_create_mach_service`
//! or `NSXPCListener(machServiceName:)` are given is almost always such a literal. Frameworks and
//! dylibs are not read (a name in shared code is not attributed to its loaders).

use std::collections::BTreeSet;

use crate::discover::{LaunchdKind, Role};
use crate::model::ItemView;
use crate::model::{Code, Scan};

pub const APP_SANDBOX: &str = "com.apple.security.app-sandbox";
pub const INHERIT: &str = "com.apple.security.inherit";
pub const APPLICATION_GROUPS: &str = "com.apple.security.application-groups";
pub const MACH_LOOKUP_EXCEPTION: &str = "com.apple.security.temporary-exception.mach-lookup.global-name";

/// Names longer than this are not read as service names (launchd's own limit is 128).
const MAX_NAME_LEN: usize = 512;

/// How a name comes to be registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Via {
    /// `MachServices` of a launchd plist file.
    LaunchdPlist { kind: LaunchdKind },
    /// `MachServices` of a tool's embedded `__TEXT,__launchd_plist` (SMJobBless).
    EmbeddedLaunchdPlist,
    /// A Service Management login item's `CFBundleIdentifier`.
    LoginItem,
    /// An XPC service's `CFBundleIdentifier`, in the namespace of its host (`host`) only.
    XpcService { host: Option<usize> },
    /// A system extension's Info.plist `NetworkExtension` › `NEMachServiceName`.
    NetworkExtension,
    /// A system extension's Info.plist `NSEndpointSecurityMachServiceName`.
    EndpointSecurity,
    /// A system extension's Info.plist `CMIOExtension` › `CMIOExtensionMachServiceName`.
    CameraExtension,
}

/// One vended name and who vends it.
#[derive(Debug, Clone)]
pub struct Vended {
    pub name: String,
    pub via: Via,
    /// The code item that listens on it, when known.
    pub item: Option<usize>,
    /// The file that declares the name (plist or Mach-O).
    pub declared_in: String,
    /// The key path in that plist (for `Document::key_span`), empty for a Mach-O.
    pub key: String,
}

impl Vended {
    /// Who vends the name, for messages: "the launch daemon plist `…`", "the login item `…`".
    pub fn describe(&self, scan: &Scan) -> String {
        let item = self.item.and_then(|i| scan.discovery.items.get(i)).map(|i| i.path.as_str());
        let listener = item.map(|p| format!(" (`{p}`)")).unwrap_or_default();
        match &self.via {
            Via::LaunchdPlist { kind } => {
                let kind = match kind {
                    LaunchdKind::Daemon => "launch daemon",
                    LaunchdKind::Agent => "launch agent",
                    LaunchdKind::Other => "launchd",
                };
                format!("the {kind} plist `{}` (MachServices){listener}", self.declared_in)
            }
            Via::EmbeddedLaunchdPlist => format!("the launchd plist embedded in `{}`", self.declared_in),
            Via::LoginItem => format!("the login item `{}` (its CFBundleIdentifier)", item.unwrap_or("?")),
            Via::XpcService { .. } => format!("the XPC service `{}`", item.unwrap_or("?")),
            Via::NetworkExtension => format!("the system extension `{}` (NEMachServiceName)", item.unwrap_or("?")),
            Via::EndpointSecurity => {
                format!("the system extension `{}` (NSEndpointSecurityMachServiceName)", item.unwrap_or("?"))
            }
            Via::CameraExtension => {
                format!("the system extension `{}` (CMIOExtensionMachServiceName)", item.unwrap_or("?"))
            }
        }
    }

    /// Whether launchd registers the name in the global bootstrap namespace (everything but XPC
    /// services, which live in their host's private namespace).
    pub fn is_global(&self) -> bool {
        !matches!(self.via, Via::XpcService { .. })
    }
}

/// What the product vends and what each code item references.
#[derive(Debug, Default)]
pub struct Services {
    pub vended: Vec<Vended>,
    /// Per code item (same index as the scan's items): referenced names, sorted, de-duplicated.
    pub references: Vec<Vec<String>>,
    /// Team IDs of the product's signed code.
    pub teams: BTreeSet<String>,
    /// App groups any code item of the product is entitled to.
    pub groups: BTreeSet<String>,
}

impl Services {
    /// Reads everything from `scan`.
    pub fn collect(scan: &Scan) -> Services {
        let mut s = Services { vended: vended(scan), ..Services::default() };
        let mut excluded = BTreeSet::new();
        for item in scan.item_views() {
            if let Some(team) = team_id(&item) {
                s.teams.insert(team.to_owned());
            }
            if let Some(e) = entitlements(&item) {
                s.groups.extend(app_groups(e));
                excluded.extend(identity_strings(e));
            }
        }
        let known: BTreeSet<&str> = s.vended.iter().map(|v| v.name.as_str()).collect();
        let prefixes: Vec<String> = s.teams.iter().chain(&s.groups).map(|p| format!("{p}.")).collect();
        s.references = scan.item_views().map(|item| references(scan, &item, &known, &prefixes, &excluded)).collect();
        s
    }

    /// The vendors of `name`.
    pub fn vendors(&self, name: &str) -> impl Iterator<Item = &Vended> {
        let name = name.to_owned();
        self.vended.iter().filter(move |v| v.name == name)
    }

    /// Items other than `except` whose code references `name`.
    pub fn referrers(&self, name: &str, except: usize) -> Vec<usize> {
        let mut found = Vec::new();
        for (i, names) in self.references.iter().enumerate() {
            if i != except && names.iter().any(|n| n == name) {
                found.push(i);
            }
        }
        found
    }
}

/// Every vended name, in discovery order.
pub fn vended(scan: &Scan) -> Vec<Vended> {
    let mut out = Vec::new();
    for plist in &scan.discovery.launchd_plists {
        for name in mach_services(plist.dict()) {
            out.push(Vended {
                name,
                via: Via::LaunchdPlist { kind: plist.kind },
                item: plist.target,
                declared_in: plist.path.clone(),
                key: "MachServices".to_owned(),
            });
        }
    }
    for item in scan.item_views() {
        vended_by(&item, &mut out);
    }
    out
}

/// The names `item` itself declares: login item and XPC service identifiers, a system
/// extension's Mach service keys, an embedded launchd plist's `MachServices`.
pub fn vended_by(item: &ItemView<'_>, out: &mut Vec<Vended>) {
    let index = Some(item.index);
    let info_path = item.item.bundle.as_ref().and_then(|b| b.info_plist.clone()).unwrap_or_default();
    let info = item.info().and_then(|d| d.dict());
    let string = |d: Option<&plist::Dictionary>, k: &str| d?.get(k)?.as_string().map(str::to_owned);
    let mut push = |name: Option<String>, via: Via, key: &str| {
        if let Some(name) = name.filter(|n| !n.is_empty()) {
            out.push(Vended { name, via, item: index, declared_in: info_path.clone(), key: key.to_owned() });
        }
    };
    match item.item.role {
        Role::LoginItem => push(string(info, "CFBundleIdentifier"), Via::LoginItem, "CFBundleIdentifier"),
        Role::XpcService => {
            push(string(info, "CFBundleIdentifier"), Via::XpcService { host: item.item.parent }, "CFBundleIdentifier")
        }
        Role::SystemExtension => {
            let sub = |k: &str| info.and_then(|d| d.get(k)).and_then(plist::Value::as_dictionary);
            push(
                string(sub("NetworkExtension"), "NEMachServiceName"),
                Via::NetworkExtension,
                "NetworkExtension/NEMachServiceName",
            );
            push(
                string(info, "NSEndpointSecurityMachServiceName"),
                Via::EndpointSecurity,
                "NSEndpointSecurityMachServiceName",
            );
            push(
                string(sub("CMIOExtension"), "CMIOExtensionMachServiceName"),
                Via::CameraExtension,
                "CMIOExtension/CMIOExtensionMachServiceName",
            );
        }
        _ => {}
    }
    // SMJobBless tools carry their launchd plist inside the Mach-O.
    let embedded = item.slices().into_iter().find_map(|s| s.facts.launchd_plist.as_ref()?.as_ref().ok());
    if let Some(doc) = embedded {
        for name in mach_services(doc.dict()) {
            out.push(Vended {
                name,
                via: Via::EmbeddedLaunchdPlist,
                item: index,
                declared_in: item.code_path().to_owned(),
                key: String::new(),
            });
        }
    }
}

/// The keys of a launchd plist's `MachServices` dictionary.
fn mach_services(dict: Option<&plist::Dictionary>) -> Vec<String> {
    dict.and_then(|d| d.get("MachServices"))
        .and_then(plist::Value::as_dictionary)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// The entitlements of an item's first signed slice.
pub fn entitlements<'a>(item: &ItemView<'a>) -> Option<&'a plist::Dictionary> {
    item.slices().into_iter().find_map(|s| s.signature()?.entitlements_value()?.as_dictionary())
}

/// The team ID of an item's first signed slice.
pub fn team_id<'a>(item: &ItemView<'a>) -> Option<&'a str> {
    item.slices().into_iter().find_map(|s| s.signature()?.primary()?.team_id.as_deref())
}

/// The strings of an entitlement that is a string or an array of strings.
pub fn string_list(e: &plist::Dictionary, key: &str) -> Vec<String> {
    match e.get(key) {
        Some(plist::Value::String(s)) => vec![s.clone()],
        Some(plist::Value::Array(a)) => a.iter().filter_map(plist::Value::as_string).map(str::to_owned).collect(),
        _ => Vec::new(),
    }
}

pub fn app_groups(e: &plist::Dictionary) -> Vec<String> {
    string_list(e, APPLICATION_GROUPS)
}

/// Whether the entitlements turn the App Sandbox on.
pub fn is_sandboxed(e: &plist::Dictionary) -> bool {
    e.get(APP_SANDBOX).and_then(plist::Value::as_boolean) == Some(true)
}

/// Entitlement values that name groups and identities, not services: a C string equal to one is
/// a container or keychain group the code opens, not a Mach service it looks up.
fn identity_strings(e: &plist::Dictionary) -> Vec<String> {
    let mut out = app_groups(e);
    for key in [
        "keychain-access-groups",
        "com.apple.application-identifier",
        "application-identifier",
        "com.apple.developer.team-identifier",
    ] {
        out.extend(string_list(e, key));
    }
    out
}

/// Whether `s` can be a Mach service name: reverse-DNS characters only, no empty components.
pub fn looks_like_service_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_NAME_LEN
        && s.contains('.')
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
        && !s.split('.').any(str::is_empty)
        && !has_file_extension(s)
}

/// Team-prefixed file names (`TEAM.com.example.app.plist`) are paths, not services.
fn has_file_extension(s: &str) -> bool {
    const EXTENSIONS: &[&str] = &["plist", "json", "log", "db", "sqlite", "txt", "dylib", "app", "xpc", "appex"];
    s.rsplit_once('.').is_some_and(|(_, ext)| EXTENSIONS.contains(&ext))
}

/// The service names `item`'s Mach-O references (all slices), sorted and de-duplicated.
fn references(
    scan: &Scan,
    item: &ItemView<'_>,
    known: &BTreeSet<&str>,
    prefixes: &[String],
    excluded: &BTreeSet<String>,
) -> Vec<String> {
    if matches!(item.item.role, Role::Framework | Role::Dylib) {
        return Vec::new();
    }
    let Code::MachO { file, .. } = &item.facts.code else { return Vec::new() };
    let Some(bytes) = scan.tree.file(item.code_path()).and_then(|f| f.bytes().ok()) else { return Vec::new() };
    let mut found = BTreeSet::new();
    for slice in &file.slices {
        for s in slice.c_strings(bytes) {
            if known.contains(s) || is_candidate(s, prefixes, excluded) {
                found.insert(s.to_owned());
            }
        }
    }
    found.into_iter().collect()
}

fn is_candidate(s: &str, prefixes: &[String], excluded: &BTreeSet<String>) -> bool {
    prefixes.iter().any(|p| s.len() > p.len() && s.starts_with(p.as_str()))
        && looks_like_service_name(s)
        && !excluded.contains(s)
}

/// Whether `name` is `<group>.<rest>` for one of `groups`: the form the App Sandbox lets a
/// member of the group look up.
pub fn group_prefix<'g>(name: &str, groups: &'g [String]) -> Option<&'g str> {
    groups
        .iter()
        .find(|g| {
            name.len() > g.len() + 1 && name.starts_with(g.as_str()) && name.as_bytes().get(g.len()) == Some(&b'.')
        })
        .map(String::as_str)
}

/// "`a`, `b`" for messages; "none" when empty.
pub fn quoted_list(values: &[String]) -> String {
    if values.is_empty() {
        return "none".to_owned();
    }
    values.iter().map(|v| format!("`{v}`")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_names_are_reverse_dns_words() {
        assert!(looks_like_service_name("S1J6DZ9E7U.com.myapp.agent.srv2"));
        assert!(!looks_like_service_name("S1J6DZ9E7U.com.myapp agent"));
        assert!(!looks_like_service_name("S1J6DZ9E7U..srv"));
        assert!(!looks_like_service_name("%@.service"));
        assert!(!looks_like_service_name("S1J6DZ9E7U.com.myapp.settings.plist"));
    }

    #[test]
    fn group_prefix_needs_a_dot_and_a_rest() {
        let groups = vec!["S1J6DZ9E7U.group.com.myapp.agent".to_owned(), "S1J6DZ9E7U.com.myapp".to_owned()];
        assert_eq!(group_prefix("S1J6DZ9E7U.com.myapp.agent.srv2", &groups), Some("S1J6DZ9E7U.com.myapp"));
        assert_eq!(group_prefix("S1J6DZ9E7U.com.myapp", &groups), None);
        assert_eq!(group_prefix("S1J6DZ9E7U.com.myappx.srv", &groups), None);
        assert_eq!(group_prefix("S1J6DZ9E7U.com.myapp.", &groups), None);
    }

    #[test]
    fn candidates_start_with_a_prefix_and_are_not_groups() {
        let prefixes = vec!["S1J6DZ9E7U.".to_owned()];
        let excluded: BTreeSet<String> = ["S1J6DZ9E7U.group.com.myapp.agent".to_owned()].into();
        assert!(is_candidate("S1J6DZ9E7U.com.myapp.agent.srv2", &prefixes, &excluded));
        assert!(!is_candidate("S1J6DZ9E7U.group.com.myapp.agent", &prefixes, &excluded));
        assert!(!is_candidate("com.myapp.agent.srv2", &prefixes, &excluded));
        assert!(!is_candidate("S1J6DZ9E7U.", &prefixes, &excluded));
    }
}

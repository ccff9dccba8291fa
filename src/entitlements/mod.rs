//! Entitlements and what authorises them: which keys a provisioning profile must list (per
//! platform, from `rules/data/entitlements.toml`), and whether a profile's `Entitlements`
//! dictionary allows a claimed value, matched the way AMFI and App Store validation match it.
//!
//! Everything here is a pure function of plist values; the rules in `checks::entitlements`
//! decide which executable and which profile to compare.

use std::sync::OnceLock;

use plist::Value;
use serde::Deserialize;

/// The platform family whose entitlement policy applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// macOS, including Mac Catalyst: only restricted entitlements need a profile.
    MacOs,
    /// iOS, iPadOS, tvOS, watchOS, visionOS: every entitlement needs the profile.
    IosFamily,
}

impl Platform {
    pub fn name(self) -> &'static str {
        match self {
            Platform::MacOs => "macos",
            Platform::IosFamily => "ios",
        }
    }

    /// The family of an `LC_BUILD_VERSION` platform number; `None` for unknown or zero.
    pub fn from_macho(platform: u32) -> Option<Platform> {
        match platform {
            // macOS, Mac Catalyst, DriverKit (runs on macOS).
            1 | 6 | 10 => Some(Platform::MacOs),
            // iOS, tvOS, watchOS, bridgeOS, their simulators, visionOS and its simulator.
            2 | 3 | 4 | 5 | 7 | 8 | 9 | 11 | 12 => Some(Platform::IosFamily),
            _ => None,
        }
    }
}

/// The type an entitlement's value must have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ValueType {
    Bool,
    String,
    /// An array of strings.
    Strings,
}

impl ValueType {
    pub fn describe(self) -> &'static str {
        match self {
            ValueType::Bool => "a boolean (<true/> or <false/>)",
            ValueType::String => "a string",
            ValueType::Strings => "an array of strings",
        }
    }

    /// Whether `value` has this type.
    pub fn admits(self, value: &Value) -> bool {
        match self {
            ValueType::Bool => matches!(value, Value::Boolean(_)),
            ValueType::String => matches!(value, Value::String(_)),
            ValueType::Strings => value.as_array().is_some_and(|a| a.iter().all(|v| matches!(v, Value::String(_)))),
        }
    }
}

/// One row of the data file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    #[serde(default)]
    pub key: Option<String>,
    #[serde(default)]
    pub prefix: Option<String>,
    pub restricted: bool,
    pub platforms: Vec<String>,
    #[serde(default)]
    pub value: Option<ValueType>,
    pub note: String,
    pub source: String,
}

impl Entry {
    /// How specifically the entry matches `key`: exact keys rank above every prefix, longer
    /// prefixes above shorter ones. `None` when it does not match.
    fn specificity(&self, key: &str) -> Option<usize> {
        if self.key.as_deref() == Some(key) {
            return Some(usize::MAX);
        }
        let prefix = self.prefix.as_deref()?;
        key.starts_with(prefix).then_some(prefix.len())
    }

    fn applies_to(&self, platform: Platform) -> bool {
        self.platforms.iter().any(|p| p == platform.name())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Defaults {
    macos: bool,
    ios: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Table {
    defaults: Defaults,
    #[serde(rename = "entry")]
    entries: Vec<Entry>,
}

const DATA: &str = include_str!("../../rules/data/entitlements.toml");

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    // The file is part of the build and a unit test parses it, so a parse failure here is a
    // build defect; an empty table keeps the tool running (nothing is classified as restricted
    // on macOS) rather than panicking on a user's input.
    TABLE.get_or_init(|| {
        parse_table(DATA)
            .unwrap_or_else(|_| Table { defaults: Defaults { macos: false, ios: true }, entries: Vec::new() })
    })
}

fn parse_table(text: &str) -> Result<Table, toml::de::Error> {
    toml::from_str(text)
}

/// The most specific entry for `key` on `platform`.
pub fn entry(key: &str, platform: Platform) -> Option<&'static Entry> {
    table()
        .entries
        .iter()
        .filter(|e| e.applies_to(platform))
        .filter_map(|e| Some((e.specificity(key)?, e)))
        .max_by_key(|(rank, _)| *rank)
        .map(|(_, e)| e)
}

/// Whether claiming `key` on `platform` needs a provisioning profile that lists it.
pub fn is_restricted(key: &str, platform: Platform) -> bool {
    let defaults = &table().defaults;
    match platform {
        // On the iOS family the profile must list every entitlement.
        Platform::IosFamily => defaults.ios || entry(key, platform).is_some_and(|e| e.restricted),
        Platform::MacOs => entry(key, platform).map_or(defaults.macos, |e| e.restricted),
    }
}

/// The type `key` must have, when the data file says.
pub fn value_type(key: &str) -> Option<ValueType> {
    [Platform::MacOs, Platform::IosFamily].into_iter().find_map(|p| entry(key, p)?.value)
}

/// The keys that name the App ID, per platform family (Mac Catalyst carries both).
pub const APP_ID_KEYS: &[&str] = &["com.apple.application-identifier", "application-identifier"];

/// Whether an App ID starts with a team prefix: ten upper-case letters or digits and a dot.
pub fn has_team_prefix(app_id: &str) -> bool {
    app_id
        .split_once('.')
        .is_some_and(|(team, _)| team.len() == 10 && team.bytes().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()))
}

/// The team ID entitlement.
pub const TEAM_ID_KEY: &str = "com.apple.developer.team-identifier";

/// Whether a profile's `Entitlements` value `allowed` authorises the claimed value `claimed`.
///
/// As AMFI and App Store validation compare them:
/// * strings are equal, or the profile's string ends in `*` and the claim starts with what
///   precedes it (`TEAMID.*` allows `TEAMID.com.example.app`; `*` allows anything);
/// * a claimed array is allowed when each element is allowed by the profile's value (a profile
///   array: by some element of it; a profile string: by that string, possibly a wildcard);
/// * a claimed string is allowed by a profile array when some element allows it;
/// * booleans: the profile's `true` allows `true` and `false`; its `false` allows only `false`;
/// * integers are equal; dictionaries are allowed key by key.
pub fn allows(allowed: &Value, claimed: &Value) -> bool {
    allows_at(allowed, claimed, 0)
}

/// Nesting followed when comparing dictionaries and arrays.
const MAX_DEPTH: usize = 16;

fn allows_at(allowed: &Value, claimed: &Value, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match (allowed, claimed) {
        (Value::String(pattern), Value::String(value)) => string_allows(pattern, value),
        (Value::Array(patterns), Value::String(_)) => patterns.iter().any(|p| allows_at(p, claimed, depth + 1)),
        (_, Value::Array(values)) => values.iter().all(|v| match allowed {
            Value::Array(patterns) => patterns.iter().any(|p| allows_at(p, v, depth + 1)),
            single => allows_at(single, v, depth + 1),
        }),
        (Value::Boolean(a), Value::Boolean(c)) => *a || !*c,
        (Value::Integer(a), Value::Integer(c)) => a == c,
        (Value::Dictionary(a), Value::Dictionary(c)) => {
            c.iter().all(|(k, v)| a.get(k).is_some_and(|av| allows_at(av, v, depth + 1)))
        }
        _ => false,
    }
}

/// `pattern` equals `value`, or ends in `*` and `value` starts with the rest.
pub fn string_allows(pattern: &str, value: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(stem) => value.starts_with(stem),
        None => pattern == value,
    }
}

/// A short rendering of a plist value for messages: strings quoted, arrays bracketed, long
/// values cut.
pub fn show(value: &Value) -> String {
    let text = match value {
        Value::String(s) => format!("\"{s}\""),
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::Real(r) => r.to_string(),
        Value::Date(_) => "a date".to_owned(),
        Value::Data(d) => format!("{} bytes of data", d.len()),
        Value::Array(items) => format!("[{}]", items.iter().take(8).map(show).collect::<Vec<_>>().join(", ")),
        Value::Dictionary(d) => format!("a dictionary of {} keys", d.len()),
        _ => "a value".to_owned(),
    };
    if text.chars().count() > 200 {
        let cut: String = text.chars().take(197).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// The plist type name of a value, for messages.
pub use crate::codesign::der_plist::kind_name as type_name;

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Value {
        Value::Array(v.iter().map(|s| Value::String((*s).to_owned())).collect())
    }

    fn s(v: &str) -> Value {
        Value::String(v.to_owned())
    }

    #[test]
    fn data_file_parses_and_every_entry_is_well_formed() {
        let t = parse_table(DATA).expect("rules/data/entitlements.toml parses");
        assert!(t.entries.len() > 10);
        for e in &t.entries {
            assert!(e.key.is_some() != e.prefix.is_some(), "{e:?}: exactly one of key and prefix");
            assert!(e.source.starts_with("https://"), "{e:?}: source URL");
            assert!(!e.note.is_empty());
            assert!(e.platforms.iter().all(|p| p == "macos" || p == "ios"), "{e:?}: platforms");
        }
    }

    #[test]
    fn macos_classification() {
        let m = Platform::MacOs;
        for key in [
            "com.apple.developer.endpoint-security.client",
            "com.apple.developer.system-extension.install",
            "com.apple.developer.networking.networkextension",
            "com.apple.developer.icloud-container-identifiers",
            "com.apple.developer.team-identifier",
            "com.apple.application-identifier",
            "keychain-access-groups",
            "com.apple.private.tcc.allow",
        ] {
            assert!(is_restricted(key, m), "{key} is restricted on macOS");
        }
        for key in [
            "com.apple.security.get-task-allow",
            "com.apple.security.app-sandbox",
            "com.apple.security.cs.allow-jit",
            "com.apple.security.cs.disable-library-validation",
            "com.apple.security.application-groups",
            "com.apple.security.files.user-selected.read-write",
            "com.apple.security.temporary-exception.mach-lookup.global-name",
            "com.apple.security.inherit",
            "com.example.custom",
        ] {
            assert!(!is_restricted(key, m), "{key} is unrestricted on macOS");
        }
    }

    #[test]
    fn ios_family_restricts_everything() {
        for key in ["get-task-allow", "application-identifier", "com.apple.security.app-sandbox", "aps-environment"] {
            assert!(is_restricted(key, Platform::IosFamily), "{key}");
        }
    }

    #[test]
    fn exact_keys_beat_prefixes() {
        assert_eq!(value_type("com.apple.developer.team-identifier"), Some(ValueType::String));
        assert_eq!(value_type("com.apple.developer.endpoint-security.client"), Some(ValueType::Bool));
        assert_eq!(value_type("com.apple.security.cs.allow-jit"), Some(ValueType::Bool));
        assert_eq!(value_type("keychain-access-groups"), Some(ValueType::Strings));
        assert_eq!(value_type("com.apple.developer.icloud-services"), None);
        assert!(entry("com.apple.security.app-sandbox", Platform::MacOs).is_some_and(|e| e.key.is_some()));
    }

    #[test]
    fn team_prefixes() {
        assert!(has_team_prefix("ABCDE12345.com.example.app"));
        assert!(has_team_prefix("S8XHQB96PW.*"));
        assert!(!has_team_prefix("org.sparkle-project.Sparkle.Autoupdate"));
        assert!(!has_team_prefix("abcde12345.com.example"));
    }

    #[test]
    fn platforms_from_macho() {
        assert_eq!(Platform::from_macho(1), Some(Platform::MacOs));
        assert_eq!(Platform::from_macho(6), Some(Platform::MacOs));
        assert_eq!(Platform::from_macho(2), Some(Platform::IosFamily));
        assert_eq!(Platform::from_macho(11), Some(Platform::IosFamily));
        assert_eq!(Platform::from_macho(0), None);
    }

    #[test]
    fn strings_and_wildcards() {
        assert!(allows(&s("ABCDE12345.*"), &s("ABCDE12345.com.example.app")));
        assert!(allows(&s("ABCDE12345.com.example.app"), &s("ABCDE12345.com.example.app")));
        assert!(!allows(&s("ABCDE12345.com.example.app"), &s("ABCDE12345.com.example.app.helper")));
        assert!(!allows(&s("ABCDE12345.*"), &s("FGHIJ67890.com.example.app")));
        assert!(allows(&s("*"), &s("anything")));
        // A `*` is a suffix wildcard only.
        assert!(!allows(&s("*.example"), &s("a.example")));
    }

    #[test]
    fn arrays() {
        let profile = strings(&["packet-tunnel-provider-systemextension", "app-proxy-provider-systemextension"]);
        assert!(allows(&profile, &strings(&["app-proxy-provider-systemextension"])));
        assert!(!allows(&profile, &strings(&["app-proxy-provider"])));
        assert!(!allows(&profile, &strings(&["app-proxy-provider-systemextension", "dns-proxy"])));
        assert!(allows(&strings(&["ABCDE12345.*"]), &strings(&["ABCDE12345.a", "ABCDE12345.b"])));
        assert!(allows(&s("*"), &strings(&["applinks:example.com"])));
        assert!(allows(&strings(&["development", "production"]), &s("production")));
        assert!(allows(&profile, &strings(&[])));
    }

    #[test]
    fn booleans_and_scalars() {
        assert!(allows(&Value::Boolean(true), &Value::Boolean(true)));
        assert!(allows(&Value::Boolean(true), &Value::Boolean(false)));
        assert!(!allows(&Value::Boolean(false), &Value::Boolean(true)));
        assert!(allows(&Value::Boolean(false), &Value::Boolean(false)));
        assert!(!allows(&Value::Boolean(true), &s("true")));
        assert!(allows(&Value::Integer(3.into()), &Value::Integer(3.into())));
        assert!(!allows(&Value::Integer(3.into()), &Value::Integer(4.into())));
    }

    #[test]
    fn dictionaries_key_by_key() {
        let mut a = plist::Dictionary::new();
        a.insert("mode".into(), s("*"));
        let mut c = plist::Dictionary::new();
        c.insert("mode".into(), s("strict"));
        assert!(allows(&Value::Dictionary(a.clone()), &Value::Dictionary(c.clone())));
        c.insert("extra".into(), Value::Boolean(true));
        assert!(!allows(&Value::Dictionary(a), &Value::Dictionary(c)));
    }

    #[test]
    fn shown_values() {
        assert_eq!(show(&strings(&["a", "b"])), "[\"a\", \"b\"]");
        assert_eq!(show(&Value::Boolean(true)), "true");
        assert!(show(&s(&"x".repeat(500))).ends_with('…'));
    }
}

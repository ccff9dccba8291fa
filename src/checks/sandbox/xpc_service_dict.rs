//! `xpc-service-dict`: an XPC service's `XPCService` dictionary uses the keys and values of
//! `xpcservice.plist(5)`.

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

pub static RULE: Rule = Rule { id: crate::rule_id::XPC_SERVICE_DICT, check: Check::Item(check) };

const SERVICE_TYPES: &[&str] = &["Application", "User", "System"];
const RUN_LOOP_TYPES: &[&str] = &["dispatch_main", "NSRunLoop", "_NSApplicationMain", "_UIApplicationMain"];
const KNOWN_KEYS: &[&str] = &["ServiceType", "RunLoopType", "JoinExistingSession", "EnvironmentVariables"];

/// The problems of one `XPCService` entry, as (key, what is wrong).
fn problems(key: &str, value: &plist::Value) -> Option<String> {
    let one_of = |allowed: &[&str]| match value.as_string() {
        Some(v) if allowed.contains(&v) => None,
        Some(v) => Some(format!("is `{v}`, not one of {}", allowed.join(", "))),
        None => Some(format!("is not a string (one of {})", allowed.join(", "))),
    };
    match key {
        "ServiceType" => one_of(SERVICE_TYPES),
        "RunLoopType" => one_of(RUN_LOOP_TYPES),
        "JoinExistingSession" => value.as_boolean().is_none().then(|| "is not a boolean".to_owned()),
        "EnvironmentVariables" => match value.as_dictionary() {
            None => Some("is not a dictionary".to_owned()),
            Some(d) => d
                .iter()
                .find(|(_, v)| v.as_string().is_none())
                .map(|(k, _)| format!("has a non-string value for `{k}`")),
        },
        // Underscore keys are Apple's private ones (`_MultipleInstances`…): not ours to judge.
        k if k.starts_with('_') => None,
        _ => Some(format!("is not a key of xpcservice.plist(5) (known: {})", KNOWN_KEYS.join(", "))),
    }
}

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if item.item.role != Role::XpcService {
        return;
    }
    let Some(info) = item.info() else { return };
    let Some(info_path) = item.item.bundle.as_ref().and_then(|b| b.info_plist.as_deref()) else { return };
    let Some(value) = info.dict().and_then(|d| d.get("XPCService")) else { return };
    let path = &item.item.path;
    let Some(dict) = value.as_dictionary() else {
        let f = sink
            .finding(RULE.id, info_path, format!("XPCService in the Info.plist of `{path}` is not a dictionary"))
            .item(path.clone())
            .span(info.key_span("XPCService"))
            .help("make XPCService a dictionary, e.g. { ServiceType = Application; }");
        sink.push(f);
        return;
    };
    for (key, v) in dict {
        let Some(what) = problems(key, v) else { continue };
        let f = sink
            .finding(RULE.id, info_path, format!("XPCService › {key} in the Info.plist of `{path}` {what}; xpcproxy ignores or rejects it"))
            .item(path.clone())
            .span(info.key_span(&format!("XPCService/{key}")))
            .help("fix the key as xpcservice.plist(5) documents it: ServiceType = Application for an app's service; RunLoopType = dispatch_main (default) or NSRunLoop; JoinExistingSession a boolean; EnvironmentVariables a dictionary of strings");
        sink.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::problems;
    use plist::Value;

    #[test]
    fn values_are_checked_against_the_schema() {
        assert!(problems("ServiceType", &Value::String("Application".into())).is_none());
        assert!(problems("ServiceType", &Value::String("Applicaton".into())).is_some());
        assert!(problems("RunLoopType", &Value::String("NSRunLoop".into())).is_none());
        assert!(problems("JoinExistingSession", &Value::String("YES".into())).is_some());
        assert!(problems("_MultipleInstances", &Value::Boolean(true)).is_none());
        assert!(problems("ServiceTyp", &Value::String("Application".into())).is_some());
    }
}

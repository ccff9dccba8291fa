//! `launchd-key-types`: the keys launchd.plist(5) documents have the types it documents;
//! `UserName`/`GroupName` appear only in daemons.

use crate::checks::{Check, Context, Rule, Sink};
use crate::discover::LaunchdKind;

use super::label::kind;
use super::{finding, plists};

pub static RULE: Rule = Rule { id: crate::rule_id::LAUNCHD_KEY_TYPES, check: Check::Scan(check) };

/// The value shapes launchd.plist(5) allows.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Shape {
    Bool,
    Str,
    Int,
    Dict,
    /// An array of strings.
    Strings,
    BoolOrDict,
    StrOrStrings,
    /// `StartCalendarInterval`: a dictionary or an array of dictionaries.
    DictOrDicts,
    /// `Umask`: an integer, or a string holding an octal number.
    IntOrStr,
}

/// Documented keys and their shapes. `Label`, `MachServices`, `AssociatedBundleIdentifiers`
/// and `SpawnConstraint` have rules of their own.
const KEYS: &[(&str, Shape)] = &[
    ("AbandonProcessGroup", Shape::Bool),
    ("BundleProgram", Shape::Str),
    ("Debug", Shape::Bool),
    ("Disabled", Shape::Bool),
    ("EnableGlobbing", Shape::Bool),
    ("EnablePressuredExit", Shape::Bool),
    ("EnableTransactions", Shape::Bool),
    ("EnvironmentVariables", Shape::Dict),
    ("ExitTimeOut", Shape::Int),
    ("GroupName", Shape::Str),
    ("HardResourceLimits", Shape::Dict),
    ("InitGroups", Shape::Bool),
    ("KeepAlive", Shape::BoolOrDict),
    ("LaunchEvents", Shape::Dict),
    ("LaunchOnlyOnce", Shape::Bool),
    ("LimitLoadFromHardware", Shape::Dict),
    ("LimitLoadToHardware", Shape::Dict),
    ("LimitLoadToSessionType", Shape::StrOrStrings),
    ("LowPriorityBackgroundIO", Shape::Bool),
    ("LowPriorityIO", Shape::Bool),
    ("MaterializeDatalessFiles", Shape::Bool),
    ("Nice", Shape::Int),
    ("ProcessType", Shape::Str),
    ("Program", Shape::Str),
    ("ProgramArguments", Shape::Strings),
    ("QueueDirectories", Shape::Strings),
    ("RootDirectory", Shape::Str),
    ("RunAtLoad", Shape::Bool),
    ("SessionCreate", Shape::Bool),
    ("Sockets", Shape::Dict),
    ("SoftResourceLimits", Shape::Dict),
    ("StandardErrorPath", Shape::Str),
    ("StandardInPath", Shape::Str),
    ("StandardOutPath", Shape::Str),
    ("StartCalendarInterval", Shape::DictOrDicts),
    ("StartInterval", Shape::Int),
    ("StartOnMount", Shape::Bool),
    ("ThrottleInterval", Shape::Int),
    ("TimeOut", Shape::Int),
    ("Umask", Shape::IntOrStr),
    ("UserName", Shape::Str),
    ("WaitForDebugger", Shape::Bool),
    ("WatchPaths", Shape::Strings),
    ("WorkingDirectory", Shape::Str),
];

/// `ProcessType` values launchd.plist(5) lists.
const PROCESS_TYPES: &[&str] = &["Background", "Standard", "Adaptive", "Interactive"];

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for plist in plists(cx) {
        let Some(dict) = plist.dict() else { continue };
        let path = &plist.path;
        for (key, value) in dict {
            let Some(&(_, shape)) = KEYS.iter().find(|(k, _)| k == key) else { continue };
            let message = if !fits(shape, value) {
                format!("`{path}` has {key} as {}, but launchd.plist(5) documents {}: launchd ignores the key or rejects the job", kind(value), describe(shape))
            } else if key == "ProcessType" && value.as_string().is_some_and(|v| !PROCESS_TYPES.contains(&v)) {
                format!(
                    "`{path}` has ProcessType {:?}, not one of Background, Standard, Adaptive, Interactive",
                    value.as_string().unwrap_or_default()
                )
            } else if matches!(key.as_str(), "UserName" | "GroupName") && plist.kind == LaunchdKind::Agent {
                format!("`{path}` is an agent but sets {key}: agents run as the logged-in user and launchd ignores {key} for them (it applies to daemons only)")
            } else {
                continue;
            };
            let f = finding(cx, sink, RULE.id, plist, Some(key), message)
                .help(format!("write {key} as {}", describe(shape)));
            sink.push(f);
        }
    }
}

fn fits(shape: Shape, v: &plist::Value) -> bool {
    use plist::Value::*;
    let strings = |v: &plist::Value| v.as_array().is_some_and(|a| a.iter().all(|x| x.as_string().is_some()));
    match shape {
        Shape::Bool => matches!(v, Boolean(_)),
        Shape::Str => matches!(v, String(_)),
        Shape::Int => matches!(v, Integer(_)),
        Shape::Dict => matches!(v, Dictionary(_)),
        Shape::Strings => strings(v),
        Shape::BoolOrDict => matches!(v, Boolean(_) | Dictionary(_)),
        Shape::StrOrStrings => matches!(v, String(_)) || strings(v),
        Shape::DictOrDicts => {
            matches!(v, Dictionary(_)) || v.as_array().is_some_and(|a| a.iter().all(|x| x.as_dictionary().is_some()))
        }
        Shape::IntOrStr => matches!(v, Integer(_) | String(_)),
    }
}

fn describe(shape: Shape) -> &'static str {
    match shape {
        Shape::Bool => "a boolean (<true/> or <false/>)",
        Shape::Str => "a string",
        Shape::Int => "an integer",
        Shape::Dict => "a dictionary",
        Shape::Strings => "an array of strings",
        Shape::BoolOrDict => "a boolean or a dictionary",
        Shape::StrOrStrings => "a string or an array of strings",
        Shape::DictOrDicts => "a dictionary or an array of dictionaries",
        Shape::IntOrStr => "an integer or a string",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use plist::Value;

    #[test]
    fn shapes() {
        assert!(fits(Shape::Bool, &Value::Boolean(true)));
        assert!(!fits(Shape::Bool, &Value::String("YES".into())));
        assert!(fits(Shape::Strings, &Value::Array(vec![Value::String("a".into())])));
        assert!(!fits(Shape::Strings, &Value::Array(vec![Value::Integer(1.into())])));
        assert!(fits(Shape::BoolOrDict, &Value::Dictionary(Default::default())));
        assert!(KEYS.windows(2).all(|w| w[0].0 < w[1].0), "KEYS sorted");
    }
}

//! `launchd-machservices-format`: `MachServices` maps each service name to `true` or to a
//! dictionary of `ResetAtClose`/`HideUntilCheckIn` booleans.

use crate::checks::{Check, Context, Rule, Sink};

use super::{finding, plists};

pub static RULE: Rule = Rule { id: crate::rule_id::LAUNCHD_MACHSERVICES_FORMAT, check: Check::Scan(check) };

const KEY: &str = "MachServices";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for plist in plists(cx) {
        let Some(value) = plist.dict().and_then(|d| d.get(KEY)) else { continue };
        let path = &plist.path;
        let Some(services) = value.as_dictionary() else {
            let f = finding(cx, sink, RULE.id, plist, Some(KEY), format!("`{path}` has MachServices that is {}, not a dictionary: launchd registers none of its names, so every NSXPCConnection(machServiceName:) to the job fails (connection invalidated)", super::label::kind(value)))
                .help("write `<key>MachServices</key><dict><key>com.example.daemon.xpc</key><true/></dict>`");
            sink.push(f);
            continue;
        };
        for (name, entry) in services {
            let Some(why) = defect(name, entry) else { continue };
            let span_key = format!("{KEY}/{name}");
            let mut f = finding(cx, sink, RULE.id, plist, Some(KEY), format!("`{path}` MachServices entry {name:?} {why}: launchd does not advertise the service as written, and clients' connections to it are invalidated"))
                .help("give each service name the value `<true/>`, or a dictionary with only the booleans ResetAtClose and HideUntilCheckIn");
            if let Ok(doc) = &plist.document {
                f = f.span(doc.key_span(&span_key).or_else(|| doc.key_span(KEY)));
            }
            sink.push(f);
        }
    }
}

/// What is wrong with one `MachServices` entry.
fn defect(name: &str, entry: &plist::Value) -> Option<String> {
    if name.trim().is_empty() || name != name.trim() {
        return Some("has an empty name or one with surrounding whitespace".into());
    }
    match entry {
        plist::Value::Boolean(true) => None,
        plist::Value::Boolean(false) => {
            Some("is `false` (launchd.plist(5): the value must be `true` or a dictionary)".into())
        }
        plist::Value::Dictionary(d) => d.iter().find_map(|(k, v)| match (k.as_str(), v) {
            ("ResetAtClose" | "HideUntilCheckIn", plist::Value::Boolean(_)) => None,
            ("ResetAtClose" | "HideUntilCheckIn", other) => {
                Some(format!("sets {k} to {}, not a boolean", super::label::kind(other)))
            }
            _ => Some(format!("has the unknown key {k:?} (only ResetAtClose and HideUntilCheckIn)")),
        }),
        other => Some(format!("is {}, not `true` or a dictionary", super::label::kind(other))),
    }
}

#[cfg(test)]
mod tests {
    use super::defect;
    use plist::{Dictionary, Value};

    #[test]
    fn entries() {
        assert_eq!(defect("com.x", &Value::Boolean(true)), None);
        assert!(defect("com.x", &Value::Boolean(false)).is_some());
        assert!(defect("com.x", &Value::String("yes".into())).unwrap().contains("a string"));
        let mut d = Dictionary::new();
        d.insert("HideUntilCheckIn".into(), Value::Boolean(true));
        assert_eq!(defect("com.x", &Value::Dictionary(d.clone())), None);
        d.insert("Other".into(), Value::Boolean(true));
        assert!(defect("com.x", &Value::Dictionary(d)).unwrap().contains("Other"));
        assert!(defect(" com.x", &Value::Boolean(true)).is_some());
    }
}

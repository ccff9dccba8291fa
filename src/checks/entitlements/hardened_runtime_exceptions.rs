//! `ent-hardened-runtime-exceptions`: lists the Hardened Runtime exceptions an executable
//! claims, each of which switches off a protection. Library code is left to `ent-on-library-code`:
//! a process takes its exceptions from its main executable, so a library's are ignored.

use super::{listed, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_HARDENED_RUNTIME_EXCEPTIONS, check: Check::Item(check) };

/// The exceptions, each with the protection it gives up.
const EXCEPTIONS: &[(&str, &str)] = &[
    ("com.apple.security.cs.allow-jit", "lets the process map writable-and-executable JIT memory"),
    ("com.apple.security.cs.allow-unsigned-executable-memory", "lets the process create unsigned executable memory"),
    (
        "com.apple.security.cs.allow-dyld-environment-variables",
        "honours DYLD_* environment variables (library injection)",
    ),
    ("com.apple.security.cs.disable-library-validation", "loads libraries signed by other teams or not at all"),
    ("com.apple.security.cs.disable-executable-page-protection", "turns off executable page protection entirely"),
    ("com.apple.security.cs.debugger", "lets the process debug other processes"),
];

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    let Some(claims) = Claims::of(view).filter(|c| !c.is_library()) else { return };
    let claimed = claimed_exceptions(claims.dict);
    let Some((first, _)) = claimed.first() else { return };
    let keys: Vec<&str> = claimed.iter().map(|(k, _)| *k).collect();
    let effects: Vec<&str> = claimed.iter().map(|(_, e)| *e).collect();
    let message = format!(
        "`{}` claims Hardened Runtime {} {}: it {}",
        view.code_path(),
        if keys.len() == 1 { "exception" } else { "exceptions" },
        listed(&keys),
        effects.join("; it "),
    );
    let range = claims.range_of(first);
    super::report(sink, view, RULE.id, message, "keep only the exceptions this executable needs (JavaScript JITs need allow-jit; plug-in hosts need disable-library-validation) and document why", range);
}

/// The exceptions set to true, in the table's order.
fn claimed_exceptions(dict: &plist::Dictionary) -> Vec<(&'static str, &'static str)> {
    EXCEPTIONS.iter().copied().filter(|(k, _)| dict.get(k).and_then(plist::Value::as_boolean) == Some(true)).collect()
}

#[cfg(test)]
mod tests {
    use super::claimed_exceptions;

    #[test]
    fn only_true_exceptions() {
        let mut d = plist::Dictionary::new();
        d.insert("com.apple.security.cs.allow-jit".into(), true.into());
        d.insert("com.apple.security.cs.debugger".into(), false.into());
        let found = claimed_exceptions(&d);
        assert_eq!(found.len(), 1);
        assert_eq!(found.first().map(|(k, _)| *k), Some("com.apple.security.cs.allow-jit"));
    }
}

//! `ent-value-type`: each entitlement has the type Apple defines for it (booleans as
//! `<true/>`/`<false/>`, identifier lists as arrays of strings) and no value DER entitlements
//! cannot carry (dates, data, reals). Judged in signatures and in entitlements files.

use crate::checks::{Check, Context, Rule, Sink, SliceView, SourceKind};
use crate::entitlements::{self, type_name};

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_VALUE_TYPE, check: Check::Scan(check) };

/// Nesting followed when looking for values DER cannot encode.
const MAX_DEPTH: usize = 16;

/// What AMFI does with such a value.
const CONSEQUENCE: &str =
    "AMFI does not grant a mistyped entitlement and may reject the signature (\"AMFI could not load its entitlements for validation\")";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for item in cx.items() {
        for slice in item.slices() {
            check_slice(&slice, sink);
        }
    }
    for source in cx.sources(SourceKind::Entitlements) {
        for (key, problem) in problems(source.dict) {
            let message = format!("`{}`: entitlement `{key}` {problem}: {CONSEQUENCE}", source.file.path);
            let help = format!(
                "fix the value of `{key}` (plutil -lint; booleans are <true/> or <false/>, lists are <array> of <string>)"
            );
            sink.push(source.finding(RULE.id, key, message).help(help));
        }
    }
}

fn check_slice(slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    let Some(dict) = sig.entitlements_value().and_then(plist::Value::as_dictionary) else { return };
    let doc = sig.entitlements.as_ref().and_then(|e| Some((e.range, e.document.as_ref().ok()?)));
    let path = slice.item.code_path();
    for (key, problem) in problems(dict) {
        let message = format!("`{path}` [{}] entitlement `{key}` {problem}: {CONSEQUENCE}", slice.slice.arch);
        let mut f = slice.finding(RULE.id, message).help(format!(
            "fix the value of `{key}` in the entitlements file (plutil -lint; booleans are <true/> or <false/>, lists are <array> of <string>) and re-sign"
        ));
        f.range = doc.map(|(range, d)| match d.key_span(key) {
            Some(span) => crate::macho::Range { offset: range.offset + 8 + span.offset, size: span.length },
            None => range,
        });
        sink.push(f);
    }
}

/// Each mistyped entitlement of `dict` and what is wrong with it.
fn problems(dict: &plist::Dictionary) -> impl Iterator<Item = (&str, String)> + '_ {
    dict.iter().filter_map(|(key, value)| {
        let problem = match entitlements::value_type(key) {
            Some(want) if !want.admits(value) => {
                Some(format!("must be {}, not {} ({})", want.describe(), type_name(value), entitlements::show(value)))
            }
            _ => not_der_encodable(value, 0).map(|t| {
                format!("holds {t}, which DER entitlements cannot encode (only booleans, integers, strings, arrays and dictionaries)")
            }),
        };
        Some((key.as_str(), problem?))
    })
}

/// The type name of the first value under `value` that DER entitlements cannot encode.
fn not_der_encodable(value: &plist::Value, depth: usize) -> Option<&'static str> {
    use plist::Value;
    if depth > MAX_DEPTH {
        return None;
    }
    match value {
        Value::Date(_) | Value::Data(_) | Value::Real(_) => Some(type_name(value)),
        Value::Array(items) => items.iter().find_map(|v| not_der_encodable(v, depth + 1)),
        Value::Dictionary(d) => d.values().find_map(|v| not_der_encodable(v, depth + 1)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::not_der_encodable;
    use plist::Value;

    #[test]
    fn der_encodable_values() {
        assert_eq!(not_der_encodable(&Value::Real(1.5), 0), Some("a real number"));
        let nested = Value::Array(vec![Value::String("a".into()), Value::Data(vec![1])]);
        assert_eq!(not_der_encodable(&nested, 0), Some("data"));
        assert_eq!(not_der_encodable(&Value::Boolean(true), 0), None);
    }
}

//! `sig-der-xml-entitlements-diverge`: the DER entitlements (slot 7) hold the same value as the
//! XML entitlements (slot 5) of the same signature.

use plist::Value;

use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::superblob::Slot;

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_DER_XML_ENTITLEMENTS_DIVERGE, check: Check::Slice(check) };

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    let Some(sig) = slice.signature() else { return };
    // Either blob unreadable is its own finding (malformed-entitlements, malformed-der-entitlements).
    let Some(xml) = sig.entitlements.as_ref().and_then(|e| e.document.as_ref().ok()).map(|d| &d.value) else {
        return;
    };
    let Some(der) = sig.der_entitlements.as_ref().and_then(|d| d.as_ref().ok()) else { return };
    let path = slice.item.code_path();
    let arch = &slice.slice.arch;
    let what = match first_difference(xml, &der.value, "") {
        Some(difference) => difference,
        // The same value decoded, but a key twice: a reader that searches the sorted keys may find
        // the other occurrence.
        None if !der.duplicate_keys.is_empty() => {
            format!(
                "the DER entitlements name {:?} more than once, so readers may disagree on their value",
                der.duplicate_keys
            )
        }
        None => return,
    };
    let mut f = slice
        .finding(RULE.id, format!("`{path}` [{arch}]: the DER entitlements (slot 7) and the XML entitlements (slot 5) differ: {what}; the system reads the DER blob (macOS 12, iOS 15 and later) while `codesign -d --entitlements` and older systems show the XML"))
        .help("sign again with codesign (it writes the DER blob from the XML), never edit one entitlements blob alone: `codesign --force --sign … --entitlements App.entitlements --generate-entitlement-der PATH`");
    f.range = sig.blob_range(Slot::DerEntitlements);
    sink.push(f);
}

/// The first place, in key order, where `xml` and `der` disagree, named by its key path; `None`
/// when they agree. Values the DER format cannot hold (dates, reals) are not compared: how a
/// signer encodes them is not known.
fn first_difference(xml: &Value, der: &Value, at: &str) -> Option<String> {
    match (xml, der) {
        (Value::Dictionary(x), Value::Dictionary(d)) => {
            let mut keys: Vec<&String> = x.keys().chain(d.keys()).collect();
            keys.sort_unstable();
            keys.dedup();
            keys.into_iter().find_map(|key| {
                let here = if at.is_empty() { key.clone() } else { format!("{at}/{key}") };
                match (x.get(key), d.get(key)) {
                    (Some(xv), Some(dv)) => first_difference(xv, dv, &here),
                    (Some(xv), None) => Some(format!("{here} is {} in the XML only", shown(xv))),
                    (None, Some(dv)) => Some(format!("{here} is {} in the DER only", shown(dv))),
                    (None, None) => None,
                }
            })
        }
        (Value::Array(x), Value::Array(d)) if x.len() == d.len() => {
            x.iter().zip(d).enumerate().find_map(|(i, (xv, dv))| first_difference(xv, dv, &format!("{at}[{i}]")))
        }
        (Value::Date(_) | Value::Real(_), _) => None,
        (x, d) if x == d => None,
        (x, d) => Some(format!("{} is {} in the XML but {} in the DER", name(at), shown(x), shown(d))),
    }
}

fn name(at: &str) -> &str {
    if at.is_empty() {
        "the value"
    } else {
        at
    }
}

/// A value as a message shows it: scalars in full (strings shortened), containers by size.
fn shown(value: &Value) -> String {
    const LONGEST: usize = 60;
    match value {
        Value::Boolean(b) => b.to_string(),
        Value::Integer(i) => i.to_string(),
        Value::String(s) if s.chars().count() > LONGEST => {
            format!("{:?}…", s.chars().take(LONGEST).collect::<String>())
        }
        Value::String(s) => format!("{s:?}"),
        Value::Array(a) => format!("an array of {}", a.len()),
        Value::Dictionary(d) => format!("a dictionary of {} keys", d.len()),
        other => crate::codesign::der_plist::kind_name(other).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dict(entries: &[(&str, Value)]) -> Value {
        Value::Dictionary(entries.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
    }

    #[test]
    fn the_first_differing_key_in_key_order_is_named_with_both_values() {
        let xml = dict(&[("a", Value::Boolean(true)), ("b", Value::Boolean(false)), ("c", Value::Integer(1.into()))]);
        let der = dict(&[("a", Value::Boolean(true)), ("b", Value::Boolean(true)), ("c", Value::Integer(2.into()))]);
        assert_eq!(first_difference(&xml, &der, "").unwrap(), "b is false in the XML but true in the DER");
        assert_eq!(first_difference(&xml, &xml, ""), None);
    }

    #[test]
    fn missing_keys_nested_paths_and_array_lengths_are_differences() {
        let xml = dict(&[("groups", Value::Array(vec![Value::String("A.g".into())]))]);
        let der = dict(&[("groups", Value::Array(vec![Value::String("B.g".into())])), ("extra", Value::Boolean(true))]);
        assert_eq!(first_difference(&xml, &der, "").unwrap(), "extra is true in the DER only");
        let der = dict(&[("groups", Value::Array(vec![Value::String("B.g".into())]))]);
        assert_eq!(first_difference(&xml, &der, "").unwrap(), "groups[0] is \"A.g\" in the XML but \"B.g\" in the DER");
        let der = dict(&[("groups", Value::Array(vec![]))]);
        assert_eq!(
            first_difference(&xml, &der, "").unwrap(),
            "groups is an array of 1 in the XML but an array of 0 in the DER"
        );
        let nested = dict(&[("d", dict(&[("k", Value::String("x".into()))]))]);
        let other = dict(&[("d", dict(&[("k", Value::String("y".into()))]))]);
        assert_eq!(first_difference(&nested, &other, "").unwrap(), "d/k is \"x\" in the XML but \"y\" in the DER");
    }

    #[test]
    fn values_der_cannot_hold_are_not_compared() {
        let xml = dict(&[("r", Value::Real(1.5))]);
        let der = dict(&[("r", Value::Integer(1.into()))]);
        assert_eq!(first_difference(&xml, &der, ""), None);
    }
}

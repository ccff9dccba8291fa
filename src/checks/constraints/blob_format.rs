//! `lc-blob-format`: a constraint blob that decodes has exactly the top-level keys `ccat`,
//! `comp`, `reqs` and `vers`, and a version the kernel knows.
//!
//! Blobs that do not decode at all (bad DER, a top level that is not a dictionary, `reqs` not a
//! dictionary, `ccat`/`comp`/`vers` not integers) are `malformed-constraints`, reported by the
//! reader; this rule sees only blobs that decoded, so one defect gives one finding.

use crate::analysis::constraint_eval::slot_description;
use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::constraints::Constraints;

use super::{amfi, blobs, located};

pub static RULE: Rule = Rule { id: crate::rule_id::LC_BLOB_FORMAT, check: Check::Slice(check) };

/// The keys every blob holds.
const KEYS: [&str; 4] = ["ccat", "comp", "reqs", "vers"];
/// The only format version written by codesign and rcodesign.
const VERSION: i64 = 1;

/// What is wrong with the top level of a decoded blob.
fn defects(c: &Constraints) -> Vec<String> {
    let mut out = Vec::new();
    let top = c.raw.as_dictionary();
    let missing: Vec<&str> = KEYS.iter().copied().filter(|k| !top.is_some_and(|d| d.contains_key(k))).collect();
    if !missing.is_empty() {
        out.push(format!("lacks {}", quoted(&missing)));
    }
    if !c.extra_keys.is_empty() {
        let extra: Vec<&str> = c.extra_keys.iter().map(String::as_str).collect();
        out.push(format!("has unexpected top-level {}", quoted(&extra)));
    }
    if let Some(v) = c.vers.filter(|v| *v != VERSION) {
        out.push(format!("has version `vers` = {v}, where the kernel knows only {VERSION}"));
    }
    out
}

fn quoted(keys: &[&str]) -> String {
    let list: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    format!("{} {}", if keys.len() == 1 { "key" } else { "keys" }, list.join(", "))
}

fn check(_: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    for (slot, c) in blobs(slice) {
        let found = defects(c);
        if !found.is_empty() {
            let defect = found.join("; ");
            let message = format!(
                "`{}` [{}]: the {} {defect}; a constraint blob holds exactly `ccat`, `comp`, `reqs` and `vers`, and the kernel refuses what it cannot parse: {}",
                slice.item.code_path(),
                slice.slice.arch,
                slot_description(slot),
                amfi(slot, 2, Some(6)),
            );
            let f = located(slice, slot, slice.finding(RULE.id, message)).help(
                "write the constraint as a property list of facts and sign with `codesign --launch-constraint-self FILE` (or its -parent, -responsible and --library-constraint siblings), which writes the blob itself",
            );
            sink.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codesign::constraints::decode_constraints;
    use crate::codesign::der_plist::test_der::*;

    #[test]
    fn complete_blobs_have_no_defects() {
        let ok =
            document(&dict(&[("ccat", integer(0)), ("comp", integer(1)), ("reqs", dict(&[])), ("vers", integer(1))]));
        assert!(defects(&decode_constraints(&ok).unwrap()).is_empty());
    }

    #[test]
    fn missing_extra_and_version_are_named() {
        let bad = document(&dict(&[
            ("ccat", integer(0)),
            ("extra", boolean(true)),
            ("reqs", dict(&[])),
            ("vers", integer(2)),
        ]));
        let found = defects(&decode_constraints(&bad).unwrap());
        assert_eq!(
            found,
            vec![
                "lacks key `comp`".to_owned(),
                "has unexpected top-level key `extra`".to_owned(),
                "has version `vers` = 2, where the kernel knows only 1".to_owned()
            ]
        );
    }
}

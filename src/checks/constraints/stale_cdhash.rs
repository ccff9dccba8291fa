//! `lc-stale-cdhash`: cdhashes pinned by parent, responsible, library and spawn constraints are
//! current cdhashes of code in the product, for every architecture of the code they pin.
//!
//! Self constraints are `lc-self-unsatisfiable`'s: code cannot pin its own cdhash.

use ::plist::Value;

use crate::analysis::constraint_eval::slot_description;
use crate::checks::{Check, Context, Rule, Sink};
use crate::codesign::constraints::{parse_constraint_dict, ConstraintExpr, Predicate};
use crate::codesign::superblob::Slot;

use super::{blobs, located};

pub static RULE: Rule = Rule { id: crate::rule_id::LC_STALE_CDHASH, check: Check::Scan(check) };

/// The cdhash values a constraint pins.
fn pins(expr: &ConstraintExpr) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    expr.visit(&mut |e| {
        if let ConstraintExpr::Fact { name, predicate } = e {
            if name == "cdhash" {
                let values = match predicate {
                    Predicate::Equals(v) => vec![v.clone()],
                    Predicate::In(vs) => vs.clone(),
                    _ => Vec::new(),
                };
                out.extend(values.into_iter().filter_map(|v| match v {
                    Value::Data(d) => Some(d),
                    _ => None,
                }));
            }
        }
    });
    out
}

/// The kernel compares the first 20 bytes (`CS_CDHASH_LEN`).
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() >= 20 && b.len() >= 20 && a.get(..20) == b.get(..20)
}

/// Every code item's cdhashes, per slice: (item path, arch, cdhashes of all its CodeDirectories).
type Hashes = Vec<(String, String, Vec<Vec<u8>>)>;

fn product_hashes(cx: &Context<'_>) -> Hashes {
    let mut out = Vec::new();
    for item in cx.items() {
        for s in item.slices() {
            let Some(sig) = s.signature() else { continue };
            let hashes =
                sig.code_directories.iter().filter_map(|c| hex::decode(c.cd.cdhash.as_deref()?).ok()).collect();
            out.push((item.code_path().to_owned(), s.slice.arch.clone(), hashes));
        }
    }
    out
}

/// Problems with the pins of one constraint: pins no code has, and code pinned for some
/// architectures only.
fn stale(pinned: &[Vec<u8>], hashes: &Hashes) -> Vec<String> {
    let mut out = Vec::new();
    for pin in pinned {
        if !hashes.iter().any(|(_, _, hs)| hs.iter().any(|h| same(h, pin))) {
            out.push(format!(
                "pins cdhash {}, which no code in this product has (every re-sign gives code a new cdhash)",
                hex::encode(pin)
            ));
        }
    }
    let matched: Vec<&String> = hashes
        .iter()
        .filter(|(_, _, hs)| hs.iter().any(|h| pinned.iter().any(|p| same(h, p))))
        .map(|(path, _, _)| path)
        .collect();
    for (path, arch, hs) in hashes {
        if matched.contains(&path) && !hs.iter().any(|h| pinned.iter().any(|p| same(h, p))) {
            let current = hs.first().map(|h| hex::encode(h.get(..20).unwrap_or(h))).unwrap_or_default();
            out.push(format!(
                "pins `{path}` but not its {arch} slice (cdhash {current}), which fails on that architecture"
            ));
        }
    }
    out
}

fn check(cx: &Context<'_>, sink: &mut Sink) {
    let hashes = product_hashes(cx);
    for item in cx.items() {
        for slice in item.slices() {
            for (slot, c) in blobs(&slice) {
                if slot == Slot::LaunchConstraintSelf {
                    continue;
                }
                for problem in stale(&pins(&c.reqs), &hashes) {
                    let message = format!(
                        "`{}` [{}]: its {} {problem}; the kernel refuses what it launches or loads",
                        slice.item.code_path(),
                        slice.slice.arch,
                        slot_description(slot)
                    );
                    let f = located(&slice, slot, slice.finding(RULE.id, message)).help(
                        "pin with `cdhash: {$in: [...]}` the current cdhash of every architecture (`codesign -dvvv --arch ARCH` shows `CDHash=`) after the last re-sign, or test team-identifier and signing-identifier instead, which survive re-signing",
                    );
                    sink.push(f);
                }
            }
        }
    }
    for plist in &cx.scan.discovery.launchd_plists {
        let Ok(doc) = &plist.document else { continue };
        let Some(spawn) = doc.dict().and_then(|d| d.get("SpawnConstraint")).and_then(Value::as_dictionary) else {
            continue;
        };
        let Ok(expr) = parse_constraint_dict(spawn) else { continue };
        for problem in stale(&pins(&expr), &hashes) {
            let message = format!("`{}`: its SpawnConstraint {problem}; launchd does not start the job", plist.path);
            let mut f = sink.finding(RULE.id, &plist.path, message).span(doc.key_span("SpawnConstraint")).help(
                "update the pinned cdhashes after every re-sign of the program, or test team-identifier and signing-identifier instead",
            );
            if let Some(owner) = plist.owner.and_then(|o| cx.scan.discovery.items.get(o)) {
                f = f.item(owner.path.clone());
            }
            sink.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_compare_on_twenty_bytes() {
        let hashes: Hashes = vec![
            ("A".into(), "arm64".into(), vec![vec![1; 32]]),
            ("A".into(), "x86_64".into(), vec![vec![2; 32]]),
            ("B".into(), "arm64".into(), vec![vec![3; 32]]),
        ];
        assert!(stale(&[vec![1; 20], vec![2; 20]], &hashes).is_empty());
        let partial = stale(&[vec![1; 20]], &hashes);
        assert_eq!(partial.len(), 1);
        assert!(partial[0].contains("not its x86_64 slice"), "{partial:?}");
        let gone = stale(&[vec![9; 20]], &hashes);
        assert!(gone[0].starts_with("pins cdhash 0909"), "{gone:?}");
    }
}

//! `lc-parent-responsible-reachable`: a parent (slot −9) or responsible-process (slot −10)
//! constraint holds for the code that launches the item in this product: launchd for daemons,
//! agents, XPC services, login items and apps; the host app for helper tools and, as the
//! responsible process, for XPC services. A launchd job is its own responsible process.
//!
//! Where the launcher cannot be told (extensions, plug-ins, loose tools), the constraint should
//! at least name a team or signing identifier that some code in the product has.

use crate::analysis::constraint_eval::{evaluate, slot_description, Facts, Verdict};
use crate::checks::{Check, Context, Rule, Sink, SliceView};
use crate::codesign::constraints::{ConstraintExpr, Predicate};
use crate::codesign::superblob::Slot;

use super::{amfi, blobs, located, signed_as};
use crate::analysis::launchers::{facts_of, launcher, Launcher};

pub static RULE: Rule = Rule { id: crate::rule_id::LC_PARENT_RESPONSIBLE_REACHABLE, check: Check::Slice(check) };

/// String values a constraint compares `fact` with, anywhere in it.
fn named(expr: &ConstraintExpr, fact: &str) -> Vec<String> {
    let mut out = Vec::new();
    expr.visit(&mut |e| {
        if let ConstraintExpr::Fact { name, predicate } = e {
            if name == fact {
                let values = match predicate {
                    Predicate::Equals(v) => vec![v.clone()],
                    Predicate::In(vs) => vs.clone(),
                    _ => Vec::new(),
                };
                out.extend(values.iter().filter_map(|v| v.as_string().map(str::to_owned)));
            }
        }
    });
    out
}

/// Values of `fact` named by the constraint that no code item in the product has.
fn absent(cx: &Context<'_>, expr: &ConstraintExpr, fact: &str) -> Vec<String> {
    let mut have: Vec<String> = Vec::new();
    for item in cx.items() {
        for s in item.slices() {
            let Some(cd) = s.signature().and_then(|sig| sig.primary()) else { continue };
            let value = if fact == "team-identifier" { cd.team_id.clone() } else { Some(cd.identifier.clone()) };
            have.extend(value);
        }
    }
    let wanted = named(expr, fact);
    if wanted.iter().any(|w| have.contains(w)) {
        return Vec::new();
    }
    wanted
}

fn check(cx: &Context<'_>, slice: &SliceView<'_>, sink: &mut Sink) {
    for (slot, c) in blobs(slice) {
        if !matches!(slot, Slot::LaunchConstraintParent | Slot::LaunchConstraintResponsible) {
            continue;
        }
        let role = if slot == Slot::LaunchConstraintParent { "parent" } else { "responsible process" };
        let missing: Vec<String> = ["team-identifier", "signing-identifier"]
            .iter()
            .flat_map(|fact| absent(cx, &c.reqs, fact).into_iter().map(move |v| format!("{fact} \"{v}\"")))
            .collect();
        let nobody = if missing.is_empty() {
            String::new()
        } else {
            format!("; no code in this product has {}", missing.join(" or "))
        };
        let (who, facts) = match launcher(&slice.item, slot) {
            Launcher::Launchd => ("launchd".to_owned(), Facts::launchd()),
            Launcher::Itself => {
                let Some(sig) = slice.signature() else { continue };
                (
                    "the item itself (a launchd job, app or login item is its own responsible process)".to_owned(),
                    Facts::of_signature(sig),
                )
            }
            Launcher::Item(host) => {
                let Some((facts, _)) = facts_of(&host, &slice.slice.arch) else { continue };
                (format!("`{}` ({})", host.item.path, signed_as(&facts)), facts)
            }
            Launcher::Unknown => {
                if !missing.is_empty() {
                    let message = format!(
                        "`{}` [{}]: its {} names code outside this product{nobody}; unless another product launches it, the kernel refuses the launch: {}",
                        slice.item.code_path(),
                        slice.slice.arch,
                        slot_description(slot),
                        amfi(slot, 1, Some(0)),
                    );
                    let f = located(slice, slot, slice.finding(RULE.id, message))
                        .help(format!("name the team or signing identifier of the {role} that launches this code"));
                    sink.push(f);
                }
                continue;
            }
        };
        let Verdict::Violated(v) = evaluate(&c.reqs, &facts) else { continue };
        // A stale cdhash pin is lc-stale-cdhash's finding.
        if v.fact == "cdhash" {
            continue;
        }
        let m = if v.undefined { 5 } else { 1 };
        let message = format!(
            "`{}` [{}]: its {} requires {}, and its {role} here is {who}{nobody}; the kernel refuses the launch: {}",
            slice.item.code_path(),
            slice.slice.arch,
            slot_description(slot),
            v,
            amfi(slot, m, (m == 1).then_some(0)),
        );
        let help = match slot {
            Slot::LaunchConstraintResponsible => "a daemon or agent launched on demand is its own responsible process, not the app that messages it: drop the responsible constraint, or check the client in the daemon (e.g. `setCodeSigningRequirement` on the XPC listener)".to_owned(),
            _ => format!("make the parent constraint describe the real {role} (for launchd: `is-init-proc: true`), or launch the code from the process it names"),
        };
        let f = located(slice, slot, slice.finding(RULE.id, message)).help(help);
        sink.push(f);
    }
}

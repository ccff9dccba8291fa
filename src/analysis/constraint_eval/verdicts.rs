//! The static verdict of every constraint in a product, for `inspect`: the self constraint against
//! the slice's own signature, parent and responsible constraints against the code that launches
//! it (as `lc-parent-responsible-reachable` determines it), the library constraint against each
//! bundled library the slice links, and a launchd plist's `SpawnConstraint` against the program
//! it starts. The rules report the failures; this says what was assumed and what held.

use ::plist::Value;

use crate::analysis::constraint_eval::{evaluate, Facts};
use crate::analysis::library::{host_executable, resolve, Resolution};
use crate::codesign::constraints::{parse_constraint_dict, Constraints};
use crate::codesign::superblob::Slot;
use crate::discover::LaunchdPlist;
use crate::model::Scan;
use crate::model::{ItemView, SliceView};

use crate::analysis::launchers::{facts_of, launcher, program, Launcher};

/// The verdict of the constraint in `slot` of `slice`, in words, or `None` when it did not decode.
pub fn of_constraint(items: &[ItemView<'_>], slice: &SliceView<'_>, slot: Slot, c: &Constraints) -> Option<String> {
    let sig = slice.signature()?;
    Some(match slot {
        Slot::LaunchConstraintSelf => evaluate(&c.reqs, &Facts::of_signature(sig)).to_string(),
        Slot::LaunchConstraintParent | Slot::LaunchConstraintResponsible => match launcher(&slice.item, slot) {
            Launcher::Launchd => format!("{} (launched by launchd)", evaluate(&c.reqs, &Facts::launchd())),
            Launcher::Itself => {
                format!("{} (its own responsible process)", evaluate(&c.reqs, &Facts::of_signature(sig)))
            }
            Launcher::Item(host) => match facts_of(&host, &slice.slice.arch) {
                Some((facts, _)) => format!("{} (launched by `{}`)", evaluate(&c.reqs, &facts), host.item.path),
                None => format!("violated: its launcher `{}` is not signed", host.item.path),
            },
            Launcher::Unknown => "unknown (launched from outside this product)".to_owned(),
        },
        Slot::LibraryConstraint => library_verdicts(items, slice, c),
        _ => return None,
    })
}

/// One verdict per bundled library the slice links, or a note that it links none.
fn library_verdicts(items: &[ItemView<'_>], slice: &SliceView<'_>, c: &Constraints) -> String {
    let Some(executable) = host_executable(&slice.item) else { return "unknown (no host executable)".to_owned() };
    let mut out = Vec::new();
    for dylib in &slice.slice.dylibs {
        let Resolution::Bundled(path) = resolve(slice, executable, &dylib.name) else { continue };
        let Some(lib) = items.iter().find(|i| i.item.executable.as_deref() == Some(path.as_str())) else { continue };
        let verdict = match facts_of(lib, &slice.slice.arch) {
            Some((facts, _)) => evaluate(&c.reqs, &facts).to_string(),
            None => "violated: not signed".to_owned(),
        };
        out.push(format!("`{path}`: {verdict}"));
    }
    if out.is_empty() {
        return "satisfied (links no bundled library; system libraries are exempt)".to_owned();
    }
    out.join("; ")
}

/// The verdict of a launchd plist's `SpawnConstraint` against the program it launches, per
/// architecture, or `None` when the plist has none or it does not parse (a rule reports that).
pub fn of_spawn_constraint(scan: &Scan, plist: &LaunchdPlist) -> Option<String> {
    let Value::Dictionary(dict) = plist.dict()?.get("SpawnConstraint")? else { return None };
    let expr = parse_constraint_dict(dict).ok()?;
    let items: Vec<_> = scan.item_views().collect();
    let Some(target) = program(&items, plist) else {
        return Some("unknown (the program it launches is not in this product)".to_owned());
    };
    let verdicts: Vec<String> = target
        .slices()
        .iter()
        .filter_map(|s| {
            let (facts, arch) = facts_of(&target, &s.slice.arch)?;
            Some(format!("[{arch}] {}", evaluate(&expr, &facts)))
        })
        .collect();
    if verdicts.is_empty() {
        return Some(format!("violated: `{}` is not signed", target.code_path()));
    }
    Some(verdicts.join("; "))
}

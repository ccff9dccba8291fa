//! `sig-dr-self-unsatisfied`: every signature's explicit designated requirement is satisfied by
//! the code it signs — what `codesign --verify -v` checks after "valid on disk".

use crate::analysis::requirements::{explicit_designated, self_verdict};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::codesign::signature::Signature;
use crate::codesign::superblob::Slot;
use crate::model::Code;
use crate::trust::requirement_eval::Verdict;

pub static RULE: Rule = Rule { id: crate::rule_id::SIG_DR_SELF_UNSATISFIED, check: Check::Item(check) };

fn check(cx: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let bundle_info = item.info().and_then(|d| d.dict());
    let path = item.code_path();
    match &item.facts.code {
        Code::MachO { .. } => {
            for slice in item.slices() {
                let Some(signature) = slice.signature() else { continue };
                // A tool binds its own `__info_plist`; a bundle's executable binds the bundle's.
                let embedded = slice.facts.info_plist.as_ref().and_then(|d| d.as_ref().ok()).and_then(|d| d.dict());
                let info = bundle_info.or(embedded);
                let Some(why) = unsatisfied(cx, item, signature, info) else { continue };
                let arch = &slice.slice.arch;
                let mut f = slice.finding(RULE.id, message(&format!("`{path}` [{arch}]"), &why));
                f.range = signature.blob_range(Slot::Requirements);
                sink.push(f.help(HELP));
            }
        }
        Code::Detached(signature) => {
            if let Some(why) = unsatisfied(cx, item, signature, bundle_info) {
                sink.item(item, RULE.id, message(&format!("`{path}`"), &why)).help = Some(HELP.into());
            }
        }
        _ => {}
    }
}

const HELP: &str = "sign again without a custom `-r` (codesign then writes the requirement the identity implies), or change the designated requirement to one the code meets: `codesign -d -r- CODE` shows it";

/// The explicit designated requirement and why the code does not satisfy it, when it does not.
fn unsatisfied(
    cx: &Context<'_>,
    item: &ItemView<'_>,
    signature: &Signature,
    info: Option<&plist::Dictionary>,
) -> Option<(String, String)> {
    let requirement = explicit_designated(signature)?;
    match self_verdict(cx.scan, item.index, signature, info, requirement, &cx.settings.anchors) {
        Verdict::Unsatisfied(why) => Some((requirement.to_string(), why)),
        Verdict::Satisfied | Verdict::Unknown(_) => None,
    }
}

fn message(code: &str, (requirement, why): &(String, String)) -> String {
    format!("{code} does not satisfy its designated requirement ({requirement}): {why}; `codesign --verify -v` reports \"does not satisfy its designated Requirement\"")
}

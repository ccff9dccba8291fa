//! Catalog section E: launchd property lists, SMAppService and SMJobBless.
//!
//! The helpers here give every rule the same view of a job plist: the bundle that holds it, the
//! code its `BundleProgram` launches, and findings located at the plist (with the key's line and
//! column for XML sources).

mod associated_bundle_ids;
mod key_types;
mod label;
mod label_identifier_mismatch;
mod machservices_format;
mod plist_misplaced;
mod smapp_bundleprogram;
mod smapp_login_item;
mod smapp_plist_location;
mod smapp_program_identifier;
mod smapp_program_location;
mod smapp_program_signed;
mod smjb;
mod smjb_deprecated;
mod smjb_privileged_executables;
mod smjb_requirement_stale;
mod smjb_tool_info_plist;
mod smjb_tool_launchd_plist;
mod smjb_tool_location;

use super::{Context, ItemView, Rule, Sink};
use crate::discover::LaunchdPlist;
use crate::finding::Finding;
use crate::input::parent;

pub static RULES: &[&Rule] = &[
    &associated_bundle_ids::RULE,
    &key_types::RULE,
    &label::RULE,
    &label_identifier_mismatch::RULE,
    &machservices_format::RULE,
    &plist_misplaced::RULE,
    &smapp_bundleprogram::RULE,
    &smapp_login_item::RULE,
    &smapp_plist_location::RULE,
    &smapp_program_identifier::RULE,
    &smapp_program_location::RULE,
    &smapp_program_signed::RULE,
    &smjb_deprecated::RULE,
    &smjb_privileged_executables::RULE,
    &smjb_requirement_stale::RULE,
    &smjb_tool_info_plist::RULE,
    &smjb_tool_launchd_plist::RULE,
    &smjb_tool_location::RULE,
];

/// Every launchd plist of the input.
fn plists<'a>(cx: &Context<'a>) -> impl Iterator<Item = &'a LaunchdPlist> + 'a {
    cx.scan.discovery.launchd_plists.iter()
}

/// Code item `index` as a view.
fn item<'a>(cx: &Context<'a>, index: usize) -> Option<ItemView<'a>> {
    let scan = cx.scan;
    Some(ItemView { scan, index, item: scan.discovery.items.get(index)?, facts: scan.items.get(index)? })
}

/// The bundle whose `Contents/` holds the plist.
fn owner<'a>(cx: &Context<'a>, plist: &LaunchdPlist) -> Option<ItemView<'a>> {
    item(cx, plist.owner?)
}

/// The code item `BundleProgram` resolves to.
fn target<'a>(cx: &Context<'a>, plist: &LaunchdPlist) -> Option<ItemView<'a>> {
    item(cx, plist.target?)
}

/// A finding located at the plist, underlining `key` when the source is XML.
fn finding(
    cx: &Context<'_>,
    sink: &Sink,
    rule: crate::rule_id::RuleId,
    plist: &LaunchdPlist,
    key: Option<&str>,
    message: impl Into<String>,
) -> Finding {
    let mut f = sink.finding(rule, &plist.path, message);
    if let Some(o) = owner(cx, plist) {
        f = f.item(o.item.path.clone());
    }
    if let (Some(key), Ok(doc)) = (key, &plist.document) {
        f = f.span(doc.key_span(key));
    }
    f
}

/// Whether the plist sits where SMAppService reads job plists: the owning bundle's
/// `Contents/Library/LaunchDaemons` or `Contents/Library/LaunchAgents`.
fn in_standard_folder(cx: &Context<'_>, plist: &LaunchdPlist) -> bool {
    let Some(content) = owner(cx, plist).and_then(|o| o.item.bundle.as_ref()).map(|b| b.content.as_str()) else {
        return false;
    };
    let dir = parent(&plist.path);
    dir.strip_prefix(content).is_some_and(|rest| rest == "/Library/LaunchDaemons" || rest == "/Library/LaunchAgents")
}

/// `path` relative to the content directory of bundle `owner` (as CodeResources keys are).
fn relative_to_content<'a>(owner: &ItemView<'_>, path: &'a str) -> Option<&'a str> {
    let content = owner.item.bundle.as_ref()?.content.as_str();
    path.strip_prefix(content)?.strip_prefix('/')
}

/// Whether the owner's resource seal covers `path`: recorded itself, or inside recorded nested
/// code (a nested bundle's entry covers everything below it).
fn sealed_by(owner: &ItemView<'_>, path: &str) -> Option<bool> {
    let seal = owner.facts.code_resources.as_ref()?.as_ref().ok()?;
    let rel = relative_to_content(owner, path)?;
    Some(seal.files2.keys().chain(seal.files.keys()).any(|k| {
        rel == k || (rel.len() > k.len() && rel.starts_with(k.as_str()) && rel.as_bytes().get(k.len()) == Some(&b'/'))
    }))
}

/// The primary CodeDirectory's team of the first signed slice.
fn team_of<'a>(view: &ItemView<'a>) -> Option<&'a str> {
    view.slices().into_iter().find_map(|s| s.signature()?.primary()?.team_id.as_deref())
}

/// A team id for a message.
fn shown_team(team: Option<&str>) -> String {
    team.map_or_else(|| "no team".to_owned(), |t| format!("team {t}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_teams() {
        assert_eq!(shown_team(Some("ABCDE12345")), "team ABCDE12345");
        assert_eq!(shown_team(None), "no team");
    }
}

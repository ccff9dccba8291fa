//! The resource envelope codesign validates, and whether `--strict` accepts it: version 2
//! (`rules2`/`files2`) with codesign's catch-all rule and no omissions beyond the standard ones.

use std::collections::BTreeMap;

use super::context::{Collector, ItemContext};
use super::rules::{RES_V1_ENVELOPE, RES_WEAK_RULES};
use crate::discover::Layout;
use crate::seal::{CodeResources, ResourceRule, Seal};

/// The rules and files codesign validates: `rules2`/`files2` when `files2` exists (version 2),
/// else `rules`/`files` (version 1). Beside a version 2 envelope the version 1 `files` are left
/// alone, as codesign does (some signers write them from the unsigned state of nested files).
#[derive(Debug, Clone, Copy)]
pub(super) struct Envelope<'a> {
    pub version: u8,
    pub rules: &'a [ResourceRule],
    pub files: &'a BTreeMap<String, Seal>,
}

impl<'a> Envelope<'a> {
    /// The envelope of `cr`, or why codesign would refuse it (`errSecCSResourcesInvalid`).
    pub fn of(cr: &'a CodeResources) -> Result<Envelope<'a>, &'static str> {
        if cr.has_files2 {
            if !cr.has_rules2 {
                return Err("has files2 but no rules2");
            }
            return Ok(Envelope { version: 2, rules: &cr.rules2, files: &cr.files2 });
        }
        if !cr.has_files || !cr.has_rules {
            return Err("has neither files2 nor both rules and files");
        }
        Ok(Envelope { version: 1, rules: &cr.rules, files: &cr.files })
    }
}

/// `--strict` refuses version 1 envelopes and rules that leave files out of the seal.
pub(super) fn check_strength(ctx: &ItemContext<'_>, sink: &mut Collector, path: &str, env: &Envelope<'_>) {
    if env.version == 1 {
        sink.add(
            ctx.finding(
                RES_V1_ENVELOPE,
                path,
                "CodeResources has no files2: a version 1 resource envelope (resource envelope is obsolete)",
            )
            .help("sign again with a current codesign, which writes rules2 and files2"),
        );
    }
    if let Some(why) = weak_rules(env.rules, env.version, resources_prefix(ctx)) {
        let section = if env.version == 1 { "rules" } else { "rules2" };
        sink.add(
            ctx.finding(
                RES_WEAK_RULES,
                path,
                format!("{section} {why} (resource envelope is obsolete: custom omit rules)"),
            )
            .help("sign with codesign's default resource rules"),
        );
    }
}

/// Where the Resources directory sits relative to the seal base (codesign's
/// `resourcesRelativePath`): `Resources/`, or nothing in a flat bundle.
fn resources_prefix(ctx: &ItemContext<'_>) -> &'static str {
    match ctx.bundle().map(|b| &b.layout) {
        Some(Layout::Shallow) | None => "",
        Some(_) => "Resources/",
    }
}

/// codesign's `hasWeakResourceRules`: the catch-all must be `true`, and only the standard files
/// may be omitted.
fn weak_rules(rules: &[ResourceRule], version: u8, resources: &str) -> Option<String> {
    let catch_all = if version == 1 { "^Resources/" } else { "^.*" };
    if !rules.iter().any(|r| r.pattern == catch_all && r.plain) {
        return Some(format!("lacks the catch-all rule `{catch_all}` = true"));
    }
    let allowed = [
        "^(.*/)?\\.DS_Store$".to_owned(),
        "^Info\\.plist$".to_owned(),
        "^PkgInfo$".to_owned(),
        format!("^{resources}.*\\.lproj/locversion.plist$"),
    ];
    let forbidden: Vec<&str> =
        rules.iter().filter(|r| r.omit && !allowed.contains(&r.pattern)).map(|r| r.pattern.as_str()).collect();
    (!forbidden.is_empty()).then(|| format!("omits {}, beyond the omissions codesign allows", quote_all(&forbidden)))
}

fn quote_all(items: &[&str]) -> String {
    items.iter().map(|i| format!("`{i}`")).collect::<Vec<_>>().join(", ")
}

//! `ent-app-id-mismatch`: the App ID an executable claims is `<team prefix>.<CFBundleIdentifier>`
//! and is the App ID (possibly a wildcard) its bundle's profile was made for.

use super::{own_profile, Claims};
use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::entitlements::{self, string_allows};

pub static RULE: Rule = Rule { id: crate::rule_id::ENT_APP_ID_MISMATCH, check: Check::Item(check) };

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    if view.item.bundle.is_none() {
        return;
    }
    let Some(claims) = Claims::of(view) else { return };
    if !claims.is_executable() {
        return;
    }
    let profile = own_profile(view);
    let bundle_id = view.info().and_then(|d| d.string("CFBundleIdentifier"));
    let exe = view.code_path();
    for key in entitlements::APP_ID_KEYS {
        let Some(claimed) = claims.dict.get(key).and_then(plist::Value::as_string) else { continue };
        let prefix =
            profile.and_then(|(_, p)| p.application_identifier_prefix.first().map(String::as_str)).or_else(|| {
                claimed.split_once('.').filter(|_| entitlements::has_team_prefix(claimed)).map(|(team, _)| team)
            });
        let mut problems = Vec::new();
        if let (Some(prefix), Some(id)) = (prefix, bundle_id) {
            let expected = format!("{prefix}.{id}");
            if let Some(why) = bundle_mismatch(claimed, &expected) {
                problems.push(why);
            }
        }
        if let Some((path, p)) = profile {
            match p.entitlements.get(key).and_then(plist::Value::as_string) {
                Some(allowed) if !string_allows(allowed, claimed) => {
                    problems.push(format!("the profile `{path}` is for App ID \"{allowed}\""))
                }
                _ => {}
            }
        }
        if problems.is_empty() {
            continue;
        }
        let message = format!(
            "`{exe}` claims `{key}` = \"{claimed}\", but {}: AMFI finds no matching profile and refuses to run it; App Store upload fails with ITMS-90287/90288",
            problems.join(", and ")
        );
        let help = match bundle_id {
            Some(id) => format!(
                "sign with `{key}` = \"<team prefix>.{id}\" and embed the profile made for that App ID (Xcode: set PRODUCT_BUNDLE_IDENTIFIER and the provisioning profile of this target together)"
            ),
            None => "sign with the App ID the embedded profile was made for".to_owned(),
        };
        let range = claims.range_of(key);
        super::report(sink, view, RULE.id, message, help, range);
    }
}

/// Why `claimed` is not the App ID the bundle identifier gives, if it is not.
fn bundle_mismatch(claimed: &str, expected: &str) -> Option<String> {
    (claimed != expected).then(|| format!("the bundle's CFBundleIdentifier makes the App ID \"{expected}\""))
}

#[cfg(test)]
mod tests {
    use super::bundle_mismatch;

    #[test]
    fn app_ids() {
        assert!(bundle_mismatch("ABCDE12345.com.example.a", "ABCDE12345.com.example.a").is_none());
        assert!(bundle_mismatch("ABCDE12345.com.example.a", "ABCDE12345.com.example.b").is_some());
    }
}

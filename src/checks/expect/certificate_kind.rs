//! `expect-certificate-kind`: the product's main code is signed with the kind of certificate the
//! configuration pins (a release accidentally signed with a development certificate fails).

use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::EXPECT_CERTIFICATE_KIND, check: Check::Item(check) };

fn check(cx: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    let Some(expected) = cx.settings.expect.certificate_kind.as_deref() else { return };
    if item.item.parent.is_some() {
        return;
    }
    let leaf = item.slices().into_iter().find_map(|s| s.signature()?.cms_info()?.leaf().cloned());
    let actual = match &leaf {
        Some(l) => serde_json::to_value(l.kind).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default(),
        None => "no certificate (ad-hoc or unsigned)".to_owned(),
    };
    if actual == expected {
        return;
    }
    let who = leaf.and_then(|l| l.common_name).map(|cn| format!(" ({cn})")).unwrap_or_default();
    sink.item(
        item,
        RULE.id,
        format!("`{}` is signed with {actual}{who}; bundlelint.toml expects {expected}", item.item.path),
    )
    .help = Some(format!("sign the release with a {expected} certificate"));
}

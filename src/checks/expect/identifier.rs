//! `expect-identifier`: code items pinned in the configuration are signed with the identifier
//! given there.

use crate::checks::{Check, Context, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::EXPECT_IDENTIFIER, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for (path, expected) in &cx.settings.expect.identifiers {
        let Some(item) =
            cx.items().find(|i| &i.item.path == path || i.item.executable.as_deref() == Some(path.as_str()))
        else {
            let f = sink
                .finding(RULE.id, path, format!("bundlelint.toml expects `{path}` signed as {expected:?}, but there is no code item at that path"))
                .help("fix the path in [expect.identifiers] (paths are printed by `bundlelint inspect`)");
            sink.push(f);
            continue;
        };
        let actual = item.signing_identifier();
        if actual == Some(expected.as_str()) {
            continue;
        }
        let shown = actual.map_or_else(|| "unsigned".to_owned(), |a| format!("signed as {a:?}"));
        sink.item(&item, RULE.id, format!("`{path}` is {shown}; bundlelint.toml expects {expected:?}")).help =
            Some(format!("sign it with --identifier {expected}, or update [expect.identifiers]"));
    }
}

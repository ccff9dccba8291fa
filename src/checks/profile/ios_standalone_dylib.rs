//! `ios-standalone-dylib`: iOS-family apps ship dynamic libraries only inside framework bundles
//! (the Swift runtime libraries Xcode copies for old deployment targets excepted).

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::discover::Role;

use super::is_ios_family;

pub static RULE: Rule = Rule { id: crate::rule_id::IOS_STANDALONE_DYLIB, check: Check::Item(check) };

fn check(_: &Context<'_>, item: &ItemView<'_>, sink: &mut Sink) {
    if item.item.role != Role::Dylib {
        return;
    }
    // A loose library must sit inside an app to be an app's standalone library.
    let Some(app) = containing_app(item) else { return };
    if !is_ios_family(&app) {
        return;
    }
    let name = item.item.path.rsplit('/').next().unwrap_or(&item.item.path);
    if is_swift_runtime(name) {
        return;
    }
    let f = sink
        .finding(
            RULE.id,
            item.code_path(),
            format!(
                "`{}` is a standalone dynamic library in iOS-family app `{}`; App Store validation rejects it (ITMS-90171 \"Invalid Bundle Structure - The binary file '{}' is not permitted.\"): iOS supports third-party dynamic code only as frameworks",
                item.item.path, app.item.path, item.item.path
            ),
        )
        .item(item.item.path.clone())
        .help("package the library as a framework (an XCFramework of .framework bundles) embedded in the app's Frameworks/ folder, or link it statically");
    sink.push(f);
}

/// The nearest enclosing app or app extension.
fn containing_app<'a>(item: &ItemView<'a>) -> Option<ItemView<'a>> {
    let mut current = item.parent();
    for _ in 0..64 {
        let i = current?;
        if matches!(i.item.role, Role::App | Role::AppExtension) {
            return Some(i);
        }
        current = i.parent();
    }
    None
}

/// Swift runtime libraries Xcode embeds for deployment targets before iOS 12.2.
fn is_swift_runtime(name: &str) -> bool {
    name.starts_with("libswift") && name.ends_with(".dylib")
}

#[cfg(test)]
mod tests {
    use super::is_swift_runtime;

    #[test]
    fn swift_runtime() {
        assert!(is_swift_runtime("libswiftCore.dylib"));
        assert!(!is_swift_runtime("libfixture.dylib"));
    }
}

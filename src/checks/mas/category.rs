//! `mas-category`: the submitted Mac app declares its App Store category in Info.plist.

use crate::checks::{Check, Context, ItemView, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::MAS_CATEGORY, check: Check::Item(check) };

const KEY: &str = "LSApplicationCategoryType";

/// The category UTIs `LSApplicationCategoryType` accepts (Apple's Information Property List
/// reference), without their common `public.app-category.` prefix.
const CATEGORIES: &[&str] = &[
    "business",
    "developer-tools",
    "education",
    "entertainment",
    "finance",
    "games",
    "action-games",
    "adventure-games",
    "arcade-games",
    "board-games",
    "card-games",
    "casino-games",
    "dice-games",
    "educational-games",
    "family-games",
    "kids-games",
    "music-games",
    "puzzle-games",
    "racing-games",
    "role-playing-games",
    "simulation-games",
    "sports-games",
    "strategy-games",
    "trivia-games",
    "word-games",
    "graphics-design",
    "healthcare-fitness",
    "lifestyle",
    "medical",
    "music",
    "news",
    "photography",
    "productivity",
    "reference",
    "social-networking",
    "sports",
    "travel",
    "utilities",
    "video",
    "weather",
];

const PREFIX: &str = "public.app-category.";

const HELP: &str = "set LSApplicationCategoryType to the UTI of the app's primary App Store category, e.g. <key>LSApplicationCategoryType</key><string>public.app-category.productivity</string> (Xcode: target ▸ General ▸ App Category)";

/// Whether `uti` names a category App Store Connect knows.
fn is_known_category(uti: &str) -> bool {
    uti.strip_prefix(PREFIX).is_some_and(|name| CATEGORIES.contains(&name))
}

/// What is wrong with the declared value, `None` when it is a known category.
fn defect(value: Option<&plist::Value>) -> Option<String> {
    match value {
        None => Some(format!("does not declare {KEY}")),
        Some(plist::Value::String(uti)) if is_known_category(uti) => None,
        Some(plist::Value::String(uti)) => {
            Some(format!("sets {KEY} to {uti:?}, which is not an App Store category UTI"))
        }
        Some(other) => Some(format!("sets {KEY} to {} instead of a string", crate::entitlements::type_name(other))),
    }
}

fn check(_: &Context<'_>, view: &ItemView<'_>, sink: &mut Sink) {
    if !super::is_submitted_mac_app(view) {
        return;
    }
    // A missing or unreadable Info.plist is another rule's finding.
    let (Some(info), Some(info_path)) = (view.info(), view.item.bundle.as_ref().and_then(|b| b.info_plist.as_deref()))
    else {
        return;
    };
    let Some(dict) = info.dict() else { return };
    let Some(why) = defect(dict.get(KEY)) else { return };
    let message = format!(
        "the Info.plist of `{}` {why}: upload fails with ITMS-90242 \"The product archive is invalid. The Info.plist must contain a LSApplicationCategoryType key, whose value is the UTI for a valid category.\"",
        view.item.path
    );
    let f = sink.finding(RULE.id, info_path, message).item(view.item.path.clone()).span(info.key_span(KEY)).help(HELP);
    sink.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_categories_pass_and_others_are_named() {
        assert_eq!(defect(Some(&plist::Value::String("public.app-category.utilities".into()))), None);
        assert_eq!(defect(Some(&plist::Value::String("public.app-category.word-games".into()))), None);
        assert!(defect(Some(&plist::Value::String("public.app-category.tools".into())))
            .unwrap()
            .contains("\"public.app-category.tools\", which is not"));
        assert!(defect(Some(&plist::Value::String("utilities".into()))).is_some());
        assert!(defect(None).unwrap().contains("does not declare"));
        assert!(defect(Some(&plist::Value::Integer(1.into()))).unwrap().contains("instead of a string"));
    }
}

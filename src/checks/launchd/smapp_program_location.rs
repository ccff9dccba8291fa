//! `smapp-program-location`: the program a bundled job launches lives in `Contents/MacOS/`,
//! `Contents/Helpers/`, or is the main executable of a nested bundle.

use crate::checks::{Check, Context, Rule, Sink};

use super::{finding, owner, plists, relative_to_content, target};

pub static RULE: Rule = Rule { id: crate::rule_id::SMAPP_PROGRAM_LOCATION, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for plist in plists(cx) {
        let (Some(app), Some(program)) = (owner(cx, plist), target(cx, plist)) else { continue };
        // The main executable of a nested app-like bundle is the documented home of daemons
        // that need a provisioning profile.
        if program.item.bundle.is_some() && program.index != app.index {
            continue;
        }
        let exe = program.code_path();
        let Some(rel) = relative_to_content(&app, exe) else { continue };
        if good_place(rel) {
            continue;
        }
        let f = finding(
            cx,
            sink,
            RULE.id,
            plist,
            Some("BundleProgram"),
            format!("`{}` launches `{exe}`, which is in `Contents/{}`: launchd programs belong in Contents/MacOS or Contents/Helpers (code elsewhere is sealed as data or skipped by codesign's nested-code rules)", plist.path, parent_dir(rel)),
        )
        .help(format!("move the executable to `Contents/MacOS/` (or `Contents/Helpers/`), update BundleProgram to `Contents/MacOS/{}`, and sign again", crate::input::base_name(exe)));
        sink.push(f);
    }
}

/// Whether a path relative to `Contents/` is a place for a launchd program.
fn good_place(rel: &str) -> bool {
    let mut parts = rel.split('/');
    matches!((parts.next(), parts.next(), parts.next()), (Some("MacOS" | "Helpers"), Some(_), None))
}

fn parent_dir(rel: &str) -> &str {
    rel.rsplit_once('/').map_or("", |(d, _)| d)
}

#[cfg(test)]
mod tests {
    use super::good_place;

    #[test]
    fn places() {
        assert!(good_place("MacOS/daemon"));
        assert!(good_place("Helpers/daemon"));
        assert!(!good_place("Resources/daemon"));
        assert!(!good_place("Library/LaunchServices/com.x"));
        assert!(!good_place("MacOS/sub/daemon"));
    }
}

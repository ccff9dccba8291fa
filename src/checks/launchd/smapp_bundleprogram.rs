//! `smapp-bundleprogram`: a bundled job names its program with `BundleProgram`, a path relative
//! to the app bundle that resolves to an executable Mach-O inside it.

use crate::checks::{Check, Context, Rule, Sink};
use crate::discover::LaunchdPlist;
use crate::input::join;

use super::{finding, owner, plists};

pub static RULE: Rule = Rule { id: crate::rule_id::SMAPP_BUNDLEPROGRAM, check: Check::Scan(check) };

/// What launchd reports for a job it cannot spawn.
const EX_CONFIG: &str = "launchctl print shows `last exit code = 78: EX_CONFIG` and `job state = spawn failed`";

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for plist in plists(cx) {
        let Some(app) = owner(cx, plist) else { continue };
        let Some(dict) = plist.dict() else { continue };
        let Some(root) = app.item.bundle.as_ref().map(|b| b.root.as_str()) else { continue };
        let path = &plist.path;
        let mut report = |key: &str, message: String, help: String| {
            let f = finding(cx, sink, RULE.id, plist, Some(key), message).help(help);
            sink.push(f);
        };
        let bundle_program = dict.get("BundleProgram");
        if bundle_program.is_some() && dict.contains_key("Program") {
            report(
                "Program",
                format!("`{path}` sets both Program and BundleProgram: launchd takes one program path, and SMAppService expects only BundleProgram"),
                "delete the Program key; keep `BundleProgram` relative to the app bundle".into(),
            );
        }
        let Some(value) = bundle_program else {
            if let Some(absolute) = absolute_program(plist) {
                report(
                    if plist.program.is_some() { "Program" } else { "ProgramArguments" },
                    format!("`{path}` is bundled in `{root}` but launches `{absolute}` by absolute path instead of BundleProgram: it runs only while the app sits at that path"),
                    "replace the Program key with `<key>BundleProgram</key><string>Contents/MacOS/daemon</string>`, a path relative to the app bundle".into(),
                );
            }
            continue;
        };
        let Some(program) = value.as_string() else {
            report(
                "BundleProgram",
                format!(
                    "`{path}` has a BundleProgram that is {}, not a string: {EX_CONFIG}",
                    super::label::kind(value)
                ),
                "write `<key>BundleProgram</key><string>Contents/MacOS/daemon</string>`".into(),
            );
            continue;
        };
        if let Some(why) = shape_defect(program) {
            report(
                "BundleProgram",
                format!("`{path}` has BundleProgram {program:?}, which {why}: launchd resolves it against the app bundle `{root}` and cannot spawn the job; {EX_CONFIG}"),
                "use a path relative to the app bundle root without `..`, e.g. `Contents/MacOS/daemon`".into(),
            );
            continue;
        }
        let tried = join(root, program);
        if let Some(why) = resolution_defect(cx, plist, root, &tried) {
            report(
                "BundleProgram",
                format!("`{path}` has BundleProgram {program:?}, but `{tried}` {why}: {EX_CONFIG}"),
                "point BundleProgram at the daemon's executable, relative to the app bundle (e.g. `Contents/MacOS/daemon`), and make sure the build copies it there before signing".into(),
            );
        }
    }
}

/// The absolute program path a bundled plist uses instead of `BundleProgram`.
fn absolute_program(plist: &LaunchdPlist) -> Option<&str> {
    let program = plist.program.as_deref().or(plist.program_arguments.first().map(String::as_str))?;
    program.starts_with('/').then_some(program)
}

/// What is wrong with a `BundleProgram` string before it is looked up.
fn shape_defect(program: &str) -> Option<&'static str> {
    if program.trim().is_empty() {
        return Some("is empty");
    }
    if program.starts_with('/') {
        return Some("is absolute (it must be relative to the app bundle)");
    }
    if program.split('/').any(|c| c == "..") {
        return Some("climbs out with `..`");
    }
    if program != program.trim() {
        return Some("has leading or trailing whitespace");
    }
    None
}

/// Why the resolved path is not a program launchd can spawn.
fn resolution_defect(cx: &Context<'_>, plist: &LaunchdPlist, root: &str, tried: &str) -> Option<&'static str> {
    let tree = &cx.scan.tree;
    if plist.target.is_some() {
        return None;
    }
    if tree.resolve(tried).is_some_and(|r| !r.starts_with(&format!("{root}/"))) {
        return Some("leads outside the app bundle through a symbolic link");
    }
    if tree.file(tried).is_some() {
        return Some("is not a Mach-O executable");
    }
    if tree.is_dir(tried) {
        return Some("is a directory, not an executable (name the executable inside it, e.g. `…/Contents/MacOS/name`)");
    }
    if tree.get(tried).is_some() {
        return Some("is a symbolic link that leads outside the bundle or nowhere");
    }
    Some("does not exist")
}

#[cfg(test)]
mod tests {
    use super::shape_defect;

    #[test]
    fn shapes() {
        assert_eq!(shape_defect("Contents/MacOS/daemon"), None);
        assert!(shape_defect("/Applications/X.app/Contents/MacOS/d").unwrap().contains("absolute"));
        assert!(shape_defect("Contents/../../d").unwrap().contains(".."));
        assert_eq!(shape_defect(""), Some("is empty"));
        assert!(shape_defect("Contents/MacOS/d ").unwrap().contains("whitespace"));
    }
}

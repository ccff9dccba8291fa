//! `launchd-plist-misplaced`: a job plist inside a bundle sits outside
//! `Contents/Library/LaunchDaemons|LaunchAgents`, hard-codes an absolute program path into
//! `/Applications`, or is named other than `<Label>.plist`.

use crate::checks::{Check, Context, Rule, Sink};
use crate::input::base_name;

use super::{finding, in_standard_folder, owner, plists};

pub static RULE: Rule = Rule { id: crate::rule_id::LAUNCHD_PLIST_MISPLACED, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for plist in plists(cx) {
        let path = &plist.path;
        let Some(app) = owner(cx, plist) else {
            // A plist outside any bundle is installed by other means (an installer package into
            // /Library/LaunchDaemons); only the file-name convention applies.
            misnamed(cx, sink, plist);
            continue;
        };
        let root = app.item.path.as_str();
        if !in_standard_folder(cx, plist) {
            let f = finding(cx, sink, RULE.id, plist, None, format!("`{path}` is a launchd job plist outside `{root}/Contents/Library/LaunchDaemons` and `LaunchAgents`: SMAppService.daemon(plistName:) and .agent(plistName:) look only there, so registering it fails with status .notFound"))
                .help(format!("move it to `{root}/Contents/Library/LaunchDaemons/` (daemon) or `LaunchAgents/` (agent) and sign the app again"));
            sink.push(f);
        }
        let program = plist.program.as_deref().or(plist.program_arguments.first().map(String::as_str));
        if let Some(p) = program.filter(|p| p.starts_with("/Applications/")) {
            let key = if plist.program.is_some() { "Program" } else { "ProgramArguments" };
            let f = finding(cx, sink, RULE.id, plist, Some(key), format!("`{path}` launches `{p}` by absolute path: the job breaks when the app is moved or renamed, and SMAppService needs a BundleProgram relative to the bundle"))
                .help("replace Program/ProgramArguments[0] with `<key>BundleProgram</key><string>Contents/MacOS/tool</string>` and register the job with SMAppService");
            sink.push(f);
        }
        misnamed(cx, sink, plist);
    }
}

/// The file-name convention: `<Label>.plist`.
fn misnamed(cx: &Context<'_>, sink: &mut Sink, plist: &crate::discover::LaunchdPlist) {
    let Some(label) = plist.label.as_deref().filter(|l| !l.trim().is_empty()) else { return };
    let name = base_name(&plist.path);
    if expected_name(label) == name {
        return;
    }
    let f = finding(
        cx,
        sink,
        RULE.id,
        plist,
        Some("Label"),
        format!("`{}` is named `{name}` but its Label is {label:?}: by convention the file is `{}`, and tools (launchctl, SMAppService callers) are easily pointed at the wrong name", plist.path, expected_name(label)),
    )
    .help(format!("rename the file to `{}` and update the plist name passed to SMAppService", expected_name(label)));
    sink.push(f);
}

fn expected_name(label: &str) -> String {
    format!("{label}.plist")
}

#[cfg(test)]
mod tests {
    use super::expected_name;

    #[test]
    fn names() {
        assert_eq!(expected_name("com.example.daemon"), "com.example.daemon.plist");
    }
}

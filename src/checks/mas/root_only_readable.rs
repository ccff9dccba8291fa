//! `mas-root-only-readable`: every file a package's payload installs can be read by users other
//! than its owner (root, once installed), or the app's signature cannot be verified.

use crate::checks::{Check, Context, Rule, Sink};

pub static RULE: Rule = Rule { id: crate::rule_id::MAS_ROOT_ONLY_READABLE, check: Check::Scan(check) };

/// Read permission for users other than the owner and the group.
const OTHERS_READ: u32 = 0o004;

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for (path, mode) in cx.scan.tree.installed_modes.iter().filter(|(_, mode)| *mode & OTHERS_READ == 0) {
        let message = format!(
            "`{path}` is installed with mode {mode:04o}: only its owner (root) can read it; App Store Connect rejects the package with ITMS-90255 \"The installer package includes files that are only readable by the root user.\""
        );
        let help = "make every file of the app readable by all users before building the package (`chmod -R a+rX Example.app`), then sign and build again";
        sink.push(sink.finding(RULE.id, path, message).help(help));
    }
}

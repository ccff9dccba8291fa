//! `smjb-deprecated`: an app uses SMJobBless although it targets macOS 13 or later, where
//! SMAppService replaces it. An app that still supports earlier systems and ships both is following
//! Apple's migration guide (SMJobBless before 13, SMAppService from 13) and is left alone.

use crate::checks::{Check, Context, Rule, Sink};

use super::smjb::{blessers, PRIVILEGED};
use super::{in_standard_folder, plists};

pub static RULE: Rule = Rule { id: crate::rule_id::SMJB_DEPRECATED, check: Check::Scan(check) };

fn check(cx: &Context<'_>, sink: &mut Sink) {
    for b in blessers(cx) {
        let (Some(_), Some(info_path)) = (b.privileged(), b.info_path()) else { continue };
        let app = &b.app.item.path;
        let modern: Vec<&str> = plists(cx)
            .filter(|p| p.owner == Some(b.app.index) && in_standard_folder(cx, p))
            .map(|p| p.path.as_str())
            .collect();
        let minimum = b.info.and_then(|i| i.string("LSMinimumSystemVersion"));
        let Some(version) = minimum.filter(|v| major(v).is_some_and(|m| m >= 13)) else { continue };
        let message = match modern.first() {
            Some(first) => format!("`{app}` targets macOS {version} and ships SMAppService plists (`{first}`), yet also installs a helper with SMJobBless ({PRIVILEGED} in `{info_path}`), deprecated since macOS 13: on every system it supports SMAppService does the job, and a tool blessed by one API is not managed by the other"),
            None => format!("`{app}` targets macOS {version} but installs its helper with SMJobBless, deprecated since macOS 13: SMAppService.daemon(plistName:) replaces it"),
        };
        let mut f = sink
            .finding(RULE.id, info_path, message)
            .item(app.clone())
            .help("move the helper to SMAppService: a plist in Contents/Library/LaunchDaemons with BundleProgram, registered with SMAppService.daemon(plistName:); drop SMPrivilegedExecutables once older systems are no longer supported");
        if let Some(doc) = b.info {
            f = f.span(doc.key_span(PRIVILEGED));
        }
        sink.push(f);
    }
}

/// The major version of a `LSMinimumSystemVersion` string.
fn major(v: &str) -> Option<u32> {
    v.trim().split('.').next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::major;

    #[test]
    fn majors() {
        assert_eq!(major("13.0"), Some(13));
        assert_eq!(major("10.15.7"), Some(10));
        assert_eq!(major("x"), None);
    }
}

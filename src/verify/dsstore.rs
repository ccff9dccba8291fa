//! `.DS_Store` entries that are symbolic links: codesign's resource walk refuses them before it
//! looks at any rule (`errSecCSDSStoreSymlink`), although a regular `.DS_Store` file is omitted
//! from the seal everywhere.

use super::context::{Collector, ItemContext};
use super::rules::RES_DSSTORE_SYMLINK;
use crate::input::base_name;

/// Reports the entry at `path` (`rel` to the seal's base) when it is a `.DS_Store` link to
/// `target`; true when it was reported, so the walk goes no further with it.
pub(super) fn check(ctx: &ItemContext<'_>, sink: &mut Collector, rel: &str, path: &str, target: &str) -> bool {
    // codesign compares the name without regard to case.
    if !base_name(rel).eq_ignore_ascii_case(".DS_Store") {
        return false;
    }
    sink.add(
        ctx.finding(
            RES_DSSTORE_SYMLINK,
            path,
            format!("{rel} is a symbolic link (to `{target}`) in {}: codesign refuses a .DS_Store that is a link (.DS_Store files cannot be a symlink)", ctx.container_root()),
        )
        .help("delete the link (Finder's .DS_Store files carry nothing the app needs) and sign the bundle again"),
    );
    true
}

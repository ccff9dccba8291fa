//! Where a sealed symbolic link may point (codesign `--strict`): absolute targets only into
//! `/System/` or `/Library/`; relative targets must resolve inside the bundle being verified, or a
//! bundle enclosing it, and to a path that bundle's seal includes.

use super::context::{Collector, ItemContext};
use super::envelope::Envelope;
use super::rules::RES_SYMLINK_ESCAPES;
use super::scope::{main_executable_path, Scope};
use crate::input::{join, parent, Tree};

const ALLOWED_ABSOLUTE: [&str; 2] = ["/System/", "/Library/"];

/// Why the link at tree path `link` pointing to `target` leaves the sealed scopes, if it does.
/// `scopes` lists the bundle being verified first, then its enclosing bundles, innermost first.
pub(super) fn escape_reason(tree: &Tree, link: &str, target: &str, scopes: &[&Scope]) -> Option<String> {
    if target.starts_with('/') {
        let allowed = ALLOWED_ABSOLUTE.iter().any(|p| target.len() > p.len() && target.starts_with(p));
        return (!allowed).then(|| "is an absolute path outside /System/ and /Library/".to_owned());
    }
    let Some(resolved) = tree.resolve(&join(parent(link), target)) else {
        return Some("does not resolve inside the input (it dangles, loops or climbs out)".to_owned());
    };
    for scope in scopes {
        if let Some(rel) = scope.relative(&resolved) {
            // codesign stops at the first bundle that contains the destination.
            return (!scope.rules.includes(rel))
                .then(|| format!("resolves to {resolved}, which the seal of {} does not cover", scope.base));
        }
    }
    Some(format!("resolves to {resolved}, outside the bundle"))
}

/// A sealed symlink whose destination `--strict` checks.
pub(super) struct SealedLink<'a> {
    pub rel: &'a str,
    pub path: &'a str,
    pub target: &'a str,
}

/// `--strict`: sealed links must stay inside the bundle (or an enclosing one) and its seal.
pub(super) fn check(ctx: &ItemContext<'_>, sink: &mut Collector, scope: &Scope, links: &[SealedLink<'_>]) {
    if links.is_empty() || !ctx.options.strict {
        return;
    }
    let outer = enclosing_scopes(ctx);
    let mut scopes: Vec<&Scope> = vec![scope];
    scopes.extend(outer.iter());
    for link in links {
        if let Some(why) = escape_reason(ctx.tree(), link.path, link.target, &scopes) {
            sink.add(
                ctx.finding(
                    RES_SYMLINK_ESCAPES,
                    link.path,
                    format!(
                        "{} links to `{}`, which {why} (invalid destination for symbolic link in bundle)",
                        link.rel, link.target
                    ),
                )
                .help("make the link relative and point it at a sealed file inside the bundle"),
            );
        }
    }
}

/// Scopes of the bundles enclosing this item, innermost first (those with a readable seal).
fn enclosing_scopes(ctx: &ItemContext<'_>) -> Vec<Scope> {
    let mut out = Vec::new();
    let mut next = ctx.item.parent;
    let mut hops = 0;
    while let (Some(index), true) = (next, hops < ctx.scan.discovery.items.len()) {
        hops += 1;
        let Some((item, facts)) = ctx.other(index) else { break };
        if let (Some(bundle), Some(Ok(cr))) = (&item.bundle, &facts.code_resources) {
            if let Ok(env) = Envelope::of(cr) {
                out.push(Scope::new(bundle, main_executable_path(bundle).as_deref(), env.rules));
            }
        }
        next = item.parent;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::discover::{Bundle, Layout};
    use crate::input::{Entry, FileData, InputKind};
    use crate::seal::ResourceRule;

    fn tree() -> Tree {
        let file = || Entry::File(FileData::from_vec(vec![0]));
        let entries = [
            ("A.app", Entry::Dir),
            ("A.app/Contents", Entry::Dir),
            ("A.app/Contents/Resources", Entry::Dir),
            ("A.app/Contents/Resources/a.txt", file()),
            ("A.app/Contents/Info.plist", file()),
            ("outside.txt", file()),
        ];
        Tree::from_entries("t", InputKind::Directory, entries.into_iter().map(|(p, e)| (p.to_owned(), e)))
    }

    fn scope() -> Scope {
        let bundle = Bundle {
            root: "A.app".into(),
            extension: "app".into(),
            layout: Layout::Deep,
            content: "A.app/Contents".into(),
            info_plist: None,
            code_resources: None,
            detached_signature: None,
            profile: None,
            stapled_ticket: None,
            executable_name: None,
        };
        let rules = [
            ResourceRule {
                pattern: "^.*".into(),
                weight: None,
                omit: false,
                optional: false,
                nested: false,
                plain: true,
            },
            ResourceRule {
                pattern: "^Info\\.plist$".into(),
                weight: Some(20.0),
                omit: true,
                optional: false,
                nested: false,
                plain: false,
            },
        ];
        Scope::new(&bundle, None, &rules)
    }

    #[test]
    fn destinations_are_judged_like_codesign() {
        let (t, s) = (tree(), scope());
        let link = "A.app/Contents/Resources/link";
        assert_eq!(escape_reason(&t, link, "a.txt", &[&s]), None);
        assert_eq!(escape_reason(&t, link, "/System/Library/Frameworks/AppKit.framework", &[&s]), None);
        assert!(escape_reason(&t, link, "/usr/local/lib/x.dylib", &[&s]).unwrap().contains("absolute"));
        assert!(escape_reason(&t, link, "../Info.plist", &[&s]).unwrap().contains("does not cover"));
        assert!(escape_reason(&t, link, "../../../outside.txt", &[&s]).unwrap().contains("outside the bundle"));
        assert!(escape_reason(&t, link, "missing", &[&s]).unwrap().contains("does not resolve"));
    }
}

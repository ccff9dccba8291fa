//! The bundle structure `codesign --strict` insists on (`BundleDiskRep`): nothing unsealed at a
//! bundle root, framework roots made of symlinks into the current version, `_CodeSignature`
//! holding only the signature's own files, and a main executable that exists and is a regular
//! file.

use super::context::{Collector, ItemContext};
use super::rules::*;
use super::scope::main_executable_path;
use super::signed::{
    detached_component_name, SignedUnit, CODE_RESOURCES, DETACHED_ALTERNATES, DETACHED_CODE_DIRECTORY,
    DETACHED_SIGNATURE,
};
use crate::discover::{Bundle, Layout};
use crate::input::{join, parent, Entry, Tree};
use crate::model::Code;

/// Runs the layout checks of one bundle item.
pub(super) fn check(ctx: &ItemContext<'_>, units: &[SignedUnit<'_>], sink: &mut Collector) {
    let Some(bundle) = ctx.bundle() else { return };
    main_executable(ctx, bundle, sink);
    // A framework root codesign refuses is refused whether or not the framework is signed yet:
    // signing it fails the same way (a wheel's flattened framework often ships unsigned).
    if bundle.layout == Layout::Versioned {
        framework_root(ctx, bundle, sink);
    }
    if units.is_empty() {
        // The rest is codesign's validation of a signature; unsigned bundles have none.
        return;
    }
    if bundle.layout == Layout::Deep {
        app_root(ctx, bundle, sink);
    }
    signature_directory(ctx, bundle, units, sink);
}

/// `CFBundleExecutable` names a file that must exist, as a regular file in place.
fn main_executable(ctx: &ItemContext<'_>, bundle: &Bundle, sink: &mut Collector) {
    let tree = ctx.tree();
    let Some(name) = &bundle.executable_name else { return };
    let expected = main_executable_path(bundle).unwrap_or_else(|| join(&bundle.content, name));
    if ctx.item.executable.is_none() || matches!(ctx.facts.code, Code::Unreadable(_)) {
        sink.add(
            ctx.finding(
                LAYOUT_MAIN_EXEC_MISSING,
                &expected,
                format!("CFBundleExecutable names `{name}`, but {expected} does not exist (the code has no main executable file)"),
            )
            .help("build the executable into the bundle, or correct CFBundleExecutable in Info.plist"),
        );
        return;
    }
    for (what, path) in [("main executable", Some(expected)), ("Info.plist", bundle.info_plist.clone())] {
        let Some(path) = path else { continue };
        if let Some(Entry::Symlink(target)) = tree.get(&path) {
            sink.add(
                ctx.finding(
                    LAYOUT_MAIN_EXEC_REGULAR,
                    &path,
                    format!("the {what} {path} is a symbolic link to `{target}` (the main executable or Info.plist must be a regular file)"),
                )
                .help(format!("replace the link with the {what} itself")),
            );
        }
    }
}

/// Files allowed beside `Contents` at a bundle root: regular files with these names.
const ROOT_EXTRAS: [&str; 4] = [".LSOverride", ".DS_Store", "Icon\r", ".SoftwareDepot.tracking"];

/// A bundle with `Contents/` holds nothing else at its root but a few Finder files.
fn app_root(ctx: &ItemContext<'_>, bundle: &Bundle, sink: &mut Collector) {
    for (name, entry) in ctx.tree().children(&bundle.root) {
        let allowed = match entry {
            Entry::Dir => name == "Contents",
            Entry::File(_) => ROOT_EXTRAS.contains(&name),
            Entry::Symlink(_) => false,
        };
        if !allowed {
            let path = join(&bundle.root, name);
            sink.add(
                ctx.finding(
                    LAYOUT_APP_ROOT_UNSEALED,
                    &path,
                    format!("{path} sits at the bundle root beside Contents, where nothing is sealed (unsealed contents present in the bundle root)"),
                )
                .help("move it into Contents/ (Resources for data) and sign again, or delete it"),
            );
        }
    }
}

/// A framework root holds `Versions/` (version directories and a `Current` link) and links
/// named after entries of the current version.
fn framework_root(ctx: &ItemContext<'_>, bundle: &Bundle, sink: &mut Collector) {
    let tree = ctx.tree();
    let versions = parent(&bundle.root);
    let root = parent(versions);
    // Each version is an item; the root is judged once, by the version Current names (or the
    // first one when Current is unusable).
    if !is_judging_version(tree, ctx, root) {
        return;
    }
    // One defect, one finding: a framework unpacked without its symlinks breaks several links at
    // once; the finding sits on the first and names them all.
    let problems = framework_root_problems(tree, root);
    let Some((first, _)) = problems.first() else { return };
    let whys: Vec<&str> = problems.iter().map(|(_, why)| why.as_str()).collect();
    sink.add(
        ctx.finding(
            LAYOUT_FRAMEWORK_ROOT,
            first,
            format!("{} (unsealed contents present in the root directory of an embedded framework)", whys.join("; ")),
        )
        .help("a framework root holds only Versions/ and symlinks into Versions/Current"),
    );
}

fn is_judging_version(tree: &Tree, ctx: &ItemContext<'_>, root: &str) -> bool {
    let current = tree.resolve(&join(root, "Versions/Current"));
    match current {
        Some(c) if tree.is_dir(&c) => c == ctx.item.path,
        _ => {
            let versions = join(root, "Versions");
            let first =
                tree.children(&versions).find(|(_, e)| matches!(e, Entry::Dir)).map(|(n, _)| join(&versions, n));
            first.as_deref() == Some(ctx.item.path.as_str())
        }
    }
}

/// What `validateFrameworkRoot` would refuse, as (path, why).
fn framework_root_problems(tree: &Tree, root: &str) -> Vec<(String, String)> {
    let mut problems = Vec::new();
    let versions = join(root, "Versions");
    let current_link = join(&versions, "Current");
    let current_target = match tree.get(&current_link) {
        Some(Entry::Symlink(t)) => Some(t.clone()),
        _ => None,
    };
    match &current_target {
        Some(t) if names_a_version(t) => {}
        Some(t) => problems.push((
            current_link.clone(),
            format!("Versions/Current links to `{t}`, which is not a version directory name"),
        )),
        None => problems.push((current_link.clone(), "Versions/Current is missing or not a symbolic link".to_owned())),
    }
    if !tree.children(&versions).any(|(_, e)| matches!(e, Entry::Dir)) {
        problems.push((versions.clone(), "Versions holds no version directory".to_owned()));
    }
    // Current is judged above, whatever it is: one finding for it.
    for (name, entry) in tree.children(&versions).filter(|(name, _)| *name != "Current") {
        let ok = match entry {
            Entry::Dir => true,
            Entry::Symlink(_) => false,
            Entry::File(_) => name == ".DS_Store",
        };
        if !ok {
            problems
                .push((join(&versions, name), format!("Versions/{name} is neither a version directory nor Current")));
        }
    }
    for (name, entry) in tree.children(root) {
        let path = join(root, name);
        let ok = match entry {
            Entry::Dir => name == "Versions",
            Entry::File(_) => name == ".DS_Store" || name == "module.map",
            Entry::Symlink(target) => links_into_current(target, name, current_target.as_deref()),
        };
        if !ok {
            let why = match entry {
                Entry::Symlink(target) => format!("{path} links to `{target}`, not to Versions/Current/{name}"),
                _ => format!("{path} is not a symbolic link into Versions/Current"),
            };
            problems.push((path, why));
        }
    }
    problems
}

/// What `Versions/Current` may point at: one path component naming a version, codesign's
/// `^(\./)?(\.\.[^/]+|\.?[^\./][^/]*)$`.
fn names_a_version(target: &str) -> bool {
    let t = target.strip_prefix("./").unwrap_or(target);
    if t.contains('/') {
        return false;
    }
    if let Some(rest) = t.strip_prefix("..") {
        return !rest.is_empty();
    }
    let t = t.strip_prefix('.').unwrap_or(t);
    t.chars().next().is_some_and(|c| c != '.')
}

/// Whether a root link named `name` points at its namesake in the current version, codesign's
/// `^(\./)?Versions/(Current|<current>)/<name>$`.
fn links_into_current(target: &str, name: &str, current: Option<&str>) -> bool {
    let t = target.strip_prefix("./").unwrap_or(target);
    let Some((version, tail)) = t.strip_prefix("Versions/").and_then(|r| r.split_once('/')) else {
        return false;
    };
    (version == "Current" || Some(version) == current) && tail == name
}

/// `_CodeSignature/` holds only regular files the signature uses.
fn signature_directory(ctx: &ItemContext<'_>, bundle: &Bundle, units: &[SignedUnit<'_>], sink: &mut Collector) {
    let tree = ctx.tree();
    let dir = join(&bundle.content, "_CodeSignature");
    let allowed = allowed_signature_files(tree, &dir, units);
    for (name, entry) in tree.children(&dir) {
        let path = join(&dir, name);
        let why = match entry {
            Entry::File(data) if name == DETACHED_SIGNATURE && data.is_empty() => continue,
            Entry::File(_) if allowed.iter().any(|a| a == name) => continue,
            Entry::File(_) => format!("{path} is not a file this signature uses"),
            Entry::Dir => format!("{path} is a directory"),
            Entry::Symlink(t) => format!("{path} is a symbolic link to `{t}`"),
        };
        sink.add(
            ctx.finding(
                LAYOUT_CODESIGNATURE_DIR,
                &path,
                format!("{why}; _CodeSignature may hold only the signature's own files"),
            )
            .help("delete it: _CodeSignature is rewritten by every signing"),
        );
    }
}

/// The files of `_CodeSignature/` this signature reads: always CodeResources; for a detached
/// signature its CodeDirectories, CMS signature and the components of its special slots.
fn allowed_signature_files(tree: &Tree, dir: &str, units: &[SignedUnit<'_>]) -> Vec<String> {
    let mut allowed = vec![CODE_RESOURCES.to_owned()];
    let detached = units.iter().any(|u| u.slice.is_none());
    if !detached {
        return allowed;
    }
    allowed.push(DETACHED_CODE_DIRECTORY.to_owned());
    allowed.push(DETACHED_SIGNATURE.to_owned());
    for name in DETACHED_ALTERNATES {
        // Alternates are read in order up to the first missing one.
        if tree.file(&join(dir, name)).is_none() {
            break;
        }
        allowed.push(name.to_owned());
    }
    let max_slot = units.iter().flat_map(|u| &u.cds).map(|c| c.cd.n_special_slots).max().unwrap_or(0);
    allowed.extend((1..=max_slot).filter_map(detached_component_name).map(str::to_owned));
    allowed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{base_name, FileData, InputKind};

    fn framework(extra: &[(&str, Entry)]) -> Tree {
        let link = |t: &str| Entry::Symlink(t.to_owned());
        let mut entries = vec![
            ("K.framework", Entry::Dir),
            ("K.framework/K", link("Versions/Current/K")),
            ("K.framework/Resources", link("Versions/A/Resources")),
            ("K.framework/Versions", Entry::Dir),
            ("K.framework/Versions/A", Entry::Dir),
            ("K.framework/Versions/A/K", Entry::File(FileData::from_vec(vec![0]))),
            ("K.framework/Versions/Current", link("A")),
        ];
        entries.extend(extra.iter().cloned());
        Tree::from_entries("t", InputKind::Directory, entries.into_iter().map(|(p, e)| (p.to_owned(), e)))
    }

    #[test]
    fn a_well_formed_framework_root_passes() {
        assert!(framework_root_problems(&framework(&[]), "K.framework").is_empty());
    }

    #[test]
    fn stray_files_and_wrong_links_at_a_framework_root_are_refused() {
        let tree = framework(&[
            ("K.framework/README", Entry::File(FileData::from_vec(vec![0]))),
            ("K.framework/Headers", Entry::Symlink("Versions/A/Include".to_owned())),
        ]);
        let problems = framework_root_problems(&tree, "K.framework");
        let paths: Vec<&str> = problems.iter().map(|(p, _)| base_name(p)).collect();
        assert_eq!(paths, ["Headers", "README"]);
    }

    #[test]
    fn the_current_link_must_name_a_version() {
        assert!(names_a_version("A") && names_a_version("./B") && names_a_version("..x") && names_a_version(".B"));
        assert!(
            !names_a_version("../../etc") && !names_a_version("A/B") && !names_a_version("..") && !names_a_version(".")
        );
        assert!(links_into_current("Versions/Current/K", "K", Some("A")));
        assert!(links_into_current("./Versions/A/K", "K", Some("A")));
        assert!(!links_into_current("Versions/B/K", "K", Some("A")));
        assert!(!links_into_current("Versions/Current/K/x", "K", Some("A")));
    }
}

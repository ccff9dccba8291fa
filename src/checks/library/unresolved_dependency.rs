//! `lib-unresolved-dependency`: every library an executable needs is found where dyld will look.
//!
//! dyld expands `@rpath` with the `LC_RPATH`s of the whole loading chain — the loader's own, then
//! those of every image that loaded it, up to the main executable — so search directories are
//! passed down the graph of bundled libraries until nothing changes. One finding is made per
//! library that cannot be found, naming every file that links it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::checks::{Check, Context, ItemView, Rule, Sink};
use crate::finding::Severity;

use crate::analysis::library::{host_executable, required, resolve_in, search_dirs, Resolution, SearchDir};

pub static RULE: Rule = Rule { id: crate::rule_id::LIB_UNRESOLVED_DEPENDENCY, check: Check::Scan(check) };

/// `MH_EXECUTE`.
const MH_EXECUTE: u32 = 2;
/// Importers named in a message; the rest are counted.
const NAMED_IMPORTERS: usize = 3;

/// One code item as a loader: its search directories and the main executable of its process.
struct Loader<'a> {
    view: ItemView<'a>,
    executable: &'a str,
    /// Whether that main executable is in the input: a library checked on its own has none, and
    /// its dependencies live outside it by design.
    hosted: bool,
    /// Its own `LC_RPATH`s (every slice), expanded.
    own: Vec<SearchDir>,
    /// Those of every image that loads it, directly or not.
    inherited: BTreeSet<SearchDir>,
}

impl Loader<'_> {
    fn dirs(&self) -> Vec<SearchDir> {
        let mut dirs = self.own.clone();
        dirs.extend(self.inherited.iter().filter(|d| !self.own.contains(d)).cloned());
        dirs
    }
}

/// Why a library is not found, which is also how findings are grouped.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Unresolved {
    /// An absolute path outside the operating system.
    Absolute,
    /// Found on disk beside the input, at this path, not inside it.
    Outside(String),
    /// Found nowhere; `hosted` as in [`Loader::hosted`].
    Missing { hosted: bool },
}

/// The files that link one unresolved library, and what was tried for the first.
#[derive(Default)]
struct Group<'a> {
    importers: Vec<(&'a str, &'a str)>,
    archs: BTreeSet<String>,
    tried: Vec<String>,
}

fn check(cx: &Context<'_>, sink: &mut Sink) {
    let mut loaders = loaders(cx);
    pass_search_dirs_down(&mut loaders);
    let tree = &cx.scan.tree;
    let mut groups: BTreeMap<(String, Unresolved), Group<'_>> = BTreeMap::new();
    for loader in &loaders {
        let dirs = loader.dirs();
        for slice in loader.view.slices() {
            for dylib in slice.slice.dylibs.iter().filter(|d| required(d.kind)) {
                let (why, tried) = match resolve_in(&loader.view, loader.executable, &dylib.name, &dirs) {
                    Resolution::OutsideOs => (Unresolved::Absolute, Vec::new()),
                    Resolution::Missing { tried } => match tried.iter().find_map(|c| tree.outside_file(c)) {
                        Some(found) => (Unresolved::Outside(found), Vec::new()),
                        None => (Unresolved::Missing { hosted: loader.hosted }, tried),
                    },
                    Resolution::System | Resolution::Bundled(_) | Resolution::Unknown => continue,
                };
                let group = groups.entry((dylib.name.clone(), why)).or_default();
                let me = (loader.view.code_path(), loader.view.item.path.as_str());
                if !group.importers.contains(&me) {
                    group.importers.push(me);
                }
                if group.tried.is_empty() {
                    group.tried = tried;
                }
                group.archs.insert(slice.slice.arch.clone());
            }
        }
    }
    for ((name, why), group) in groups {
        sink.push(finding(sink, &name, &why, &group));
    }
}

/// Every code item with Mach-O slices, as a loader.
fn loaders<'a>(cx: &Context<'a>) -> Vec<Loader<'a>> {
    let items: Vec<ItemView<'a>> = cx.items().filter(|i| !i.slices().is_empty()).collect();
    items
        .iter()
        .filter_map(|view| {
            let executable = host_executable(view)?;
            let hosted = items
                .iter()
                .find(|i| i.code_path() == executable)
                .is_some_and(|host| host.slices().iter().any(|s| s.slice.file_type == MH_EXECUTE));
            let mut own: Vec<SearchDir> = Vec::new();
            for slice in view.slices() {
                for dir in search_dirs(&slice.slice.rpaths, executable, view.code_path()) {
                    if !own.contains(&dir) {
                        own.push(dir);
                    }
                }
            }
            Some(Loader { view: *view, executable, hosted, own, inherited: BTreeSet::new() })
        })
        .collect()
}

/// Gives every bundled library the search directories of the images that load it, until no
/// library gains one (at most one round per loader: a chain is never longer).
fn pass_search_dirs_down(loaders: &mut [Loader<'_>]) {
    let by_path: HashMap<&str, usize> = loaders.iter().enumerate().map(|(i, l)| (l.view.code_path(), i)).collect();
    for _ in 0..loaders.len() {
        let mut gains: Vec<(usize, SearchDir)> = Vec::new();
        for loader in loaders.iter() {
            let dirs = loader.dirs();
            for slice in loader.view.slices() {
                for dylib in &slice.slice.dylibs {
                    let Resolution::Bundled(path) = resolve_in(&loader.view, loader.executable, &dylib.name, &dirs)
                    else {
                        continue;
                    };
                    let Some(&target) = by_path.get(path.as_str()) else { continue };
                    let known = &loaders[target];
                    gains.extend(
                        dirs.iter()
                            .filter(|d| !known.own.contains(d) && !known.inherited.contains(d))
                            .map(|d| (target, d.clone())),
                    );
                }
            }
        }
        let mut changed = false;
        for (target, dir) in gains {
            changed |= loaders[target].inherited.insert(dir);
        }
        if !changed {
            break;
        }
    }
}

fn finding(sink: &Sink, name: &str, why: &Unresolved, group: &Group<'_>) -> crate::finding::Finding {
    let (first_path, first_item) = group.importers[0];
    let archs: Vec<&str> = group.archs.iter().map(String::as_str).collect();
    let linked_by = importers(group, &archs);
    let verb = if group.importers.len() == 1 { "links" } else { "link" };
    let reason = match why {
        Unresolved::Absolute => {
            "an absolute path outside the operating system, which users' Macs do not have".to_owned()
        }
        Unresolved::Outside(found) => format!(
            "resolves outside the bundle to `{found}`; it loads only where that file is installed beside the bundle"
        ),
        Unresolved::Missing { .. } if group.tried.is_empty() => {
            "no LC_RPATH of the loading chain can expand it inside the bundle".to_owned()
        }
        Unresolved::Missing { .. } => {
            format!("no such file in the bundle (looked for {})", group.tried.join(", "))
        }
    };
    let help = match why {
        Unresolved::Outside(_) => "nothing to do where the bundle is always installed beside that file; to ship the bundle on its own, copy the library into it (Contents/Frameworks) and point an LC_RPATH there",
        Unresolved::Missing { hosted: false } => "checked on its own, a library finds its dependencies in the app that embeds it: ship this one in that app too (Contents/Frameworks)",
        _ => "ship the library inside the bundle (Contents/Frameworks) and link it via @rpath, with an LC_RPATH of @executable_path/../Frameworks",
    };
    let mut f =
        sink.finding(RULE.id, first_path, format!("{linked_by} {verb} `{name}`: {reason}")).item(first_item).help(help);
    if let [arch] = archs.as_slice() {
        f = f.arch(*arch);
    }
    // A library found beside the input exists; a library checked on its own has its
    // dependencies outside it by design.
    match why {
        Unresolved::Outside(_) | Unresolved::Missing { hosted: false } => f.at_most(Severity::Info),
        _ => f,
    }
}

/// "`A` [arm64, x86_64]", or "3 files (`A`, `B`, `C`) [arm64]", or "45 files (`A`, `B`, `C` and 42 more) …".
fn importers(group: &Group<'_>, archs: &[&str]) -> String {
    let archs = archs.join(", ");
    let named: Vec<String> = group.importers.iter().take(NAMED_IMPORTERS).map(|(p, _)| format!("`{p}`")).collect();
    match group.importers.len() {
        1 => format!("{} [{archs}]", named[0]),
        n if n <= NAMED_IMPORTERS => format!("{n} files ({}) [{archs}]", named.join(", ")),
        n => format!("{n} files ({} and {} more) [{archs}]", named.join(", "), n - NAMED_IMPORTERS),
    }
}

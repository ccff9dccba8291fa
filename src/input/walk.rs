//! Walking a directory into a [`Tree`] without following symlinks.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use super::{join, Entry, FileData, InputKind, PathProblem, Tree, MAX_DEPTH, MAX_ENTRIES};
use crate::Problem;

/// Walks `root`. Paths in the tree start with the root directory's own name, so locations read
/// `Fixture.app/Contents/MacOS/Fixture` whatever directory the user ran from.
pub(super) fn walk_directory(root: &Path, origin: String) -> Tree {
    let top = root
        .canonicalize()
        .ok()
        .and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .unwrap_or_else(|| ".".to_owned());
    let mut walker = Walker { entries: vec![(top.clone(), Entry::Dir)], problems: Vec::new() };
    walker.walk(root, &top, 0);
    // Built at once from all entries, the map's nodes are full: half the memory of inserting
    // 100 000 paths one by one. Walk order is not path order (`a.b` sorts before `a/x`).
    let entries: BTreeMap<String, Entry> = walker.entries.into_iter().collect();
    Tree {
        origin,
        kind: InputKind::Directory,
        entries,
        problems: walker.problems,
        base: None,
        signatures: Vec::new(),
        installed_modes: Default::default(),
    }
}

struct Walker {
    entries: Vec<(String, Entry)>,
    problems: Vec<PathProblem>,
}

impl Walker {
    fn note(&mut self, path: &str, code: crate::rule_id::RuleId, message: String) {
        self.problems.push(PathProblem { path: path.to_owned(), problem: Problem::new(code, message) });
    }

    fn walk(&mut self, dir: &Path, tree_dir: &str, depth: usize) {
        if depth >= MAX_DEPTH {
            self.note(
                tree_dir,
                crate::rule_id::INPUT_LIMIT,
                format!("directory nesting deeper than {MAX_DEPTH} levels is not read"),
            );
            return;
        }
        let listing = match std::fs::read_dir(dir) {
            Ok(l) => l,
            Err(e) => {
                return self.note(tree_dir, crate::rule_id::INPUT_UNREADABLE, format!("cannot list directory: {e}"))
            }
        };
        let mut children: Vec<_> = listing.filter_map(Result::ok).collect();
        children.sort_by_key(|c| c.file_name());
        let shared_dir: Arc<Path> = dir.into();
        for child in children {
            if self.entries.len() >= MAX_ENTRIES {
                return self.note(
                    tree_dir,
                    crate::rule_id::INPUT_LIMIT,
                    format!("more than {MAX_ENTRIES} entries; the rest is not read"),
                );
            }
            let name = child.file_name();
            let name_str = name.to_string_lossy().into_owned();
            let path = join(tree_dir, &name_str);
            if name.to_str().is_none() {
                self.note(&path, crate::rule_id::INPUT_UNREADABLE, "file name is not valid UTF-8".to_owned());
            }
            let meta = match std::fs::symlink_metadata(child.path()) {
                Ok(m) => m,
                Err(e) => {
                    self.note(&path, crate::rule_id::INPUT_UNREADABLE, format!("cannot stat: {e}"));
                    continue;
                }
            };
            let kind = meta.file_type();
            if kind.is_symlink() {
                match std::fs::read_link(child.path()) {
                    Ok(target) => {
                        self.entries.push((path, Entry::Symlink(target.to_string_lossy().into_owned())));
                    }
                    Err(e) => self.note(&path, crate::rule_id::INPUT_UNREADABLE, format!("cannot read symlink: {e}")),
                }
            } else if kind.is_dir() {
                self.entries.push((path.clone(), Entry::Dir));
                self.walk(&child.path(), &path, depth + 1);
            } else if kind.is_file() {
                let data = FileData::from_disk(shared_dir.clone(), &name, meta.len());
                self.entries.push((path, Entry::File(data)));
            }
            // Sockets, FIFOs and devices are not bundle content; they are skipped silently.
        }
    }
}

//! Opening a user's PATH into a read-only virtual tree.
//!
//! Whatever the user points at — a bundle directory, a folder holding bundles, a bare Mach-O, a
//! `.zip` or `.ipa` — becomes one [`Tree`]: a sorted map from `/`-separated relative paths to
//! directories, files and symlinks. Nothing downstream touches the file system again, so archives
//! and directories are judged the same way, and nothing is ever extracted to disk.
//!
//! Symlinks are recorded, never followed while walking: a cyclic or escaping link cannot make the
//! walk loop or leave the input. Resolution inside the tree is bounded ([`Tree::resolve`]).

pub mod archive;
pub mod container;
pub mod container_signature;
pub(crate) mod data;
pub mod dmg;
mod dmg_signature;
mod fat;
mod hfs_link;
pub mod partition;
pub mod payload;
pub mod pkg;
mod pkg_files;
pub mod udif;
pub mod volume;
mod walk;
pub mod xar;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use data::{DigestKind, FileData};

use crate::Problem;

/// Most entries a tree may hold; beyond it the walk stops with a finding.
pub const MAX_ENTRIES: usize = 500_000;
/// Deepest directory nesting followed.
pub const MAX_DEPTH: usize = 64;
/// Most symlink hops followed when resolving a path inside the tree.
pub const MAX_SYMLINK_HOPS: usize = 32;
/// Longest path kept. macOS refuses paths past `PATH_MAX` (1,024 bytes), so no working bundle
/// has one anywhere near this; a container can still spell one cheaply (a deep chain of long
/// names, a directory whose clusters loop), and every entry below it would repeat it.
pub const MAX_PATH_LEN: usize = 4096;
/// Most bytes of paths kept from one container, all entries together: the entry cap alone would
/// let half a million entries each repeat a path of `MAX_PATH_LEN` bytes.
pub const MAX_PATH_BYTES: usize = 64 << 20;

/// The bytes of paths a container's listing has kept, against [`MAX_PATH_LEN`] and
/// [`MAX_PATH_BYTES`].
#[derive(Debug, Default)]
pub struct PathBudget {
    spent: usize,
}

/// Why a path was not kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OverBudget {
    /// This path is too long; its siblings may still be kept.
    TooLong(usize),
    /// The container's paths together reached the limit; nothing more is kept.
    Spent,
}

impl PathBudget {
    /// Takes `path`'s bytes from the budget, or says why it cannot be kept.
    pub fn take(&mut self, path: &str) -> Result<(), OverBudget> {
        if path.len() > MAX_PATH_LEN {
            return Err(OverBudget::TooLong(path.len()));
        }
        if self.spent + path.len() > MAX_PATH_BYTES {
            return Err(OverBudget::Spent);
        }
        self.spent += path.len();
        Ok(())
    }
}

impl OverBudget {
    /// The finding's words, naming what was not read.
    pub fn message(self) -> String {
        match self {
            OverBudget::TooLong(len) => {
                format!("a path of {len} bytes, longer than the {MAX_PATH_LEN} read; not read, nor anything below it")
            }
            OverBudget::Spent => format!("its paths total more than {MAX_PATH_BYTES} bytes; the rest were not read"),
        }
    }
}

/// What the user's PATH turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum InputKind {
    Directory,
    File,
    Archive,
}

/// One node of the tree.
#[derive(Debug, Clone)]
pub enum Entry {
    Dir,
    File(FileData),
    /// A symbolic link and its target exactly as stored.
    Symlink(String),
}

/// A problem tied to a path of the tree.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PathProblem {
    pub path: String,
    #[serde(flatten)]
    pub problem: Problem,
}

/// The read-only view of an input.
#[derive(Debug)]
pub struct Tree {
    /// The path the user gave, for display.
    pub origin: String,
    pub kind: InputKind,
    entries: BTreeMap<String, Entry>,
    /// Problems met while opening: unreadable files, refused archive members, limits reached.
    pub problems: Vec<PathProblem>,
    /// The directory on disk that tree path `""` stands for, when the input is a directory or
    /// file on disk (not an archive): what lies beside the input can then be looked up.
    base: Option<PathBuf>,
    /// The signatures of the packages and disk images read into the tree, signed or not.
    pub signatures: Vec<container_signature::ContainerSignature>,
    /// The permission bits a package's payload installs its files with, by tree path.
    pub installed_modes: BTreeMap<String, u32>,
}

impl Tree {
    /// Opens `path`: a directory is walked, a zip/ipa or UDIF disk image is read in memory, any other file is taken
    /// as a single entry (a bare Mach-O, a profile, a plist…). Errors only when `path` itself
    /// cannot be read; problems inside it are recorded in [`Tree::problems`].
    pub fn open(path: &Path) -> std::io::Result<Tree> {
        let meta = std::fs::metadata(path)?;
        let origin = path.display().to_string();
        let base = std::fs::canonicalize(path).ok().and_then(|p| p.parent().map(Path::to_path_buf));
        if meta.is_dir() {
            let mut tree = Tree { base, ..walk::walk_directory(path, origin) };
            pkg::expand_packages(
                &mut tree.entries,
                &mut tree.problems,
                &mut tree.signatures,
                &mut tree.installed_modes,
                0,
            );
            dmg::expand_images(&mut tree.entries, &mut tree.problems, &mut tree.signatures, &mut tree.installed_modes);
            return Ok(tree);
        }
        let dir: std::sync::Arc<Path> = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.into(),
            _ => Path::new(".").into(),
        };
        let data = FileData::from_disk(dir, path.file_name().unwrap_or(path.as_os_str()), meta.len());
        if pkg::is_package(&file_name(path), &data.head(4)) {
            return pkg::read_input(&data, &file_name(path), origin);
        }
        if dmg::is_udif(&data) {
            return Ok(dmg::read(data, origin));
        }
        // Fail closed: a file bundlelint would not read is refused, never passed as clean.
        if let Some(why) = container::refuse_top_level(&file_name(path), &data) {
            return Err(std::io::Error::new(std::io::ErrorKind::Unsupported, why));
        }
        if archive::looks_like_zip(path, &data) {
            data.bytes().map_err(std::io::Error::other)?;
            return Ok(archive::read_zip(data, origin));
        }
        let name = file_name(path);
        let mut entries = BTreeMap::new();
        entries.insert(name, Entry::File(data));
        Ok(Tree {
            origin,
            kind: InputKind::File,
            entries,
            problems: Vec::new(),
            base,
            signatures: Vec::new(),
            installed_modes: BTreeMap::new(),
        })
    }

    /// A tree built from in-memory entries (tests, fuzzing, nested archives).
    pub fn from_entries(
        origin: impl Into<String>,
        kind: InputKind,
        entries: impl IntoIterator<Item = (String, Entry)>,
    ) -> Tree {
        Tree {
            origin: origin.into(),
            kind,
            entries: entries.into_iter().collect(),
            problems: Vec::new(),
            base: None,
            signatures: Vec::new(),
            installed_modes: BTreeMap::new(),
        }
    }

    /// `path` as the notary service names it in its log: a member of a zip, disk image or
    /// product package given as the input is `<file>/<member>` (`Release.dmg/Example.app/…`,
    /// `Release.pkg/com.example.app.pkg Contents/Payload/…`). A component package given on its
    /// own already names itself (`Example.pkg Contents/Payload/…`), and the container's own
    /// path is its name.
    pub fn notary_path(&self, path: &str) -> String {
        if self.kind != InputKind::Archive {
            return path.to_owned();
        }
        let name = self.container_name();
        let names_itself = path == name || path.strip_prefix(name).is_some_and(|rest| rest.starts_with(' '));
        // A member refused for its name (absolute, climbing out) is the container's business.
        let refused = path.starts_with('/') || path.split('/').any(|c| c == "..");
        match path {
            "" => name.to_owned(),
            _ if names_itself || name.is_empty() => path.to_owned(),
            _ if refused => name.to_owned(),
            _ => format!("{name}/{path}"),
        }
    }

    /// The file name of the input (`Release.dmg` for `out/Release.dmg`).
    fn container_name(&self) -> &str {
        let origin = self.origin.trim_end_matches(['/', '\\']);
        origin.rsplit(['/', '\\']).next().unwrap_or_default()
    }

    /// The tree path a [`Tree::notary_path`] names.
    pub fn tree_path<'a>(&self, notary_path: &'a str) -> &'a str {
        if self.kind != InputKind::Archive {
            return notary_path;
        }
        let name = self.container_name();
        notary_path.strip_prefix(name).and_then(|rest| rest.strip_prefix('/')).unwrap_or(notary_path)
    }

    pub fn entries(&self) -> impl Iterator<Item = (&str, &Entry)> {
        self.entries.iter().map(|(k, v)| (k.as_str(), v))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The entry stored at exactly `path`, without following symlinks.
    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path)
    }

    /// The direct children of directory `dir` (`""` for the root), as (name, entry), sorted.
    pub fn children<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, &'a Entry)> + 'a {
        self.below(dir).filter_map(|(_, rest, v)| (!rest.contains('/')).then_some((rest, v)))
    }

    /// Every entry strictly below `dir`, as (full path, entry), sorted.
    pub fn descendants<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, &'a Entry)> + 'a {
        self.below(dir).map(|(full, _, v)| (full, v))
    }

    /// Entries strictly below `dir` as (full path, path relative to `dir`, entry).
    fn below<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, &'a str, &'a Entry)> + 'a {
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        let skip = prefix.len();
        self.entries
            .range::<String, _>((std::ops::Bound::Included(prefix.clone()), std::ops::Bound::Unbounded))
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .filter_map(move |(k, v)| {
                let rest = k.get(skip..).unwrap_or("");
                (!rest.is_empty()).then_some((k.as_str(), rest, v))
            })
    }

    /// Follows symlinks in every component of `path` (bounded hops, never leaving the tree) and
    /// returns the canonical path of what it names, or `None` when it dangles, loops or escapes.
    pub fn resolve(&self, path: &str) -> Option<String> {
        let mut hops = 0;
        let mut pending: Vec<String> = split(path).into_iter().rev().map(str::to_owned).collect();
        let mut resolved: Vec<String> = Vec::new();
        while let Some(component) = pending.pop() {
            match component.as_str() {
                "" | "." => continue,
                ".." => {
                    resolved.pop()?;
                    continue;
                }
                _ => {}
            }
            resolved.push(component);
            let here = resolved.join("/");
            match self.entries.get(&here) {
                Some(Entry::Symlink(target)) => {
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS || target.starts_with('/') {
                        return None;
                    }
                    resolved.pop();
                    pending.extend(split(target).into_iter().rev().map(str::to_owned));
                }
                Some(_) => {}
                None => return None,
            }
        }
        Some(resolved.join("/"))
    }

    /// The file at `path` after resolving symlinks, if it is a regular file.
    pub fn file(&self, path: &str) -> Option<&FileData> {
        match self.entries.get(&self.resolve(path)?)? {
            Entry::File(data) => Some(data),
            _ => None,
        }
    }

    /// Where tree path `path` — one that leaves the tree through `..` or a symbolic link — leads
    /// on disk, when the input was read from disk and a regular file is there: as a path relative
    /// to the input's parent directory (the frame tree paths use), or absolute when it lies above
    /// it. Only existence is looked up; nothing is read.
    pub fn outside_file(&self, path: &str) -> Option<String> {
        let base = self.base.as_ref()?;
        let found = std::fs::canonicalize(base.join(path)).ok().filter(|p| p.is_file())?;
        let shown = match found.strip_prefix(base) {
            Ok(relative) => relative.to_string_lossy().into_owned(),
            Err(_) => found.to_string_lossy().into_owned(),
        };
        // A file inside the input is not outside it (reached through a link the tree refused).
        (self.resolve(&shown).is_none()).then_some(shown)
    }

    /// Whether `path` (after resolving symlinks) is a directory.
    pub fn is_dir(&self, path: &str) -> bool {
        path.is_empty() || matches!(self.resolve(path).and_then(|p| self.entries.get(&p).cloned()), Some(Entry::Dir))
    }
}

/// Reads a container held in memory into a tree, recognised by its bytes: a flat package
/// (`xar!`), a UDIF disk image (a `koly` trailer), else a zip (fuzzing, tests).
pub fn container_from_bytes(bytes: &[u8]) -> Tree {
    let data = FileData::from_vec(bytes.to_vec());
    if bytes.starts_with(b"xar!") {
        if let Ok(tree) = pkg::read_input(&data, "input.pkg", "input.pkg".to_owned()) {
            return tree;
        }
    }
    if dmg::is_udif(&data) {
        return dmg::read(data, "input.dmg".to_owned());
    }
    archive::read_zip(data, "input.zip".to_owned())
}

/// Reads a zip or ipa held in memory into a tree (nested archives, tests, fuzzing).
pub fn archive_from_bytes(bytes: &[u8], origin: &str) -> Tree {
    archive::read_zip(FileData::from_vec(bytes.to_vec()), origin.to_owned())
}

fn split(path: &str) -> Vec<&str> {
    path.split('/').collect()
}

fn file_name(path: &Path) -> String {
    path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| path.display().to_string())
}

/// Joins two tree paths.
pub fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else if name.is_empty() {
        dir.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

/// The parent directory of a tree path (`""` for a top-level entry).
pub fn parent(path: &str) -> &str {
    path.rsplit_once('/').map(|(p, _)| p).unwrap_or("")
}

/// The last component of a tree path.
pub fn base_name(path: &str) -> &str {
    path.rsplit_once('/').map(|(_, n)| n).unwrap_or(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tree(entries: &[(&str, Entry)]) -> Tree {
        Tree::from_entries("t", InputKind::Directory, entries.iter().map(|(p, e)| (p.to_string(), e.clone())))
    }

    #[test]
    fn members_of_a_container_are_named_as_the_notary_names_them() {
        let dmg = Tree::from_entries("out/Release.dmg", InputKind::Archive, []);
        assert_eq!(
            dmg.notary_path("Example.app/Contents/MacOS/Example"),
            "Release.dmg/Example.app/Contents/MacOS/Example"
        );
        assert_eq!(dmg.notary_path("Release.dmg"), "Release.dmg");
        assert_eq!(dmg.notary_path(""), "Release.dmg");
        assert_eq!(dmg.notary_path("../../evil"), "Release.dmg", "a refused member name");
        let component = Tree::from_entries("Example.pkg", InputKind::Archive, []);
        assert_eq!(component.notary_path("Example.pkg Contents/Payload/x"), "Example.pkg Contents/Payload/x");
        let product = Tree::from_entries("Release.pkg", InputKind::Archive, []);
        assert_eq!(product.notary_path("c.pkg Contents/Payload/x"), "Release.pkg/c.pkg Contents/Payload/x");
        let dir = Tree::from_entries("out", InputKind::Directory, []);
        assert_eq!(dir.notary_path("Example.app/Info.plist"), "Example.app/Info.plist");
        for (tree, path) in
            [(&dmg, "Example.app/Info.plist"), (&component, "Example.pkg Contents/x"), (&product, "c.pkg Contents/x")]
        {
            assert_eq!(tree.tree_path(&tree.notary_path(path)), path);
        }
    }

    #[test]
    fn resolves_framework_current_links() {
        let t = tree(&[
            ("K.framework", Entry::Dir),
            ("K.framework/K", Entry::Symlink("Versions/Current/K".into())),
            ("K.framework/Versions", Entry::Dir),
            ("K.framework/Versions/A", Entry::Dir),
            ("K.framework/Versions/A/K", Entry::File(FileData::from_vec(vec![1]))),
            ("K.framework/Versions/Current", Entry::Symlink("A".into())),
        ]);
        assert_eq!(t.resolve("K.framework/K").as_deref(), Some("K.framework/Versions/A/K"));
        assert!(t.file("K.framework/K").is_some());
        assert!(t.is_dir("K.framework/Versions/Current"));
    }

    #[test]
    fn cyclic_escaping_and_absolute_links_do_not_resolve() {
        let t = tree(&[
            ("a", Entry::Symlink("b".into())),
            ("b", Entry::Symlink("a".into())),
            ("up", Entry::Symlink("../../etc/passwd".into())),
            ("abs", Entry::Symlink("/etc/passwd".into())),
        ]);
        assert_eq!(t.resolve("a"), None);
        assert_eq!(t.resolve("up"), None);
        assert_eq!(t.resolve("abs"), None);
    }

    #[test]
    fn children_are_direct_only() {
        let t = tree(&[
            ("A", Entry::Dir),
            ("A/x", Entry::Dir),
            ("A/x/y", Entry::Dir),
            ("A/z", Entry::Dir),
            ("AB", Entry::Dir),
        ]);
        let names: Vec<_> = t.children("A").map(|(n, _)| n).collect();
        assert_eq!(names, ["x", "z"]);
        assert_eq!(t.descendants("A").count(), 3);
    }
}

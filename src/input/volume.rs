//! Read-only filesystems inside disk images, behind one narrow trait.
//!
//! HFS+ and APFS are read by the `hfsplus` and `apfs` crates (young, exact versions pinned), FAT
//! by `fatfs` (`fat.rs`). Every
//! call into them runs under `catch_unwind`, and what they are asked is bounded here first: the
//! walk's depth, entry count and bytes of paths, each file's size, symlink target length. A
//! volume can repeat itself (a directory listing itself, a cluster chain that loops), so a limit
//! met again and again is reported once, with the count.
//!
//! Files are not read by the walk: each becomes a [`FileData`] whose contents are read from the
//! volume when a rule asks for them, through a view of the volume opened for that read
//! ([`Reopen`]), and streamed when they are hashed. A 1 GB image is checked in the memory of a
//! few decoded chunks.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::hfs_link;
use super::partition::Filesystem;
use super::{Entry, FileData, OverBudget, PathBudget, PathProblem, MAX_DEPTH, MAX_ENTRIES, MAX_PATH_LEN};
use crate::rule_id::{INPUT_CONTAINER_UNREAD, INPUT_LIMIT};
use crate::Problem;

/// Largest file read from a volume (a rule may ask for a file's contents whole).
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// Longest symlink target read.
const MAX_LINK_TARGET: u64 = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Dir,
    File,
    Symlink,
}

/// A directory entry of a volume.
#[derive(Debug, Clone)]
pub struct Listed {
    pub name: String,
    pub kind: Kind,
    pub size: u64,
}

/// What bundlelint asks of a filesystem. Paths are absolute (`/`, `/App.app/Contents`).
pub trait Volume {
    fn list(&mut self, dir: &str) -> Result<Vec<Listed>, String>;
    /// The file's contents; `size` is what the listing said (checked against the caps before).
    fn read(&mut self, path: &str) -> Result<Vec<u8>, String>;
    /// Feeds the file's contents to `each` in pieces, keeping none of them (a compressed file is
    /// decompressed whole first: its blocks can only be found from its whole table).
    fn stream(&mut self, path: &str, each: &mut dyn FnMut(&[u8])) -> Result<(), String>;
    /// The file's first `n` bytes, without reading the rest when it is stored uncompressed.
    fn head(&mut self, path: &str, n: usize) -> Result<Vec<u8>, String>;
    /// A symlink's target: HFS+ and APFS both store it as the link's contents.
    fn read_link(&mut self, path: &str) -> Result<String, String> {
        link_text(capped(self.read(path)?, MAX_LINK_TARGET)?)
    }
}

/// Runs a call into a filesystem crate, turning a panic into an error.
pub(super) fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| Err(format!("the filesystem reader failed on {what}")))
}

/// Opens the volume again, for one read: files read later, on several threads, each read through
/// a view of their own rather than wait for a shared one. Opening HFS+ or APFS reads the volume
/// header and the B-tree headers, from the decoded chunks the image keeps; a FAT volume hands out
/// another handle on the thread that keeps it mounted.
pub type Reopen = Arc<dyn Fn() -> Result<Box<dyn Volume + Send>, String> + Send + Sync>;

/// A file on a volume, read when its contents are asked for.
struct OnVolume {
    volume: Reopen,
    path: String,
}

impl std::fmt::Debug for OnVolume {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "OnVolume({})", self.path)
    }
}

impl super::data::Source for OnVolume {
    fn read_all(&self) -> Result<Vec<u8>, String> {
        (self.volume)()?.read(&self.path)
    }

    fn stream(&self, each: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        (self.volume)()?.stream(&self.path, each)
    }

    fn head(&self, n: usize) -> Result<Vec<u8>, String> {
        (self.volume)()?.head(&self.path, n)
    }
}

/// Writes to a function: what the crates stream a file into.
struct Feed<'a>(&'a mut dyn FnMut(&[u8]));

impl std::io::Write for Feed<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        (self.0)(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The first `n` bytes read from `reader`.
pub(super) fn read_head(reader: impl std::io::Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    std::io::Read::read_to_end(&mut std::io::Read::take(reader, n as u64), &mut out)?;
    Ok(out)
}

/// The first `n` bytes read through a reader the crate `open`ed.
fn head_through<R: std::io::Read, E: std::fmt::Display>(open: Result<R, E>, n: usize) -> Result<Vec<u8>, String> {
    open.map_err(|e| e.to_string()).and_then(|r| read_head(r, n).map_err(|e| e.to_string()))
}

/// The `streamed` first `n` bytes or, when the crate could not stream them, those of the file
/// read `whole`.
fn head_or_whole(
    streamed: Result<Vec<u8>, String>,
    n: usize,
    whole: impl FnOnce() -> Result<Vec<u8>, String>,
) -> Result<Vec<u8>, String> {
    streamed.or_else(|_| {
        whole().map(|mut all| {
            all.truncate(n);
            all
        })
    })
}

/// Reads `read`'s output, refusing more than `cap` bytes.
fn capped(bytes: Vec<u8>, cap: u64) -> Result<Vec<u8>, String> {
    if bytes.len() as u64 > cap {
        return Err(format!("{} bytes, more than {cap}", bytes.len()));
    }
    Ok(bytes)
}

/// An HFS+ volume, a second reader over the same bytes for the catalog lookups the crate does
/// not offer (hard links, `hfs_link.rs`), and the catalog IDs of the hidden hard-link
/// directories, found on first use.
pub struct Hfs<R: std::io::Read + std::io::Seek> {
    volume: hfsplus::HfsVolume<R>,
    raw: R,
    links: Option<LinkDirs>,
}

/// Catalog IDs of the hidden directories holding hard-link targets, when the volume has them.
#[derive(Clone, Copy, Default)]
struct LinkDirs {
    files: Option<u32>,
    dirs: Option<u32>,
}

/// A file record that is a hard link: to a file (its `iNode` record) or to a directory.
enum Link {
    File(Box<hfsplus::catalog::CatalogFile>),
    Dir(u32),
}

pub struct Apfs<R: std::io::Read + std::io::Seek>(apfs::ApfsVolume<R>);

/// Opens the filesystem `kind` over `reader`, and how to open it again for each later read.
pub fn open<R: std::io::Read + std::io::Seek + Clone + Send + Sync + 'static>(
    kind: Filesystem,
    reader: R,
) -> Result<(Box<dyn Volume + Send>, Reopen), String> {
    match kind {
        // One thread keeps a FAT volume mounted for every handle (see `fat.rs`).
        Filesystem::Fat => {
            let served = super::fat::Fat::open(reader)?;
            let handle = served.clone();
            Ok((Box::new(served), Arc::new(move || Ok(Box::new(handle.clone()) as Box<dyn Volume + Send>))))
        }
        _ => {
            let volume = open_alone(kind, reader.clone())?;
            Ok((volume, Arc::new(move || open_alone(kind, reader.clone()))))
        }
    }
}

/// Opens an HFS+ or APFS volume: a view of its own, for one thread.
fn open_alone<R: std::io::Read + std::io::Seek + Clone + Send + 'static>(
    kind: Filesystem,
    reader: R,
) -> Result<Box<dyn Volume + Send>, String> {
    match kind {
        Filesystem::HfsPlus => guarded("the volume header", || {
            let probe = reader.clone();
            hfsplus::HfsVolume::open(reader)
                .map(|volume| Box::new(Hfs { volume, raw: probe, links: None }) as Box<dyn Volume + Send>)
                .map_err(|e| e.to_string())
        }),
        Filesystem::Apfs => guarded("the container superblock", || {
            apfs::ApfsVolume::open(reader)
                .map(|v| Box::new(Apfs(v)) as Box<dyn Volume + Send>)
                .map_err(|e| e.to_string())
        }),
        other => Err(format!("{} volumes are not read", other.name())),
    }
}

impl<R: std::io::Read + std::io::Seek> Hfs<R> {
    /// The hidden hard-link directories, listed from the root once.
    fn link_dirs(&mut self) -> Result<LinkDirs, String> {
        if let Some(found) = self.links {
            return Ok(found);
        }
        let root = self.volume.list_directory("/").map_err(|e| e.to_string())?;
        let cnid_of = |name: &str| root.iter().find(|e| e.name == name).map(|e| e.cnid);
        let found = LinkDirs { files: cnid_of(hfs_link::FILE_LINKS_DIR), dirs: cnid_of(hfs_link::DIR_LINKS_DIR) };
        self.links = Some(found);
        Ok(found)
    }

    /// The hard link `path` stands for, or `None` for a file with contents of its own. Costs
    /// nothing on a volume without hard links.
    fn link_of(&mut self, path: &str) -> Result<Option<Link>, String> {
        let dirs = self.link_dirs()?;
        if dirs.files.is_none() && dirs.dirs.is_none() {
            return Ok(None);
        }
        let header = self.volume.volume_header().clone();
        let tree = hfsplus::btree::read_btree_header(&mut self.raw, &header.catalog_file, header.block_size)
            .map_err(|e| e.to_string())?;
        let path = path.trim_matches('/');
        let (parent_path, name) = path.rsplit_once('/').unwrap_or(("", path));
        let parent = if parent_path.is_empty() {
            hfsplus::catalog::CNID_ROOT_FOLDER
        } else {
            match hfsplus::catalog::resolve_path(&mut self.raw, &header, &tree, parent_path) {
                Ok((hfsplus::catalog::CatalogRecord::Folder(folder), _)) => folder.folder_id,
                _ => return Ok(None),
            }
        };
        let mut catalog = hfs_link::Catalog { reader: &mut self.raw, header: &header, tree: &tree };
        match catalog.classify(parent, name)? {
            hfs_link::Record::Plain => Ok(None),
            hfs_link::Record::DirLink(number) => Ok(Some(Link::Dir(number))),
            hfs_link::Record::FileLink(number) => {
                let links = dirs.files.ok_or("it is a hard link, but the volume has no hard-link directory")?;
                catalog.link_target(links, number).map(|file| Some(Link::File(Box::new(file))))
            }
        }
    }

    /// Streams a hard link's target to `out`.
    fn read_link_target(&mut self, link: Link, out: &mut dyn std::io::Write) -> Result<(), String> {
        match link {
            Link::File(file) => {
                let header = self.volume.volume_header().clone();
                let tree = hfsplus::btree::read_btree_header(&mut self.raw, &header.catalog_file, header.block_size)
                    .map_err(|e| e.to_string())?;
                hfs_link::Catalog { reader: &mut self.raw, header: &header, tree: &tree }.read_data(&file, out)
            }
            Link::Dir(number) => {
                Err(format!("it is a hard link to a directory (`dir_{number}`), which bundlelint does not follow"))
            }
        }
    }
}

impl<R: std::io::Read + std::io::Seek> Volume for Hfs<R> {
    fn list(&mut self, dir: &str) -> Result<Vec<Listed>, String> {
        guarded(dir, || {
            let listed = self.volume.list_directory(dir).map_err(|e| e.to_string())?;
            let mut out = Vec::with_capacity(listed.len());
            for e in listed {
                let kind = match e.kind {
                    hfsplus::EntryKind::Directory => Kind::Dir,
                    hfsplus::EntryKind::Symlink => Kind::Symlink,
                    hfsplus::EntryKind::File => Kind::File,
                };
                // A hard link's own record is empty: its size is its target's. One that cannot
                // be resolved keeps its size and fails when read, where it is reported.
                let mut size = e.size;
                if kind == Kind::File && size == 0 {
                    if let Ok(Some(Link::File(target))) =
                        self.link_of(&format!("{}/{}", dir.trim_end_matches('/'), e.name))
                    {
                        size = target.data_fork.logical_size;
                    }
                }
                out.push(Listed { kind, name: e.name, size });
            }
            Ok(out)
        })
    }

    fn read(&mut self, path: &str) -> Result<Vec<u8>, String> {
        guarded(path, || match self.link_of(path)? {
            Some(link) => {
                let mut out = Vec::new();
                self.read_link_target(link, &mut out)?;
                Ok(out)
            }
            None => self.volume.read_file(path).map_err(|e| e.to_string()),
        })
    }

    fn stream(&mut self, path: &str, each: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        guarded(path, || match self.link_of(path)? {
            Some(link) => self.read_link_target(link, &mut Feed(each)),
            None => self.volume.read_file_to(path, Feed(each)).map(drop).map_err(|e| e.to_string()),
        })
    }

    fn head(&mut self, path: &str, n: usize) -> Result<Vec<u8>, String> {
        guarded(path, || {
            if let Some(link) = self.link_of(path)? {
                let mut all = Vec::new();
                self.read_link_target(link, &mut all)?;
                all.truncate(n);
                return Ok(all);
            }
            // The extent reader refuses compressed files, and sees only the first eight extents;
            // anything it cannot give is read whole.
            let streamed = head_through(self.volume.open_file(path), n);
            head_or_whole(streamed, n, || self.volume.read_file(path).map_err(|e| e.to_string()))
        })
    }
}

impl<R: std::io::Read + std::io::Seek> Volume for Apfs<R> {
    fn list(&mut self, dir: &str) -> Result<Vec<Listed>, String> {
        guarded(dir, || {
            let listed = self.0.list_directory(dir).map_err(|e| e.to_string())?;
            Ok(listed
                .into_iter()
                .map(|e| Listed {
                    kind: match e.kind {
                        apfs::EntryKind::Directory => Kind::Dir,
                        apfs::EntryKind::Symlink => Kind::Symlink,
                        apfs::EntryKind::File => Kind::File,
                    },
                    name: e.name,
                    size: e.size,
                })
                .collect())
        })
    }

    fn read(&mut self, path: &str) -> Result<Vec<u8>, String> {
        guarded(path, || self.0.read_file(path).map_err(|e| e.to_string()))
    }

    fn stream(&mut self, path: &str, each: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        guarded(path, || self.0.read_file_to(path, &mut Feed(each)).map(drop).map_err(|e| e.to_string()))
    }

    fn head(&mut self, path: &str, n: usize) -> Result<Vec<u8>, String> {
        guarded(path, || {
            let streamed = head_through(self.0.open_file(path), n);
            head_or_whole(streamed, n, || self.0.read_file(path).map_err(|e| e.to_string()))
        })
    }
}

fn link_text(bytes: Vec<u8>) -> Result<String, String> {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    String::from_utf8(bytes[..end].to_vec()).map_err(|_| "the symlink target is not UTF-8".to_owned())
}

/// HFS+ keeps hard-linked files and directories in two hidden directories at the root: their
/// contents are read through the links, under the links' names.
fn is_hfs_private(name: &str) -> bool {
    name.starts_with('\0') || name == hfs_link::FILE_LINKS_DIR || name == hfs_link::DIR_LINKS_DIR
}

/// Everything the walk found: tree entries (paths relative to the volume root) and problems
/// (paths relative to the volume root; `""` for the volume itself).
#[derive(Default)]
pub struct Walked {
    pub entries: Vec<(String, Entry)>,
    pub problems: Vec<PathProblem>,
}

/// The walk's bookkeeping against its limits: entries and problems together count against
/// [`MAX_ENTRIES`], their paths against the [`PathBudget`]; a problem met again word for word
/// (directories too deep to follow, directories the volume cannot list for one reason) is
/// reported once, with how many more there were.
#[derive(Default)]
struct Bounded {
    out: Walked,
    paths: PathBudget,
    /// Each message reported, with where, and how many times it was met after.
    repeated: HashMap<String, (usize, usize)>,
}

/// The walk stopped at a limit; what was read so far stands.
struct Stop;

impl Bounded {
    /// Takes room for one more entry or problem at `path`, or reports the limit reached.
    fn room(&mut self, path: &str, image_name: &str) -> Result<(), Stop> {
        let full = self.out.entries.len() + self.out.problems.len() >= MAX_ENTRIES;
        let spent = !full && self.paths.take(path).is_err();
        if !full && !spent {
            return Ok(());
        }
        let message = if full {
            format!("`{image_name}` holds more than {MAX_ENTRIES} entries; the rest were not read")
        } else {
            format!("`{image_name}`: {}", OverBudget::Spent.message())
        };
        self.out.problems.push(PathProblem { path: String::new(), problem: Problem::new(INPUT_LIMIT, message) });
        Err(Stop)
    }

    fn note(&mut self, path: &str, problem: Problem, image_name: &str) -> Result<(), Stop> {
        if let Some((_, more)) = self.repeated.get_mut(&problem.message) {
            *more += 1;
            return Ok(());
        }
        self.room(path, image_name)?;
        self.repeated.insert(problem.message.clone(), (self.out.problems.len(), 0));
        self.out.problems.push(PathProblem { path: path.to_owned(), problem });
        Ok(())
    }

    fn keep(&mut self, path: String, entry: Entry, image_name: &str) -> Result<(), Stop> {
        self.room(&path, image_name)?;
        self.out.entries.push((path, entry));
        Ok(())
    }

    fn finish(mut self) -> Walked {
        for (at, more) in self.repeated.into_values().filter(|&(_, more)| more > 0) {
            let plural = if more == 1 { "" } else { "s" };
            self.out.problems[at].problem.message.push_str(&format!(" (and at {more} other path{plural})"));
        }
        self.out
    }
}

/// Walks the whole volume, listing every file with its contents left on the volume, to be read
/// through `reopen` when asked for. A directory that cannot be listed or a file that cannot be
/// opened is a problem, never skipped silently. `image_name` names the disk image
/// in messages.
pub fn walk(volume: &mut dyn Volume, reopen: &Reopen, image_name: &str) -> Walked {
    let mut walked = Bounded::default();
    // Stopped at a limit: the limit was reported, and what was read stands.
    let _ = walk_within(volume, reopen, image_name, &mut walked);
    walked.finish()
}

fn walk_within(volume: &mut dyn Volume, reopen: &Reopen, image_name: &str, walked: &mut Bounded) -> Result<(), Stop> {
    let mut pending: Vec<(String, usize)> = vec![(String::new(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        let absolute = format!("/{dir}");
        let listed = match volume.list(&absolute) {
            Ok(listed) => listed,
            Err(why) => {
                let message =
                    format!("a directory of `{image_name}` cannot be listed, so what it holds was not checked: {why}");
                walked.note(&dir, Problem::at(INPUT_CONTAINER_UNREAD, 0, message), image_name)?;
                continue;
            }
        };
        let mut too_long_reported = false;
        for item in listed {
            if !is_plain_name(&item.name) {
                continue;
            }
            if dir.is_empty() && is_hfs_private(&item.name) {
                continue;
            }
            let path = super::join(&dir, &item.name);
            if path.len() > MAX_PATH_LEN {
                // Reported once per directory, at the directory: the path itself is not kept.
                if !too_long_reported {
                    too_long_reported = true;
                    let message = OverBudget::TooLong(path.len()).message();
                    walked.note(&dir, Problem::new(INPUT_LIMIT, format!("an entry here: {message}")), image_name)?;
                }
                continue;
            }
            let absolute = format!("/{path}");
            match item.kind {
                Kind::Dir if depth + 1 >= MAX_DEPTH => {
                    let message = format!("directories nest deeper than {MAX_DEPTH} levels; below here was not read");
                    walked.note(&path, Problem::new(INPUT_LIMIT, message), image_name)?;
                }
                Kind::Dir => {
                    walked.keep(path.clone(), Entry::Dir, image_name)?;
                    pending.push((path, depth + 1));
                }
                Kind::Symlink => match volume.read_link(&absolute) {
                    Ok(target) => walked.keep(path, Entry::Symlink(target), image_name)?,
                    Err(why) => walked.note(&path, unreadable(image_name, &why), image_name)?,
                },
                Kind::File => {
                    if item.size > MAX_FILE_BYTES {
                        let message = format!(
                            "{} bytes: beyond the {MAX_FILE_BYTES} bytes read from one file of a disk image",
                            item.size
                        );
                        walked.note(&path, Problem::new(INPUT_LIMIT, message), image_name)?;
                        continue;
                    }
                    // Opened, not read: its catalog record and compression header (and on APFS
                    // its extents) are looked up, so a file that cannot be opened is reported
                    // now. Reading its first bytes too would decode once more the chunk each
                    // file starts in (a sixth of the time to check the 1 GB benchmark image);
                    // every chunk is checked by the image's CRC32s, and a read that fails later
                    // is reported by the rule that asked for it.
                    match volume.head(&absolute, 0) {
                        Ok(_) => {
                            let source = OnVolume { volume: reopen.clone(), path: absolute };
                            let data = FileData::from_source(Box::new(source), item.size);
                            walked.keep(path, Entry::File(data), image_name)?;
                        }
                        Err(why) => walked.note(&path, unreadable(image_name, &why), image_name)?,
                    }
                }
            }
        }
    }
    Ok(())
}

/// A name the walk follows: not empty, not `.` or `..`, no `/` (which would name another path).
pub(super) fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && !name.contains('/') && name != "." && name != ".."
}

fn unreadable(image_name: &str, why: &str) -> Problem {
    Problem::at(
        INPUT_CONTAINER_UNREAD,
        0,
        format!("this file of `{image_name}` cannot be read, so it was not checked: {why}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{MAX_PATH_BYTES, MAX_PATH_LEN};

    /// A volume each directory of which holds two directories and a file, whatever its path:
    /// what a directory whose entries point back to itself (a FAT cluster chain that loops, a
    /// damaged catalog) amounts to. Every level doubles what is below it.
    #[derive(Clone)]
    struct SelfContaining {
        name_len: usize,
    }

    impl Volume for SelfContaining {
        fn list(&mut self, _: &str) -> Result<Vec<Listed>, String> {
            let dir = |c: &str| Listed { name: c.repeat(self.name_len), kind: Kind::Dir, size: 0 };
            Ok(vec![dir("a"), dir("b"), Listed { name: "f".to_owned(), kind: Kind::File, size: 4 }])
        }
        fn read(&mut self, _: &str) -> Result<Vec<u8>, String> {
            Ok(b"file".to_vec())
        }
        fn stream(&mut self, _: &str, each: &mut dyn FnMut(&[u8])) -> Result<(), String> {
            each(b"file");
            Ok(())
        }
        fn head(&mut self, _: &str, n: usize) -> Result<Vec<u8>, String> {
            Ok(b"file"[..n.min(4)].to_vec())
        }
    }

    fn walk_self_containing(name_len: usize) -> (Walked, Vec<String>) {
        let volume = SelfContaining { name_len };
        let reopen: Reopen = {
            let volume = volume.clone();
            Arc::new(move || Ok(Box::new(volume.clone()) as Box<dyn Volume + Send>))
        };
        let walked = walk(&mut volume.clone(), &reopen, "loop.dmg");
        let messages = walked.problems.iter().map(|p| format!("{}: {}", p.problem.code, p.problem.message)).collect();
        (walked, messages)
    }

    #[test]
    fn a_volume_that_contains_itself_stops_at_the_entry_cap_with_each_limit_said_once() {
        let (walked, messages) = walk_self_containing(1);
        assert_eq!(walked.entries.len() + walked.problems.len(), MAX_ENTRIES + 1, "{messages:?}");
        let deep: Vec<_> = messages.iter().filter(|m| m.contains("nest deeper than 64 levels")).collect();
        assert_eq!(deep.len(), 1, "{messages:?}");
        assert!(deep[0].contains(" other paths)"), "the others are counted into it: {deep:?}");
        assert!(
            messages.contains(&format!(
                "input-limit: `loop.dmg` holds more than {MAX_ENTRIES} entries; the rest were not read"
            )),
            "{messages:?}"
        );
        assert_eq!(messages.len(), 2, "{messages:?}");
    }

    #[test]
    fn long_names_repeated_by_a_loop_stop_at_the_path_budget() {
        let (walked, messages) = walk_self_containing(200);
        let kept: usize = walked.entries.iter().map(|(path, _)| path.len()).sum::<usize>()
            + walked.problems.iter().map(|p| p.path.len()).sum::<usize>();
        assert!(kept <= MAX_PATH_BYTES, "{kept} bytes of paths kept");
        assert!(walked.entries.iter().all(|(path, _)| path.len() <= MAX_PATH_LEN));
        let too_long: Vec<_> =
            messages.iter().filter(|m| m.contains(&format!("longer than the {MAX_PATH_LEN} read"))).collect();
        assert_eq!(too_long.len(), 1, "reported once, with the count of the others: {messages:?}");
        assert!(
            messages.contains(&format!(
                "input-limit: `loop.dmg`: its paths total more than {MAX_PATH_BYTES} bytes; the rest were not read"
            )),
            "{messages:?}"
        );
        assert_eq!(messages.len(), 2, "{messages:?}");
    }
}

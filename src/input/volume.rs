//! Read-only filesystems inside disk images, behind one narrow trait.
//!
//! HFS+ and APFS are read by the `hfsplus` and `apfs` crates (young, exact versions pinned), FAT
//! by `fatfs` (`fat.rs`). Every
//! call into them runs under `catch_unwind`, and what they are asked is bounded here first: the
//! walk's depth and entry count, each file's size, symlink target length.
//!
//! Files are not read by the walk: each becomes a [`FileData`] whose contents are read from the
//! volume when a rule asks for them, through a view of the volume opened for that read
//! ([`Reopen`]), and streamed when they are hashed. A 1 GB image is checked in the memory of a
//! few decoded chunks.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::hfs_link;
use super::partition::Filesystem;
use super::{Entry, FileData, PathProblem, MAX_DEPTH, MAX_ENTRIES};
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
/// a view of their own rather than wait for a shared one. Opening reads the volume header and the
/// B-tree headers, from the decoded chunks the image keeps.
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

/// Opens the filesystem `kind` over `reader`.
pub fn open<'a, R: std::io::Read + std::io::Seek + Clone + Send + 'a>(
    kind: Filesystem,
    reader: R,
) -> Result<Box<dyn Volume + Send + 'a>, String> {
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
        Filesystem::Fat => {
            guarded("the boot sector", || super::fat::Fat::open(reader).map(|v| Box::new(v) as Box<dyn Volume + Send>))
        }
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

impl Walked {
    fn note(&mut self, path: &str, problem: Problem) {
        self.problems.push(PathProblem { path: path.to_owned(), problem });
    }
}

/// Walks the whole volume, listing every file with its contents left on the volume, to be read
/// through `reopen` when asked for. A directory that cannot be listed or a file that cannot be
/// opened is a problem, never skipped silently. `image_name` names the disk image
/// in messages.
pub fn walk(volume: &mut dyn Volume, reopen: &Reopen, image_name: &str) -> Walked {
    let mut out = Walked::default();
    let mut pending: Vec<(String, usize)> = vec![(String::new(), 0)];
    while let Some((dir, depth)) = pending.pop() {
        let absolute = format!("/{dir}");
        let listed = match volume.list(&absolute) {
            Ok(listed) => listed,
            Err(why) => {
                let message =
                    format!("a directory of `{image_name}` cannot be listed, so what it holds was not checked: {why}");
                out.note(&dir, Problem::at(INPUT_CONTAINER_UNREAD, 0, message));
                continue;
            }
        };
        for item in listed {
            if item.name.is_empty() || item.name.contains('/') || item.name == "." || item.name == ".." {
                continue;
            }
            if dir.is_empty() && is_hfs_private(&item.name) {
                continue;
            }
            if out.entries.len() >= MAX_ENTRIES {
                let message = format!("`{image_name}` holds more than {MAX_ENTRIES} entries; the rest were not read");
                out.note("", Problem::new(INPUT_LIMIT, message));
                return out;
            }
            let path = super::join(&dir, &item.name);
            let absolute = format!("/{path}");
            match item.kind {
                Kind::Dir if depth + 1 >= MAX_DEPTH => {
                    let message = format!("directories nest deeper than {MAX_DEPTH} levels; below here was not read");
                    out.note(&path, Problem::new(INPUT_LIMIT, message));
                }
                Kind::Dir => {
                    out.entries.push((path.clone(), Entry::Dir));
                    pending.push((path, depth + 1));
                }
                Kind::Symlink => match volume.read_link(&absolute) {
                    Ok(target) => out.entries.push((path, Entry::Symlink(target))),
                    Err(why) => out.note(&path, unreadable(image_name, &why)),
                },
                Kind::File => {
                    if item.size > MAX_FILE_BYTES {
                        let message = format!(
                            "{} bytes: beyond the {MAX_FILE_BYTES} bytes read from one file of a disk image",
                            item.size
                        );
                        out.note(&path, Problem::new(INPUT_LIMIT, message));
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
                            out.entries.push((path, Entry::File(FileData::from_source(Box::new(source), item.size))));
                        }
                        Err(why) => out.note(&path, unreadable(image_name, &why)),
                    }
                }
            }
        }
    }
    out
}

fn unreadable(image_name: &str, why: &str) -> Problem {
    Problem::at(
        INPUT_CONTAINER_UNREAD,
        0,
        format!("this file of `{image_name}` cannot be read, so it was not checked: {why}"),
    )
}

//! Read-only filesystems inside disk images, behind one narrow trait.
//!
//! HFS+ and APFS are read by the `hfsplus` and `apfs` crates (young, exact versions pinned). Every
//! call into them runs under `catch_unwind`, and what they are asked is bounded here first: the
//! walk's depth and entry count, each file's size, symlink target length.
//!
//! Files are not read by the walk: each becomes a [`FileData`] whose contents are read from the
//! volume when a rule asks for them, through a view of the volume opened for that read
//! ([`Reopen`]), and streamed when they are hashed. A 1 GB image is checked in the memory of a
//! few decoded chunks.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

use super::partition::Filesystem;
use super::{Entry, FileData, PathProblem, MAX_DEPTH, MAX_ENTRIES};
use crate::rule_id::{INPUT_CONTAINER_UNREAD, INPUT_LIMIT};
use crate::Problem;

/// Largest file read from a volume (a rule may ask for a file's contents whole).
pub const MAX_FILE_BYTES: u64 = 1 << 30;
/// Bytes of each file read by the walk, so that a file whose catalog record or first extent
/// cannot be read is reported when the image is opened, not found missing later.
const PROBE_BYTES: usize = 512;
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
    /// How many hard-link targets the volume keeps in its hidden directories (HFS+).
    fn hard_link_targets(&mut self) -> Result<usize, String> {
        Ok(0)
    }
}

/// Runs a call into a filesystem crate, turning a panic into an error.
fn guarded<T>(what: &str, f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
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
fn read_head(reader: impl std::io::Read, n: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    std::io::Read::read_to_end(&mut std::io::Read::take(reader, n as u64), &mut out)?;
    Ok(out)
}

/// Reads `read`'s output, refusing more than `cap` bytes.
fn capped(bytes: Vec<u8>, cap: u64) -> Result<Vec<u8>, String> {
    if bytes.len() as u64 > cap {
        return Err(format!("{} bytes, more than {cap}", bytes.len()));
    }
    Ok(bytes)
}

/// An HFS+ volume, and a second reader over the same bytes for catalog lookups the crate's
/// volume type does not offer (the hidden hard-link directory, whose name paths cannot reach).
pub struct Hfs<R: std::io::Read + std::io::Seek>(hfsplus::HfsVolume<R>, R);
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
                .map(|v| Box::new(Hfs(v, probe)) as Box<dyn Volume + Send>)
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

impl<R: std::io::Read + std::io::Seek> Volume for Hfs<R> {
    fn list(&mut self, dir: &str) -> Result<Vec<Listed>, String> {
        guarded(dir, || {
            let listed = self.0.list_directory(dir).map_err(|e| e.to_string())?;
            Ok(listed
                .into_iter()
                .map(|e| Listed {
                    kind: match e.kind {
                        hfsplus::EntryKind::Directory => Kind::Dir,
                        hfsplus::EntryKind::Symlink => Kind::Symlink,
                        hfsplus::EntryKind::File => Kind::File,
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
        guarded(path, || self.0.read_file_to(path, Feed(each)).map(drop).map_err(|e| e.to_string()))
    }

    fn head(&mut self, path: &str, n: usize) -> Result<Vec<u8>, String> {
        guarded(path, || {
            // The extent reader refuses compressed files, and sees only the first eight extents;
            // anything it cannot give is read whole.
            let streamed = self
                .0
                .open_file(path)
                .map_err(|e| e.to_string())
                .and_then(|r| read_head(r, n).map_err(|e| e.to_string()));
            match streamed {
                Ok(head) => Ok(head),
                Err(_) => self
                    .0
                    .read_file(path)
                    .map(|mut all| {
                        all.truncate(n);
                        all
                    })
                    .map_err(|e| e.to_string()),
            }
        })
    }

    fn hard_link_targets(&mut self) -> Result<usize, String> {
        let root = self.0.list_directory("/").map_err(|e| e.to_string())?;
        let mut held = 0;
        for private in root.iter().filter(|e| is_hfs_private(&e.name)) {
            let header = self.0.volume_header().clone();
            let found = guarded("the hard-link directory", || {
                let catalog = hfsplus::btree::read_btree_header(&mut self.1, &header.catalog_file, header.block_size)
                    .map_err(|e| e.to_string())?;
                hfsplus::catalog::list_directory(&mut self.1, &header, &catalog, private.cnid)
                    .map_err(|e| e.to_string())
            })?;
            held += found.len();
        }
        Ok(held)
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
            let streamed = self
                .0
                .open_file(path)
                .map_err(|e| e.to_string())
                .and_then(|r| read_head(r, n).map_err(|e| e.to_string()));
            match streamed {
                Ok(head) => Ok(head),
                Err(_) => self
                    .0
                    .read_file(path)
                    .map(|mut all| {
                        all.truncate(n);
                        all
                    })
                    .map_err(|e| e.to_string()),
            }
        })
    }
}

fn link_text(bytes: Vec<u8>) -> Result<String, String> {
    let end = bytes.iter().rposition(|&b| b != 0).map_or(0, |i| i + 1);
    String::from_utf8(bytes[..end].to_vec()).map_err(|_| "the symlink target is not UTF-8".to_owned())
}

/// HFS+ keeps hard-linked files and directories in two hidden directories at the root.
fn is_hfs_private(name: &str) -> bool {
    name.starts_with('\0') || name == ".HFS+ Private Directory Data\r"
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
/// through `reopen` when asked for. A directory that cannot be listed or a file whose first
/// bytes cannot be read is a problem, never skipped silently. `image_name` names the disk image
/// in messages.
pub fn walk(volume: &mut dyn Volume, reopen: &Reopen, image_name: &str) -> Walked {
    let mut out = Walked::default();
    note_hard_links(volume, image_name, &mut out);
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
                    let want = item.size.min(PROBE_BYTES as u64);
                    let probed = volume.head(&absolute, PROBE_BYTES).and_then(|head| match head.len() as u64 {
                        got if got == want => Ok(()),
                        got => Err(format!("its first {want} bytes read as {got}")),
                    });
                    match probed {
                        Ok(()) => {
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

/// Hard links are not resolved: when the hidden hard-link directories hold anything, the files
/// linking to them would read as empty, so the image is reported as not fully read.
fn note_hard_links(volume: &mut dyn Volume, image_name: &str, out: &mut Walked) {
    let message = match volume.hard_link_targets() {
        Ok(0) => return,
        Ok(held) => format!(
            "`{image_name}` holds {held} hard-linked item(s); bundlelint does not resolve hard links in disk images \
             yet, so the files linking to them were not checked"
        ),
        Err(why) => format!("the hard-link directory of `{image_name}` cannot be read: {why}"),
    };
    out.note("", Problem::at(INPUT_CONTAINER_UNREAD, 0, message));
}

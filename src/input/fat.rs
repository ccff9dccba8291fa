//! FAT volumes (FAT12, FAT16, FAT32) inside disk images, read by the `fatfs` crate (exact
//! version pinned) behind [`Volume`]. Disk images made on Linux are often FAT: `hdiutil` writes
//! one with `-fs MS-DOS`, and the `apple-dmg` crate writes nothing else.
//!
//! The crate finds a file only by its path, searching each directory on the way by name, and
//! its mounted filesystem cannot move between threads. So one thread per volume keeps it mounted
//! and answers every handle's requests: it lists every directory in one pass, keeping each file's
//! directory entry, and opens files from those entries. Reading them by path instead would search
//! a directory once for every file in it, and in a volume whose clusters loop, every level of
//! the loop again for every directory.
//!
//! The crate wants a writable disk; it gets one whose writes fail, and is never asked to write
//! (access dates are not updated). What it is asked is bounded here first: the entries listed,
//! per directory and per volume (a cyclic cluster chain would list forever), the depth and the
//! bytes of paths followed, and a file's size (no larger than the volume, which a cyclic chain
//! could otherwise repeat up to).

use std::collections::HashMap;
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::Arc;
use std::thread::JoinHandle;

use super::data::read_pieces;
use super::volume::{is_plain_name, read_head, Kind, Listed, Volume, MAX_FILE_BYTES};
use super::{join, OverBudget, PathBudget, MAX_DEPTH, MAX_ENTRIES};

/// Most entries a FAT directory can hold: the specification caps a directory at 65,536 32-byte
/// entries. A listing that goes on is a cluster chain that loops.
const MAX_DIRECTORY_ENTRIES: usize = 65_536;
/// Most entries listed from one volume, all directories together: many directories sharing one
/// looping chain would otherwise each list the most a directory may.
const MAX_LISTED: usize = 2 * MAX_ENTRIES;
/// Bytes of a file handed over at once while it is streamed.
const PIECE: usize = 1 << 16;
/// The serving thread's stack: it walks no recursion, the crate's calls are shallow.
const SERVER_STACK: usize = 1 << 20;

/// A handle on a FAT volume served by its own thread; clones share that thread, which ends when
/// the last handle is dropped.
#[derive(Clone)]
pub struct Fat {
    server: Arc<Server>,
}

/// The serving thread and the way to it.
struct Server {
    /// `None` once dropped: the closed channel ends the thread.
    requests: Option<Sender<Request>>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Server {
    /// Closes the channel and waits for the thread, so that when the last handle is gone the
    /// thread has ended, its thread-local destructors included, and holds nothing.
    fn drop(&mut self) {
        self.requests = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

type Reply<T> = SyncSender<Result<T, String>>;

enum Request {
    List {
        dir: String,
        reply: Reply<Vec<Listed>>,
    },
    Head {
        path: String,
        n: usize,
        reply: Reply<Vec<u8>>,
    },
    /// The file's contents in pieces of at most [`PIECE`] bytes, then an empty piece.
    Stream {
        path: String,
        reply: Reply<Vec<u8>>,
    },
}

impl Fat {
    /// Mounts the volume on a thread of its own; an error when it is not a FAT volume the crate
    /// can mount.
    pub fn open<R: Read + Seek + Clone + Send + 'static>(disk: R) -> Result<Self, String> {
        let (requests, inbox) = mpsc::channel();
        let (mounted, mount_result) = mpsc::sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("FAT volume".to_owned())
            .stack_size(SERVER_STACK)
            .spawn(move || serve(disk, &inbox, &mounted))
            .map_err(|e| format!("cannot start the FAT reader: {e}"))?;
        // Built before the answer is awaited, so that a volume that does not mount still has
        // its thread joined.
        let server = Server { requests: Some(requests), thread: Some(thread) };
        mount_result.recv().unwrap_or_else(|_| Err(stopped("the boot sector")))?;
        Ok(Fat { server: Arc::new(server) })
    }

    fn send(&self, what: &str, request: Request) -> Result<(), String> {
        let requests = self.server.requests.as_ref().ok_or_else(|| stopped(what))?;
        requests.send(request).map_err(|_| stopped(what))
    }

    /// Sends a request made with `reply`, and waits for its one answer.
    fn ask<T>(&self, what: &str, request: impl FnOnce(Reply<T>) -> Request) -> Result<T, String> {
        let (reply, answer) = mpsc::sync_channel(1);
        self.send(what, request(reply))?;
        answer.recv().unwrap_or_else(|_| Err(stopped(what)))
    }
}

/// What a handle says when the serving thread did not answer: the crate panicked on `what`.
fn stopped(what: &str) -> String {
    format!("the filesystem reader failed on {what}")
}

impl Volume for Fat {
    fn list(&mut self, dir: &str) -> Result<Vec<Listed>, String> {
        self.ask(dir, |reply| Request::List { dir: dir.to_owned(), reply })
    }

    fn read(&mut self, path: &str) -> Result<Vec<u8>, String> {
        let mut out = Vec::new();
        self.stream(path, &mut |piece| out.extend_from_slice(piece))?;
        Ok(out)
    }

    /// `each` must not read from this volume: the serving thread waits on it.
    fn stream(&mut self, path: &str, each: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        let (reply, pieces) = mpsc::sync_channel(2);
        self.send(path, Request::Stream { path: path.to_owned(), reply })?;
        loop {
            match pieces.recv() {
                Ok(Ok(piece)) if piece.is_empty() => return Ok(()),
                Ok(Ok(piece)) => each(&piece),
                Ok(Err(why)) => return Err(why),
                Err(_) => return Err(stopped(path)),
            }
        }
    }

    fn head(&mut self, path: &str, n: usize) -> Result<Vec<u8>, String> {
        self.ask(path, |reply| Request::Head { path: path.to_owned(), n, reply })
    }
}

/// The disk as the crate sees it: reads come from a cached block, writes fail (the crate's disk
/// type must be writable; it is never asked to write).
///
/// The crate reads a directory entry field by field, a few bytes at a time, each after a seek;
/// each of those reads would otherwise find and copy out of its decoded chunk of the image.
pub struct ReadOnly<R> {
    disk: R,
    /// Where the next read starts.
    pos: u64,
    /// The disk's length, learnt when first asked.
    len: Option<u64>,
    /// The block last read, and where it starts.
    block: Vec<u8>,
    block_at: u64,
}

/// Bytes read from the disk at once: a few FAT16 directory clusters, or one of FAT32.
const BLOCK: u64 = 4096;

impl<R: Read + Seek> ReadOnly<R> {
    fn new(disk: R) -> Self {
        ReadOnly { disk, pos: 0, len: None, block: Vec::new(), block_at: 0 }
    }

    /// Reads the aligned block holding `pos` (shorter at the disk's end).
    fn fill(&mut self) -> io::Result<()> {
        let at = self.pos - self.pos % BLOCK;
        self.disk.seek(SeekFrom::Start(at))?;
        self.block.clear();
        (&mut self.disk).take(BLOCK).read_to_end(&mut self.block)?;
        self.block_at = at;
        Ok(())
    }
}

impl<R: Read + Seek> Read for ReadOnly<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let cached = self.block_at..self.block_at + self.block.len() as u64;
        if !cached.contains(&self.pos) {
            self.fill()?;
        }
        let within = (self.pos - self.block_at) as usize;
        let n = buf.len().min(self.block.len().saturating_sub(within));
        buf[..n].copy_from_slice(&self.block[within..within + n]);
        self.pos += n as u64;
        Ok(n)
    }
}

impl<R: Seek> Seek for ReadOnly<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        let target = match to {
            SeekFrom::Start(at) => Some(at),
            SeekFrom::Current(by) => self.pos.checked_add_signed(by),
            SeekFrom::End(by) => {
                let len = match self.len {
                    Some(len) => len,
                    None => *self.len.insert(self.disk.seek(SeekFrom::End(0))?),
                };
                len.checked_add_signed(by)
            }
        };
        self.pos = target.ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "seek before the disk"))?;
        Ok(self.pos)
    }
}

impl<R> Write for ReadOnly<R> {
    fn write(&mut self, _: &[u8]) -> io::Result<usize> {
        Err(io::Error::new(io::ErrorKind::PermissionDenied, "the volume is read only"))
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

type FileSystem<R> = fatfs::FileSystem<ReadOnly<R>>;
type DirEntry<'fs, R> = fatfs::DirEntry<'fs, ReadOnly<R>>;

/// The serving thread: mounts the volume, says whether that worked, then answers requests until
/// every handle is gone. A request the crate panics on goes unanswered (its handle reports it);
/// the next is answered.
fn serve<R: Read + Seek>(mut disk: R, inbox: &Receiver<Request>, mounted: &SyncSender<Result<(), String>>) {
    let mount = || {
        let len = disk.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
        let options = fatfs::FsOptions::new().update_accessed_date(false);
        let fs = fatfs::FileSystem::new(ReadOnly::new(disk), options).map_err(|e| e.to_string())?;
        Ok((fs, len))
    };
    let (fs, len) = match catch_unwind(AssertUnwindSafe(mount)).unwrap_or_else(|_| Err(stopped("the boot sector"))) {
        Ok(mounted_volume) => mounted_volume,
        Err(why) => {
            let _ = mounted.send(Err(why));
            return;
        }
    };
    let _ = mounted.send(Ok(()));
    let mut served = Served { fs: &fs, len, pass: None };
    for request in inbox {
        let _ = catch_unwind(AssertUnwindSafe(|| served.answer(request)));
    }
}

/// The mounted volume and what its one pass found.
struct Served<'fs, R: Read + Seek> {
    fs: &'fs FileSystem<R>,
    len: u64,
    pass: Option<Pass<'fs, R>>,
}

/// What the one pass over the directories found.
struct Pass<'fs, R: Read + Seek> {
    /// Listings by path (`""` for the root).
    listings: HashMap<String, Result<Vec<Listed>, String>>,
    /// Every file listed, by path, to be opened from its entry.
    files: HashMap<String, DirEntry<'fs, R>>,
    /// Why the pass stopped before listing every directory, when it did.
    stopped: Option<String>,
}

impl<'fs, R: Read + Seek> Served<'fs, R> {
    fn answer(&mut self, request: Request) {
        match request {
            Request::List { dir, reply } => {
                let _ = reply.send(self.list(&dir));
            }
            Request::Head { path, n, reply } => {
                let _ = reply.send(self.with_file(&path, |file| read_head(file, n)));
            }
            Request::Stream { path, reply } => {
                let streamed = self.with_file(&path, |file| {
                    // A handle that stopped listening lets the rest be read for nothing: no
                    // more than the file, which is no larger than the volume.
                    read_pieces(file, &mut vec![0; PIECE], &mut |piece| drop(reply.send(Ok(piece.to_vec()))))
                });
                let _ = reply.send(streamed.map(|()| Vec::new()));
            }
        }
    }

    fn pass(&mut self) -> &Pass<'fs, R> {
        let fs = self.fs;
        self.pass.get_or_insert_with(|| read_pass(fs))
    }

    fn list(&mut self, dir: &str) -> Result<Vec<Listed>, String> {
        let path = dir.trim_matches('/');
        let pass = self.pass();
        match pass.listings.get(path) {
            Some(listing) => listing.clone(),
            None => Err(pass.stopped.clone().unwrap_or_else(|| format!("`{path}` is not a directory of the volume"))),
        }
    }

    /// Runs `with` on the file at `path` (absolute), refused when it claims more bytes than the
    /// volume holds.
    fn with_file<T>(
        &mut self,
        path: &str,
        with: impl FnOnce(fatfs::File<'fs, ReadOnly<R>>) -> io::Result<T>,
    ) -> Result<T, String> {
        let len = self.len;
        let path = path.trim_start_matches('/');
        let entry = self.pass().files.get(path).ok_or_else(|| format!("`{path}` is not a file of the volume"))?;
        let size = entry.len();
        if size > len.min(MAX_FILE_BYTES) {
            return Err(format!("it claims {size} bytes, more than the {len}-byte volume holds"));
        }
        with(entry.to_file()).map_err(|e| e.to_string())
    }
}

/// Lists every directory in one mount, depth first in the order the walk asks, each opened from
/// its parent's entry: as deep, as many entries and as many bytes of paths as the walk follows.
fn read_pass<R: Read + Seek>(fs: &FileSystem<R>) -> Pass<'_, R> {
    let mut pass = Pass { listings: HashMap::new(), files: HashMap::new(), stopped: None };
    let mut paths = PathBudget::default();
    let mut listed = 0usize;
    let mut pending = vec![(String::new(), fs.root_dir(), 0usize)];
    while let Some((path, dir, depth)) = pending.pop() {
        let mut listing = Vec::new();
        let mut failed = None;
        for (n, entry) in dir.iter().enumerate() {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    failed = Some(e.to_string());
                    break;
                }
            };
            if n >= MAX_DIRECTORY_ENTRIES {
                failed = Some(format!(
                    "the directory lists more than the {MAX_DIRECTORY_ENTRIES} entries FAT allows: its clusters loop"
                ));
                break;
            }
            let name = entry.file_name();
            // The volume label is an entry of the root directory, not a file; `.` and `..` are
            // the directory and its parent again, and the walk skips them as it skips any name
            // that is not one.
            let kind = match (entry.is_dir(), entry.is_file()) {
                _ if !is_plain_name(&name) => continue,
                (true, _) => Kind::Dir,
                (_, true) => Kind::File,
                _ => continue,
            };
            listed += 1;
            if listed > MAX_LISTED {
                pass.stopped = Some(format!("the volume's directories list more than {MAX_LISTED} entries"));
                return pass;
            }
            let child = join(&path, &name);
            listing.push(Listed { name, kind, size: entry.len() });
            let followed = match kind {
                Kind::Dir => depth + 1 < MAX_DEPTH,
                _ => true,
            };
            if !followed {
                // Not followed, and reported once by the walk: it spends no budget there either.
                continue;
            }
            match paths.take(&child) {
                Ok(()) => {}
                // Not followed: the walk reports it.
                Err(OverBudget::TooLong(_)) => continue,
                Err(spent @ OverBudget::Spent) => {
                    pass.stopped = Some(spent.message());
                    pass.listings.insert(path, Err(spent.message()));
                    return pass;
                }
            }
            match kind {
                Kind::Dir => pending.push((child, entry.to_dir(), depth + 1)),
                Kind::File => {
                    pass.files.insert(child, entry);
                }
                _ => {}
            }
        }
        pass.listings.insert(path, failed.map_or(Ok(listing), Err));
    }
    pass
}

#[cfg(test)]
mod tests {
    use std::io::Cursor;
    use std::sync::Arc;

    use super::*;
    use crate::input::volume::{walk, Reopen};
    use crate::input::Entry;

    const EXECUTABLE: &[u8] = &[0xcf; 3000];

    /// A 4 MiB FAT16 volume of 512-byte clusters holding `App.app/Contents/MacOS/App`, an
    /// Info.plist and a `Resources` directory whose one cluster its entries fill (`.`, `..` and
    /// 14 short names), written by the crate itself.
    fn volume() -> Vec<u8> {
        let mut disk = Cursor::new(vec![0u8; 4 << 20]);
        let options = fatfs::FormatVolumeOptions::new().fat_type(fatfs::FatType::Fat16).bytes_per_cluster(512);
        fatfs::format_volume(&mut disk, options).unwrap();
        {
            let fs = fatfs::FileSystem::new(&mut disk, fatfs::FsOptions::new()).unwrap();
            let contents = fs.root_dir().create_dir("App.app").unwrap().create_dir("Contents").unwrap();
            contents.create_file("Info.plist").unwrap().write_all(b"<plist/>").unwrap();
            contents.create_dir("MacOS").unwrap().create_file("App").unwrap().write_all(EXECUTABLE).unwrap();
            let resources = contents.create_dir("Resources").unwrap();
            for n in 1..=14 {
                resources.create_file(&format!("R{n:02}")).unwrap();
            }
        }
        disk.into_inner()
    }

    fn open(bytes: &[u8]) -> Result<Fat, String> {
        Fat::open(Cursor::new(Arc::<[u8]>::from(bytes)))
    }

    /// A path of the volume and, for a file that could be read, its contents.
    type Walked = (String, Option<Vec<u8>>);

    /// Every entry of the volume, walked as a disk image's volume is, every file read whole, and
    /// the problems the walk reported.
    fn walk_all(bytes: Vec<u8>) -> (Vec<Walked>, Vec<String>) {
        let Ok(mut volume) = open(&bytes) else { return (Vec::new(), Vec::new()) };
        let handle = volume.clone();
        let reopen: Reopen = Arc::new(move || Ok(Box::new(handle.clone()) as Box<dyn Volume + Send>));
        let walked = walk(&mut volume, &reopen, "x.dmg");
        let entries = walked
            .entries
            .into_iter()
            .map(|(path, entry)| match entry {
                Entry::File(data) => (path, data.bytes().ok().map(<[u8]>::to_vec)),
                _ => (path, None),
            })
            .collect();
        (entries, walked.problems.into_iter().map(|p| p.problem.message).collect())
    }

    #[test]
    fn files_are_listed_and_read_alike_every_way() {
        let mut fat = open(&volume()).unwrap();
        let root = fat.list("/").unwrap();
        assert_eq!(root.len(), 1);
        assert_eq!((root[0].name.as_str(), root[0].kind), ("App.app", Kind::Dir));
        let macos = fat.list("/App.app/Contents/MacOS").unwrap();
        assert_eq!(macos.len(), 1, "`.` and `..` are not listed: {macos:?}");
        assert_eq!((macos[0].name.as_str(), macos[0].kind, macos[0].size), ("App", Kind::File, 3000));
        let path = "/App.app/Contents/MacOS/App";
        assert_eq!(fat.read(path).unwrap(), EXECUTABLE);
        let mut streamed = Vec::new();
        fat.stream(path, &mut |piece| streamed.extend_from_slice(piece)).unwrap();
        assert_eq!(streamed, EXECUTABLE);
        assert_eq!(fat.head(path, 4).unwrap(), &EXECUTABLE[..4]);
        assert!(fat.read("/App.app/Contents/MacOS/Missing").is_err());
    }

    #[test]
    fn a_file_claiming_more_than_the_volume_is_refused() {
        let mut bytes = volume();
        // The short directory entry of `App`: its name padded to 11 bytes, then its attributes
        // (archive); the size is the entry's last four bytes.
        let at = bytes.windows(11).position(|w| w == b"APP        ").unwrap();
        bytes[at + 28..at + 32].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
        let why = open(&bytes).unwrap().read("/App.app/Contents/MacOS/App").unwrap_err();
        assert!(why.contains("2147483647 bytes, more than the 4194304-byte volume holds"), "{why}");
    }

    #[test]
    fn looping_cluster_chains_end() {
        let mut bytes = volume();
        // Every chain's last cluster made to point to itself: a directory without a free entry to
        // end it (`Resources`) lists forever, and files repeat, unless the reader stops them.
        let reserved = u16::from_le_bytes([bytes[14], bytes[15]]) as usize;
        let sectors_per_fat = u16::from_le_bytes([bytes[22], bytes[23]]) as usize;
        let fat = reserved * 512..(reserved + sectors_per_fat) * 512;
        for (cluster, entry) in bytes[fat].chunks_exact_mut(2).enumerate().skip(2) {
            if u16::from_le_bytes([entry[0], entry[1]]) >= 0xfff8 {
                entry.copy_from_slice(&(cluster as u16).to_le_bytes());
            }
        }
        let (entries, problems) = walk_all(bytes);
        let executable = entries.iter().find(|(path, _)| path == "App.app/Contents/MacOS/App");
        assert_eq!(executable.and_then(|(_, bytes)| bytes.as_deref()), Some(EXECUTABLE), "{entries:?}");
        assert!(problems.iter().any(|p| p.contains("entries FAT allows: its clusters loop")), "{problems:?}");
    }

    /// The short directory entry named `short` (11 bytes, padded) in `bytes`, and where its
    /// first cluster is kept (the low half; FAT16 has no high half).
    fn short_entry(bytes: &[u8], short: &[u8; 11]) -> usize {
        bytes.windows(11).position(|w| w == short).unwrap_or_else(|| panic!("{}", String::from_utf8_lossy(short)))
    }

    #[test]
    fn directories_that_contain_themselves_are_walked_once_within_the_limits() {
        // `Loop` holds two directories of long names; both are then made to start at `Loop`'s
        // own cluster, so each lists `Loop` again: every level doubles the paths below it, and
        // each path is 201 bytes longer than its parent's.
        let mut disk = Cursor::new(vec![0u8; 4 << 20]);
        let options = fatfs::FormatVolumeOptions::new().fat_type(fatfs::FatType::Fat16).bytes_per_cluster(512);
        fatfs::format_volume(&mut disk, options).unwrap();
        {
            let fs = fatfs::FileSystem::new(&mut disk, fatfs::FsOptions::new()).unwrap();
            let looping = fs.root_dir().create_dir("Loop").unwrap();
            looping.create_dir(&"a".repeat(200)).unwrap();
            looping.create_dir(&"b".repeat(200)).unwrap();
            looping.create_file("Info.plist").unwrap().write_all(b"<plist/>").unwrap();
        }
        let mut bytes = disk.into_inner();
        let own = short_entry(&bytes, b"LOOP       ") + 26;
        let cluster = [bytes[own], bytes[own + 1]];
        for short in [b"AAAAAA~1   ", b"BBBBBB~1   "] {
            let at = short_entry(&bytes, short) + 26;
            bytes[at..at + 2].copy_from_slice(&cluster);
        }
        let started = std::time::Instant::now();
        let (entries, problems) = walk_all(bytes);
        let plist = entries.iter().find(|(path, _)| path == "Loop/Info.plist");
        assert_eq!(plist.and_then(|(_, bytes)| bytes.as_deref()), Some(&b"<plist/>"[..]));
        let kept: usize = entries.iter().map(|(path, _)| path.len()).sum();
        assert!(kept <= crate::input::MAX_PATH_BYTES, "{kept} bytes of paths");
        assert!(problems.iter().any(|p| p.contains("its paths total more than")), "{problems:?}");
        assert!(problems.len() <= 3, "each limit said once: {problems:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "{:?}", started.elapsed());
    }

    #[test]
    fn damaged_volumes_are_errors_never_panics() {
        let good = volume();
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        // The boot sector, both FATs, the root directory and the first directory clusters.
        let metadata = 64 << 10;
        for _ in 0..300 {
            let mut bytes = good.clone();
            for _ in 0..1 + next() % 4 {
                let at = (next() as usize) % metadata;
                bytes[at] = next() as u8;
            }
            walk_all(bytes);
        }
    }
}

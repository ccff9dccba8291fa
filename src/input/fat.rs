//! FAT volumes (FAT12, FAT16, FAT32) inside disk images, read by the `fatfs` crate (exact
//! version pinned) behind [`Volume`]. Disk images made on Linux are often FAT: `hdiutil` writes
//! one with `-fs MS-DOS`, and the `apple-dmg` crate writes nothing else.
//!
//! The crate wants a writable disk; it gets one whose writes fail, and is never asked to write
//! (access dates are not updated). What it is asked is bounded here first: the entries listed,
//! per directory and per volume (a cyclic cluster chain would list forever), and a file's size
//! (no larger than the volume, which a cyclic chain could otherwise repeat up to).

use std::io::{self, Read, Seek, SeekFrom, Write};

use super::volume::{guarded, read_head, Kind, Listed, Volume, MAX_FILE_BYTES};
use super::MAX_ENTRIES;

/// Most entries a FAT directory can hold: the specification caps a directory at 65,536 32-byte
/// entries. A listing that goes on is a cluster chain that loops.
const MAX_DIRECTORY_ENTRIES: usize = 65_536;
/// Most entries listed from one volume, all directories together: many directories sharing one
/// looping chain would otherwise each list the most a directory may.
const MAX_LISTED: usize = 2 * MAX_ENTRIES;

/// A FAT volume of `len` bytes. The crate's filesystem cannot move between threads, and the
/// volume must, so each call mounts it again: that reads the boot sector and, on FAT32, the
/// information sector.
pub struct Fat<R: Read + Seek + Clone> {
    disk: R,
    len: u64,
    /// Entries listed so far, all directories together.
    listed: usize,
}

/// A reader that refuses writes: the crate's disk type must be writable.
pub struct ReadOnly<R>(R);

impl<R: Read> Read for ReadOnly<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.0.read(buf)
    }
}

impl<R: Seek> Seek for ReadOnly<R> {
    fn seek(&mut self, to: SeekFrom) -> io::Result<u64> {
        self.0.seek(to)
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

impl<R: Read + Seek + Clone> Fat<R> {
    pub fn open(mut disk: R) -> Result<Self, String> {
        let len = disk.seek(SeekFrom::End(0)).map_err(|e| e.to_string())?;
        let volume = Fat { disk, len, listed: 0 };
        volume.mount()?;
        Ok(volume)
    }

    fn mount(&self) -> Result<fatfs::FileSystem<ReadOnly<R>>, String> {
        let mut disk = self.disk.clone();
        disk.seek(SeekFrom::Start(0)).map_err(|e| e.to_string())?;
        let options = fatfs::FsOptions::new().update_accessed_date(false);
        fatfs::FileSystem::new(ReadOnly(disk), options).map_err(|e| e.to_string())
    }

    /// Runs `with` on the file at `path` (absolute), refused when it claims more bytes than the
    /// volume holds.
    fn with_file<T>(
        &self,
        path: &str,
        with: impl FnOnce(fatfs::File<'_, ReadOnly<R>>) -> io::Result<T>,
    ) -> Result<T, String> {
        let fs = self.mount()?;
        let path = path.trim_start_matches('/');
        let (parent, name) = path.rsplit_once('/').unwrap_or(("", path));
        let dir = if parent.is_empty() {
            fs.root_dir()
        } else {
            fs.root_dir().open_dir(parent).map_err(|e| e.to_string())?
        };
        let entry = dir
            .iter()
            .take(MAX_DIRECTORY_ENTRIES)
            .filter_map(Result::ok)
            .find(|e| e.is_file() && e.file_name() == name)
            .ok_or_else(|| format!("`{name}` is not a file of the volume"))?;
        let size = entry.len();
        if size > self.len.min(MAX_FILE_BYTES) {
            return Err(format!("it claims {size} bytes, more than the {}-byte volume holds", self.len));
        }
        with(entry.to_file()).map_err(|e| e.to_string())
    }
}

impl<R: Read + Seek + Clone> Volume for Fat<R> {
    fn list(&mut self, dir: &str) -> Result<Vec<Listed>, String> {
        guarded(dir, || {
            let fs = self.mount()?;
            let path = dir.trim_matches('/');
            let dir = if path.is_empty() {
                fs.root_dir()
            } else {
                fs.root_dir().open_dir(path).map_err(|e| e.to_string())?
            };
            let mut out = Vec::new();
            for (n, entry) in dir.iter().enumerate() {
                let entry = entry.map_err(|e| e.to_string())?;
                if n >= MAX_DIRECTORY_ENTRIES {
                    return Err(format!(
                        "the directory lists more than the {MAX_DIRECTORY_ENTRIES} entries FAT allows: its clusters loop"
                    ));
                }
                self.listed += 1;
                if self.listed > MAX_LISTED {
                    return Err(format!("the volume's directories list more than {MAX_LISTED} entries"));
                }
                // The volume label is an entry of the root directory, not a file.
                let kind = if entry.is_dir() {
                    Kind::Dir
                } else if entry.is_file() {
                    Kind::File
                } else {
                    continue;
                };
                out.push(Listed { name: entry.file_name(), kind, size: entry.len() });
            }
            Ok(out)
        })
    }

    fn read(&mut self, path: &str) -> Result<Vec<u8>, String> {
        guarded(path, || {
            self.with_file(path, |mut file| {
                let mut out = Vec::new();
                file.read_to_end(&mut out)?;
                Ok(out)
            })
        })
    }

    fn stream(&mut self, path: &str, each: &mut dyn FnMut(&[u8])) -> Result<(), String> {
        guarded(path, || {
            self.with_file(path, |mut file| {
                let mut buffer = vec![0; 1 << 16];
                loop {
                    match file.read(&mut buffer) {
                        Ok(0) => return Ok(()),
                        Ok(n) => each(&buffer[..n]),
                        Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
            })
        })
    }

    fn head(&mut self, path: &str, n: usize) -> Result<Vec<u8>, String> {
        guarded(path, || self.with_file(path, |file| read_head(file, n)))
    }
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

    fn open(bytes: &[u8]) -> Result<Fat<Cursor<Arc<[u8]>>>, String> {
        Fat::open(Cursor::new(Arc::from(bytes)))
    }

    /// A path of the volume and, for a file that could be read, its contents.
    type Walked = (String, Option<Vec<u8>>);

    /// Every entry of the volume, walked as a disk image's volume is, every file read whole, and
    /// the problems the walk reported.
    fn walk_all(bytes: Vec<u8>) -> (Vec<Walked>, Vec<String>) {
        let shared: Arc<[u8]> = Arc::from(bytes);
        let Ok(mut volume) = Fat::open(Cursor::new(shared.clone())) else { return (Vec::new(), Vec::new()) };
        let reopen: Reopen =
            Arc::new(move || Fat::open(Cursor::new(shared.clone())).map(|v| Box::new(v) as Box<dyn Volume + Send>));
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
        assert_eq!((macos[2].name.as_str(), macos[2].kind, macos[2].size), ("App", Kind::File, 3000));
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

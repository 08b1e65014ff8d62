//! What an upload reads from: a local file (positional reads, change detection) or memory.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, MetadataExt};
use std::path::Path;
use std::time::SystemTime;

/// Bytes to upload, readable at any offset from several threads.
pub trait Source: Sync {
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    /// Fails with an integrity error when the data changed since the upload began.
    fn check_unchanged(&self) -> Result<()>;
    /// For messages.
    fn describe(&self) -> String;
}

/// A regular file, with the size, mtime and ctime seen when it was opened. A change inside
/// the timestamps' granularity escapes the times (kernels before 6.13 tick every few ms); with
/// integrity checks on, the service's SHA-1 check still catches it.
pub struct FileSource {
    file: File,
    path: String,
    len: u64,
    mtime: Option<SystemTime>,
    /// Status-change time (seconds, nanoseconds): every write moves it, and unlike the mtime
    /// it cannot be set back (`touch -r`, `cp -p`, rsync restore an mtime, never a ctime).
    ctime: (i64, i64),
}

impl FileSource {
    pub fn open(path: &Path) -> Result<FileSource> {
        let shown = path.display().to_string();
        // Check the type before opening: opening a FIFO blocks until a writer appears.
        let before =
            std::fs::metadata(path).map_err(|e| Error::local_io(&format!("stat {shown}"), &e))?;
        regular(&before, &shown)?;
        let file = File::open(path).map_err(|e| Error::local_io(&format!("open {shown}"), &e))?;
        let meta = file
            .metadata()
            .map_err(|e| Error::local_io(&format!("stat {shown}"), &e))?;
        regular(&meta, &shown)?;
        // A file that holds more than its size says (a /proc or /sys file reports 0 or 4096
        // bytes whatever it holds; or one being appended to): its size cannot be trusted.
        let mut probe = [0u8; 1];
        let beyond = file
            .read_at(&mut probe, meta.len())
            .map_err(|e| Error::local_io(&format!("read {shown}"), &e))?;
        if beyond > 0 {
            return Err(Error::integrity(format!(
                "{shown} holds more bytes than its size ({}) says: it is growing, or it is not \
                 an ordinary file (a /proc or /sys file)",
                meta.len()
            )));
        }
        Ok(FileSource {
            file,
            path: shown,
            len: meta.len(),
            mtime: meta.modified().ok(),
            ctime: (meta.ctime(), meta.ctime_nsec()),
        })
    }
}

impl Source for FileSource {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        self.file.read_at(buf, offset)
    }

    fn check_unchanged(&self) -> Result<()> {
        let meta = self
            .file
            .metadata()
            .map_err(|e| Error::local_io(&format!("stat {}", self.path), &e))?;
        if meta.len() != self.len {
            return Err(Error::integrity(format!(
                "{} changed size during the upload ({} → {} bytes)",
                self.path,
                self.len,
                meta.len()
            )));
        }
        if meta.modified().ok() != self.mtime {
            return Err(Error::integrity(format!(
                "{} was modified during the upload",
                self.path
            )));
        }
        if (meta.ctime(), meta.ctime_nsec()) != self.ctime {
            // A write with its mtime put back, or a change of permissions, owner, name or
            // links: the bytes sent cannot be told apart from changed ones.
            return Err(Error::integrity(format!(
                "{} was modified during the upload (its status-change time moved: its \
                 content, permissions, owner, name or links changed)",
                self.path
            )));
        }
        Ok(())
    }

    fn describe(&self) -> String {
        self.path.clone()
    }
}

/// Only regular files can be uploaded (not directories, FIFOs, devices, sockets).
fn regular(meta: &std::fs::Metadata, shown: &str) -> Result<()> {
    if meta.is_file() {
        return Ok(());
    }
    let message = if meta.is_dir() {
        format!(
            "{shown} is a directory; only regular files can be uploaded (a directory and \
             what it holds: a batch upload, e.g. `cosv4-upload -r`)"
        )
    } else {
        format!("{shown} is not a regular file; only regular files can be uploaded")
    };
    Err(Error::new(crate::ErrorKind::LocalIo, message))
}

/// Bytes already in memory.
pub struct MemSource<'a>(pub &'a [u8]);

impl Source for MemSource<'_> {
    fn len(&self) -> u64 {
        self.0.len() as u64
    }

    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let start = usize::try_from(offset)
            .unwrap_or(usize::MAX)
            .min(self.0.len());
        let n = buf.len().min(self.0.len() - start);
        buf[..n].copy_from_slice(&self.0[start..start + n]);
        Ok(n)
    }

    fn check_unchanged(&self) -> Result<()> {
        Ok(())
    }

    fn describe(&self) -> String {
        format!("a buffer of {} bytes", self.0.len())
    }
}

/// Reads `len` bytes of a source from `offset` on, as a stream; fails with a cancelled error
/// once `cancel` is triggered, so a request body stops within one read.
pub struct RangeReader<'a> {
    source: &'a dyn Source,
    offset: u64,
    left: u64,
    cancel: &'a super::CancelToken,
}

impl<'a> RangeReader<'a> {
    pub fn new(
        source: &'a dyn Source,
        offset: u64,
        len: u64,
        cancel: &'a super::CancelToken,
    ) -> RangeReader<'a> {
        RangeReader {
            source,
            offset,
            left: len,
            cancel,
        }
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.cancel.is_cancelled() {
            return Err(io::Error::other(Error::cancelled()));
        }
        let want = usize::try_from(self.left)
            .unwrap_or(usize::MAX)
            .min(buf.len());
        if want == 0 {
            return Ok(0);
        }
        // A local read error is ours, not the connection's: it must not be retried as one.
        let n = self
            .source
            .read_at(&mut buf[..want], self.offset)
            .map_err(|e| {
                let what = format!("read {} at offset {}", self.source.describe(), self.offset);
                io::Error::other(Error::local_io(&what, &e))
            })?;
        self.offset += n as u64;
        self.left -= n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn temp_dir() -> std::path::PathBuf {
        std::env::temp_dir().join(format!("cosv4-source-{}", std::process::id()))
    }

    fn temp_file(name: &str, bytes: &[u8]) -> std::path::PathBuf {
        let dir = temp_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    #[test]
    fn a_rewrite_with_its_mtime_put_back_is_seen() {
        let path = temp_file("rewritten", &[1u8; 4096]);
        let source = FileSource::open(&path).unwrap();
        source.check_unchanged().unwrap();
        let mtime = std::fs::metadata(&path).unwrap().modified().unwrap();
        // Past the timestamp granularity of older kernels (a tick of a few ms).
        std::thread::sleep(std::time::Duration::from_millis(30));
        // Same size, other bytes, the old mtime restored (as `cp -p`, rsync or `touch -d` do).
        let file = std::fs::OpenOptions::new().write(true).open(&path).unwrap();
        file.write_at(&[2u8; 16], 0).unwrap();
        file.set_modified(mtime).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), mtime);
        let err = source.check_unchanged().unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Integrity);
        assert!(err.message().contains("status-change time moved"), "{err}");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn a_file_holding_more_than_its_size_says_is_refused() {
        // procfs reports size 0 for a file that holds text: uploaded as is, it would be stored
        // empty and reported a success.
        let proc_file = Path::new("/proc/self/status");
        assert_eq!(std::fs::metadata(proc_file).unwrap().len(), 0);
        let err = FileSource::open(proc_file).err().expect("refused");
        assert_eq!(err.kind(), ErrorKind::Integrity);
        assert!(
            err.message().contains("holds more bytes than its size (0)"),
            "{err}"
        );
        // An ordinary file of any size, the empty one included, opens.
        for (name, len) in [("empty", 0), ("some", 100)] {
            let path = temp_file(name, &vec![7u8; len]);
            assert_eq!(FileSource::open(&path).unwrap().len(), len as u64);
            std::fs::remove_file(&path).unwrap();
        }
        let _ = std::fs::remove_dir(temp_dir());
    }
}

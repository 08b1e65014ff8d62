//! What an upload reads from: a local file (positional reads, change detection) or memory.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::FileExt;
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

/// A regular file, with the size and mtime seen when it was opened.
pub struct FileSource {
    file: File,
    path: String,
    len: u64,
    mtime: Option<SystemTime>,
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
        Ok(FileSource {
            file,
            path: shown,
            len: meta.len(),
            mtime: meta.modified().ok(),
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

//! Many files in one call: a local directory mirrored to a COS folder, or a list of
//! (local file, cos path) pairs.
//!
//! The pipeline ([`pipeline`]): a walk ([`walk`]) streams the items (one directory's sorted
//! names in memory per level, never the whole tree) to a hashing stage that opens each file
//! and computes the digest its upload sends, a bounded look-ahead of files ahead of the
//! senders; `jobs` worker threads upload the prepared files through the upload engine (with
//! the digest handed over, so no file is read twice for hashing) on the client's shared agent,
//! after creating the file's folders once per batch ([`folders`]); every request of every file
//! holds a permit of one bound shared by the batch ([`BatchOptions::max_requests`]). Events
//! reach the caller's handler on the calling thread ([`events`]).
//!
//! A failed file does not stop the batch (unless [`BatchOptions::fail_fast`]); the result
//! names every item with its status. Per-file results are kept for the whole batch: memory is
//! O(files), a few hundred bytes each.
//!
//! Re-running a batch after a cancel completes it: with the engine's rules an identical file
//! already stored costs no data (instant upload, or -4018 confirmed), and an interrupted slice
//! upload resumes (-4019).

mod events;
mod folders;
mod pipeline;
mod walk;

use crate::cancel::CancelToken;
use crate::error::Error;
use crate::upload::{Outcome, UploadOptions};
use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub(crate) use pipeline::run;

/// What a batch uploads.
pub enum BatchSource {
    /// Every file under `local` (recursively) to the same relative path under `cos_folder`
    /// (which ends in `/`); empty directories become empty folders.
    Dir { local: PathBuf, cos_folder: String },
    /// Explicit (local file, cos path) pairs. An iterator, not a `Vec`: a caller's list (a
    /// manifest file, a database query) is consumed as the batch goes and never held whole.
    List(Box<dyn Iterator<Item = (PathBuf, String)> + Send>),
}

impl std::fmt::Debug for BatchSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BatchSource::Dir { local, cos_folder } => f
                .debug_struct("Dir")
                .field("local", local)
                .field("cos_folder", cos_folder)
                .finish(),
            BatchSource::List(_) => f.write_str("List(..)"),
        }
    }
}

/// How a batch runs.
#[derive(Clone, Debug)]
pub struct BatchOptions {
    /// Options of every file's upload (`biz_attr`, `insert_only`, `replace_stale`). Its
    /// `create_parents` and `cancel` are not used: the batch creates folders itself, and
    /// [`BatchOptions::cancel`] stops it.
    pub upload: UploadOptions,
    /// Files uploaded at once (1..=32). Default 4.
    pub jobs: usize,
    /// Files hashed ahead of the senders (1..=64). Default 4.
    pub lookahead: usize,
    /// Requests in flight for the whole batch, all files together (at least 1). Default 8.
    pub max_requests: usize,
    /// Follow symbolic links (a directory reached twice on the current path, a loop, is
    /// skipped). Default false: links are skipped.
    pub follow_symlinks: bool,
    /// Stop the batch at the first failed file. Default false.
    pub fail_fast: bool,
    /// Stops the batch from any thread; uploads in flight are interrupted.
    pub cancel: Option<CancelToken>,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            upload: UploadOptions::default(),
            jobs: 4,
            lookahead: 4,
            max_requests: 8,
            follow_symlinks: false,
            fail_fast: false,
            cancel: None,
        }
    }
}

/// How one item of a batch ended.
#[derive(Debug, Clone)]
pub enum FileStatus {
    Uploaded(Outcome),
    /// An empty local directory, mirrored: the folder exists (created, or already there).
    Folder,
    /// Not uploaded, by rule: a symbolic link not followed, a FIFO, a socket, a device.
    Skipped(String),
    Failed(Error),
}

/// One item of a batch: a file, or an empty directory (its `cos_path` ends in `/`).
#[derive(Debug, Clone)]
pub struct FileResult {
    pub local: PathBuf,
    pub cos_path: String,
    pub status: FileStatus,
    /// The file's size (0 when it could not be opened, and for folders).
    pub bytes: u64,
    /// From the start of its upload (its folders first) to its end.
    pub elapsed: Duration,
}

/// What a batch did.
#[derive(Debug, Clone, Default)]
pub struct BatchOutcome {
    /// Every item, in the order they ended.
    pub files: Vec<FileResult>,
    pub uploaded: u64,
    /// Empty directories mirrored.
    pub folders: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Content bytes sent, retries included.
    pub bytes_sent: u64,
    pub elapsed: Duration,
}

/// The batch as a whole, for a progress display. Totals grow as the walk finds items.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct BatchProgress {
    /// Items ended (uploaded, skipped, failed, folders).
    pub files_done: u64,
    /// Items found so far.
    pub files_known: u64,
    /// True once the walk is over: `files_known` is the total.
    pub walk_done: bool,
    /// Bytes of uploaded files, and those the server confirmed of files in flight.
    pub bytes_done: u64,
    /// Bytes of the files found so far.
    pub bytes_known: u64,
    pub elapsed: Duration,
}

/// An event of a batch, delivered on the calling thread.
#[derive(Debug)]
pub enum BatchEvent<'a> {
    /// A file's upload starts (its folders first).
    Started {
        local: &'a Path,
        cos_path: &'a str,
        bytes: u64,
    },
    /// A file uploaded, or an empty directory mirrored.
    Done(&'a FileResult),
    Skipped(&'a FileResult),
    Failed(&'a FileResult),
    /// The aggregate, throttled to one every [`crate::progress::MIN_INTERVAL`].
    Progress(&'a BatchProgress),
}

/// The caller's handler: `ControlFlow::Break(())` stops the batch.
pub type BatchHandler<'a> = &'a mut dyn FnMut(&BatchEvent<'_>) -> ControlFlow<()>;

impl BatchOutcome {
    fn from_results(files: Vec<FileResult>, elapsed: Duration) -> BatchOutcome {
        let mut out = BatchOutcome {
            elapsed,
            ..Default::default()
        };
        for f in &files {
            match &f.status {
                FileStatus::Uploaded(o) => {
                    out.uploaded += 1;
                    out.bytes_sent += o.bytes_sent;
                }
                FileStatus::Folder => out.folders += 1,
                FileStatus::Skipped(_) => out.skipped += 1,
                FileStatus::Failed(_) => out.failed += 1,
            }
        }
        out.files = files;
        out
    }
}

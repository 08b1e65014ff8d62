//! Many files in one call: a local directory mirrored to a COS folder, or a list of
//! (local file, cos path) pairs.
//!
//! The pipeline ([`pipeline`]): a walk ([`walk`]) streams the items (one directory's sorted
//! names in memory per level, never the whole tree) to a stage ([`stage`]) that opens each
//! file, compares it with the remote side when syncing (folder listings fetched a few ahead
//! of the walk, [`ahead`]), and hands it to `hashers` threads that compute the digest its
//! upload sends, a bounded look-ahead of files ahead of the senders; `jobs` worker threads
//! upload the prepared files through the upload engine (with
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

mod ahead;
mod delete;
mod events;
mod filter;
mod folders;
mod pipeline;
mod queue;
mod remote;
mod stage;
mod walk;

pub use filter::Filter;

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
    /// Files waiting to be hashed, and hashed files waiting for a sender (1..=64 each).
    /// Default 4.
    pub lookahead: usize,
    /// Threads hashing files at once (1..=16). Default: the machine's cores, at most 4. The
    /// protocol needs a file's whole SHA-1 before its first byte goes out; several hashers keep
    /// the senders fed when files are large.
    pub hashers: usize,
    /// Requests in flight for the whole batch, all files together (at least 1). Default 8.
    pub max_requests: usize,
    /// Follow symbolic links (a directory reached twice on the current path, a loop, is
    /// skipped). Default false: links are skipped.
    pub follow_symlinks: bool,
    /// Stop the batch at the first failed file. Default false.
    pub fail_fast: bool,
    /// Stops the batch from any thread; uploads in flight are interrupted.
    pub cancel: Option<CancelToken>,
    /// Which files of a directory source are in the batch (and, with
    /// [`SyncOptions::delete`], which remote files may be deleted). Default: all. A list
    /// source takes no filter.
    pub filter: Filter,
    /// Send only what changed (a directory source only). Default `None`: every file is
    /// uploaded.
    pub sync: Option<SyncOptions>,
    /// List and compare, report what would be uploaded and deleted
    /// ([`FileStatus::WouldUpload`], [`FileStatus::WouldDelete`]), and change nothing on the
    /// server: no upload, folder creation or delete request. Default false.
    pub dry_run: bool,
    /// Which items [`BatchOutcome::files`] keeps. Default [`Keep::All`].
    pub keep: Keep,
}

/// Which items a batch's result keeps (the counts always cover every item).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Keep {
    /// Every item: memory grows with the number of items (a few hundred bytes each).
    #[default]
    All,
    /// Failed items only: memory stays bounded for any number of files. The caller sees the
    /// others through the events.
    Failed,
}

/// How a sync compares a local file with the remote object at its path.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Compare {
    /// Equal size and equal SHA-1 (the local digest is the one the upload would send, so no
    /// file is read twice); a remote object without a SHA-1 counts as changed.
    #[default]
    Checksum,
    /// Equal size is enough.
    SizeOnly,
}

/// A sync: the destination folder is listed (every page of every folder the walk enters that
/// exists remotely; a few folders at once, ahead of the walk, never the whole tree held),
/// files identical remotely are not sent ([`FileStatus::Unchanged`]), changed files replace
/// their object (`insertOnly=0`), new files are uploaded.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SyncOptions {
    pub compare: Compare,
    /// After the uploads, delete the remote files not in the local tree (then the remote
    /// folders left empty): only under the destination folder, never a path the filter does
    /// not select, and not at all when an item of the batch failed (they are reported
    /// skipped). Default false.
    pub delete: bool,
    /// Allow `delete` when the local directory is empty. Default false: refused, a wrong
    /// path must not wipe a bucket.
    pub force: bool,
}

impl Default for BatchOptions {
    fn default() -> Self {
        BatchOptions {
            upload: UploadOptions::default(),
            jobs: 4,
            lookahead: 4,
            hashers: std::thread::available_parallelism().map_or(1, |n| n.get().min(4)),
            max_requests: 8,
            follow_symlinks: false,
            fail_fast: false,
            cancel: None,
            filter: Filter::default(),
            sync: None,
            dry_run: false,
            keep: Keep::All,
        }
    }
}

/// How one item of a batch ended.
#[derive(Debug, Clone)]
pub enum FileStatus {
    Uploaded(Outcome),
    /// An empty local directory, mirrored: the folder exists (created, or already there).
    Folder,
    /// Not uploaded, by rule: a symbolic link not followed, a FIFO, a socket, a device; or a
    /// remote file not deleted because the batch had failures.
    Skipped(String),
    Failed(Error),
    /// A sync found the remote object identical (or the folder existing): nothing sent.
    Unchanged,
    /// A sync deleted this remote file or folder (`local` is empty).
    Deleted,
    /// A dry run: this file (or empty folder) would be uploaded (or created).
    WouldUpload,
    /// A dry run: this remote file or folder would be deleted (`local` is empty).
    WouldDelete,
}

impl FileStatus {
    /// The name the CLI's `--json` uses: `uploaded`, `skipped` (also for unchanged files),
    /// `failed`, `deleted`, `would-upload`, `would-delete`.
    pub fn name(&self) -> &'static str {
        match self {
            FileStatus::Uploaded(_) | FileStatus::Folder => "uploaded",
            FileStatus::Skipped(_) | FileStatus::Unchanged => "skipped",
            FileStatus::Failed(_) => "failed",
            FileStatus::Deleted => "deleted",
            FileStatus::WouldUpload => "would-upload",
            FileStatus::WouldDelete => "would-delete",
        }
    }
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
    /// The items kept ([`BatchOptions::keep`]: every item by default), in the order they
    /// ended.
    pub files: Vec<FileResult>,
    pub uploaded: u64,
    /// Empty directories mirrored.
    pub folders: u64,
    pub skipped: u64,
    pub failed: u64,
    /// Files a sync found identical remotely (and existing folders of empty directories).
    pub unchanged: u64,
    /// Remote files and folders a sync deleted.
    pub deleted: u64,
    /// A dry run's files and folders that would be uploaded or created ...
    pub would_upload: u64,
    /// ... and remote files and folders that would be deleted.
    pub would_delete: u64,
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
    /// Since the batch started.
    pub elapsed: Duration,
    /// How fast `bytes_done` grew over the last seconds ([`crate::progress::Rate::WINDOW`]),
    /// in bytes per second (files a sync found unchanged count as done at once). Reports come
    /// at least every second while a handler listens, so a stall shows as a falling rate.
    pub bytes_per_second: u64,
    /// The time left at that rate for the bytes of the files not yet done (failed and skipped
    /// files' bytes left out): `None` while the walk goes on (the total is not known) or
    /// while nothing moves; zero at the end.
    pub eta: Option<Duration>,
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
    /// A file uploaded, an empty directory mirrored, a remote file deleted, or what a dry
    /// run would do (see the item's status).
    Done(&'a FileResult),
    /// Skipped by rule, or found unchanged by a sync.
    Skipped(&'a FileResult),
    Failed(&'a FileResult),
    /// The aggregate, throttled to one every [`crate::progress::MIN_INTERVAL`].
    Progress(&'a BatchProgress),
}

/// The caller's handler: `ControlFlow::Break(())` stops the batch.
pub type BatchHandler<'a> = &'a mut dyn FnMut(&BatchEvent<'_>) -> ControlFlow<()>;

impl BatchOutcome {
    /// Counts `item`, and keeps it as `keep` says.
    fn add(&mut self, item: FileResult, keep: Keep) {
        match &item.status {
            FileStatus::Uploaded(o) => {
                self.uploaded += 1;
                self.bytes_sent += o.bytes_sent;
            }
            FileStatus::Folder => self.folders += 1,
            FileStatus::Skipped(_) => self.skipped += 1,
            FileStatus::Failed(_) => self.failed += 1,
            FileStatus::Unchanged => self.unchanged += 1,
            FileStatus::Deleted => self.deleted += 1,
            FileStatus::WouldUpload => self.would_upload += 1,
            FileStatus::WouldDelete => self.would_delete += 1,
        }
        if keep == Keep::All || matches!(item.status, FileStatus::Failed(_)) {
            self.files.push(item);
        }
    }
}

//! The walk stage of a batch (one thread) and its hashers: every item the walk finds is
//! announced; files are opened and compared with the remote side when syncing (by size, in
//! walk order), then those that need a digest go to `hashers` threads (a bounded queue: the
//! look-ahead), which hash several files at once and hand them to the senders; the rest end
//! here.
//!
//! A sync takes each remote folder's listing ([`remote::list_folder`]) when the walk enters
//! the matching local directory — fetched ahead of the walk ([`Ahead`]), or listed then — and
//! takes each local item's entry out of it; what is left when the walk leaves the directory
//! is remote only: an extra, deleted after the uploads ([`super::delete`]) when asked and the
//! filter selects it.

use super::ahead::{Ahead, Lister};
use super::delete::Extra;
use super::events::Outbox;
use super::filter::Filter;
use super::folders::Folders;
use super::queue::Giver;
use super::remote::{self, RemoteEntry, RemoteFolder};
use super::walk::{Item, Items};
use super::{Compare, FileStatus, SyncOptions};
use crate::cancel::CancelToken;
use crate::transport::Api;
use crate::upload::{self, FileSource, Prepared, RequestLimit};
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::Mutex;

/// What the stage hands to a sender.
pub(super) enum Work {
    File {
        local: PathBuf,
        cos_path: String,
        source: FileSource,
        prepared: Option<Prepared>,
        /// The remote object differs: replace it (`insertOnly=0`).
        replace: bool,
    },
    /// An empty directory to mirror.
    Folder { local: PathBuf, cos_folder: String },
}

/// What the stage needs.
pub(super) struct Stage<'a> {
    pub api: Api<'a>,
    pub bucket: &'a str,
    pub halt: &'a CancelToken,
    pub limit: &'a RequestLimit,
    pub folders: &'a Folders<'a>,
    pub out: Outbox<'a>,
    pub filter: &'a Filter,
    pub sync: Option<SyncOptions>,
    pub dry_run: bool,
    /// Length of the batch's cos folder (what the filter's relative paths start after).
    pub root_len: usize,
}

/// What the stage leaves for the deletions.
#[derive(Default)]
pub(super) struct Found {
    /// Remote-only files and folders the filter selects.
    pub extras: Vec<Extra>,
    /// Local files and mirrored folders in the batch.
    pub selected: u64,
    /// The walk ran to its end (not stopped).
    pub complete: bool,
}

/// How a file compares with its remote object before hashing.
enum Verdict {
    Unchanged,
    /// Upload it; `replace` an object that differs. `same_if`: the remote SHA-1 to compare
    /// with the digest (same size): equal means unchanged after all.
    Upload {
        replace: bool,
        same_if: Option<String>,
    },
}

/// A file to hash.
pub(super) struct Pending {
    local: PathBuf,
    cos_path: String,
    source: FileSource,
    bytes: u64,
    replace: bool,
    same_if: Option<String>,
}

/// A file for the hashers, and where its work goes (`None`: it ended in the hasher).
pub(super) struct HashJob {
    file: Pending,
    reply: SyncSender<Option<Work>>,
}

/// Files up to this size are hashed by the walk itself: handing them to a hasher thread and
/// back costs more than hashing them.
const HASH_INLINE: u64 = 256 * 1024;

/// One item's place in the walk's order: its work, once ready. The senders take the slots in
/// order and wait for each, so files hashed at once still start in the order the walk found
/// them (a run is repeatable, and a large file is not overtaken by the small ones after it).
pub(super) enum Slot {
    /// Work ready when the walk placed it (a folder, a file hashed inline or not hashed).
    Ready(Work),
    /// A hasher's answer to come: `None` when the item ended there.
    Hashing(Receiver<Option<Work>>),
}

impl Slot {
    /// The slot's work, waiting for its hasher; `None` when the item ended without work
    /// (identical, failed, stopping, or its hasher gone).
    pub fn work(self) -> Option<Work> {
        match self {
            Slot::Ready(w) => Some(w),
            Slot::Hashing(rx) => rx.recv().ok().flatten(),
        }
    }
}

impl Stage<'_> {
    /// Runs the stage over `items`; stops early when the batch halts or no hasher or sender
    /// is left. A sync's fetchers of listings ahead are joined before it returns.
    pub fn run(&self, items: Items, hash: SyncSender<HashJob>, work: Giver<Slot>) -> Found {
        std::thread::scope(|scope| {
            let lister = Lister {
                api: self.api,
                bucket: self.bucket,
                limit: self.limit,
            };
            let mut ahead = Ahead::new(scope, lister, self.halt);
            self.walk(items, &mut ahead, (&hash, &work))
        })
    }

    /// The walk's items, one after the other.
    fn walk(
        &self,
        items: Items,
        ahead: &mut Ahead<'_, '_>,
        (hash, work): (&SyncSender<HashJob>, &Giver<Slot>),
    ) -> Found {
        let mut found = Found::default();
        // The listings of the remote folders on the walk's current path (a sync only).
        let mut open: Vec<(String, RemoteFolder)> = Vec::new();
        for item in items {
            if self.halt.is_cancelled() {
                return found;
            }
            let senders_left = match item {
                Item::Enter {
                    local,
                    cos_folder,
                    mirror,
                    subfolders,
                } => {
                    let exists = self.sync.is_some()
                        && self.open((&mut open, &mut *ahead), &cos_folder, subfolders);
                    // The batch's own folder, empty, is no local item: it must not make an
                    // emptied source look non-empty to the deletions' guard.
                    found.selected += u64::from(mirror && cos_folder.len() > self.root_len);
                    !mirror || self.mirror(local, cos_folder, exists, work)
                }
                Item::Leave => {
                    if let Some((folder, listing)) = open.pop() {
                        ahead.left(&folder);
                        self.extras_of(&folder, listing, &mut found.extras);
                    }
                    true
                }
                Item::File { local, cos_path } => {
                    found.selected += 1;
                    let remote = self.sync.map(|_| take(&mut open, &cos_path));
                    self.file(local, cos_path, remote, (hash, work))
                }
                Item::Skip {
                    local,
                    cos_path,
                    reason,
                } => {
                    take(&mut open, &cos_path); // the local item exists: keep the remote one
                    self.out
                        .found_and_ended(local, cos_path, FileStatus::Skipped(reason), 0);
                    true
                }
                Item::Fail {
                    local,
                    cos_path,
                    error,
                } => {
                    take(&mut open, &cos_path);
                    self.out
                        .found_and_ended(local, cos_path, FileStatus::Failed(error), 0);
                    true
                }
            };
            if !senders_left {
                return found;
            }
        }
        found.complete = true;
        self.out.send(super::events::Msg::WalkOver);
        found
    }

    /// Takes the listing of the remote folder the walk enters (fetched ahead, or listed now;
    /// none when its parent's listing shows it does not exist) and pushes it; plans the
    /// listings of the `subfolders` the walk will enter next that exist remotely. True when
    /// the folder exists remotely. A listing that fails is reported (the folder's item fails:
    /// deletions are then withheld) and counts as empty: its files are uploaded without
    /// replacing anything.
    fn open(
        &self,
        (open, ahead): (&mut Vec<(String, RemoteFolder)>, &mut Ahead<'_, '_>),
        cos_folder: &str,
        subfolders: Vec<String>,
    ) -> bool {
        let in_parent = match open.is_empty() {
            true => None,
            false => Some(take(open, cos_folder)),
        };
        // Requested ahead only when the parent's listing has the folder.
        let fetched = ahead.take(cos_folder);
        let listing = match in_parent {
            Some(None) => Ok(RemoteFolder::default()),
            Some(Some(e)) if !e.is_folder => Ok(RemoteFolder::default()),
            _ => fetched.unwrap_or_else(|| {
                remote::list_folder(self.api, self.bucket, cos_folder, self.halt, self.limit)
            }),
        };
        let listing = listing.unwrap_or_else(|e| {
            if !self.halt.is_cancelled() {
                let local = PathBuf::new();
                let failed = FileStatus::Failed(e);
                self.out
                    .found_and_ended(local, cos_folder.to_string(), failed, 0);
            }
            RemoteFolder::default()
        });
        let exists = listing.exists;
        if exists {
            self.folders.known(cos_folder);
        }
        // A listing's entries are named without the folder and the trailing `/`.
        let remote = |sub: &String| {
            let name = sub.strip_prefix(cos_folder).unwrap_or(sub);
            let name = name.trim_end_matches('/');
            listing.entries.get(name).is_some_and(|e| e.is_folder)
        };
        ahead.entered(subfolders.into_iter().filter(remote));
        open.push((cos_folder.to_string(), listing));
        exists
    }

    /// An empty directory to mirror; false when no sender is left.
    fn mirror(&self, local: PathBuf, cos_folder: String, exists: bool, work: &Giver<Slot>) -> bool {
        let status = if exists {
            FileStatus::Unchanged
        } else if self.dry_run {
            FileStatus::WouldUpload
        } else {
            self.out.found(0);
            return work
                .send(Slot::Ready(Work::Folder { local, cos_folder }))
                .is_ok();
        };
        self.out.found_and_ended(local, cos_folder, status, 0);
        true
    }

    /// What is left of a folder's listing when the walk leaves it: the extras the filter
    /// selects (a folder: unless it is excluded; what it holds is checked when it is deleted).
    fn extras_of(&self, folder: &str, listing: RemoteFolder, extras: &mut Vec<Extra>) {
        let mut left: Vec<(String, RemoteEntry)> = listing.entries.into_iter().collect();
        left.sort_by(|a, b| a.0.cmp(&b.0));
        for (name, entry) in left {
            let slash = if entry.is_folder { "/" } else { "" };
            let cos_path = format!("{folder}{name}{slash}");
            let rel = cos_path[self.root_len..].trim_end_matches('/');
            let wanted = if entry.is_folder {
                !self.filter.prunes(rel)
            } else {
                self.filter.selects(rel, false)
            };
            if wanted {
                extras.push(Extra {
                    cos_path,
                    is_folder: entry.is_folder,
                    size: entry.size,
                });
            }
        }
    }

    /// A file: announced, compared by size (a sync), then handed to the hashers or the
    /// senders, or ended here; false when none of those is left. `remote`: `None` without a
    /// sync, else the remote entry at its path, if any.
    fn file(
        &self,
        local: PathBuf,
        cos_path: String,
        remote: Option<Option<RemoteEntry>>,
        (hash, work): (&SyncSender<HashJob>, &Giver<Slot>),
    ) -> bool {
        let source = match FileSource::open(&local) {
            Ok(source) => source,
            Err(e) => {
                self.out
                    .found_and_ended(local, cos_path, FileStatus::Failed(e), 0);
                return true;
            }
        };
        let bytes = upload::Source::len(&source);
        self.out.found(bytes);
        let (replace, same_if) = match remote.map(|r| self.compare(bytes, r)) {
            Some(Verdict::Unchanged) => {
                self.out
                    .ended_now(local, cos_path, FileStatus::Unchanged, bytes);
                return true;
            }
            Some(Verdict::Upload { replace, same_if }) => (replace, same_if),
            None => (false, None),
        };
        if same_if.is_some() || (self.api.cfg.integrity && !self.dry_run) {
            let file = Pending {
                local,
                cos_path,
                source,
                bytes,
                replace,
                same_if,
            };
            if bytes <= HASH_INLINE {
                return self
                    .hashed(file)
                    .is_none_or(|w| work.send(Slot::Ready(w)).is_ok());
            }
            let (reply, slot) = std::sync::mpsc::sync_channel(1);
            return hash.send(HashJob { file, reply }).is_ok()
                && work.send(Slot::Hashing(slot)).is_ok();
        }
        if self.dry_run {
            self.out
                .ended_now(local, cos_path, FileStatus::WouldUpload, bytes);
            return true;
        }
        let file = Work::File {
            local,
            cos_path,
            source,
            prepared: None,
            replace,
        };
        work.send(Slot::Ready(file)).is_ok()
    }

    /// A sync's comparison of a `len`-byte file with the remote entry at its path, as far as
    /// sizes go.
    fn compare(&self, len: u64, remote: Option<RemoteEntry>) -> Verdict {
        let upload = |replace| Verdict::Upload {
            replace,
            same_if: None,
        };
        let Some(remote) = remote else {
            return upload(false); // new
        };
        if remote.is_folder {
            return upload(false); // fails as the service says (a folder has the name)
        }
        if !remote.complete || remote.size != len {
            return upload(true);
        }
        let compare = self.sync.map(|s| s.compare).unwrap_or_default();
        if compare == Compare::SizeOnly {
            return Verdict::Unchanged;
        }
        if remote.sha.is_empty() {
            return upload(true);
        }
        Verdict::Upload {
            replace: true,
            same_if: Some(remote.sha),
        }
    }

    /// A hasher: digests the files it takes until there are none or the batch stops; each one
    /// found identical ends here, the others go to their slot.
    pub fn hash_all(&self, jobs: &Mutex<Receiver<HashJob>>) {
        loop {
            if self.halt.is_cancelled() {
                return;
            }
            let next = jobs.lock().unwrap_or_else(|p| p.into_inner()).recv();
            let Ok(HashJob { file, reply }) = next else {
                return;
            };
            // A reply nobody waits for: the batch is stopping.
            let _ = reply.send(self.hashed(file));
        }
    }

    /// One file's digest, then its fate: the work for the senders, or `None` when it ended.
    fn hashed(&self, file: Pending) -> Option<Work> {
        let Pending {
            local,
            cos_path,
            source,
            bytes,
            replace,
            same_if,
        } = file;
        let prepared = match upload::compute(self.api.cfg, &source, self.halt) {
            Ok(p) => p,
            Err(e) => {
                self.out
                    .ended_now(local, cos_path, FileStatus::Failed(e), bytes);
                return None;
            }
        };
        let same = same_if.is_some_and(|sha| prepared.digest.sha.eq_ignore_ascii_case(&sha));
        if same || self.dry_run {
            let status = if same {
                FileStatus::Unchanged
            } else {
                FileStatus::WouldUpload
            };
            self.out.ended_now(local, cos_path, status, bytes);
            return None;
        }
        Some(Work::File {
            local,
            cos_path,
            source,
            // Without integrity checks the upload sends no digest (it was for the comparison).
            prepared: self.api.cfg.integrity.then_some(prepared),
            replace,
        })
    }
}

/// Takes the remote entry of `cos_path` (a file, or a folder ending in `/`) out of the listing
/// of the folder holding it, when that listing is open.
fn take(open: &mut [(String, RemoteFolder)], cos_path: &str) -> Option<RemoteEntry> {
    let (folder, listing) = open.last_mut()?;
    let name = cos_path
        .strip_prefix(folder.as_str())?
        .trim_end_matches('/');
    if name.is_empty() || name.contains('/') {
        return None;
    }
    listing.entries.remove(name)
}

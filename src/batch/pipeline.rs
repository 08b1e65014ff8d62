//! The batch's threads: the walk-and-hash stage ([`super::stage`], one thread, a bounded
//! look-ahead of prepared files), `jobs` senders, a finisher that waits for them and runs a
//! sync's deletions ([`super::delete`]), and the calling thread collecting
//! ([`super::events`]).

use super::delete::{Deleter, Withheld};
use super::events::{collect, Msg, Outbox};
use super::folders::Folders;
use super::queue::{queue, Taker};
use super::stage::{Found, HashJob, Slot, Stage, Work};
use super::{
    BatchHandler, BatchOptions, BatchOutcome, BatchSource, FileResult, FileStatus, SyncOptions,
};
use crate::cancel::CancelToken;
use crate::config::MAX_WORKERS;
use crate::error::{Error, ErrorKind, Result};
use crate::path::{validate_bucket, validate_folder};
use crate::thread;
use crate::transport::Api;
use crate::upload::{self, FileSource, Handoff, Prepared, Progress, RequestLimit, UploadOptions};
use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Most files hashed ahead of the senders.
const MAX_LOOKAHEAD: usize = 64;
/// Most hashing threads.
const MAX_HASHERS: usize = 16;

/// What every sender shares.
struct Senders<'a> {
    api: Api<'a>,
    bucket: &'a str,
    opts: UploadOptions,
    /// For a file whose remote object differs (a sync): `insert_only` off.
    replace_opts: UploadOptions,
    limit: Arc<RequestLimit>,
    folders: &'a Folders<'a>,
    halt: &'a CancelToken,
}

/// Runs a batch (see the module text of [`super`]).
pub(crate) fn run(
    api: Api<'_>,
    bucket: &str,
    source: BatchSource,
    opts: &BatchOptions,
    handler: Option<BatchHandler<'_>>,
) -> Result<BatchOutcome> {
    check(bucket, &source, opts)?;
    let started = Instant::now();
    let cancel = opts.cancel.clone().unwrap_or_default();
    let halt = CancelToken::new();
    let _link = {
        let halt = halt.clone();
        cancel.on_cancel(move || halt.cancel())
    };
    let limit = RequestLimit::new(opts.max_requests);
    let limit = &Arc::new(limit);
    let folders = Folders::new(api, bucket, &halt, limit);
    let upload_opts = UploadOptions {
        create_parents: false,
        cancel: Some(halt.clone()),
        ..opts.upload.clone()
    };
    let senders = Senders {
        api,
        bucket,
        replace_opts: UploadOptions {
            insert_only: false,
            ..upload_opts.clone()
        },
        opts: upload_opts,
        limit: limit.clone(),
        folders: &folders,
        halt: &halt,
    };
    let root_len = match &source {
        BatchSource::Dir { cos_folder, .. } => cos_folder.len(),
        BatchSource::List(_) => 0,
    };
    let items = source.items(
        opts.follow_symlinks,
        opts.filter.clone(),
        opts.sync.is_some(),
    );
    let (hash_tx, hash_rx) = mpsc::sync_channel::<HashJob>(opts.lookahead);
    let (order_tx, order_rx) = queue::<Slot>(opts.lookahead);
    let (msg_tx, msg_rx) = mpsc::channel::<Msg>();
    let failed = AtomicU64::new(0);
    let outbox = |tx: &Sender<Msg>| Outbox {
        tx: tx.clone(),
        failed: &failed,
        collector: std::thread::current(),
    };
    let collected = std::thread::scope(|scope| {
        // Shared by the walk and the hashers; its sender of messages goes with the last one.
        let stage = Arc::new(Stage {
            api,
            bucket,
            halt: &halt,
            limit,
            folders: &folders,
            out: outbox(&msg_tx),
            filter: &opts.filter,
            sync: opts.sync,
            dry_run: opts.dry_run,
            root_len,
        });
        let hash_rx = Arc::new(Mutex::new(hash_rx));
        let hashing: Vec<_> = (0..opts.hashers)
            .map(|_| {
                let (stage, rx) = (stage.clone(), hash_rx.clone());
                thread::spawn(scope, "cosv4-hash", move || stage.hash_all(&rx))
            })
            .collect();
        drop(hash_rx);
        let walk = thread::spawn(scope, "cosv4-walk", move || {
            stage.run(items, hash_tx, order_tx)
        });
        // The senders own the takers: when the last one ends, the walk's next hand-over
        // fails and it stops (and the hashers run out of files).
        let sending: Vec<_> = (0..opts.jobs)
            .map(|_| {
                let (rx, out, s) = (order_rx.clone(), outbox(&msg_tx), &senders);
                thread::spawn(scope, "cosv4-send", move || send_all(s, rx, out))
            })
            .collect();
        drop(order_rx);
        // After every upload: the sync's deletions.
        let deleter = Deleter {
            api,
            bucket,
            halt: &halt,
            limit,
            filter: &opts.filter,
            root_len,
            out: outbox(&msg_tx),
            dry_run: opts.dry_run,
        };
        let (sync, failed) = (opts.sync, &failed);
        let collector = std::thread::current();
        thread::spawn(scope, "cosv4-finish", move || {
            let found = walk.join().unwrap_or_default();
            hashing.into_iter().for_each(|h| drop(h.join()));
            sending.into_iter().for_each(|s| drop(s.join()));
            if let Some(sync) = sync.filter(|s| s.delete) {
                delete_extras(&deleter, found, sync, failed);
            }
            // The last sender of messages is gone: the collector stops gathering, sees the end.
            drop(deleter);
            collector.unpark();
        });
        drop(msg_tx);
        collect(msg_rx, handler, &halt, opts.fail_fast, opts.keep, started)
    });
    if cancel.is_cancelled() {
        return Err(Error::cancelled());
    }
    if let Some(e) = collected.stopped {
        return Err(e);
    }
    Ok(BatchOutcome {
        elapsed: started.elapsed(),
        ..collected.outcome
    })
}

/// A sync's deletions, once every upload is over: withheld after failures or for an empty
/// source, skipped when the walk was stopped (the extras are not all known).
fn delete_extras(deleter: &Deleter<'_>, found: Found, sync: SyncOptions, failed: &AtomicU64) {
    let withheld = match failed.load(Ordering::SeqCst) {
        _ if !found.complete => return,
        0 if found.selected == 0 && !sync.force => Some(Withheld::EmptySource),
        0 => None,
        n => Some(Withheld::Failures(n)),
    };
    deleter.run(found.extras, withheld);
}

fn check(bucket: &str, source: &BatchSource, opts: &BatchOptions) -> Result<()> {
    validate_bucket(bucket)?;
    match source {
        BatchSource::Dir { local, cos_folder } => {
            validate_folder(cos_folder)?;
            let entries = std::fs::read_dir(local).map_err(|e| {
                Error::usage(format!(
                    "{} is not a directory that can be read: {e}",
                    local.display()
                ))
            })?;
            let delete = opts.sync.is_some_and(|s| s.delete && !s.force);
            if delete && entries.count() == 0 {
                return Err(Error::usage(format!(
                    "{} is empty: refusing to sync it with delete (it would delete everything \
                     under {cos_folder}); set force to allow it",
                    local.display()
                )));
            }
        }
        BatchSource::List(_) => {
            if opts.sync.is_some() || !opts.filter.is_empty() {
                return Err(Error::usage(
                    "sync and include/exclude patterns apply to a directory source, not to a \
                     list of files",
                ));
            }
        }
    }
    let in_range = |name: &str, n: usize, max: usize| {
        if (1..=max).contains(&n) {
            Ok(())
        } else {
            Err(Error::usage(format!(
                "{name} {n} is out of range; use 1 to {max}"
            )))
        }
    };
    in_range("jobs", opts.jobs, MAX_WORKERS)?;
    in_range("lookahead", opts.lookahead, MAX_LOOKAHEAD)?;
    in_range("hashers", opts.hashers, MAX_HASHERS)?;
    if opts.max_requests == 0 {
        return Err(Error::usage(
            "max_requests is 0; at least 1 request must be allowed",
        ));
    }
    Ok(())
}

/// A sender: takes prepared items until there are none, or the batch stops.
/// Slots are taken in walk order (one at a time, from the queue) and waited for after: the
/// files start in the order the walk found them (strictly, with one job) however the hashers
/// finish.
fn send_all(s: &Senders<'_>, slots: Taker<Slot>, out: Outbox<'_>) {
    loop {
        if s.halt.is_cancelled() {
            return;
        }
        let Some(slot) = slots.recv() else { return };
        let Some(item) = slot.work() else {
            continue;
        };
        let started = Instant::now();
        let mut counted = 0;
        let (local, cos_path, bytes, status) = match item {
            Work::Folder { local, cos_folder } => {
                let status = match s.folders.ensure(&cos_folder) {
                    Ok(()) => FileStatus::Folder,
                    Err(e) => FileStatus::Failed(e),
                };
                (local, cos_folder, 0, status)
            }
            Work::File {
                local,
                cos_path,
                source,
                prepared,
                replace,
            } => {
                let bytes = upload::Source::len(&source);
                out.send(Msg::Started {
                    local: local.clone(),
                    cos_path: cos_path.clone(),
                    bytes,
                });
                let opts = if replace { &s.replace_opts } else { &s.opts };
                let file = (cos_path.as_str(), &source, opts);
                let status = guarded(|| upload_one(s, file, prepared, &out.tx, &mut counted));
                (local, cos_path, bytes, status)
            }
        };
        let result = FileResult {
            local,
            cos_path,
            status,
            bytes,
            elapsed: started.elapsed(),
        };
        out.ended(result, counted);
    }
}

/// A panic in one file's upload fails that file, not the batch.
fn guarded(f: impl FnOnce() -> FileStatus) -> FileStatus {
    std::panic::catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|_| {
        FileStatus::Failed(Error::new(ErrorKind::Internal, "a batch sender panicked"))
    })
}

/// One file: its folders, then the engine with the digest handed over; the server's
/// confirmed bytes are passed on as they come (`counted` = the total passed on).
fn upload_one(
    s: &Senders<'_>,
    (cos_path, source, opts): (&str, &FileSource, &UploadOptions),
    prepared: Option<Prepared>,
    msgs: &Sender<Msg>,
    counted: &mut u64,
) -> FileStatus {
    if let Err(e) = s.folders.ensure(cos_path) {
        return FileStatus::Failed(e);
    }
    let mut handler = |p: &Progress| {
        if p.bytes_done > *counted {
            let _ = msgs.send(Msg::Sent {
                bytes: p.bytes_done - *counted,
            });
            *counted = p.bytes_done;
        }
        ControlFlow::Continue(())
    };
    let handoff = Handoff {
        prepared,
        limit: Some(s.limit.clone()),
    };
    let target = (s.bucket, cos_path);
    match upload::run_with(s.api, target, source, opts, handoff, Some(&mut handler)) {
        Ok(outcome) => FileStatus::Uploaded(outcome),
        Err(e) => FileStatus::Failed(s.folders.explain(cos_path, e)),
    }
}

//! The batch's threads: the walk and hashing stage (one thread, a bounded look-ahead of
//! prepared files), `jobs` senders, and the calling thread collecting ([`super::events`]).

use super::events::{collect, Msg};
use super::folders::Folders;
use super::walk::{Item, Items};
use super::{BatchHandler, BatchOptions, BatchOutcome, BatchSource, FileResult, FileStatus};
use crate::cancel::CancelToken;
use crate::config::MAX_WORKERS;
use crate::error::{Error, ErrorKind, Result};
use crate::path::{validate_bucket, validate_folder};
use crate::transport::Api;
use crate::upload::{self, FileSource, Handoff, Prepared, Progress, RequestLimit, UploadOptions};
use std::ops::ControlFlow;
use std::panic::AssertUnwindSafe;
use std::path::PathBuf;
use std::sync::mpsc::{self, Receiver, Sender, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Most files hashed ahead of the senders.
const MAX_LOOKAHEAD: usize = 64;

/// What the hashing stage hands to a sender.
enum Work {
    File {
        local: PathBuf,
        cos_path: String,
        source: FileSource,
        prepared: Option<Prepared>,
    },
    Folder {
        local: PathBuf,
        cos_folder: String,
    },
}

/// What every sender shares.
struct Senders<'a> {
    api: Api<'a>,
    bucket: &'a str,
    opts: UploadOptions,
    limit: Arc<RequestLimit>,
    folders: Folders<'a>,
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
    let limit = Arc::new(RequestLimit::new(opts.max_requests));
    let senders = Senders {
        api,
        bucket,
        opts: UploadOptions {
            create_parents: false,
            cancel: Some(halt.clone()),
            ..opts.upload.clone()
        },
        limit: limit.clone(),
        folders: Folders::new(api, bucket, &halt, &limit),
        halt: &halt,
    };
    let items = source.items(opts.follow_symlinks);
    let (work_tx, work_rx) = mpsc::sync_channel::<Work>(opts.lookahead);
    let (msg_tx, msg_rx) = mpsc::channel::<Msg>();
    let collected = std::thread::scope(|scope| {
        let tx = msg_tx.clone();
        let halt = &halt;
        scope.spawn(move || prepare_all(items, api, halt, work_tx, tx));
        // The senders own the receiver: when the last one ends, the hashing stage's next
        // hand-over fails and it stops too.
        let work_rx = Arc::new(Mutex::new(work_rx));
        for _ in 0..opts.jobs {
            let (rx, tx, s) = (work_rx.clone(), msg_tx.clone(), &senders);
            scope.spawn(move || send_all(s, rx, tx));
        }
        drop((work_rx, msg_tx));
        collect(msg_rx, handler, halt, opts.fail_fast, started)
    });
    if cancel.is_cancelled() {
        return Err(Error::cancelled());
    }
    if let Some(e) = collected.stopped {
        return Err(e);
    }
    Ok(BatchOutcome::from_results(
        collected.files,
        started.elapsed(),
    ))
}

fn check(bucket: &str, source: &BatchSource, opts: &BatchOptions) -> Result<()> {
    validate_bucket(bucket)?;
    if let BatchSource::Dir { local, cos_folder } = source {
        validate_folder(cos_folder)?;
        if !std::fs::metadata(local).is_ok_and(|m| m.is_dir()) {
            return Err(Error::usage(format!(
                "{} is not a directory",
                local.display()
            )));
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
    if opts.max_requests == 0 {
        return Err(Error::usage(
            "max_requests is 0; at least 1 request must be allowed",
        ));
    }
    Ok(())
}

/// The walk and hashing stage: every item found is announced; files are opened and hashed
/// and handed to the senders (waiting while the look-ahead is full); the rest end here.
fn prepare_all(
    items: Items,
    api: Api<'_>,
    halt: &CancelToken,
    work: SyncSender<Work>,
    msgs: Sender<Msg>,
) {
    let stage = Stage { api, halt, msgs };
    for item in items {
        if halt.is_cancelled() {
            return;
        }
        // False when every sender is gone (the batch stops).
        let senders_left = match item {
            Item::File { local, cos_path } => stage.prepare(local, cos_path, &work),
            Item::Folder { local, cos_folder } => {
                stage.found(0);
                work.send(Work::Folder { local, cos_folder }).is_ok()
            }
            Item::Skip {
                local,
                cos_path,
                reason,
            } => stage.ended(local, cos_path, FileStatus::Skipped(reason), 0),
            Item::Fail {
                local,
                cos_path,
                error,
            } => stage.ended(local, cos_path, FileStatus::Failed(error), 0),
        };
        if !senders_left {
            return;
        }
    }
    let _ = stage.msgs.send(Msg::WalkOver);
}

struct Stage<'a> {
    api: Api<'a>,
    halt: &'a CancelToken,
    msgs: Sender<Msg>,
}

impl Stage<'_> {
    /// The item is announced (a file with its size).
    fn found(&self, bytes: u64) {
        let _ = self.msgs.send(Msg::Found { bytes });
    }

    /// The item ends in this stage (never sent); true, as no sender was needed.
    fn ended(&self, local: PathBuf, cos_path: String, status: FileStatus, bytes: u64) -> bool {
        self.found(bytes);
        let result = FileResult {
            local,
            cos_path,
            status,
            bytes,
            elapsed: Duration::ZERO,
        };
        let result = Box::new(result);
        let _ = self.msgs.send(Msg::Ended { result, counted: 0 });
        true
    }

    /// Opens and hashes a file, and hands it over; false when no sender is left.
    fn prepare(&self, local: PathBuf, cos_path: String, work: &SyncSender<Work>) -> bool {
        let source = match FileSource::open(&local) {
            Ok(source) => source,
            Err(e) => return self.ended(local, cos_path, FileStatus::Failed(e), 0),
        };
        let bytes = upload::Source::len(&source);
        match upload::prepare(self.api.cfg, &source, self.halt) {
            Ok(prepared) => {
                self.found(bytes);
                let file = Work::File {
                    local,
                    cos_path,
                    source,
                    prepared,
                };
                work.send(file).is_ok()
            }
            Err(e) => self.ended(local, cos_path, FileStatus::Failed(e), bytes),
        }
    }
}

/// A sender: takes prepared items until there are none, or the batch stops.
fn send_all(s: &Senders<'_>, work: Arc<Mutex<Receiver<Work>>>, msgs: Sender<Msg>) {
    loop {
        if s.halt.is_cancelled() {
            return;
        }
        let next = work.lock().unwrap_or_else(|p| p.into_inner()).recv();
        let Ok(item) = next else { return };
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
            } => {
                let bytes = upload::Source::len(&source);
                let _ = msgs.send(Msg::Started {
                    local: local.clone(),
                    cos_path: cos_path.clone(),
                    bytes,
                });
                let status =
                    guarded(|| upload_one(s, &cos_path, &source, prepared, &msgs, &mut counted));
                (local, cos_path, bytes, status)
            }
        };
        let result = Box::new(FileResult {
            local,
            cos_path,
            status,
            bytes,
            elapsed: started.elapsed(),
        });
        let _ = msgs.send(Msg::Ended { result, counted });
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
    cos_path: &str,
    source: &FileSource,
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
    match upload::run_with(s.api, target, source, &s.opts, handoff, Some(&mut handler)) {
        Ok(outcome) => FileStatus::Uploaded(outcome),
        Err(e) => FileStatus::Failed(e),
    }
}

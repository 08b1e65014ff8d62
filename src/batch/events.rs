//! The caller's side of a batch: messages from the stages become the result list, per-file
//! events, and the aggregate progress (throttled by [`Reporter`]), all on the calling thread.
//!
//! The calling thread wakes at most once per [`GATHER`] while messages stream in: it handles
//! what has come, then sleeps without waiting on the channel, so the stages' sends in the
//! meantime wake nobody (a wake-up per message was several futex calls and context switches
//! per file, the largest cost of a batch of small files). A failed item ([`Outbox::ended`])
//! and the end of the batch wake it at once.

use super::{BatchEvent, BatchHandler, BatchOutcome, BatchProgress, FileResult, FileStatus, Keep};
use crate::cancel::CancelToken;
use crate::error::Error;
use crate::progress::{self, Rate, Reporter};
use std::cell::RefCell;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError};
use std::thread::Thread;
use std::time::{Duration, Instant};

/// While messages keep coming, the calling thread handles them in gathers at most this often:
/// an event reaches the handler at most this late.
const GATHER: Duration = Duration::from_millis(5);
/// With a handler, a progress report at least this often, even when nothing moves (the rate
/// falls, the elapsed time grows).
const HEARTBEAT: Duration = Duration::from_secs(1);

/// What the stages tell the calling thread.
pub(super) enum Msg {
    /// The walk found an item (a file of `bytes` bytes, or another item with 0).
    Found { bytes: u64 },
    /// The walk is over.
    WalkOver,
    Started {
        local: PathBuf,
        cos_path: String,
        bytes: u64,
    },
    /// The server confirmed `bytes` more of a file in flight.
    Sent { bytes: u64 },
    /// An item ended; `counted` is what `Sent` reported of it.
    Ended {
        result: Box<FileResult>,
        counted: u64,
    },
}

/// The stages' side of the channel: every message to the calling thread goes through it, and
/// it counts the failed items (the deletions of a sync wait on that count).
pub(super) struct Outbox<'a> {
    pub tx: Sender<Msg>,
    pub failed: &'a AtomicU64,
    /// The calling thread (the collector), woken at once by a failure.
    pub collector: Thread,
}

impl Outbox<'_> {
    pub fn send(&self, msg: Msg) {
        let _ = self.tx.send(msg); // the calling thread is gone only when the batch is over
    }

    /// An item found (with its size in bytes; 0 but for files).
    pub fn found(&self, bytes: u64) {
        self.send(Msg::Found { bytes });
    }

    /// An item ends; `counted` is what `Sent` reported of it.
    pub fn ended(&self, result: FileResult, counted: u64) {
        let failed = matches!(result.status, FileStatus::Failed(_));
        if failed {
            self.failed.fetch_add(1, Ordering::SeqCst);
        }
        let result = Box::new(result);
        self.send(Msg::Ended { result, counted });
        if failed {
            self.collector.unpark(); // fail_fast stops the batch without waiting for the gather
        }
    }

    /// An item found that ends at once (never sent).
    pub fn found_and_ended(
        &self,
        local: PathBuf,
        cos_path: String,
        status: FileStatus,
        bytes: u64,
    ) {
        self.found(bytes);
        self.ended_now(local, cos_path, status, bytes);
    }

    /// An item already found ends without being sent.
    pub fn ended_now(&self, local: PathBuf, cos_path: String, status: FileStatus, bytes: u64) {
        let result = FileResult {
            local,
            cos_path,
            status,
            bytes,
            elapsed: Duration::ZERO,
        };
        self.ended(result, 0);
    }
}

/// The calling thread's end of the channel: wakes at most once per [`GATHER`] while messages
/// stream in.
struct Inbox {
    rx: Receiver<Msg>,
    /// The last wake-up that found messages.
    woke: Option<Instant>,
    /// The thread has just slept after one.
    gathered: bool,
    /// Longest wait for a message when no report is due: [`HEARTBEAT`] with a handler.
    idle: Duration,
}

enum Next {
    Msg(Msg),
    /// The progress report is due, or the heartbeat.
    Due,
    /// Every stage is over.
    Over,
}

impl Inbox {
    /// The next message; waits until `due` at most.
    fn next(&mut self, due: Option<Instant>) -> Next {
        loop {
            match self.rx.try_recv() {
                Ok(msg) => {
                    if std::mem::take(&mut self.gathered) {
                        self.woke = Some(Instant::now());
                    }
                    return Next::Msg(msg);
                }
                Err(TryRecvError::Disconnected) => return Next::Over,
                Err(TryRecvError::Empty) => {}
            }
            // Messages came less than GATHER ago: sleep off the rest without listening.
            let since = self.woke.map_or(GATHER, |t| t.elapsed());
            if !self.gathered && since < GATHER {
                std::thread::park_timeout(GATHER - since);
                self.gathered = true;
                continue;
            }
            self.gathered = false;
            let wait = due.map_or(self.idle, |at| at.saturating_duration_since(Instant::now()));
            return match self.rx.recv_timeout(wait) {
                Ok(msg) => {
                    self.woke = Some(Instant::now());
                    Next::Msg(msg)
                }
                Err(RecvTimeoutError::Timeout) => Next::Due,
                Err(RecvTimeoutError::Disconnected) => Next::Over,
            };
        }
    }
}

/// How the batch ends.
pub(super) struct Collected {
    /// Every item counted, those asked for kept (the elapsed time is not set).
    pub outcome: BatchOutcome,
    /// Why the batch stopped early (the handler, or `fail_fast`).
    pub stopped: Option<Error>,
}

/// Collects until every stage is over. A handler's Break, or a failure under `fail_fast`,
/// trips `halt`; no event is delivered after that, but the results still come in.
pub(super) fn collect(
    rx: Receiver<Msg>,
    handler: Option<BatchHandler<'_>>,
    halt: &CancelToken,
    fail_fast: bool,
    keep: Keep,
    started: Instant,
) -> Collected {
    let has_handler = handler.is_some();
    let user = RefCell::new(handler);
    let deliver = |ev: &BatchEvent<'_>| match &mut *user.borrow_mut() {
        Some(h) => h(ev),
        None => ControlFlow::Continue(()),
    };
    let mut forward = |p: &BatchProgress| deliver(&BatchEvent::Progress(p));
    let forward: &mut dyn FnMut(&BatchProgress) -> ControlFlow<()> = &mut forward;
    let mut reporter = Reporter::new(
        has_handler.then_some(forward),
        BatchProgress::default(),
        "batch",
    );
    let mut out = Collected {
        outcome: BatchOutcome::default(),
        stopped: None,
    };
    let stop = |out: &mut Collected, e: Error| {
        if out.stopped.is_none() {
            out.stopped = Some(e);
            halt.cancel();
        }
    };
    let mut inbox = Inbox {
        rx,
        woke: None,
        gathered: false,
        idle: if has_handler {
            HEARTBEAT
        } else {
            Duration::from_secs(3600)
        },
    };
    let mut pace = Pace {
        rate: Rate::new(started, 0),
        started,
        dropped: 0,
    };
    loop {
        let msg = match inbox.next(reporter.due()) {
            Next::Msg(msg) => msg,
            Next::Due => {
                reporter.update(|p| pace.stamp(p));
                if out.stopped.is_none() {
                    if let Err(e) = reporter.tick() {
                        stop(&mut out, e);
                    }
                }
                continue;
            }
            Next::Over => break,
        };
        let quiet = out.stopped.is_some() || halt.is_cancelled();
        let flow = match msg {
            Msg::Found { bytes } => {
                reporter.update(|p| {
                    p.files_known += 1;
                    p.bytes_known += bytes;
                });
                ControlFlow::Continue(())
            }
            Msg::WalkOver => {
                reporter.update(|p| p.walk_done = true);
                ControlFlow::Continue(())
            }
            Msg::Started {
                local,
                cos_path,
                bytes,
            } if !quiet => deliver(&BatchEvent::Started {
                local: &local,
                cos_path: &cos_path,
                bytes,
            }),
            Msg::Started { .. } => ControlFlow::Continue(()),
            Msg::Sent { bytes } => {
                reporter.update(|p| p.bytes_done += bytes);
                ControlFlow::Continue(())
            }
            Msg::Ended { result, counted } => {
                // Bytes of a file the batch is done with: sent, or found identical.
                let done = matches!(
                    result.status,
                    FileStatus::Uploaded(_) | FileStatus::Unchanged | FileStatus::WouldUpload
                );
                if !done {
                    pace.dropped += result.bytes;
                }
                reporter.update(|p| {
                    p.files_done += 1;
                    let add = if done { result.bytes } else { 0 };
                    p.bytes_done = p.bytes_done.saturating_sub(counted) + add;
                });
                let flow = if quiet {
                    ControlFlow::Continue(())
                } else {
                    deliver(&match &result.status {
                        FileStatus::Skipped(_) | FileStatus::Unchanged => {
                            BatchEvent::Skipped(&result)
                        }
                        FileStatus::Failed(_) => BatchEvent::Failed(&result),
                        _ => BatchEvent::Done(&result),
                    })
                };
                if let (FileStatus::Failed(e), true) = (&result.status, fail_fast) {
                    let e = e
                        .clone()
                        .context(format!("{} (fail_fast)", result.local.display()));
                    stop(&mut out, e);
                }
                out.outcome.add(*result, keep);
                flow
            }
        };
        reporter.update(|p| pace.stamp(p));
        if flow.is_break() {
            stop(
                &mut out,
                Error::new(crate::ErrorKind::Aborted, "the batch handler asked to stop"),
            );
        }
        if out.stopped.is_none() {
            if let Err(e) = reporter.tick() {
                stop(&mut out, e);
            }
        }
    }
    if out.stopped.is_none() && !halt.is_cancelled() {
        reporter.update(|p| pace.stamp(p));
        let _ = reporter.emit(); // the final aggregate; a stop asked now is moot
    }
    out
}

/// The batch's pace: the elapsed time, the rate and the time left of each report.
struct Pace {
    rate: Rate,
    started: Instant,
    /// Bytes of files found that will never be done (failed, skipped).
    dropped: u64,
}

impl Pace {
    fn stamp(&mut self, p: &mut BatchProgress) {
        let now = Instant::now();
        p.elapsed = now.saturating_duration_since(self.started);
        p.bytes_per_second = self.rate.sample(now, p.bytes_done);
        let left = p.bytes_known.saturating_sub(p.bytes_done + self.dropped);
        p.eta = if p.walk_done {
            progress::eta(left, p.bytes_per_second)
        } else {
            None
        };
    }
}

//! The caller's side of a batch: messages from the stages become the result list, per-file
//! events, and the aggregate progress (throttled by [`Reporter`]), all on the calling thread.

use super::{BatchEvent, BatchHandler, BatchProgress, FileResult, FileStatus};
use crate::cancel::CancelToken;
use crate::error::Error;
use crate::progress::Reporter;
use std::cell::RefCell;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

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

/// How the batch ends.
pub(super) struct Collected {
    pub files: Vec<FileResult>,
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
        files: Vec::new(),
        stopped: None,
    };
    let stop = |out: &mut Collected, e: Error| {
        if out.stopped.is_none() {
            out.stopped = Some(e);
            halt.cancel();
        }
    };
    loop {
        let wait = reporter
            .due()
            .map(|at| at.saturating_duration_since(Instant::now()))
            .unwrap_or(Duration::from_secs(3600));
        let msg = match rx.recv_timeout(wait) {
            Ok(msg) => msg,
            Err(RecvTimeoutError::Timeout) => {
                if out.stopped.is_none() {
                    if let Err(e) = reporter.tick() {
                        stop(&mut out, e);
                    }
                }
                continue;
            }
            Err(RecvTimeoutError::Disconnected) => break,
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
                let uploaded = matches!(result.status, FileStatus::Uploaded(_));
                reporter.update(|p| {
                    p.files_done += 1;
                    let add = if uploaded { result.bytes } else { 0 };
                    p.bytes_done = p.bytes_done.saturating_sub(counted) + add;
                });
                let flow = if quiet {
                    ControlFlow::Continue(())
                } else {
                    deliver(&match &result.status {
                        FileStatus::Uploaded(_) | FileStatus::Folder => BatchEvent::Done(&result),
                        FileStatus::Skipped(_) => BatchEvent::Skipped(&result),
                        FileStatus::Failed(_) => BatchEvent::Failed(&result),
                    })
                };
                if let (FileStatus::Failed(e), true) = (&result.status, fail_fast) {
                    let e = e
                        .clone()
                        .context(format!("{} (fail_fast)", result.local.display()));
                    stop(&mut out, e);
                }
                out.files.push(*result);
                flow
            }
        };
        reporter.update(|p| p.elapsed = started.elapsed());
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
        reporter.update(|p| p.elapsed = started.elapsed());
        let _ = reporter.emit(); // the final aggregate; a stop asked now is moot
    }
    out
}

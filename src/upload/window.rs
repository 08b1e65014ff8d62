//! The data phase: a bounded window of worker threads posting slices, and the calling thread
//! collecting their results into progress events.
//!
//! Each worker takes the next pending offset, streams that slice straight from the source with
//! positional reads into the request (no slice buffer of ours: memory is the agent's output
//! buffers, one per connection, whatever the file size), and checks the echoed offset. A slice
//! that fails after its retries cancels `halt`: no new slices start, and the requests in flight
//! are interrupted.

use super::plan::Plan;
use super::progress::Reporter;
use super::source::RangeReader;
use super::Job;
use crate::error::{Error, ErrorKind, Result};
use crate::retry::with_retries;
use crate::thread;
use crate::wire::envelope::int_field;
use crate::wire::Form;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// What the data phase did.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Sent {
    pub slices: u64,
    pub bytes: u64,
    /// Bytes of attempts after the first, per slice.
    pub resent: u64,
    pub retries: u32,
}

struct Event {
    offset: u64,
    len: u64,
    attempts: u32,
    result: Result<()>,
}

/// Sends the `pending` slices with up to `workers` in flight.
pub(crate) fn send(
    job: &Job<'_>,
    session: &str,
    plan: Plan,
    pending: &[u64],
    workers: usize,
    reporter: &mut Reporter<'_>,
) -> Result<Sent> {
    let next = AtomicUsize::new(0);
    let (tx, rx) = mpsc::channel::<Event>();
    let mut sent = Sent::default();
    let mut failure: Option<Error> = None;
    std::thread::scope(|scope| {
        for _ in 0..workers.min(pending.len()) {
            let tx = tx.clone();
            let next = &next;
            thread::spawn(scope, "cosv4-slice", move || {
                worker(job, session, plan, pending, next, tx)
            });
        }
        drop(tx);
        loop {
            let wait = reporter
                .due()
                .map(|at| at.saturating_duration_since(Instant::now()))
                .unwrap_or(Duration::from_secs(3600));
            match rx.recv_timeout(wait) {
                Ok(ev) => {
                    sent.retries += ev.attempts.saturating_sub(1);
                    sent.bytes += ev.len * u64::from(ev.attempts);
                    sent.resent += ev.len * u64::from(ev.attempts.saturating_sub(1));
                    match ev.result {
                        Ok(()) => {
                            sent.slices += 1;
                            reporter.update(|p| {
                                p.bytes_done += ev.len;
                                p.slices_done += 1;
                            });
                        }
                        Err(e) => {
                            job.halt.cancel();
                            if failure.is_none() {
                                let n = ev.offset / plan.slice_size + 1;
                                failure = Some(e.context(format!(
                                    "slice {n} of {} (offset {})",
                                    plan.count(),
                                    ev.offset
                                )));
                            }
                        }
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
            if failure.is_none() {
                if let Err(e) = reporter.tick() {
                    // The handler asked to stop: interrupt the requests in flight.
                    job.halt.cancel();
                    failure = Some(e);
                }
            }
        }
    });
    if job.cancel.is_cancelled() {
        return Err(Error::cancelled());
    }
    match failure {
        Some(e) => Err(e),
        None => Ok(sent),
    }
}

fn worker(
    job: &Job<'_>,
    session: &str,
    plan: Plan,
    pending: &[u64],
    next: &AtomicUsize,
    tx: mpsc::Sender<Event>,
) {
    loop {
        if job.stop().check().is_err() {
            return;
        }
        let i = next.fetch_add(1, Ordering::SeqCst);
        let Some(&offset) = pending.get(i) else {
            return;
        };
        let len = plan.len_at(offset);
        let mut attempts = 0;
        let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| {
            with_retries(job.cfg, &job.stop(), || {
                attempts += 1;
                post_slice(job, session, offset, len)
            })
            .0
        }));
        let result = outcome
            .unwrap_or_else(|_| Err(Error::new(ErrorKind::Internal, "an upload worker panicked")));
        let failed = result.is_err();
        let _ = tx.send(Event {
            offset,
            len,
            attempts,
            result,
        });
        if failed {
            return;
        }
    }
}

/// One `upload_slice_data` request; checks that the answer echoes this slice.
fn post_slice(job: &Job<'_>, session: &str, offset: u64, len: u64) -> Result<()> {
    job.source.check_unchanged()?;
    let form = Form::new()
        .text("op", "upload_slice_data")
        .text("session", session)
        .text("offset", &offset.to_string());
    let reader = RangeReader::new(job.source, offset, len, &job.halt);
    let data = job.post(form.with_content("filecontent", len, reader))?;
    if let Some(echo) = int_field(&data, "offset") {
        if echo != offset as i64 {
            return Err(Error::protocol(format!(
                "the server answered offset {echo} for the slice sent at offset {offset}"
            )));
        }
    }
    if let Some(s) = data.get("session").and_then(|s| s.as_str()) {
        if !s.is_empty() && s != session {
            return Err(Error::protocol(format!(
                "the server answered session {s:?} for a slice of session {session:?}"
            )));
        }
    }
    Ok(())
}

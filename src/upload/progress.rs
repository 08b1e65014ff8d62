//! Progress events and their delivery to the caller's handler, at most every ~50 ms.

use crate::error::{Error, ErrorKind, Result};
use std::ops::ControlFlow;
use std::time::{Duration, Instant};

/// Shortest gap between two events, except the first and the last.
pub const MIN_INTERVAL: Duration = Duration::from_millis(50);

/// Where an upload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Computing the SHA-1 and `uploadparts` before `upload_slice_init`.
    Hashing,
    /// Sending data.
    Uploading,
    /// All data is on the server; the upload is complete when the handler returns.
    Done,
}

/// A progress event. Counts are cumulative and never go down; after a resume the first
/// `Uploading` event already counts what the server had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    pub phase: Phase,
    /// File size.
    pub bytes_total: u64,
    /// Bytes the server has confirmed (slices answered, plus those it already had).
    pub bytes_done: u64,
    /// Bytes hashed so far (equals `bytes_total` once hashing is over, or 0 without integrity).
    pub bytes_hashed: u64,
    pub slices_total: u64,
    pub slices_done: u64,
}

/// The caller's handler: return `ControlFlow::Break(())` to stop the upload.
pub type Handler<'a> = &'a mut dyn FnMut(&Progress) -> ControlFlow<()>;

/// Delivers events to an optional handler, throttled.
pub struct Reporter<'a> {
    handler: Option<Handler<'a>>,
    last: Option<Instant>,
    pub current: Progress,
    dirty: bool,
}

impl<'a> Reporter<'a> {
    pub fn new(handler: Option<Handler<'a>>, bytes_total: u64) -> Reporter<'a> {
        Reporter {
            handler,
            last: None,
            current: Progress {
                phase: Phase::Hashing,
                bytes_total,
                bytes_done: 0,
                bytes_hashed: 0,
                slices_total: 0,
                slices_done: 0,
            },
            dirty: true,
        }
    }

    /// Marks the state as changed; call [`Reporter::tick`] to deliver it.
    pub fn update(&mut self, f: impl FnOnce(&mut Progress)) {
        f(&mut self.current);
        self.dirty = true;
    }

    /// When the pending change is due: now, or at an instant (for the caller's wait).
    pub fn due(&self) -> Option<Instant> {
        if !self.dirty || self.handler.is_none() {
            return None;
        }
        Some(self.last.map_or_else(Instant::now, |t| t + MIN_INTERVAL))
    }

    /// Delivers the pending change if 50 ms passed since the last event.
    pub fn tick(&mut self) -> Result<()> {
        match self.due() {
            Some(at) if at <= Instant::now() => self.emit(),
            _ => Ok(()),
        }
    }

    /// Delivers the final 100 % event. The upload is complete by then, so a request to stop
    /// is moot and ignored.
    pub fn emit_final(&mut self) {
        self.current.phase = Phase::Done;
        self.current.bytes_done = self.current.bytes_total;
        self.current.slices_done = self.current.slices_total;
        let _ = self.emit();
    }

    /// Delivers the current state now, whatever the time (phase changes).
    pub fn emit(&mut self) -> Result<()> {
        self.dirty = false;
        let Some(handler) = self.handler.as_mut() else {
            return Ok(());
        };
        self.last = Some(Instant::now());
        match handler(&self.current) {
            ControlFlow::Continue(()) => Ok(()),
            ControlFlow::Break(()) => Err(Error::new(
                ErrorKind::Aborted,
                "the progress handler asked to stop the upload",
            )),
        }
    }
}

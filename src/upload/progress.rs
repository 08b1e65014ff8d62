//! An upload's progress events; delivered by the shared [`crate::progress::Reporter`].

pub use crate::progress::MIN_INTERVAL;

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
pub type Handler<'a> = crate::progress::Handler<'a, Progress>;

/// An upload's reporter.
pub(crate) type Reporter<'a> = crate::progress::Reporter<'a, Progress>;

/// A reporter of an upload of `bytes_total` bytes, starting in the hashing phase.
pub(crate) fn reporter(handler: Option<Handler<'_>>, bytes_total: u64) -> Reporter<'_> {
    let start = Progress {
        phase: Phase::Hashing,
        bytes_total,
        bytes_done: 0,
        bytes_hashed: 0,
        slices_total: 0,
        slices_done: 0,
    };
    Reporter::new(handler, start, "upload")
}

impl Reporter<'_> {
    /// Delivers the final 100 % event. The upload is complete by then, so a request to stop
    /// is moot and ignored.
    pub fn emit_final(&mut self) {
        self.update(|p| {
            p.phase = Phase::Done;
            p.bytes_done = p.bytes_total;
            p.slices_done = p.slices_total;
        });
        let _ = self.emit();
    }
}

//! Progress events for C: `cosv4_progress`, the phase constants, the callback type, and the
//! callback wiring shared by uploads and downloads: the slot an options object keeps, the
//! thread-local flag that refuses an operation started from inside a callback, and
//! [`with_progress`], which hands a C callback to a core operation.

use super::{cosv4_result, Failure, FfiResult};
use crate::progress::Handler;
use crate::{Phase, Progress};
use std::cell::Cell;
use std::ffi::c_void;
use std::ops::ControlFlow;

/// The phase of an upload in cosv4_progress.phase.
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cosv4_phase {
    /// Computing the SHA-1 of the content (bytes_hashed grows).
    Hashing = 1,
    /// Sending data (bytes_done and slices_done grow).
    Uploading = 2,
    /// Everything is on the server and the upload has succeeded; the callback's return value
    /// at this final event is ignored.
    Done = 3,
}

/// One progress event. All counts are cumulative and never decrease.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct cosv4_progress {
    /// A cosv4_phase value (COSV4_PHASE_HASHING, COSV4_PHASE_UPLOADING, COSV4_PHASE_DONE).
    pub phase: u32,
    /// Size of the content.
    pub bytes_total: u64,
    /// Bytes the server has confirmed (including those it had from an earlier attempt).
    pub bytes_done: u64,
    /// Bytes hashed so far (bytes_total once hashing is over; 0 when integrity is off).
    pub bytes_hashed: u64,
    /// Number of slices (1 for a simple upload; 0 before it is known).
    pub slices_total: u64,
    /// Slices the server has confirmed.
    pub slices_done: u64,
}

impl From<&Progress> for cosv4_progress {
    fn from(p: &Progress) -> cosv4_progress {
        let phase = match p.phase {
            Phase::Hashing => cosv4_phase::Hashing,
            Phase::Uploading => cosv4_phase::Uploading,
            Phase::Done => cosv4_phase::Done,
        };
        cosv4_progress {
            phase: phase as u32,
            bytes_total: p.bytes_total,
            bytes_done: p.bytes_done,
            bytes_hashed: p.bytes_hashed,
            slices_total: p.slices_total,
            slices_done: p.slices_done,
        }
    }
}

/// A progress callback: `userdata` is the pointer given with it, `progress` is valid only
/// during the call. Return 0 to continue; any other value stops the upload, which fails with
/// COSV4_RESULT_ABORTED_BY_CALLBACK and keeps the value in cosv4_error_callback_value. Runs on
/// the thread that called cosv4_client_upload_*, never after that call returned; must not
/// start another upload on that thread (COSV4_RESULT_RECURSIVE_API_CALL).
pub type cosv4_progress_cb =
    Option<unsafe extern "C" fn(userdata: *mut c_void, progress: *const cosv4_progress) -> i32>;

thread_local! {
    /// Set while a C progress callback runs on this thread.
    static IN_CALLBACK: Cell<bool> = const { Cell::new(false) };
}

/// True while a progress callback runs on the calling thread.
fn in_callback() -> bool {
    IN_CALLBACK.with(Cell::get)
}

/// Marks this thread as inside a callback until dropped (also on unwinding).
struct CallbackScope;

impl CallbackScope {
    fn enter() -> CallbackScope {
        IN_CALLBACK.with(|f| f.set(true));
        CallbackScope
    }
}

impl Drop for CallbackScope {
    fn drop(&mut self) {
        IN_CALLBACK.with(|f| f.set(false));
    }
}

/// The C function type of a progress callback whose event struct is `E` (upload or download
/// progress).
type CallbackFn<E> = unsafe extern "C" fn(*mut c_void, *const E) -> i32;

/// A progress callback and its userdata as an options object keeps them (no function: no
/// callback). Shared by the upload and download options.
pub(crate) struct CallbackSlot<E> {
    cb: Option<CallbackFn<E>>,
    userdata: *mut c_void,
}

impl<E> Clone for CallbackSlot<E> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<E> Copy for CallbackSlot<E> {}

impl<E> Default for CallbackSlot<E> {
    fn default() -> Self {
        CallbackSlot {
            cb: None,
            userdata: std::ptr::null_mut(),
        }
    }
}

impl<E> CallbackSlot<E> {
    /// A callback (`cb` None: none) with the userdata passed back to it.
    pub fn new(cb: Option<CallbackFn<E>>, userdata: *mut c_void) -> Self {
        CallbackSlot { cb, userdata }
    }
}

/// Fails with RECURSIVE_API_CALL when a progress callback is running on this thread: `what`
/// ("an upload", "a download") cannot start from inside it.
pub(crate) fn refuse_inside_callback(what: &str) -> FfiResult {
    if in_callback() {
        return Err(Failure::new(
            cosv4_result::RecursiveApiCall,
            format!("{what} cannot start from inside a progress callback on the same thread"),
        ));
    }
    Ok(())
}

/// Runs the core operation `call` with the callback of `slot` (if any) as its progress
/// handler: each core event `P` is turned into the C event `E` by `event` and delivered on
/// this thread inside the re-entrancy scope. A core error becomes a failure; when the callback
/// stopped the operation, the failure keeps the value it returned.
pub(crate) fn with_progress<P, E, T>(
    slot: CallbackSlot<E>,
    event: impl Fn(&P) -> E,
    call: impl FnOnce(Option<Handler<'_, P>>) -> crate::Result<T>,
) -> FfiResult<T> {
    let mut callback = slot.callback();
    let outcome = {
        let mut deliver = callback.as_mut().map(|c| move |p: &P| c.deliver(&event(p)));
        call(deliver.as_mut().map(|f| f as Handler<'_, P>))
    };
    outcome.map_err(|e| failure_of(e, callback.as_ref().map_or(0, |c| c.stopped_with)))
}

/// The failure of a core error; when a callback stopped the operation, it keeps
/// `stopped_with`, the value that callback returned.
pub(crate) fn failure_of(e: crate::Error, stopped_with: i32) -> Failure {
    let mut f = Failure::core(e);
    if f.code == cosv4_result::AbortedByCallback {
        f.callback_value = stopped_with;
    }
    f
}

impl<E> CallbackSlot<E> {
    /// The callback of the slot, ready to deliver events of one operation (None: no callback).
    pub(crate) fn callback(self) -> Option<CCallback<E>> {
        self.cb.map(|cb| CCallback::new(cb, self.userdata))
    }
}

/// A C progress callback with its userdata, as the core's handler, for one operation.
pub(crate) struct CCallback<E> {
    cb: CallbackFn<E>,
    userdata: *mut c_void,
    /// What the callback returned when it stopped the operation (0: it did not).
    stopped_with: i32,
}

impl<E> CCallback<E> {
    fn new(cb: CallbackFn<E>, userdata: *mut c_void) -> Self {
        CCallback {
            cb,
            userdata,
            stopped_with: 0,
        }
    }

    /// What the callback returned when it stopped the operation (0: it did not).
    pub(crate) fn stopped_with(&self) -> i32 {
        self.stopped_with
    }

    /// Delivers one event on this thread, inside the re-entrancy scope.
    pub(crate) fn deliver(&mut self, event: &E) -> ControlFlow<()> {
        let rc = {
            let _scope = CallbackScope::enter();
            unsafe { (self.cb)(self.userdata, event) }
        };
        if rc == 0 {
            ControlFlow::Continue(())
        } else {
            self.stopped_with = rc;
            ControlFlow::Break(())
        }
    }
}

//! Batch uploads from C: `cosv4_batch_options`, its progress and file events, and
//! `cosv4_client_upload_dir` (the result object is in [`super::batch_result`], the list form
//! in [`super::batch_list`]).

use super::batch_result::{cosv4_batch_result, duration_ms, item_of, path_cstring, result_of};
use super::progress::{failure_of, refuse_inside_callback, CallbackSlot};
use super::{arg_bytes, arg_str, create, modify, non_null, set_flag, set_value};
use super::{cosv4_cancel_token, cosv4_client, cosv4_error, cosv4_result, run_with_error};
use super::{owned_cstring, write_out, ArcHandle, BoxHandle, Failure, FfiResult, EMPTY};
use crate::batch::{BatchEvent, BatchOptions, BatchProgress, BatchSource, FileStatus};
use std::ffi::{c_char, c_void, OsStr};
use std::ops::ControlFlow;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;

/// What a cosv4_batch_file_event reports (its `kind`).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cosv4_batch_event {
    /// A file's upload starts (its folders are created first); `bytes` is its size.
    Started = 1,
    /// A file was uploaded, or an empty directory mirrored (its cos_path ends in '/'); with a
    /// sync also a remote file or folder deleted, and in a dry run what would be uploaded or
    /// deleted (see the event's `status`).
    Done = 2,
    /// An item was not uploaded, by rule (a symbolic link not followed, a FIFO, a socket, a
    /// device), or because a sync found it unchanged (`status` COSV4_BATCH_STATUS_UNCHANGED).
    Skipped = 3,
    /// An item failed; `result_code` says why. The batch goes on unless fail_fast is set.
    Failed = 4,
}

/// The batch as a whole, for a progress display. Totals grow as the walk finds items; counts
/// never decrease.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct cosv4_batch_progress {
    /// Items ended (uploaded, folders, skipped, failed).
    pub files_done: u64,
    /// Items found so far (the total once walk_done is true).
    pub files_known: u64,
    /// Bytes of uploaded files, and those the server confirmed of files in flight.
    pub bytes_done: u64,
    /// Bytes of the files found so far.
    pub bytes_known: u64,
    /// True once the walk of the local directory is over.
    pub walk_done: bool,
    /// Milliseconds since the batch started.
    pub elapsed_ms: u64,
    /// How fast bytes_done grew over the last 5 seconds, in bytes per second (files a sync
    /// found unchanged count as done at once). While a progress callback is set, reports come
    /// at least every second, so a stall shows as a falling rate.
    pub bytes_per_second: u64,
    /// Milliseconds left at that rate for the bytes of the files not yet done (failed and
    /// skipped files' bytes left out); -1 while the walk goes on (the total is not known) or
    /// while nothing moves; 0 at the end.
    pub eta_ms: i64,
}

/// One item of a batch starting or ending. The strings are valid only during the callback
/// (copy them to keep them).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct cosv4_batch_file_event {
    /// A cosv4_batch_event value (COSV4_BATCH_EVENT_STARTED, _DONE, _SKIPPED, _FAILED).
    pub kind: u32,
    /// The local file or directory, in the platform's bytes.
    pub local_path: *const c_char,
    /// Where it goes in the bucket (a folder path ends in '/').
    pub cos_path: *const c_char,
    /// The file's size (0 for folders, and for a file that could not be opened).
    pub bytes: u64,
    /// The cosv4_result of a failed item (COSV4_BATCH_EVENT_FAILED); 0 otherwise.
    pub result_code: u32,
    /// The HTTP status of the service's answer to a failed item, or 0 (no answer, or not
    /// failed).
    pub http_status: u32,
    /// True when the service answered a failed item with a COS `code` (in `cos_code`).
    pub has_cos_code: bool,
    /// The COS `code` of a failed item (e.g. -177 file exists) when `has_cos_code`; 0
    /// otherwise.
    pub cos_code: i64,
    /// The sentence naming a failed item's error, or why an item was skipped; "" otherwise.
    pub reason: *const c_char,
    /// Content bytes sent for an uploaded file, retries included (0 when the server already
    /// had the content, for folders, and for the other events).
    pub bytes_sent: u64,
    /// How the item ended, a cosv4_batch_status value (as cosv4_batch_result_status would
    /// say): it tells apart the items of one kind, e.g. a DONE event of an upload
    /// (COSV4_BATCH_STATUS_UPLOADED), a deletion (_DELETED, local_path "") or a dry run's
    /// _WOULD_UPLOAD, or a SKIPPED event of an unchanged file (_UNCHANGED). 0 for STARTED.
    pub status: u32,
}

/// A batch progress callback: `userdata` is the pointer given with it, `progress` is valid
/// only during the call. Return 0 to continue; any other value stops the batch, which fails
/// with COSV4_RESULT_ABORTED_BY_CALLBACK (the value is in cosv4_error_callback_value). Runs
/// on the thread that called cosv4_client_upload_dir or _upload_list, never after that call
/// returned; throttled.
pub type cosv4_batch_progress_cb = Option<
    unsafe extern "C" fn(userdata: *mut c_void, progress: *const cosv4_batch_progress) -> i32,
>;

/// A batch file callback, called when an item starts and when it ends: `event` and its
/// strings are valid only during the call. Return 0 to continue; any other value stops the
/// batch as cosv4_batch_progress_cb does. Runs on the thread that called
/// cosv4_client_upload_dir or _upload_list, one call at a time.
pub type cosv4_batch_file_cb = Option<
    unsafe extern "C" fn(userdata: *mut c_void, event: *const cosv4_batch_file_event) -> i32,
>;

/// How a batch runs: files at once, requests in flight, symbolic links, fail-fast,
/// insert-only, a cancel token, a progress and a file callback. Created with
/// cosv4_batch_options_new, freed with cosv4_batch_options_free; reusable. A batch copies what
/// it needs when it starts, so changing or freeing the options (even from a callback) affects
/// later batches only. Not thread-safe to modify; may be read by several batches at once.
pub struct cosv4_batch_options {
    pub(super) opts: BatchOptions,
    /// The sync settings, made into `opts.sync` when a batch starts (see
    /// [`super::batch_sync`]).
    pub(super) sync: super::batch_sync::SyncChoice,
    /// The include/exclude patterns, compiled into `opts.filter` when a batch starts.
    pub(super) patterns: super::batch_sync::PatternChoice,
    progress: CallbackSlot<cosv4_batch_progress>,
    file: CallbackSlot<cosv4_batch_file_event>,
}

impl BoxHandle for cosv4_batch_options {}

/// Creates batch options with the defaults: 4 files at once, 8 requests in flight, symbolic
/// links skipped, no fail-fast, insert-only on, no callbacks, no cancel token. On success
/// writes them to `*out`; NULL `out` is COSV4_RESULT_NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_new(
    out: *mut *mut cosv4_batch_options,
) -> cosv4_result {
    unsafe {
        create(out, || cosv4_batch_options {
            opts: BatchOptions::default(),
            sync: Default::default(),
            patterns: Default::default(),
            progress: CallbackSlot::default(),
            file: CallbackSlot::default(),
        })
    }
}

/// Frees batch options. NULL does nothing. The callbacks' userdata is not touched.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_free(opts: *mut cosv4_batch_options) {
    super::guard((), || unsafe { cosv4_batch_options::free_raw(opts) })
}

/// Files uploaded at once, 1 to 32 (default 4); other values: COSV4_RESULT_INVALID_ARGUMENT,
/// the options unchanged. NULL `opts`: COSV4_RESULT_NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_jobs(
    opts: *mut cosv4_batch_options,
    jobs: u32,
) -> cosv4_result {
    unsafe {
        modify(opts, |o| {
            if !(1..=32).contains(&jobs) {
                return Err(Failure::new(
                    cosv4_result::InvalidArgument,
                    format!("argument `jobs` is {jobs}; use 1 to 32"),
                ));
            }
            o.opts.jobs = jobs as usize;
            Ok(())
        })
    }
}

/// Requests in flight for the whole batch, all files together; at least 1 (default 8). 0:
/// COSV4_RESULT_INVALID_ARGUMENT, the options unchanged. NULL `opts`:
/// COSV4_RESULT_NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_max_requests(
    opts: *mut cosv4_batch_options,
    max_requests: u32,
) -> cosv4_result {
    unsafe {
        modify(opts, |o| {
            if max_requests == 0 {
                return Err(Failure::new(
                    cosv4_result::InvalidArgument,
                    "argument `max_requests` is 0; at least 1 request must be allowed",
                ));
            }
            o.opts.max_requests = max_requests as usize;
            Ok(())
        })
    }
}

/// 1: follow symbolic links (a directory reached twice on the current path, a loop, is
/// skipped). 0 (default): links are skipped (COSV4_BATCH_STATUS_SKIPPED). Other values:
/// INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_follow_symlinks(
    opts: *mut cosv4_batch_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.opts.follow_symlinks = v) }
}

/// 1: stop the batch at the first failed item: the call fails with that item's result code
/// and error detail (its message names the local file) and writes no result; files already
/// uploaded stay uploaded. 0 (default): go on with the others; the call succeeds and its
/// result names the failed items. Other values: INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_fail_fast(
    opts: *mut cosv4_batch_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.opts.fail_fast = v) }
}

/// 1 (default): a file whose object exists with other content fails with
/// COSV4_RESULT_FILE_EXISTS (as cosv4_upload_options_set_insert_only). 0: overwrite. Other
/// values: INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_insert_only(
    opts: *mut cosv4_batch_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.opts.upload.insert_only = v) }
}

/// Lets `token` cancel batches made with these options (uploads in flight are interrupted;
/// the call fails with COSV4_RESULT_CANCELLED); NULL removes the token. The options keep their
/// own reference: the caller may free its token at any time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_cancel_token(
    opts: *mut cosv4_batch_options,
    token: *const cosv4_cancel_token,
) -> cosv4_result {
    unsafe {
        set_value(opts, |o| {
            o.opts.cancel = token.as_ref().map(|t| t.token.clone())
        })
    }
}

/// Sets the batch progress callback and its userdata; `callback` NULL removes it. `userdata`
/// is passed back untouched and never freed by the library. See cosv4_batch_progress_cb.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_progress(
    opts: *mut cosv4_batch_options,
    callback: cosv4_batch_progress_cb,
    userdata: *mut c_void,
) -> cosv4_result {
    unsafe { set_value(opts, |o| o.progress = CallbackSlot::new(callback, userdata)) }
}

/// Sets the file callback (an item started or ended) and its userdata; `callback` NULL
/// removes it. `userdata` is passed back untouched and never freed by the library. See
/// cosv4_batch_file_cb.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_file_callback(
    opts: *mut cosv4_batch_options,
    callback: cosv4_batch_file_cb,
    userdata: *mut c_void,
) -> cosv4_result {
    unsafe { set_value(opts, |o| o.file = CallbackSlot::new(callback, userdata)) }
}

/// The C event of a progress report.
fn progress_event(p: &BatchProgress) -> cosv4_batch_progress {
    cosv4_batch_progress {
        files_done: p.files_done,
        files_known: p.files_known,
        bytes_done: p.bytes_done,
        bytes_known: p.bytes_known,
        walk_done: p.walk_done,
        elapsed_ms: duration_ms(p.elapsed),
        bytes_per_second: p.bytes_per_second,
        eta_ms: p
            .eta
            .map_or(-1, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
    }
}

/// Calls `f` with the C event of a file event (its strings live during the call only); None
/// for a progress event.
fn with_file_event<R>(
    ev: &BatchEvent<'_>,
    f: impl FnOnce(&cosv4_batch_file_event) -> R,
) -> Option<R> {
    let (kind, r) = match ev {
        BatchEvent::Started {
            local,
            cos_path,
            bytes,
        } => {
            let (local, cos_path) = (path_cstring(local), owned_cstring(cos_path));
            return Some(f(&cosv4_batch_file_event {
                kind: cosv4_batch_event::Started as u32,
                local_path: local.as_ptr(),
                cos_path: cos_path.as_ptr(),
                bytes: *bytes,
                result_code: 0,
                http_status: 0,
                has_cos_code: false,
                cos_code: 0,
                reason: EMPTY.as_ptr(),
                bytes_sent: 0,
                status: 0,
            }));
        }
        BatchEvent::Done(r) => (cosv4_batch_event::Done, r),
        BatchEvent::Skipped(r) => (cosv4_batch_event::Skipped, r),
        BatchEvent::Failed(r) => (cosv4_batch_event::Failed, r),
        BatchEvent::Progress(_) => return None,
    };
    let item = item_of(r);
    let bytes_sent = match &r.status {
        FileStatus::Uploaded(o) => o.bytes_sent,
        _ => 0,
    };
    Some(f(&cosv4_batch_file_event {
        kind: kind as u32,
        local_path: item.local.as_ptr(),
        cos_path: item.cos_path.as_ptr(),
        bytes: item.bytes,
        result_code: item.code as u32,
        http_status: u32::from(item.http_status),
        has_cos_code: item.cos_code.is_some(),
        cos_code: item.cos_code.unwrap_or(0),
        reason: item.reason.as_ptr(),
        bytes_sent,
        status: item.status as u32,
    }))
}

/// Uploads every file under the local directory `local_dir` (recursively) to the same
/// relative path under `cos_folder` (e.g. "/backup/"; ends in '/', "/" is the bucket's root)
/// in `bucket`; empty directories become empty folders, and the folders of every file are
/// created (once per batch) before it is uploaded. Files go several at once (see the options);
/// each one as cosv4_client_upload_file would send it (resumed, instant when the server has the
/// content). Blocks until every item was processed, the batch was cancelled (the token:
/// COSV4_RESULT_CANCELLED) or stopped by a callback (COSV4_RESULT_ABORTED_BY_CALLBACK).
/// `local_dir` is in the platform's bytes (need not be UTF-8); `bucket` and `cos_folder` must
/// be UTF-8. `opts` may be NULL (defaults). COSV4_RESULT_OK means every item was processed:
/// some may have failed or been skipped; the new result written to `*out` says which (with
/// fail_fast, the first failed item fails the call instead). On failure nothing is written to
/// `*out` and `*err_out` (may be NULL) gets the detail. Callbacks run on this thread.
/// Thread-safe: many threads may run batches through one client at once.
/// COSV4_RESULT_RECURSIVE_API_CALL when called from inside a progress or file callback running
/// on this thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_upload_dir(
    client: *const cosv4_client,
    bucket: *const c_char,
    local_dir: *const c_char,
    cos_folder: *const c_char,
    opts: *const cosv4_batch_options,
    out: *mut *mut cosv4_batch_result,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        run_batch(client, bucket, opts, out, err_out, || {
            let local = PathBuf::from(OsStr::from_bytes(arg_bytes(local_dir, "local_dir")?));
            let cos_folder = arg_str(cos_folder, "cos_folder")?.to_string();
            Ok(BatchSource::Dir { local, cos_folder })
        })
    }
}

/// The body of the batch calls (cosv4_client_upload_dir, cosv4_client_upload_list): checks
/// `client`, `bucket`, then the source's own arguments (`source`), then `out`; runs the batch
/// with the options' callbacks on this thread and writes the new result to `*out`.
pub(crate) unsafe fn run_batch(
    client: *const cosv4_client,
    bucket: *const c_char,
    opts: *const cosv4_batch_options,
    out: *mut *mut cosv4_batch_result,
    err_out: *mut *mut cosv4_error,
    source: impl FnOnce() -> FfiResult<BatchSource>,
) -> cosv4_result {
    unsafe {
        run_with_error(err_out, || {
            refuse_inside_callback("a batch")?;
            let client = cosv4_client::clone_raw(client, "client")?;
            let bucket = arg_str(bucket, "bucket")?;
            let source = source()?;
            non_null(out, "out")?;
            // Copied, so that a callback may change or free the options object.
            let (options, progress, file) = match opts.as_ref() {
                Some(o) => (o.options()?, o.progress, o.file),
                None => Default::default(),
            };
            let mut progress = progress.callback();
            let mut file = file.callback();
            let any = progress.is_some() || file.is_some();
            let outcome = {
                let mut handler = |ev: &BatchEvent<'_>| match (ev, &mut progress, &mut file) {
                    (BatchEvent::Progress(p), Some(c), _) => c.deliver(&progress_event(p)),
                    (BatchEvent::Progress(_), None, _) | (_, _, None) => ControlFlow::Continue(()),
                    (_, _, Some(c)) => {
                        with_file_event(ev, |e| c.deliver(e)).unwrap_or(ControlFlow::Continue(()))
                    }
                };
                let events = if any { Some(&mut handler as _) } else { None };
                client.client.upload_batch(bucket, source, &options, events)
            };
            // The value of the callback that stopped the batch (0: none did).
            let stopped_with = (progress.iter().map(|c| c.stopped_with()))
                .chain(file.iter().map(|c| c.stopped_with()))
                .find(|v| *v != 0)
                .unwrap_or(0);
            let outcome = outcome.map_err(|e| failure_of(e, stopped_with))?;
            write_out(out, result_of(outcome).into_raw());
            Ok(())
        })
    }
}

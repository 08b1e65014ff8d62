//! Downloads from C: `cosv4_client_download_url` (a signed URL into the caller's buffer) and
//! `cosv4_client_download_file` with `cosv4_download_options` → `cosv4_download_result`.

use super::progress::{refuse_inside_callback, with_progress, CallbackSlot};
use super::{arg_bytes, copy_to_buffer, create, non_null, read_field, set_flag, set_value};
use super::{cosv4_cancel_token, cosv4_client, cosv4_error, cosv4_result, run_with_error};
use super::{owned_cstring, target, write_out, BoxHandle, Failure, EMPTY};
use crate::download::{DownloadOptions, DownloadOutcome, DownloadProgress};
use std::ffi::{c_char, c_void, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

/// One download progress event. Counts are cumulative and never decrease.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct cosv4_download_progress {
    /// Size of the object.
    pub bytes_total: u64,
    /// Bytes on disk so far, those of an earlier attempt included.
    pub bytes_done: u64,
    /// Bytes that were on disk when the call started (the download resumed from there).
    pub bytes_resumed: u64,
    /// True in the last event: the whole file is on disk and checked.
    pub done: bool,
}

/// A download progress callback: `userdata` is the pointer given with it, `progress` is valid
/// only during the call. Return 0 to continue; any other value stops the download, which
/// fails with COSV4_RESULT_ABORTED_BY_CALLBACK (the value is in cosv4_error_callback_value)
/// and keeps the partial file. Runs on the thread that called cosv4_client_download_file,
/// never after that call returned.
pub type cosv4_download_progress_cb = Option<
    unsafe extern "C" fn(userdata: *mut c_void, progress: *const cosv4_download_progress) -> i32,
>;

/// Per-download choices: resume mode, SHA-1 check, overwrite, a progress callback and a cancel
/// token.
/// Created with cosv4_download_options_new, freed with cosv4_download_options_free; reusable.
/// A download copies what it needs when it starts. Not thread-safe to modify; may be read by
/// several downloads at once.
pub struct cosv4_download_options {
    opts: DownloadOptions,
    progress: CallbackSlot<cosv4_download_progress>,
}

impl BoxHandle for cosv4_download_options {}

/// The outcome of a successful download. Read-only; free with cosv4_download_result_free.
pub struct cosv4_download_result {
    outcome: DownloadOutcome,
    sha: CString,
}

impl BoxHandle for cosv4_download_result {}

/// Writes a download URL of the file `cos_path` into `buf` (`buf_len` bytes, NUL included):
/// the object's URL with `?sign=` a multi-effect signature bound to the path, valid for
/// `lifetime_secs` (1 to 7776000, 90 days). Anyone holding the URL can fetch the file with a
/// plain HTTP GET until then. `*out_len` gets the URL's length (without the NUL) in every
/// case; when it does not fit the result is COSV4_RESULT_BUFFER_TOO_SMALL and `buf` gets ""
/// (call with `buf` NULL and `buf_len` 0 to ask for the size). No request is made. On failure
/// `*err_out` (may be NULL) gets the detail. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_download_url(
    client: *const cosv4_client,
    bucket: *const c_char,
    cos_path: *const c_char,
    lifetime_secs: u64,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        run_with_error(err_out, || {
            let (client, bucket, cos_path) = target(client, bucket, cos_path, "cos_path")?;
            non_null(out_len, "out_len")?;
            let url = client
                .client
                .download_url(bucket, cos_path, Duration::from_secs(lifetime_secs))
                .map_err(Failure::core)?;
            copy_to_buffer(&url, buf, buf_len, out_len)
        })
    }
}

/// Creates options with the defaults: resume through "<local>.part" renamed at the end, SHA-1
/// check on, no overwrite of an existing file, no progress callback, no cancel token. On success writes them to `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_options_new(
    out: *mut *mut cosv4_download_options,
) -> cosv4_result {
    unsafe {
        create(out, || cosv4_download_options {
            opts: DownloadOptions::default(),
            progress: CallbackSlot::default(),
        })
    }
}

/// Frees download options. NULL does nothing. The progress userdata is not touched.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_options_free(opts: *mut cosv4_download_options) {
    super::guard((), || unsafe { cosv4_download_options::free_raw(opts) })
}

/// 1: write into the local file itself and resume from its length (only a file this library
/// wrote and recorded; an existing file of the user's is never written into, see
/// cosv4_download_options_set_overwrite). 0 (default): write to "<local>.part", resume from
/// that, and rename it to the local name once complete. Other values: INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_options_set_resume_in_place(
    opts: *mut cosv4_download_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.opts.resume_in_place = v) }
}

/// 1: replace an existing local file that is not a partial download of this library; it is
/// replaced atomically, by renaming the complete and checked "<local>.part" over it (also with
/// resume_in_place), and stays intact until then. 0 (default): such a file makes the download
/// fail with COSV4_RESULT_INVALID_ARGUMENT (the message names it) and is left untouched. A file
/// the library did not write is never appended to, truncated or removed. Other values:
/// INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_options_set_overwrite(
    opts: *mut cosv4_download_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.opts.overwrite = v) }
}

/// 1: do not check the content against the object's SHA-1. 0 (default): check it when the
/// service reports one (a mismatch fails with COSV4_RESULT_INTEGRITY and removes the partial
/// file). Other values: INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_options_set_skip_sha_check(
    opts: *mut cosv4_download_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.opts.skip_sha_check = v) }
}

/// Sets the progress callback and its userdata; `callback` NULL removes it. `userdata` is
/// passed back untouched and never freed by the library.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_options_set_progress(
    opts: *mut cosv4_download_options,
    callback: cosv4_download_progress_cb,
    userdata: *mut c_void,
) -> cosv4_result {
    unsafe { set_value(opts, |o| o.progress = CallbackSlot::new(callback, userdata)) }
}

/// Lets `token` cancel downloads made with these options (the read in flight is interrupted,
/// the call fails with COSV4_RESULT_CANCELLED, the partial file stays for a resume); NULL
/// removes the token. The options keep their own reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_options_set_cancel_token(
    opts: *mut cosv4_download_options,
    token: *const cosv4_cancel_token,
) -> cosv4_result {
    unsafe {
        set_value(opts, |o| {
            o.opts.cancel = token.as_ref().map(|t| t.token.clone())
        })
    }
}

/// The C event of a download progress report.
fn event(p: &DownloadProgress) -> cosv4_download_progress {
    cosv4_download_progress {
        bytes_total: p.bytes_total,
        bytes_done: p.bytes_done,
        bytes_resumed: p.bytes_resumed,
        done: p.done,
    }
}

/// Downloads the file `cos_path` of `bucket` to `local_path` (a file name in the platform's
/// bytes; need not be UTF-8). Blocks until the download succeeded, failed or was cancelled.
/// A partial file from an earlier attempt is continued with an HTTP Range request (and
/// If-Range) only when the resume record written beside it ("<part>.cosv4-resume") still
/// matches the object's size, mtime and sha and names that very file (device, inode, birth
/// time, and the hash of its first 64 KiB once written), and the object has a sha or an ETag (size and a one-second mtime alone cannot tell two
/// versions apart); otherwise it starts over. The part file is never opened through a symbolic
/// link, and a second download into the same part file while one runs is refused
/// (COSV4_RESULT_LOCAL_IO, "another download ... is in progress"). An object that changed
/// during the download fails with COSV4_RESULT_INTEGRITY and its partial file is removed. An
/// existing `local_path` that is not our own partial download is left untouched and fails
/// with COSV4_RESULT_INVALID_ARGUMENT unless overwrite is set. The content is checked against
/// the object's SHA-1 (see the options). Every request, the stat included, answers the
/// cancel token. `opts` may be NULL
/// (defaults). On success writes a new result to `*out`. On failure `*err_out` (may be NULL)
/// gets the detail; a missing object is COSV4_RESULT_SERVICE with COS code -197.
/// Thread-safe: many threads may download through one client at once. Like the upload
/// functions, returns COSV4_RESULT_RECURSIVE_API_CALL when called from inside a progress
/// callback running on the same thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_download_file(
    client: *const cosv4_client,
    bucket: *const c_char,
    cos_path: *const c_char,
    local_path: *const c_char,
    opts: *const cosv4_download_options,
    out: *mut *mut cosv4_download_result,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        run_with_error(err_out, || {
            refuse_inside_callback("a download")?;
            let (client, bucket, cos_path) = target(client, bucket, cos_path, "cos_path")?;
            let local = Path::new(OsStr::from_bytes(arg_bytes(local_path, "local_path")?));
            non_null(out, "out")?;
            // Copied, so that the callback may change or free the options object.
            let (options, progress) = match opts.as_ref() {
                Some(o) => (o.opts.clone(), o.progress),
                None => (DownloadOptions::default(), CallbackSlot::default()),
            };
            let outcome = with_progress(progress, event, |handler| {
                client
                    .client
                    .download_file(bucket, cos_path, local, &options, handler)
            })?;
            let result = cosv4_download_result {
                sha: owned_cstring(&outcome.sha),
                outcome,
            };
            write_out(out, result.into_raw());
            Ok(())
        })
    }
}

/// Frees a download result. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_result_free(result: *mut cosv4_download_result) {
    super::guard((), || unsafe { cosv4_download_result::free_raw(result) })
}

/// Size of the file in bytes; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_result_bytes_total(
    result: *const cosv4_download_result,
) -> u64 {
    unsafe { read_field(result, 0, |r| r.outcome.bytes_total) }
}

/// Bytes received by this call; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_result_bytes_received(
    result: *const cosv4_download_result,
) -> u64 {
    unsafe { read_field(result, 0, |r| r.outcome.bytes_received) }
}

/// Bytes an earlier attempt had left on disk (0: not resumed, or `result` is NULL).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_result_bytes_resumed(
    result: *const cosv4_download_result,
) -> u64 {
    unsafe { read_field(result, 0, |r| r.outcome.bytes_resumed) }
}

/// The object's SHA-1 as the service reported it ("" when it did not, or `result` is NULL).
/// Owned by `result`: valid until cosv4_download_result_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_download_result_sha(
    result: *const cosv4_download_result,
) -> *const c_char {
    unsafe { read_field(result, EMPTY.as_ptr(), |r| r.sha.as_ptr()) }
}

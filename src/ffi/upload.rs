//! Uploads: `cosv4_upload_options`, `cosv4_client_upload_file`/`_buffer`, and
//! `cosv4_upload_result` with its accessors.

use super::progress::{cosv4_progress, refuse_inside_callback, with_progress, CallbackSlot};
use super::{
    arg_bytes, arg_str, create, modify, non_null, read_field, run_with_error, set_flag, set_value,
};
use super::{cosv4_cancel_token, cosv4_client, cosv4_error, cosv4_progress_cb, cosv4_result};
use super::{owned_cstring, target, write_out, BoxHandle, Failure, FfiResult, EMPTY};
use crate::upload::Content;
use crate::{Method, Outcome, Progress, UploadOptions};
use std::ffi::{c_char, c_void, CString, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Per-upload choices: biz_attr, insert-only, replace-stale, a progress callback and a cancel
/// token. Created with cosv4_upload_options_new, freed with cosv4_upload_options_free; may be
/// reused for any number of uploads. An upload copies what it needs when it starts, so changing
/// or freeing the options (even from a progress callback) affects later uploads only. Not
/// thread-safe to modify; may be read by several uploads at once.
pub struct cosv4_upload_options {
    opts: UploadOptions,
    progress: CallbackSlot<cosv4_progress>,
}

impl BoxHandle for cosv4_upload_options {}

/// How the object got to the server (cosv4_upload_result_method).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cosv4_method {
    /// One request with the whole content.
    Simple = 1,
    /// Slice upload (init, data slices, finish).
    Slices = 2,
    /// The server already had the content: instant upload at init (nothing sent), or a
    /// simple upload answered "same file already uploaded" (-4018, confirmed by a stat).
    Instant = 3,
}

/// The outcome of a successful upload. Read-only; free with cosv4_upload_result_free. Any
/// thread may read it.
pub struct cosv4_upload_result {
    outcome: Outcome,
    access_url: CString,
    resource_path: CString,
    source_url: CString,
    url: CString,
}

impl BoxHandle for cosv4_upload_result {}

/// Creates options with the defaults: empty biz_attr, insert-only on, replace-stale off, no
/// progress callback, no cancel token. On success writes them to `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_options_new(
    out: *mut *mut cosv4_upload_options,
) -> cosv4_result {
    unsafe {
        create(out, || cosv4_upload_options {
            opts: UploadOptions::default(),
            progress: CallbackSlot::default(),
        })
    }
}

/// Frees options. NULL does nothing. The progress userdata is not touched (it is yours).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_options_free(opts: *mut cosv4_upload_options) {
    super::guard((), || unsafe { cosv4_upload_options::free_raw(opts) })
}

/// Sets the free-form attribute stored with the object (`biz_attr`; default ""). Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_options_set_biz_attr(
    opts: *mut cosv4_upload_options,
    biz_attr: *const c_char,
) -> cosv4_result {
    unsafe {
        modify(opts, |o| {
            o.opts.biz_attr = arg_str(biz_attr, "biz_attr")?.to_string();
            Ok(())
        })
    }
}

/// 1 (default): fail with COSV4_RESULT_FILE_EXISTS instead of overwriting an existing object
/// with other content (`insertOnly=1`). 0: overwrite. Other values: INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_options_set_insert_only(
    opts: *mut cosv4_upload_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.opts.insert_only = v) }
}

/// 1: when an unfinished upload at the path cannot be resumed (other content, size or slice
/// size, or content not proven to be this file's: integrity off, or no sha declared), delete
/// it and start over. Under insert-only (the default) a finished object at the path is never
/// deleted: the upload fails with COSV4_RESULT_FILE_EXISTS instead; with insert-only 0 the
/// delete removes that object too. 0 (default): fail with COSV4_RESULT_UPLOAD_CONFLICT (or
/// COSV4_RESULT_INTEGRITY when its content differs). Other values: INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_options_set_replace_stale(
    opts: *mut cosv4_upload_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.opts.replace_stale = v) }
}

/// Sets the progress callback and its userdata; `callback` NULL removes it. `userdata` is
/// passed back untouched and never freed by the library. See cosv4_progress_cb for when the
/// callback runs (the calling thread only, never after the upload returned).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_options_set_progress(
    opts: *mut cosv4_upload_options,
    callback: cosv4_progress_cb,
    userdata: *mut c_void,
) -> cosv4_result {
    unsafe { set_value(opts, |o| o.progress = CallbackSlot::new(callback, userdata)) }
}

/// Lets `token` cancel uploads made with these options; NULL removes the token. The options
/// keep their own reference: the caller may free its token at any time.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_options_set_cancel_token(
    opts: *mut cosv4_upload_options,
    token: *const cosv4_cancel_token,
) -> cosv4_result {
    unsafe {
        set_value(opts, |o| {
            o.opts.cancel = token.as_ref().map(|t| t.token.clone())
        })
    }
}

/// The part shared by both upload functions: checks, the call into the core, the result.
unsafe fn upload<'a>(
    client: *const cosv4_client,
    bucket: *const c_char,
    cos_path: *const c_char,
    content: impl FnOnce() -> FfiResult<Content<'a>>,
    opts: *const cosv4_upload_options,
    out: *mut *mut cosv4_upload_result,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        run_with_error(err_out, || {
            refuse_inside_callback("an upload")?;
            let (client, bucket, cos_path) = target(client, bucket, cos_path, "cos_path")?;
            let content = content()?;
            non_null(out, "out")?;
            // Copied, so that the callback may change or free the options object.
            let (options, progress) = match opts.as_ref() {
                Some(o) => (o.opts.clone(), o.progress),
                None => (UploadOptions::default(), CallbackSlot::default()),
            };
            let outcome = with_progress(
                progress,
                |p: &Progress| cosv4_progress::from(p),
                |handler| {
                    client
                        .client
                        .upload(bucket, cos_path, content, &options, handler)
                },
            )?;
            write_out(out, result_of(outcome).into_raw());
            Ok(())
        })
    }
}

fn result_of(outcome: Outcome) -> cosv4_upload_result {
    cosv4_upload_result {
        access_url: owned_cstring(&outcome.access_url),
        resource_path: owned_cstring(&outcome.resource_path),
        source_url: owned_cstring(&outcome.source_url),
        url: owned_cstring(&outcome.url),
        outcome,
    }
}

/// Uploads the local file `local_path` to `cos_path` (e.g. "/dir/name.bin") in `bucket`.
/// Blocks until the upload succeeded, failed or was cancelled; files up to the simple-upload
/// threshold go in one request, larger ones in slices (resuming an unfinished upload of the
/// same content, proven by its SHA-1). Success means the service confirmed a finished object
/// with this content: the finish's answer, or — when that answer was lost or the session was
/// already finished — a stat showing the finished object with this file's size and SHA-1. `local_path` is a file name in the platform's bytes (need not be UTF-8);
/// `bucket` and `cos_path` must be UTF-8. `opts` may be NULL (defaults). On success writes a
/// new result to `*out`. On failure `*err_out` (may be NULL) gets the detail. Thread-safe:
/// many threads may upload through one client at once. COSV4_RESULT_RECURSIVE_API_CALL when
/// called from inside a progress callback running on this thread.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_upload_file(
    client: *const cosv4_client,
    bucket: *const c_char,
    cos_path: *const c_char,
    local_path: *const c_char,
    opts: *const cosv4_upload_options,
    out: *mut *mut cosv4_upload_result,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    let content = || {
        let bytes = unsafe { arg_bytes(local_path, "local_path") }?;
        Ok(Content::File(Path::new(OsStr::from_bytes(bytes))))
    };
    unsafe { upload(client, bucket, cos_path, content, opts, out, err_out) }
}

/// Uploads `len` bytes at `data` (copied as they are sent; the memory must stay valid and
/// unchanged during the call) to `cos_path` in `bucket`. `data` may be NULL only when `len` is
/// 0. Otherwise as cosv4_client_upload_file.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_upload_buffer(
    client: *const cosv4_client,
    bucket: *const c_char,
    cos_path: *const c_char,
    data: *const u8,
    len: usize,
    opts: *const cosv4_upload_options,
    out: *mut *mut cosv4_upload_result,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    let content = || {
        if data.is_null() {
            return match len {
                0 => Ok(Content::Bytes(&[])),
                _ => Err(Failure::null("data")),
            };
        }
        if len > isize::MAX as usize {
            return Err(Failure::new(
                cosv4_result::InvalidArgument,
                format!("argument `len` ({len}) is larger than any buffer can be"),
            ));
        }
        Ok(Content::Bytes(unsafe {
            std::slice::from_raw_parts(data, len)
        }))
    };
    unsafe { upload(client, bucket, cos_path, content, opts, out, err_out) }
}

/// Frees an upload result (and the strings read from it). NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_free(result: *mut cosv4_upload_result) {
    super::guard((), || unsafe { cosv4_upload_result::free_raw(result) })
}

/// A number of the outcome, or 0 when `result` is NULL.
unsafe fn number(result: *const cosv4_upload_result, get: impl FnOnce(&Outcome) -> u64) -> u64 {
    unsafe { read_field(result, 0, |r| get(&r.outcome)) }
}

/// A string of the result, or "" when `result` is NULL.
unsafe fn text(
    result: *const cosv4_upload_result,
    get: impl FnOnce(&cosv4_upload_result) -> &CString,
) -> *const c_char {
    unsafe { read_field(result, EMPTY.as_ptr(), |r| get(r).as_ptr()) }
}

/// The object's download URL (`access_url`). Owned by `result`, valid until
/// cosv4_upload_result_free; "" when the service did not answer one or `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_access_url(
    result: *const cosv4_upload_result,
) -> *const c_char {
    unsafe { text(result, |r| &r.access_url) }
}

/// The object's `resource_path` (e.g. "/<appid>/<bucket>/dir/name"). Owned by `result`, as
/// cosv4_upload_result_access_url.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_resource_path(
    result: *const cosv4_upload_result,
) -> *const c_char {
    unsafe { text(result, |r| &r.resource_path) }
}

/// The object's `source_url` (origin URL). Owned by `result`, as
/// cosv4_upload_result_access_url.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_source_url(
    result: *const cosv4_upload_result,
) -> *const c_char {
    unsafe { text(result, |r| &r.source_url) }
}

/// The object's API `url`. Owned by `result`, as cosv4_upload_result_access_url.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_url(
    result: *const cosv4_upload_result,
) -> *const c_char {
    unsafe { text(result, |r| &r.url) }
}

/// How the object got there: a cosv4_method value (COSV4_METHOD_SIMPLE, _SLICES, _INSTANT);
/// 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_method(result: *const cosv4_upload_result) -> u32 {
    let method = |o: &Outcome| match o.method {
        Method::Simple => cosv4_method::Simple,
        Method::Slices => cosv4_method::Slices,
        Method::Instant => cosv4_method::Instant,
    };
    unsafe { number(result, |o| method(o) as u64) as u32 }
}

/// True when an unfinished earlier upload was continued; false when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_resumed(result: *const cosv4_upload_result) -> bool {
    unsafe { number(result, |o| u64::from(o.resumed)) != 0 }
}

/// Size of the content in bytes; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_bytes_total(
    result: *const cosv4_upload_result,
) -> u64 {
    unsafe { number(result, |o| o.bytes_total) }
}

/// Content bytes sent by this call, retries included; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_bytes_sent(result: *const cosv4_upload_result) -> u64 {
    unsafe { number(result, |o| o.bytes_sent) }
}

/// Number of slices of the content (1 for a simple upload); 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_slices_total(
    result: *const cosv4_upload_result,
) -> u64 {
    unsafe { number(result, |o| o.slices_total) }
}

/// Slices this call sent successfully; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_slices_sent(
    result: *const cosv4_upload_result,
) -> u64 {
    unsafe { number(result, |o| o.slices_sent) }
}

/// Slices the server already had from an earlier attempt (after a resume); 0 when `result` is
/// NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_slices_skipped(
    result: *const cosv4_upload_result,
) -> u64 {
    unsafe { number(result, |o| o.slices_skipped) }
}

/// Requests sent again after a retryable failure; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_retries(result: *const cosv4_upload_result) -> u32 {
    unsafe { number(result, |o| u64::from(o.retries)) as u32 }
}

/// Slice size used (the server's choice wins over the configured one); 0 for a simple or
/// instant upload, or when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_slice_size(result: *const cosv4_upload_result) -> u64 {
    unsafe { number(result, |o| o.slice_size) }
}

/// HTTP requests this upload sent (init, list, data, finish; retries included); 0 when
/// `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_requests(result: *const cosv4_upload_result) -> u64 {
    unsafe { number(result, |o| o.requests) }
}

/// Content bytes sent more than once (by retried requests); 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_bytes_resent(
    result: *const cosv4_upload_result,
) -> u64 {
    unsafe { number(result, |o| o.bytes_resent) }
}

/// Milliseconds spent hashing (SHA-1 and `uploadparts`) before the first request; 0 without
/// integrity, or when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_hashing_ms(result: *const cosv4_upload_result) -> u64 {
    unsafe { number(result, |o| o.hashing.as_millis() as u64) }
}

/// Milliseconds from the first request to the end of the upload; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_result_sending_ms(result: *const cosv4_upload_result) -> u64 {
    unsafe { number(result, |o| o.sending.as_millis() as u64) }
}

/// 1: before uploading, create the folders of the path that do not exist (the service refuses
/// an upload into a missing folder: COSV4_RESULT_SERVICE with COS code -197). Costs one stat
/// of the direct parent when it exists; otherwise stats upwards to the first existing folder,
/// then one create per missing folder, top-down ("already exists", -178, counts as success).
/// These requests are cancelled by the options' token and counted in
/// cosv4_upload_result_requests. 0 (default): upload only. Other values: INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_upload_options_set_create_parents(
    opts: *mut cosv4_upload_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.opts.create_parents = v) }
}

//! `cosv4_error`: the detail of a failed operation.

use super::{cosv4_result, owned_cstring, read_field, BoxHandle, Failure, EMPTY};
use crate::error::{codes, ErrorKind, UsageDetail};
use std::ffi::{c_char, CString};

/// What went wrong in a failed operation: the result code, the HTTP status and the COS code
/// and message when the service answered, its request id, and a sentence naming the problem.
/// Created by the library through an `err_out` parameter; read-only; free it with
/// cosv4_error_free. Any thread may read it.
pub struct cosv4_error {
    pub(crate) code: cosv4_result,
    pub(crate) http_status: u16,
    pub(crate) cos_code: Option<i64>,
    pub(crate) cos_message: CString,
    pub(crate) request_id: CString,
    pub(crate) message: CString,
    pub(crate) callback_value: i32,
}

impl BoxHandle for cosv4_error {}

/// The C code of a core error: the one place core errors become result codes (a rejected
/// bucket or cos path is COSV4_RESULT_INVALID_PATH, any other usage error
/// COSV4_RESULT_INVALID_ARGUMENT).
pub(crate) fn code_of(e: &crate::Error) -> cosv4_result {
    match e.kind() {
        ErrorKind::Usage => match e.usage_detail() {
            Some(UsageDetail::InvalidBucket | UsageDetail::InvalidPath) => {
                cosv4_result::InvalidPath
            }
            None => cosv4_result::InvalidArgument,
        },
        ErrorKind::LocalIo => cosv4_result::LocalIo,
        ErrorKind::Transport => cosv4_result::Transport,
        ErrorKind::Timeout => cosv4_result::Timeout,
        ErrorKind::Protocol => cosv4_result::Protocol,
        ErrorKind::Service => match e.cos_code() {
            Some(codes::FILE_EXISTS) => cosv4_result::FileExists,
            Some(codes::UNFINISHED_SAME | codes::UNFINISHED_OTHER) => cosv4_result::UploadConflict,
            _ => cosv4_result::Service,
        },
        ErrorKind::Auth => cosv4_result::Auth,
        ErrorKind::Integrity => cosv4_result::Integrity,
        ErrorKind::Cancelled => cosv4_result::Cancelled,
        ErrorKind::Aborted => cosv4_result::AbortedByCallback,
        ErrorKind::Internal => cosv4_result::Internal,
    }
}

/// Turns a failure into a new detail object for C.
pub(crate) fn into_raw(f: Failure) -> *mut cosv4_error {
    let core = f.core.as_deref();
    let text = |v: Option<&str>| owned_cstring(v.unwrap_or(""));
    cosv4_error {
        code: f.code,
        http_status: core.and_then(|e| e.http_status()).unwrap_or(0),
        cos_code: core.and_then(|e| e.cos_code()),
        cos_message: text(core.and_then(|e| e.cos_message())),
        request_id: text(core.and_then(|e| e.request_id())),
        message: owned_cstring(&f.message),
        callback_value: f.callback_value,
    }
    .into_raw()
}

/// The result code of the failed operation (never COSV4_RESULT_OK); COSV4_RESULT_NULL_ARGUMENT
/// when `err` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_error_code(err: *const cosv4_error) -> cosv4_result {
    unsafe { read_field(err, cosv4_result::NullArgument, |e| e.code) }
}

/// The HTTP status of the service's answer, or 0 when there was none (no answer, or the
/// failure happened before any request). 0 when `err` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_error_http_status(err: *const cosv4_error) -> u32 {
    unsafe { read_field(err, 0, |e| u32::from(e.http_status)) }
}

/// True when the service answered a COS `code` (read it with cosv4_error_cos_code). False
/// when `err` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_error_has_cos_code(err: *const cosv4_error) -> bool {
    unsafe { read_field(err, false, |e| e.cos_code.is_some()) }
}

/// The `code` of the service's JSON answer (e.g. -97 bad signature, -177 file exists, -4019
/// unfinished upload), or 0 when there is none (see cosv4_error_has_cos_code) or `err` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_error_cos_code(err: *const cosv4_error) -> i64 {
    unsafe { read_field(err, 0, |e| e.cos_code.unwrap_or(0)) }
}

/// The `message` of the service's JSON answer, "" when there is none or `err` is NULL.
/// Owned by `err`: valid until cosv4_error_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_error_cos_message(err: *const cosv4_error) -> *const c_char {
    unsafe { read_field(err, EMPTY.as_ptr(), |e| e.cos_message.as_ptr()) }
}

/// The service's `request_id` (quote it to support), "" when there is none or `err` is NULL.
/// Owned by `err`: valid until cosv4_error_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_error_request_id(err: *const cosv4_error) -> *const c_char {
    unsafe { read_field(err, EMPTY.as_ptr(), |e| e.request_id.as_ptr()) }
}

/// A sentence naming the problem, for people (e.g. "auth error: the service answered HTTP
/// 403, COS code -97: ..."); "" when `err` is NULL. Not meant to be parsed. Owned by `err`:
/// valid until cosv4_error_free.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_error_message(err: *const cosv4_error) -> *const c_char {
    unsafe { read_field(err, EMPTY.as_ptr(), |e| e.message.as_ptr()) }
}

/// The nonzero value the progress callback returned to stop the upload or download, when the
/// code is COSV4_RESULT_ABORTED_BY_CALLBACK; 0 otherwise or when `err` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_error_callback_value(err: *const cosv4_error) -> i32 {
    unsafe { read_field(err, 0, |e| e.callback_value) }
}

/// Frees an error detail. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_error_free(err: *mut cosv4_error) {
    super::guard((), || unsafe { cosv4_error::free_raw(err) })
}

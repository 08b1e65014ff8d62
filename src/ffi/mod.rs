//! The C API (`include/cosv4.h` is generated from this module by build.rs with cbindgen).
//!
//! All `unsafe` of the crate lives here. This layer holds no protocol logic: it checks and
//! converts arguments, calls into the safe core, and converts results back. One file per C
//! object, as in rustls-ffi. Every exported function runs its body through [`guard`] (or one of
//! the wrappers built on it), which catches panics so that none crosses into C.
//!
//! Safety, for every `unsafe extern "C"` function below (documented in prose in the header
//! instead of per-function `# Safety` sections): each pointer argument is either NULL (checked,
//! an error code results) or valid for the access its type describes — a handle obtained from
//! this library and not yet freed, a NUL-terminated string, a buffer of the stated length, or a
//! writable out-parameter.
#![allow(non_camel_case_types, clippy::missing_safety_doc)]
// The doc comments here are the C header's documentation (cbindgen copies them), written for
// C readers: `"<local>.part"` is a file name pattern, not an HTML tag.
#![allow(rustdoc::invalid_html_tags)]

// In the order the header presents them (cbindgen follows the declarations).
pub mod result;

pub mod version;

pub mod error;

pub mod config;

pub mod log;

pub mod client;

pub mod progress;

pub mod cancel;

pub mod upload;

pub mod sign;

pub mod stat;

pub mod objects;

pub mod update_options;

pub mod list;

pub mod download;

pub mod batch;

pub mod batch_result;

pub mod batch_list;

pub mod batch_sync;

pub use batch::{
    cosv4_batch_event, cosv4_batch_file_cb, cosv4_batch_file_event, cosv4_batch_options,
    cosv4_batch_progress, cosv4_batch_progress_cb,
};
pub use batch_list::cosv4_batch_list;
pub use batch_result::{cosv4_batch_result, cosv4_batch_status};
pub use batch_sync::{cosv4_batch_keep, cosv4_sync_mode};
pub use cancel::cosv4_cancel_token;
pub use client::cosv4_client;
pub use config::cosv4_config;
pub use download::{
    cosv4_download_options, cosv4_download_progress, cosv4_download_progress_cb,
    cosv4_download_result,
};
pub use error::cosv4_error;
pub use list::cosv4_list_page;
pub use log::{cosv4_log_cb, cosv4_log_level};
pub use progress::{cosv4_phase, cosv4_progress, cosv4_progress_cb};
pub use result::cosv4_result;
pub use stat::cosv4_stat;
pub use update_options::{cosv4_authority, cosv4_update_options};
pub use upload::{cosv4_method, cosv4_upload_options, cosv4_upload_result};

use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;

/// Why a call failed: its code, a sentence, and the core error it came from (if any).
#[derive(Debug)]
pub(crate) struct Failure {
    pub code: cosv4_result,
    pub message: String,
    pub core: Option<Box<crate::Error>>,
    /// The nonzero value a progress callback returned to stop the upload or download.
    pub callback_value: i32,
}

impl Failure {
    pub fn new(code: cosv4_result, message: impl Into<String>) -> Failure {
        Failure {
            code,
            message: message.into(),
            core: None,
            callback_value: 0,
        }
    }

    /// A core error with its code from [`error::code_of`].
    pub fn core(e: crate::Error) -> Failure {
        Failure::core_as(error::code_of(&e), e)
    }

    /// A core error under a code the caller chose (e.g. INVALID_CONFIG for a usage error).
    pub fn core_as(code: cosv4_result, e: crate::Error) -> Failure {
        Failure {
            code,
            message: e.to_string(),
            core: Some(Box::new(e)),
            callback_value: 0,
        }
    }

    pub fn null(name: &str) -> Failure {
        Failure::new(
            cosv4_result::NullArgument,
            format!("argument `{name}` is NULL"),
        )
    }

    fn panic(payload: &(dyn std::any::Any + Send)) -> Failure {
        let what = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("(no message)");
        Failure::new(
            cosv4_result::Panic,
            format!("internal error: the library panicked ({what}); please report this bug"),
        )
    }
}

pub(crate) type FfiResult<T = ()> = Result<T, Failure>;

/// The panic boundary: runs `f`, and returns `on_panic` if it panics. Every exported function
/// body runs inside this (directly or through [`run`] / [`run_with_error`]).
pub(crate) fn guard<T>(on_panic: T, f: impl FnOnce() -> T) -> T {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(on_panic)
}

/// Runs `f` inside the panic boundary and returns its code.
pub(crate) fn run(f: impl FnOnce() -> FfiResult) -> cosv4_result {
    guard(cosv4_result::Panic, || match f() {
        Ok(()) => cosv4_result::Ok,
        Err(e) => e.code,
    })
}

/// Runs `f` inside the panic boundary; writes `*err_out` (when not NULL): NULL on success, a new
/// `cosv4_error` on failure (panics included).
pub(crate) unsafe fn run_with_error(
    err_out: *mut *mut cosv4_error,
    f: impl FnOnce() -> FfiResult,
) -> cosv4_result {
    let outcome = catch_unwind(AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(Failure::panic(payload.as_ref())));
    let code = match &outcome {
        Ok(()) => cosv4_result::Ok,
        Err(e) => e.code,
    };
    if !err_out.is_null() {
        let detail = match outcome {
            Ok(()) => std::ptr::null_mut(),
            // Building the detail allocates; a panic there (out of memory aside, none is
            // expected) must not escape either.
            Err(e) => guard(std::ptr::null_mut(), || error::into_raw(e)),
        };
        unsafe { *err_out = detail };
    }
    code
}

/// A constructor: writes a new handle made by `make` to `*out` (NULL `out`: NULL_ARGUMENT,
/// nothing made).
pub(crate) unsafe fn create<T: BoxHandle>(
    out: *mut *mut T,
    make: impl FnOnce() -> T,
) -> cosv4_result {
    run(|| {
        non_null(out, "out")?;
        unsafe { write_out(out, make().into_raw()) };
        Ok(())
    })
}

/// A setter of an options object (upload, download, update options): applies `change` to the
/// object behind `opts` inside the panic boundary; NULL `opts` is NULL_ARGUMENT.
pub(crate) unsafe fn modify<T>(
    opts: *mut T,
    change: impl FnOnce(&mut T) -> FfiResult,
) -> cosv4_result {
    run(|| change(unsafe { arg_mut(opts, "opts") }?))
}

/// A 0/1 option of an options object: `store` puts the flag in (other values:
/// INVALID_ARGUMENT, the object unchanged).
pub(crate) unsafe fn set_flag<T>(
    opts: *mut T,
    on: u32,
    store: impl FnOnce(&mut T, bool),
) -> cosv4_result {
    unsafe { modify(opts, |o| arg_bool(on, "on").map(|v| store(o, v))) }
}

/// A value of an options object that needs no check: `store` puts it in.
pub(crate) unsafe fn set_value<T>(opts: *mut T, store: impl FnOnce(&mut T)) -> cosv4_result {
    unsafe {
        modify(opts, |o| {
            store(o);
            Ok(())
        })
    }
}

/// An accessor: `get` of the object behind `p`, or `default` when `p` is NULL (or on panic).
pub(crate) unsafe fn read_field<H, T: Copy>(
    p: *const H,
    default: T,
    get: impl FnOnce(&H) -> T,
) -> T {
    guard(default, || match unsafe { p.as_ref() } {
        Some(h) => get(h),
        None => default,
    })
}

/// A pointer argument as a reference, or NULL_ARGUMENT naming it.
pub(crate) unsafe fn arg_ref<'a, T>(p: *const T, name: &str) -> FfiResult<&'a T> {
    unsafe { p.as_ref() }.ok_or_else(|| Failure::null(name))
}

/// A pointer argument as a mutable reference, or NULL_ARGUMENT naming it.
pub(crate) unsafe fn arg_mut<'a, T>(p: *mut T, name: &str) -> FfiResult<&'a mut T> {
    unsafe { p.as_mut() }.ok_or_else(|| Failure::null(name))
}

/// Fails with NULL_ARGUMENT when `p` is NULL (for out-parameters written later).
pub(crate) fn non_null<T>(p: *const T, name: &str) -> FfiResult {
    if p.is_null() {
        Err(Failure::null(name))
    } else {
        Ok(())
    }
}

/// A NUL-terminated C string argument as bytes.
pub(crate) unsafe fn arg_bytes<'a>(p: *const c_char, name: &str) -> FfiResult<&'a [u8]> {
    non_null(p, name)?;
    Ok(unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// A NUL-terminated C string argument as UTF-8 text.
pub(crate) unsafe fn arg_str<'a>(p: *const c_char, name: &str) -> FfiResult<&'a str> {
    let bytes = unsafe { arg_bytes(p, name) }?;
    std::str::from_utf8(bytes).map_err(|e| {
        Failure::new(
            cosv4_result::InvalidUtf8,
            format!(
                "argument `{name}` is not valid UTF-8 (bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// An optional C string argument: NULL is `None`.
pub(crate) unsafe fn arg_opt_str<'a>(p: *const c_char, name: &str) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        Ok(None)
    } else {
        unsafe { arg_str(p, name) }.map(Some)
    }
}

/// The client, bucket and cos path of a call, from its C arguments (in this order, NULL and
/// UTF-8 checks only): the core checks the bucket and the path, and [`error::code_of`] makes
/// its verdict COSV4_RESULT_INVALID_PATH. `path_name` names the path argument in messages.
pub(crate) unsafe fn target<'a>(
    client: *const cosv4_client,
    bucket: *const c_char,
    path: *const c_char,
    path_name: &str,
) -> FfiResult<(Arc<cosv4_client>, &'a str, &'a str)> {
    let client = unsafe { cosv4_client::clone_raw(client, "client") }?;
    let bucket = unsafe { arg_str(bucket, "bucket") }?;
    let path = unsafe { arg_str(path, path_name) }?;
    Ok((client, bucket, path))
}

/// Runs `f` with the client, the bucket and one path ([`target`]), in the panic
/// boundary.
pub(crate) unsafe fn with_target(
    client: *const cosv4_client,
    bucket: *const c_char,
    path: *const c_char,
    path_name: &str,
    err_out: *mut *mut cosv4_error,
    f: impl FnOnce(&crate::Client, &str, &str) -> FfiResult,
) -> cosv4_result {
    unsafe {
        run_with_error(err_out, || {
            let (client, bucket, path) = target(client, bucket, path, path_name)?;
            f(&client.client, bucket, path)
        })
    }
}

/// A C integer standing for a boolean: 0 or 1, anything else is INVALID_ARGUMENT.
pub(crate) fn arg_bool(v: u32, name: &str) -> FfiResult<bool> {
    match v {
        0 => Ok(false),
        1 => Ok(true),
        _ => Err(Failure::new(
            cosv4_result::InvalidArgument,
            format!("argument `{name}` is {v}; use 0 or 1"),
        )),
    }
}

/// Writes an out-parameter that the caller checked with [`non_null`].
pub(crate) unsafe fn write_out<T>(out: *mut T, value: T) {
    debug_assert!(!out.is_null());
    unsafe { out.write(value) }
}

/// Copies `s` and a NUL into the caller's buffer `buf` of `buf_len` bytes; `*out_len` gets
/// `s.len()` (without the NUL) in every case. When it does not fit, the buffer gets an empty
/// string (if it has room for one) and the result is BUFFER_TOO_SMALL: a truncated value is
/// never handed out. `buf` may be NULL only when `buf_len` is 0 (a size query).
pub(crate) unsafe fn copy_to_buffer(
    s: &str,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> FfiResult {
    non_null(out_len, "out_len")?;
    if buf.is_null() && buf_len != 0 {
        return Err(Failure::null("buf"));
    }
    unsafe { write_out(out_len, s.len()) };
    if s.len() >= buf_len {
        if buf_len > 0 {
            unsafe { buf.write(0) };
        }
        return Err(Failure::new(
            cosv4_result::BufferTooSmall,
            format!("the buffer has {buf_len} bytes; {} are needed", s.len() + 1),
        ));
    }
    unsafe {
        std::ptr::copy_nonoverlapping(s.as_ptr().cast::<c_char>(), buf, s.len());
        buf.add(s.len()).write(0);
    }
    Ok(())
}

/// A library-owned C string of `s`, cut at an interior NUL (what C would see anyway).
pub(crate) fn owned_cstring(s: &str) -> CString {
    let end = s.find('\0').unwrap_or(s.len());
    CString::new(&s[..end]).unwrap_or_default()
}

/// The empty string that accessors return for a NULL object.
pub(crate) const EMPTY: &CStr = c"";

/// A handle owned by one caller, living in a `Box` (options, config, results, errors).
pub(crate) trait BoxHandle: Sized {
    fn into_raw(self) -> *mut Self {
        Box::into_raw(Box::new(self))
    }

    /// Frees a handle from [`BoxHandle::into_raw`]; NULL does nothing.
    unsafe fn free_raw(p: *mut Self) {
        if !p.is_null() {
            drop(unsafe { Box::from_raw(p) });
        }
    }

    /// Takes ownership back (the caller must not use `p` afterwards).
    unsafe fn take_raw(p: *mut Self, name: &str) -> FfiResult<Box<Self>> {
        non_null(p, name)?;
        Ok(unsafe { Box::from_raw(p) })
    }
}

/// A shared, immutable handle living in an `Arc` (client, cancel token).
pub(crate) trait ArcHandle: Sized {
    fn into_raw(self) -> *const Self {
        Arc::into_raw(Arc::new(self))
    }

    /// Releases the caller's reference; NULL does nothing.
    unsafe fn free_raw(p: *const Self) {
        if !p.is_null() {
            drop(unsafe { Arc::from_raw(p) });
        }
    }

    /// A new reference to the handle, so the object outlives a `free` during the call.
    unsafe fn clone_raw(p: *const Self, name: &str) -> FfiResult<Arc<Self>> {
        non_null(p, name)?;
        unsafe {
            Arc::increment_strong_count(p);
            Ok(Arc::from_raw(p))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_codes_and_details() {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        assert_eq!(run(|| panic!("boom")), cosv4_result::Panic);
        let mut err: *mut cosv4_error = std::ptr::null_mut();
        let code = unsafe { run_with_error(&mut err, || panic!("kaboom {}", 1)) };
        std::panic::set_hook(prev);
        assert_eq!(code, cosv4_result::Panic);
        let e = unsafe { &*err };
        assert_eq!(e.code, cosv4_result::Panic);
        assert!(e.message.to_str().unwrap().contains("kaboom 1"));
        unsafe { error::cosv4_error_free(err) };
        assert_eq!(guard(7, || -> i32 { panic!() }), 7);
    }

    #[test]
    fn buffer_copy() {
        let mut buf = [1 as c_char; 4];
        let mut n = 0usize;
        let r = unsafe { copy_to_buffer("abcd", buf.as_mut_ptr(), 4, &mut n) };
        assert_eq!(r.unwrap_err().code, cosv4_result::BufferTooSmall);
        assert_eq!((n, buf[0]), (4, 0));
        unsafe { copy_to_buffer("abc", buf.as_mut_ptr(), 4, &mut n) }.unwrap();
        assert_eq!(n, 3);
        assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }, c"abc");
        let r = unsafe { copy_to_buffer("abc", std::ptr::null_mut(), 0, &mut n) };
        assert_eq!(r.unwrap_err().code, cosv4_result::BufferTooSmall);
        let r = unsafe { copy_to_buffer("abc", std::ptr::null_mut(), 3, &mut n) };
        assert_eq!(r.unwrap_err().code, cosv4_result::NullArgument);
    }

    #[test]
    fn cstrings_stop_at_nul() {
        assert_eq!(owned_cstring("a\0b").as_bytes(), b"a");
        assert_eq!(
            arg_bool(2, "x").unwrap_err().code,
            cosv4_result::InvalidArgument
        );
    }
}

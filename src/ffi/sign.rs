//! Signatures for the caller's own requests: `cosv4_client_sign_multi`, `cosv4_client_sign_once`.

use super::{arg_opt_str, arg_str, copy_to_buffer, cosv4_client, cosv4_result, run, target};
use super::{ArcHandle, Failure};
use std::ffi::c_char;

/// Writes a multi-effect signature (the `Authorization` value of v4 requests) valid for
/// `lifetime_s` seconds (1 to 7776000) into `buf`. `cos_path` NULL makes a signature not bound
/// to a file (what uploads and listings use); otherwise it is bound to that file or folder.
/// `*out_len` always gets the signature's length without the NUL; when `buf_len` is not more
/// than that, `buf` gets "" (if `buf_len` > 0) and the result is COSV4_RESULT_BUFFER_TOO_SMALL
/// (signatures are about 120 to 200 bytes; a buffer of 512 bytes is plenty). `buf` may be NULL
/// when `buf_len` is 0. Each call makes a new signature (fresh time and nonce), whose length
/// may differ from the last one's by a few bytes: size a buffer generously. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_sign_multi(
    client: *const cosv4_client,
    bucket: *const c_char,
    cos_path: *const c_char,
    lifetime_s: u64,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> cosv4_result {
    run(|| {
        let client = unsafe { cosv4_client::clone_raw(client, "client") }?;
        let bucket = unsafe { arg_str(bucket, "bucket") }?;
        let path = unsafe { arg_opt_str(cos_path, "cos_path") }?;
        let signer = client.client.signer();
        let sig = signer
            .multi_for(bucket, path, lifetime_s)
            .map_err(Failure::core)?;
        unsafe { copy_to_buffer(&sig, buf, buf_len, out_len) }
    })
}

/// Writes a single-use signature bound to `cos_path` (a file, or a folder ending with '/')
/// into `buf`, as needed by delete and update requests. Buffer rules as
/// cosv4_client_sign_multi. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_sign_once(
    client: *const cosv4_client,
    bucket: *const c_char,
    cos_path: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> cosv4_result {
    run(|| {
        let (client, bucket, path) = unsafe { target(client, bucket, cos_path, "cos_path") }?;
        let sig = client
            .client
            .signer()
            .once_for(bucket, path)
            .map_err(Failure::core)?;
        unsafe { copy_to_buffer(&sig, buf, buf_len, out_len) }
    })
}

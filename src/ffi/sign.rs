//! Signatures for the caller's own requests: `cosv4_client_sign_multi`, `cosv4_client_sign_once`.

use super::{arg_opt_str, arg_str, copy_to_buffer, cosv4_client, cosv4_result, run};
use super::{arg_ref, Failure, FfiResult};
use crate::sign::MAX_LIFETIME_SECS;
use std::ffi::c_char;

/// The fileid of `cos_path` (a file or, ending with '/', a folder; None: "" = not bound)
/// after checking it and the bucket.
fn fileid(client: &cosv4_client, bucket: &str, cos_path: Option<&str>) -> FfiResult<String> {
    let bad_path = |e| Failure::core_as(cosv4_result::InvalidPath, e);
    crate::path::validate_bucket(bucket).map_err(bad_path)?;
    let Some(cos_path) = cos_path else {
        return Ok(String::new());
    };
    if cos_path.ends_with('/') {
        crate::path::validate_folder(cos_path).map_err(bad_path)?;
    } else {
        crate::path::validate_file(cos_path).map_err(bad_path)?;
    }
    let appid = client.client.signer().credentials().appid();
    Ok(crate::path::fileid(appid, bucket, cos_path))
}

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
        let client = unsafe { arg_ref(client, "client") }?;
        let bucket = unsafe { arg_str(bucket, "bucket") }?;
        let path = unsafe { arg_opt_str(cos_path, "cos_path") }?;
        if !(1..=MAX_LIFETIME_SECS).contains(&lifetime_s) {
            return Err(Failure::new(
                cosv4_result::InvalidArgument,
                format!("lifetime_s {lifetime_s} is out of range (1 to {MAX_LIFETIME_SECS})"),
            ));
        }
        let fileid = fileid(client, bucket, path)?;
        let sig = client.client.signer().multi(bucket, &fileid, lifetime_s);
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
        let client = unsafe { arg_ref(client, "client") }?;
        let bucket = unsafe { arg_str(bucket, "bucket") }?;
        let path = unsafe { arg_str(cos_path, "cos_path") }?;
        let fileid = fileid(client, bucket, Some(path))?;
        let sig = client.client.signer().once(bucket, &fileid);
        unsafe { copy_to_buffer(&sig, buf, buf_len, out_len) }
    })
}

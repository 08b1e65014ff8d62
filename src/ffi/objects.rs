//! The client's operations on objects and folders that make no C object: delete, create
//! folder, move and copy. (Stat, update and list live with the object they make or take:
//! `stat.rs`, `update_options.rs`, `list.rs`.)

use super::{arg_bool, arg_opt_str, arg_str, with_target};
use super::{cosv4_client, cosv4_error, cosv4_result, Failure};
use std::ffi::c_char;

/// Deletes the file at `cos_path`, or the folder when it ends in '/'. A folder must be empty
/// (otherwise COSV4_RESULT_SERVICE with COS code -173); the root cannot be deleted
/// (COSV4_RESULT_INVALID_ARGUMENT). A missing path: COSV4_RESULT_SERVICE, COS code -197.
/// Sends a single-use signature bound to the path. On failure `*err_out` (may be NULL) gets
/// the detail. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_delete(
    client: *const cosv4_client,
    bucket: *const c_char,
    cos_path: *const c_char,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        with_target(client, bucket, cos_path, "cos_path", err_out, |c, b, p| {
            c.delete_path(b, p).map_err(Failure::core)
        })
    }
}

/// Creates the folder `folder` (must end in '/'), storing `biz_attr` with it (NULL: none).
/// An existing folder fails with COSV4_RESULT_SERVICE and COS code -178. On failure
/// `*err_out` (may be NULL) gets the detail. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_create_folder(
    client: *const cosv4_client,
    bucket: *const c_char,
    folder: *const c_char,
    biz_attr: *const c_char,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        with_target(client, bucket, folder, "folder", err_out, |c, b, p| {
            let biz_attr = arg_opt_str(biz_attr, "biz_attr")?.unwrap_or("");
            c.create_folder(b, p, biz_attr)
                .map(drop)
                .map_err(Failure::core)
        })
    }
}

/// The shared part of move and copy.
unsafe fn move_or_copy(
    copy: bool,
    client: *const cosv4_client,
    bucket: *const c_char,
    src: *const c_char,
    dest: *const c_char,
    overwrite: u32,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        with_target(client, bucket, src, "src", err_out, |c, b, src| {
            let dest = arg_str(dest, "dest")?;
            let overwrite = arg_bool(overwrite, "overwrite")?;
            let r = if copy {
                c.copy_file(b, src, dest, overwrite)
            } else {
                c.move_file(b, src, dest, overwrite)
            };
            r.map_err(Failure::core)
        })
    }
}

/// Moves (renames) the file `src` to `dest`: an absolute path ("/dir/name") or a bare name in
/// the same folder. `overwrite` 1 replaces an existing `dest`; 0 fails with
/// COSV4_RESULT_FILE_EXISTS (COS code -177) instead; other values: INVALID_ARGUMENT. A
/// missing `src`: COSV4_RESULT_SERVICE, COS code -197. Sends a single-use signature bound to
/// `src`. On failure `*err_out` (may be NULL) gets the detail. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_move(
    client: *const cosv4_client,
    bucket: *const c_char,
    src: *const c_char,
    dest: *const c_char,
    overwrite: u32,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe { move_or_copy(false, client, bucket, src, dest, overwrite, err_out) }
}

/// Copies the file `src` to `dest`; otherwise as cosv4_client_move.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_copy(
    client: *const cosv4_client,
    bucket: *const c_char,
    src: *const c_char,
    dest: *const c_char,
    overwrite: u32,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe { move_or_copy(true, client, bucket, src, dest, overwrite, err_out) }
}

//! `cosv4_stat`: what `cosv4_client_stat` reports of a file or a folder, and its accessors.

use super::{cosv4_client, cosv4_error, cosv4_result, owned_cstring, BoxHandle, Failure, EMPTY};
use super::{non_null, read_field, with_target, write_out};
use crate::objects::ObjectStat;
use std::ffi::{c_char, CString};

/// What cosv4_client_stat reports of a file or a folder. Read-only; free with
/// cosv4_stat_free. Any thread may read it.
pub struct cosv4_stat {
    stat: ObjectStat,
    sha: CString,
    biz_attr: CString,
    access_url: CString,
    source_url: CString,
    authority: CString,
    headers: Vec<(CString, CString)>,
}

impl BoxHandle for cosv4_stat {}

fn stat_of(stat: ObjectStat) -> cosv4_stat {
    cosv4_stat {
        sha: owned_cstring(&stat.sha),
        biz_attr: owned_cstring(&stat.biz_attr),
        access_url: owned_cstring(&stat.access_url),
        source_url: owned_cstring(&stat.source_url),
        authority: owned_cstring(&stat.authority),
        headers: stat
            .custom_headers
            .iter()
            .map(|(k, v)| (owned_cstring(k), owned_cstring(v)))
            .collect(),
        stat,
    }
}

/// Stat of the file at `cos_path`, or of the folder when it ends in '/' ("/" is the bucket's
/// root): sizes, sha, biz_attr, times, authority, custom headers. On success writes a new
/// cosv4_stat to `*out`. A missing path fails with COSV4_RESULT_SERVICE and COS code -197.
/// On failure `*err_out` (may be NULL) gets the detail. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_stat(
    client: *const cosv4_client,
    bucket: *const c_char,
    cos_path: *const c_char,
    out: *mut *mut cosv4_stat,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        with_target(client, bucket, cos_path, "cos_path", err_out, |c, b, p| {
            non_null(out, "out")?;
            let stat = c.stat_path(b, p).map_err(Failure::core)?;
            write_out(out, stat_of(stat).into_raw());
            Ok(())
        })
    }
}

/// Frees a stat. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_free(stat: *mut cosv4_stat) {
    super::guard((), || unsafe { cosv4_stat::free_raw(stat) })
}

/// True when the stat is of a folder; false for a file or when `stat` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_is_folder(stat: *const cosv4_stat) -> bool {
    unsafe { read_field(stat, false, |s| s.stat.is_folder) }
}

/// Declared size of the file in bytes; 0 for a folder or when `stat` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_filesize(stat: *const cosv4_stat) -> u64 {
    unsafe { read_field(stat, 0, |s| s.stat.filesize) }
}

/// Bytes stored so far (less than the size while an upload is unfinished); 0 for a folder or
/// when `stat` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_filelen(stat: *const cosv4_stat) -> u64 {
    unsafe { read_field(stat, 0, |s| s.stat.filelen) }
}

/// Creation time, Unix seconds; 0 when unknown or `stat` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_ctime(stat: *const cosv4_stat) -> i64 {
    unsafe { read_field(stat, 0, |s| s.stat.ctime) }
}

/// Modification time, Unix seconds; 0 when unknown or `stat` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_mtime(stat: *const cosv4_stat) -> i64 {
    unsafe { read_field(stat, 0, |s| s.stat.mtime) }
}

/// A string of a stat, or "" when `stat` is NULL.
unsafe fn stat_text(
    stat: *const cosv4_stat,
    get: impl FnOnce(&cosv4_stat) -> &CString,
) -> *const c_char {
    unsafe { read_field(stat, EMPTY.as_ptr(), |s| get(s).as_ptr()) }
}

/// SHA-1 of the file (40 hex digits), "" when unknown, for a folder, or when `stat` is NULL.
/// Owned by `stat`: valid until cosv4_stat_free (as every string of a stat).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_sha(stat: *const cosv4_stat) -> *const c_char {
    unsafe { stat_text(stat, |s| &s.sha) }
}

/// The `biz_attr` stored with the file or folder ("" when none). Owned by `stat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_biz_attr(stat: *const cosv4_stat) -> *const c_char {
    unsafe { stat_text(stat, |s| &s.biz_attr) }
}

/// The file's download URL (`access_url`; "" for a folder). Owned by `stat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_access_url(stat: *const cosv4_stat) -> *const c_char {
    unsafe { stat_text(stat, |s| &s.access_url) }
}

/// The file's origin URL (`source_url`; "" for a folder). Owned by `stat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_source_url(stat: *const cosv4_stat) -> *const c_char {
    unsafe { stat_text(stat, |s| &s.source_url) }
}

/// The file's authority as answered: "eInvalid", "eWRPrivate" or "eWPrivateRPublic" ("" for
/// a folder). Owned by `stat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_authority(stat: *const cosv4_stat) -> *const c_char {
    unsafe { stat_text(stat, |s| &s.authority) }
}

/// Number of custom headers set on the file (see cosv4_update_options_add_custom_header);
/// 0 when `stat` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_custom_header_count(stat: *const cosv4_stat) -> usize {
    unsafe { read_field(stat, 0, |s| s.headers.len()) }
}

/// Name of custom header `index` (sorted by name), "" when out of range or `stat` is NULL.
/// Owned by `stat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_custom_header_name(
    stat: *const cosv4_stat,
    index: usize,
) -> *const c_char {
    unsafe {
        read_field(stat, EMPTY.as_ptr(), |s| {
            s.headers
                .get(index)
                .map_or(EMPTY.as_ptr(), |h| h.0.as_ptr())
        })
    }
}

/// Value of custom header `index`, "" when out of range or `stat` is NULL. Owned by `stat`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_stat_custom_header_value(
    stat: *const cosv4_stat,
    index: usize,
) -> *const c_char {
    unsafe {
        read_field(stat, EMPTY.as_ptr(), |s| {
            s.headers
                .get(index)
                .map_or(EMPTY.as_ptr(), |h| h.1.as_ptr())
        })
    }
}

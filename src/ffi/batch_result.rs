//! `cosv4_batch_result`: what a batch (cosv4_client_upload_dir, cosv4_client_upload_list)
//! did, item by item.

use super::{cosv4_result, owned_cstring, read_field, BoxHandle, EMPTY};
use crate::batch::{BatchOutcome, FileResult, FileStatus};
use cosv4_batch_status::{
    Deleted, Failed, Folder, Skipped, Unchanged, Uploaded, WouldDelete, WouldUpload,
};
use std::ffi::{c_char, CString};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::time::Duration;

/// How one item of a batch ended (cosv4_batch_result_status).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cosv4_batch_status {
    /// The file was uploaded (or the server already had it).
    Uploaded = 1,
    /// An empty local directory, mirrored: the folder exists (created, or already there).
    Folder = 2,
    /// Not uploaded, by rule: a symbolic link not followed, a FIFO, a socket, a device.
    Skipped = 3,
    /// The upload failed (see cosv4_batch_result_result_code and _reason).
    Failed = 4,
    /// A sync found the remote object identical (or the folder existing): nothing sent.
    Unchanged = 5,
    /// A sync deleted this remote file or folder (the local path is "").
    Deleted = 6,
    /// A dry run: this file (or empty folder) would be uploaded (or created).
    WouldUpload = 7,
    /// A dry run: this remote file or folder would be deleted (the local path is "").
    WouldDelete = 8,
}

/// One item of the result (and of a file event), its strings made once.
pub(crate) struct Item {
    pub local: CString,
    pub cos_path: CString,
    pub status: cosv4_batch_status,
    pub bytes: u64,
    pub elapsed_ms: u64,
    pub reason: CString,
    pub code: cosv4_result,
    pub http_status: u16,
    pub cos_code: Option<i64>,
}

/// The outcome of a batch (cosv4_client_upload_dir, cosv4_client_upload_list): counts, and
/// every item (file or empty directory) in the order they ended. Read-only; free with
/// cosv4_batch_result_free. Any thread may read it. Items are read by index, 0 to
/// cosv4_batch_result_count - 1.
pub struct cosv4_batch_result {
    outcome: BatchOutcome,
    items: Vec<Item>,
}

impl BoxHandle for cosv4_batch_result {}

/// A local path as a C string (cut at a NUL, which a path cannot hold anyway).
pub(crate) fn path_cstring(p: &Path) -> CString {
    let bytes = p.as_os_str().as_bytes();
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    CString::new(&bytes[..end]).unwrap_or_default()
}

pub(crate) fn item_of(f: &FileResult) -> Item {
    let (status, reason, code, http_status, cos_code) = match &f.status {
        FileStatus::Uploaded(_) => (Uploaded, String::new(), NO_ERROR, 0, None),
        FileStatus::Folder => (Folder, String::new(), NO_ERROR, 0, None),
        FileStatus::Skipped(why) => (Skipped, why.clone(), NO_ERROR, 0, None),
        FileStatus::Unchanged => (Unchanged, String::new(), NO_ERROR, 0, None),
        FileStatus::Deleted => (Deleted, String::new(), NO_ERROR, 0, None),
        FileStatus::WouldUpload => (WouldUpload, String::new(), NO_ERROR, 0, None),
        FileStatus::WouldDelete => (WouldDelete, String::new(), NO_ERROR, 0, None),
        FileStatus::Failed(e) => (
            Failed,
            e.to_string(),
            super::error::code_of(e),
            e.http_status().unwrap_or(0),
            e.cos_code(),
        ),
    };
    Item {
        local: path_cstring(&f.local),
        cos_path: owned_cstring(&f.cos_path),
        status,
        bytes: f.bytes,
        elapsed_ms: duration_ms(f.elapsed),
        reason: owned_cstring(&reason),
        code,
        http_status,
        cos_code,
    }
}

const NO_ERROR: cosv4_result = cosv4_result::Ok;

/// Whole milliseconds, saturating.
pub(super) fn duration_ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub(crate) fn result_of(outcome: BatchOutcome) -> cosv4_batch_result {
    cosv4_batch_result {
        items: outcome.files.iter().map(item_of).collect(),
        outcome,
    }
}

/// Frees a batch result (and the strings read from it). NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_free(result: *mut cosv4_batch_result) {
    super::guard((), || unsafe { cosv4_batch_result::free_raw(result) })
}

/// A count of the outcome, or 0 when `result` is NULL.
unsafe fn count(result: *const cosv4_batch_result, get: impl FnOnce(&BatchOutcome) -> u64) -> u64 {
    unsafe { read_field(result, 0, |r| get(&r.outcome)) }
}

/// A field of item `index`, or `default` when `result` is NULL or `index` is out of range.
unsafe fn item<T: Copy>(
    result: *const cosv4_batch_result,
    index: usize,
    default: T,
    get: impl FnOnce(&Item) -> T,
) -> T {
    unsafe { read_field(result, default, |r| r.items.get(index).map_or(default, get)) }
}

/// A string of item `index`, or "" when `result` is NULL or `index` is out of range. Owned
/// by `result`.
unsafe fn item_text(
    result: *const cosv4_batch_result,
    index: usize,
    get: impl FnOnce(&Item) -> &CString,
) -> *const c_char {
    unsafe { item(result, index, EMPTY.as_ptr(), |i| get(i).as_ptr()) }
}

/// Files uploaded; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_uploaded(result: *const cosv4_batch_result) -> u64 {
    unsafe { count(result, |o| o.uploaded) }
}

/// Empty directories mirrored as folders; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_folders(result: *const cosv4_batch_result) -> u64 {
    unsafe { count(result, |o| o.folders) }
}

/// Items skipped by rule; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_skipped(result: *const cosv4_batch_result) -> u64 {
    unsafe { count(result, |o| o.skipped) }
}

/// Files a sync found identical remotely (and existing folders of empty directories): nothing
/// sent; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_unchanged(result: *const cosv4_batch_result) -> u64 {
    unsafe { count(result, |o| o.unchanged) }
}

/// Remote files and folders a sync deleted; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_deleted(result: *const cosv4_batch_result) -> u64 {
    unsafe { count(result, |o| o.deleted) }
}

/// A dry run's files and folders that would be uploaded or created; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_would_upload(result: *const cosv4_batch_result) -> u64 {
    unsafe { count(result, |o| o.would_upload) }
}

/// A dry run's remote files and folders that would be deleted; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_would_delete(result: *const cosv4_batch_result) -> u64 {
    unsafe { count(result, |o| o.would_delete) }
}

/// Items that failed; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_failed(result: *const cosv4_batch_result) -> u64 {
    unsafe { count(result, |o| o.failed) }
}

/// Content bytes sent by the batch, retries included; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_bytes_sent(result: *const cosv4_batch_result) -> u64 {
    unsafe { count(result, |o| o.bytes_sent) }
}

/// Time the whole batch took, in milliseconds; 0 when `result` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_total_elapsed_ms(
    result: *const cosv4_batch_result,
) -> u64 {
    unsafe { count(result, |o| duration_ms(o.elapsed)) }
}

/// Number of items (every file and empty directory, in the order they ended); 0 when `result`
/// is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_count(result: *const cosv4_batch_result) -> usize {
    unsafe { read_field(result, 0, |r| r.items.len()) }
}

/// The local path of item `index`, in the platform's bytes. Owned by `result`, valid until
/// cosv4_batch_result_free; "" when `result` is NULL or `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_local_path(
    result: *const cosv4_batch_result,
    index: usize,
) -> *const c_char {
    unsafe { item_text(result, index, |i| &i.local) }
}

/// The cos path of item `index` (a folder's ends in '/'). Owned by `result`, as
/// cosv4_batch_result_local_path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_cos_path(
    result: *const cosv4_batch_result,
    index: usize,
) -> *const c_char {
    unsafe { item_text(result, index, |i| &i.cos_path) }
}

/// How item `index` ended: a cosv4_batch_status value (COSV4_BATCH_STATUS_UPLOADED, _FOLDER,
/// _SKIPPED, _FAILED); 0 when `result` is NULL or `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_status(
    result: *const cosv4_batch_result,
    index: usize,
) -> u32 {
    unsafe { item(result, index, 0, |i| i.status as u32) }
}

/// The size of item `index` (0 for a folder, or a file that could not be opened); 0 when
/// `result` is NULL or `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_bytes(
    result: *const cosv4_batch_result,
    index: usize,
) -> u64 {
    unsafe { item(result, index, 0, |i| i.bytes) }
}

/// Time item `index` took, in milliseconds: from the start of its upload (its folders
/// first) to its end (0 for an item that ended before it was sent: skipped, or failed while
/// it was read); 0 when `result` is NULL or `index` is out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_elapsed_ms(
    result: *const cosv4_batch_result,
    index: usize,
) -> u64 {
    unsafe { item(result, index, 0, |i| i.elapsed_ms) }
}

/// Why item `index` was skipped, or the sentence naming its failure; "" for an uploaded file
/// or a folder, or when `result` is NULL or `index` is out of range. Owned by `result`, as
/// cosv4_batch_result_local_path.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_reason(
    result: *const cosv4_batch_result,
    index: usize,
) -> *const c_char {
    unsafe { item_text(result, index, |i| &i.reason) }
}

/// The cosv4_result of a failed item `index` (as the upload of that file alone would have
/// returned it); COSV4_RESULT_OK for the other items, and when `result` is NULL or `index` is
/// out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_result_code(
    result: *const cosv4_batch_result,
    index: usize,
) -> cosv4_result {
    unsafe { item(result, index, cosv4_result::Ok, |i| i.code) }
}

/// The HTTP status of the service's answer to a failed item `index`, or 0 (no answer, not
/// failed, `result` NULL or `index` out of range).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_http_status(
    result: *const cosv4_batch_result,
    index: usize,
) -> u32 {
    unsafe { item(result, index, 0, |i| u32::from(i.http_status)) }
}

/// True when the service answered a COS `code` for failed item `index` (read it with
/// cosv4_batch_result_cos_code); false otherwise, and when `result` is NULL or `index` is out
/// of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_has_cos_code(
    result: *const cosv4_batch_result,
    index: usize,
) -> bool {
    unsafe { item(result, index, false, |i| i.cos_code.is_some()) }
}

/// The COS `code` of the service's answer to failed item `index` (e.g. -177 file exists), or
/// 0 when there is none (see cosv4_batch_result_has_cos_code), `result` is NULL or `index` is
/// out of range.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_result_cos_code(
    result: *const cosv4_batch_result,
    index: usize,
) -> i64 {
    unsafe { item(result, index, 0, |i| i.cos_code.unwrap_or(0)) }
}

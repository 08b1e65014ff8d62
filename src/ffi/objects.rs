//! Managing objects and folders from C: `cosv4_client_stat` → `cosv4_stat`, delete, create
//! folder, move/copy, update with `cosv4_update_options`, and folder listings
//! (`cosv4_client_list` → `cosv4_list_page`).

use super::{arg_bool, arg_mut, arg_opt_str, arg_ref, arg_str, non_null, read_field, run, target};
use super::{cosv4_client, cosv4_error, cosv4_result, run_with_error};
use super::{owned_cstring, write_out, ArcHandle, BoxHandle, Failure, FfiResult, EMPTY};
use crate::objects::{Authority, ListCursor, ListOptions, ListPage, ObjectStat, UpdateOptions};
use std::collections::BTreeMap;
use std::ffi::{c_char, CString};

/// Who may read and write a file (cosv4_update_options_set_authority).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cosv4_authority {
    /// `eInvalid`: inherit the bucket's setting.
    Inherit = 1,
    /// `eWRPrivate`: private read and write.
    Private = 2,
    /// `eWPrivateRPublic`: private write, public read (downloads need no signature).
    PublicRead = 3,
}

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

/// The attributes cosv4_client_update changes. Created with cosv4_update_options_new (nothing
/// set), freed with cosv4_update_options_free; reusable. Values are copied. Not thread-safe to
/// modify; may be read by several calls at once.
pub struct cosv4_update_options {
    opts: UpdateOptions,
}

impl BoxHandle for cosv4_update_options {}

/// One page of a folder listing. Read-only; free with cosv4_list_page_free. Any thread may
/// read it. Entries are numbered from 0 to cosv4_list_page_count - 1; an accessor given a
/// NULL page or an index out of range returns 0, false or "".
pub struct cosv4_list_page {
    page: ListPage,
    names: Vec<CString>,
    shas: Vec<CString>,
    context: CString,
    /// The listing after this page, for cosv4_client_list_next (which fetches with a clone,
    /// so the same page may be continued again after a failure).
    cursor: ListCursor,
}

impl BoxHandle for cosv4_list_page {}

/// Runs `f` with the client, the bucket and one path ([`super::target`]), in the panic
/// boundary.
unsafe fn with_target(
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

/// Creates update options that change nothing yet. On success writes them to `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_update_options_new(
    out: *mut *mut cosv4_update_options,
) -> cosv4_result {
    run(|| {
        non_null(out, "out")?;
        let opts = cosv4_update_options {
            opts: UpdateOptions::default(),
        };
        unsafe { write_out(out, opts.into_raw()) };
        Ok(())
    })
}

/// Frees update options. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_update_options_free(opts: *mut cosv4_update_options) {
    super::guard((), || unsafe { cosv4_update_options::free_raw(opts) })
}

/// Sets the `biz_attr` to store (files and folders; "" clears it). Copied.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_update_options_set_biz_attr(
    opts: *mut cosv4_update_options,
    biz_attr: *const c_char,
) -> cosv4_result {
    run(|| {
        let o = unsafe { arg_mut(opts, "opts") }?;
        o.opts.biz_attr = Some(unsafe { arg_str(biz_attr, "biz_attr") }?.to_string());
        Ok(())
    })
}

/// Sets the authority of a file: a cosv4_authority value (COSV4_AUTHORITY_INHERIT, _PRIVATE,
/// _PUBLIC_READ); other values: INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_update_options_set_authority(
    opts: *mut cosv4_update_options,
    authority: u32,
) -> cosv4_result {
    run(|| {
        let o = unsafe { arg_mut(opts, "opts") }?;
        o.opts.authority = Some(match authority {
            1 => Authority::Inherit,
            2 => Authority::Private,
            3 => Authority::PublicRead,
            v => {
                return Err(Failure::new(
                    cosv4_result::InvalidArgument,
                    format!("argument `authority` is {v}; use a cosv4_authority value (1 to 3)"),
                ))
            }
        });
        Ok(())
    })
}

/// Adds a custom header to set on a file (copied). Allowed names: Cache-Control,
/// Content-Type, Content-Disposition, Content-Language, Content-Encoding and x-cos-meta-*;
/// the value must be non-empty. Anything else: INVALID_ARGUMENT. The update replaces all of
/// the file's custom headers with those added here (see
/// cosv4_update_options_clear_custom_headers to remove them all).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_update_options_add_custom_header(
    opts: *mut cosv4_update_options,
    name: *const c_char,
    value: *const c_char,
) -> cosv4_result {
    run(|| {
        let o = unsafe { arg_mut(opts, "opts") }?;
        let name = unsafe { arg_str(name, "name") }?;
        let value = unsafe { arg_str(value, "value") }?;
        crate::objects::check_custom_header(name, value)
            .map_err(|e| Failure::core_as(cosv4_result::InvalidArgument, e))?;
        o.opts
            .custom_headers
            .get_or_insert_with(BTreeMap::new)
            .insert(name.to_string(), value.to_string());
        Ok(())
    })
}

/// Makes the update remove every custom header of the file (forgets those added so far).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_update_options_clear_custom_headers(
    opts: *mut cosv4_update_options,
) -> cosv4_result {
    run(|| {
        unsafe { arg_mut(opts, "opts") }?.opts.custom_headers = Some(BTreeMap::new());
        Ok(())
    })
}

/// Changes the attributes set in `opts` on the file at `cos_path`, or the biz_attr of the
/// folder when it ends in '/' (a folder has no authority or custom headers:
/// INVALID_ARGUMENT). Options that set nothing: INVALID_ARGUMENT. Sends a single-use
/// signature bound to the path. On failure `*err_out` (may be NULL) gets the detail.
/// Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_update(
    client: *const cosv4_client,
    bucket: *const c_char,
    cos_path: *const c_char,
    opts: *const cosv4_update_options,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        with_target(client, bucket, cos_path, "cos_path", err_out, |c, b, p| {
            let opts = arg_ref(opts, "opts")?.opts.clone();
            c.update(b, p, &opts).map_err(Failure::core)
        })
    }
}

fn page_of(page: ListPage, cursor: ListCursor) -> cosv4_list_page {
    cosv4_list_page {
        names: page
            .entries
            .iter()
            .map(|e| owned_cstring(&e.name))
            .collect(),
        shas: page.entries.iter().map(|e| owned_cstring(&e.sha)).collect(),
        context: owned_cstring(&page.context),
        page,
        cursor,
    }
}

/// Writes the next page of `cursor` to `*out` (an empty page with listover true when the
/// listing is over): the one paging step of cosv4_client_list and cosv4_client_list_next.
unsafe fn next_page_into(
    client: &crate::Client,
    mut cursor: ListCursor,
    out: *mut *mut cosv4_list_page,
) -> FfiResult {
    let page = cursor.next_page(client).unwrap_or_else(|| {
        Ok(ListPage {
            entries: Vec::new(),
            context: String::new(),
            listover: true,
        })
    });
    let page = page.map_err(Failure::core)?;
    unsafe { write_out(out, page_of(page, cursor).into_raw()) };
    Ok(())
}

/// Lists the folder `folder` (ends in '/'; "/" is the root): its direct sub-folders and
/// files whose names start with `prefix` (NULL or "": all), at most `num` per page (0: the
/// default 199; at most 1000), starting at `context` (NULL or "": the first page; else the
/// cosv4_list_page_context of the previous page). On success writes a new page to `*out`;
/// continue with cosv4_client_list_next until cosv4_list_page_listover is true. An answer
/// that is not the last page (listover false) but has no context, or the `context` it was
/// asked with, fails with COSV4_RESULT_PROTOCOL. On failure `*err_out` (may be NULL) gets
/// the detail. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_list(
    client: *const cosv4_client,
    bucket: *const c_char,
    folder: *const c_char,
    prefix: *const c_char,
    num: u32,
    context: *const c_char,
    out: *mut *mut cosv4_list_page,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        with_target(client, bucket, folder, "folder", err_out, |c, b, p| {
            let opts = ListOptions {
                prefix: arg_opt_str(prefix, "prefix")?.unwrap_or("").to_string(),
                num: if num == 0 {
                    crate::objects::DEFAULT_LIST_NUM
                } else {
                    num
                },
                context: arg_opt_str(context, "context")?.unwrap_or("").to_string(),
            };
            non_null(out, "out")?;
            next_page_into(c, ListCursor::new(b, p, &opts), out)
        })
    }
}

/// The page after `prev` (same client, bucket, folder, prefix and page size). When `prev` was
/// the last page (listover), writes an empty page with listover true. A listing never loops:
/// an answer with listover false whose context is empty, the one just requested, or one
/// answered earlier in this listing (of the latest 16) fails with COSV4_RESULT_PROTOCOL, the
/// listing being incomplete. `prev` stays yours to free and is unchanged: after a failure
/// such as a timeout, cosv4_client_list_next(prev) may be called again. Otherwise as
/// cosv4_client_list.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_list_next(
    client: *const cosv4_client,
    prev: *const cosv4_list_page,
    out: *mut *mut cosv4_list_page,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        run_with_error(err_out, || {
            let client = cosv4_client::clone_raw(client, "client")?;
            let prev = arg_ref(prev, "prev")?;
            non_null(out, "out")?;
            next_page_into(&client.client, prev.cursor.clone(), out)
        })
    }
}

/// Frees a list page. NULL does nothing.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_list_page_free(page: *mut cosv4_list_page) {
    super::guard((), || unsafe { cosv4_list_page::free_raw(page) })
}

/// Number of entries on the page; 0 when `page` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_list_page_count(page: *const cosv4_list_page) -> usize {
    unsafe { read_field(page, 0, |p| p.page.entries.len()) }
}

/// True when this is the last page of the listing; true also when `page` is NULL (nothing
/// more to fetch).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_list_page_listover(page: *const cosv4_list_page) -> bool {
    unsafe { read_field(page, true, |p| p.page.listover) }
}

/// The opaque token that continues the listing ("" on the last page or when `page` is
/// NULL). Owned by `page`: valid until cosv4_list_page_free (as every string of a page).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_list_page_context(page: *const cosv4_list_page) -> *const c_char {
    unsafe { read_field(page, EMPTY.as_ptr(), |p| p.context.as_ptr()) }
}

/// Name of entry `index` inside the listed folder (no trailing '/' for folders). Owned by
/// `page`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_list_page_name(
    page: *const cosv4_list_page,
    index: usize,
) -> *const c_char {
    unsafe {
        read_field(page, EMPTY.as_ptr(), |p| {
            p.names.get(index).map_or(EMPTY.as_ptr(), |s| s.as_ptr())
        })
    }
}

/// True when entry `index` is a folder.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_list_page_is_folder(
    page: *const cosv4_list_page,
    index: usize,
) -> bool {
    unsafe {
        read_field(page, false, |p| {
            p.page.entries.get(index).is_some_and(|e| e.is_folder)
        })
    }
}

/// Size in bytes of entry `index` (0 for a folder).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_list_page_size(page: *const cosv4_list_page, index: usize) -> u64 {
    unsafe {
        read_field(page, 0, |p| {
            p.page.entries.get(index).map_or(0, |e| e.filesize)
        })
    }
}

/// SHA-1 of entry `index` ("" for a folder or when unknown). Owned by `page`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_list_page_sha(
    page: *const cosv4_list_page,
    index: usize,
) -> *const c_char {
    unsafe {
        read_field(page, EMPTY.as_ptr(), |p| {
            p.shas.get(index).map_or(EMPTY.as_ptr(), |s| s.as_ptr())
        })
    }
}

/// Creation time of entry `index`, Unix seconds (0 when unknown).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_list_page_ctime(page: *const cosv4_list_page, index: usize) -> i64 {
    unsafe {
        read_field(page, 0, |p| {
            p.page.entries.get(index).map_or(0, |e| e.ctime)
        })
    }
}

/// Modification time of entry `index`, Unix seconds (0 when unknown).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_list_page_mtime(page: *const cosv4_list_page, index: usize) -> i64 {
    unsafe {
        read_field(page, 0, |p| {
            p.page.entries.get(index).map_or(0, |e| e.mtime)
        })
    }
}

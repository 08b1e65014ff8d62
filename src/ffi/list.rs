//! `cosv4_list_page`: one page of a folder listing, from `cosv4_client_list` and
//! `cosv4_client_list_next`, and its accessors.

use super::{arg_opt_str, arg_ref, non_null, read_field, run_with_error, with_target, write_out};
use super::{cosv4_client, cosv4_error, cosv4_result, owned_cstring, ArcHandle, BoxHandle};
use super::{Failure, FfiResult, EMPTY};
use crate::objects::{ListCursor, ListOptions, ListPage};
use std::ffi::{c_char, CString};

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
/// files whose names start with `prefix` (NULL or "": all; "." and ".." are not sent, since
/// the URL would end in a dot segment: the folder is listed whole and filtered, so a page may
/// hold fewer than `num` entries), at most `num` per page (0: the default 199; at most 1000),
/// starting at `context` (NULL or "": the first page; else the
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

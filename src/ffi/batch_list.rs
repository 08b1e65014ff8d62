//! `cosv4_batch_list`: an application's own list of (local file, cos path) pairs, and
//! `cosv4_client_upload_list`, which uploads a snapshot of it as one batch.

use super::batch::run_batch;
use super::{arg_bytes, arg_mut, arg_ref, arg_str, create, read_field, run_with_error};
use super::{cosv4_batch_options, cosv4_batch_result, cosv4_client, cosv4_error, cosv4_result};
use super::{BoxHandle, Failure};
use crate::batch::BatchSource;
use std::collections::HashSet;
use std::ffi::{c_char, OsStr};
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::sync::Arc;

/// A list of (local file, cos path) pairs to upload as one batch with
/// cosv4_client_upload_list: created with cosv4_batch_list_new, filled with
/// cosv4_batch_list_add, freed with cosv4_batch_list_free. Each cos path is checked when it is
/// added and appears at most once. A batch works on a snapshot taken when it starts, so
/// adding to or freeing the list meanwhile (even from a callback) affects later batches only;
/// the list may be uploaded again. Not thread-safe to modify; may be read by several batches at
/// once.
pub struct cosv4_batch_list {
    /// Shared with the batches running from it (copied on write while one runs).
    items: Arc<Vec<(PathBuf, Arc<str>)>>,
    /// The cos paths of `items`.
    paths: HashSet<Arc<str>>,
}

impl BoxHandle for cosv4_batch_list {}

/// Creates an empty list. On success writes it to `*out`; NULL `out` is
/// COSV4_RESULT_NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_list_new(out: *mut *mut cosv4_batch_list) -> cosv4_result {
    unsafe {
        create(out, || cosv4_batch_list {
            items: Arc::default(),
            paths: HashSet::new(),
        })
    }
}

/// Frees a list. NULL does nothing. A batch already running from it is not affected.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_list_free(list: *mut cosv4_batch_list) {
    super::guard((), || unsafe { cosv4_batch_list::free_raw(list) })
}

/// Appends a pair: the local file `local_path` (the platform's bytes, need not be UTF-8; not
/// opened now) is to be uploaded to `cos_path` (UTF-8, a file path: starts with '/', does not
/// end with '/'). The path is checked now: NULL arguments are COSV4_RESULT_NULL_ARGUMENT, a
/// cos path that is not UTF-8 COSV4_RESULT_INVALID_UTF8, one that is not a valid file path
/// COSV4_RESULT_INVALID_PATH; an empty `local_path`, or a cos path already in the list,
/// COSV4_RESULT_INVALID_ARGUMENT. On failure the list is unchanged and `*err_out` (may be
/// NULL) gets a sentence naming the problem. A local file that cannot be read fails later, as
/// its item of the batch.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_list_add(
    list: *mut cosv4_batch_list,
    local_path: *const c_char,
    cos_path: *const c_char,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        run_with_error(err_out, || {
            let list = arg_mut(list, "list")?;
            let local = arg_bytes(local_path, "local_path")?;
            let cos_path = arg_str(cos_path, "cos_path")?;
            if local.is_empty() {
                return Err(Failure::new(
                    cosv4_result::InvalidArgument,
                    "argument `local_path` is empty; name the local file to upload",
                ));
            }
            crate::path::validate_file(cos_path).map_err(Failure::core)?;
            if list.paths.contains(cos_path) {
                return Err(Failure::new(
                    cosv4_result::InvalidArgument,
                    format!(
                        "cos path {cos_path:?} is already in the list; each object can be \
                         uploaded once per batch"
                    ),
                ));
            }
            let cos_path: Arc<str> = Arc::from(cos_path);
            let local = PathBuf::from(OsStr::from_bytes(local));
            Arc::make_mut(&mut list.items).push((local, cos_path.clone()));
            list.paths.insert(cos_path);
            Ok(())
        })
    }
}

/// Number of pairs in the list; 0 when `list` is NULL.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_list_count(list: *const cosv4_batch_list) -> usize {
    unsafe { read_field(list, 0, |l| l.items.len()) }
}

/// Uploads every pair of `list`, as it is when the call starts, to `bucket` (UTF-8), as
/// cosv4_client_upload_dir uploads the files of a directory: several at once (see the
/// options), the folders of every cos path created (once per batch) before its file is
/// uploaded, each file as cosv4_client_upload_file would send it. Items are uploaded in the
/// list's order (several at once) and reported in the order they ended; a file that cannot be
/// read (missing, a directory, not a regular file) is a failed item, not a failed call. An
/// empty list succeeds with an empty result. `opts` may be NULL (defaults). NULL `client`,
/// `bucket`, `list` or `out`: COSV4_RESULT_NULL_ARGUMENT. Results, callbacks, cancelling,
/// fail_fast, thread safety and COSV4_RESULT_RECURSIVE_API_CALL as for
/// cosv4_client_upload_dir.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_client_upload_list(
    client: *const cosv4_client,
    bucket: *const c_char,
    list: *const cosv4_batch_list,
    opts: *const cosv4_batch_options,
    out: *mut *mut cosv4_batch_result,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe {
        run_batch(client, bucket, opts, out, err_out, || {
            // The snapshot: the list may change or be freed while the batch runs.
            let items = arg_ref(list, "list")?.items.clone();
            let pairs = (0..items.len()).map(move |i| {
                let (local, cos_path) = &items[i];
                (local.clone(), cos_path.to_string())
            });
            Ok(BatchSource::List(Box::new(pairs)))
        })
    }
}

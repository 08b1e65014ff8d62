//! The sync, filter, dry-run and result-keeping settings of `cosv4_batch_options`.

use super::{arg_mut, arg_str, modify, run_with_error, set_flag};
use super::{cosv4_batch_options, cosv4_error, cosv4_result, Failure, FfiResult};
use crate::batch::{BatchOptions, Compare, Filter, Keep, SyncOptions};
use std::ffi::c_char;

/// How a batch compares local files with the remote side (cosv4_batch_options_set_sync).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum cosv4_sync_mode {
    /// No sync: every file is uploaded (the default).
    #[default]
    Off = 0,
    /// Skip a file whose remote object has the same size and SHA-1 (a remote object without a
    /// SHA-1 counts as changed); the SHA-1 is the one the upload computes anyway.
    Checksum = 1,
    /// Skip a file whose remote object has the same size.
    SizeOnly = 2,
}

/// Which items a batch result keeps (cosv4_batch_options_set_keep_results).
#[repr(u32)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum cosv4_batch_keep {
    /// Every item (the default): memory grows with the number of files.
    All = 0,
    /// Failed items only: memory stays bounded for any number of files; the counts still
    /// cover every item, and the file callback sees every item.
    Failed = 1,
}

/// The sync settings as set, made into [`BatchOptions::sync`] when a batch starts (delete and
/// force may be set before the mode).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct SyncChoice {
    mode: cosv4_sync_mode,
    delete: bool,
    force: bool,
}

/// The include and exclude patterns as added, each checked alone then, compiled together into
/// [`BatchOptions::filter`] when a batch starts: adding n patterns costs O(n), not the O(n²)
/// of compiling them all at every addition (a file of thousands of excludes).
#[derive(Debug, Clone, Default)]
pub(crate) struct PatternChoice {
    include: Vec<String>,
    exclude: Vec<String>,
}

impl cosv4_batch_options {
    /// The core's options for a batch starting now.
    pub(super) fn options(&self) -> FfiResult<BatchOptions> {
        let SyncChoice {
            mode,
            delete,
            force,
        } = self.sync;
        let compare = match mode {
            cosv4_sync_mode::Off if delete => {
                return Err(Failure::new(
                    cosv4_result::InvalidArgument,
                    "delete is set but sync is off: deleting remote files needs a sync \
                     (cosv4_batch_options_set_sync)",
                ))
            }
            cosv4_sync_mode::Off => None,
            cosv4_sync_mode::Checksum => Some(Compare::Checksum),
            cosv4_sync_mode::SizeOnly => Some(Compare::SizeOnly),
        };
        let PatternChoice { include, exclude } = &self.patterns;
        Ok(BatchOptions {
            sync: compare.map(|compare| SyncOptions {
                compare,
                delete,
                force,
            }),
            filter: Filter::new(include, exclude).map_err(Failure::core)?,
            ..self.opts.clone()
        })
    }
}

/// Sends only what changed (a directory batch only): the destination folder is listed, a file
/// identical remotely is not sent (COSV4_BATCH_STATUS_UNCHANGED), a changed one replaces its
/// object, a new one is uploaded. `mode` is a cosv4_sync_mode (default COSV4_SYNC_MODE_OFF);
/// other values: COSV4_RESULT_INVALID_ARGUMENT, the options unchanged. NULL `opts`:
/// COSV4_RESULT_NULL_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_sync(
    opts: *mut cosv4_batch_options,
    mode: u32,
) -> cosv4_result {
    unsafe {
        modify(opts, |o| {
            o.sync.mode = match mode {
                0 => cosv4_sync_mode::Off,
                1 => cosv4_sync_mode::Checksum,
                2 => cosv4_sync_mode::SizeOnly,
                _ => {
                    return Err(Failure::new(
                        cosv4_result::InvalidArgument,
                        format!("sync mode {mode} is unknown; use a cosv4_sync_mode value"),
                    ))
                }
            };
            Ok(())
        })
    }
}

/// With a sync: after the uploads, delete the remote files (then the folders left empty)
/// under the destination folder that the local tree does not have, never a path the patterns
/// leave out, and nothing when an item of the batch failed (those are reported
/// COSV4_BATCH_STATUS_SKIPPED). A batch with delete on and sync off fails with
/// COSV4_RESULT_INVALID_ARGUMENT. `on` is 0 or 1 (default 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_delete(
    opts: *mut cosv4_batch_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.sync.delete = v) }
}

/// Allows delete when the local directory is empty (default 0: such a batch fails with
/// COSV4_RESULT_INVALID_ARGUMENT and deletes nothing, so that a wrong path cannot wipe the
/// destination). `on` is 0 or 1.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_force(
    opts: *mut cosv4_batch_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.sync.force = v) }
}

/// A dry run: list and compare, report what would be uploaded and deleted
/// (COSV4_BATCH_STATUS_WOULD_UPLOAD, _WOULD_DELETE), change nothing on the server. `on` is 0 or
/// 1 (default 0).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_dry_run(
    opts: *mut cosv4_batch_options,
    on: u32,
) -> cosv4_result {
    unsafe { set_flag(opts, on, |o, v| o.opts.dry_run = v) }
}

/// Which items the result keeps: a cosv4_batch_keep value (default COSV4_BATCH_KEEP_ALL);
/// other values: COSV4_RESULT_INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_set_keep_results(
    opts: *mut cosv4_batch_options,
    which: u32,
) -> cosv4_result {
    unsafe {
        modify(opts, |o| {
            o.opts.keep = match which {
                0 => Keep::All,
                1 => Keep::Failed,
                _ => {
                    return Err(Failure::new(
                        cosv4_result::InvalidArgument,
                        format!("keep {which} is unknown; use a cosv4_batch_keep value"),
                    ))
                }
            };
            Ok(())
        })
    }
}

/// Adds an include pattern (a directory batch only): when any is set, only the files (and
/// empty folders) that match one, or lie in a folder that does, are in the batch. Patterns
/// follow .gitignore: without a slash they match a name at any depth (`*.jpg`); with one, the
/// path relative to the local directory (`docs/notes.md`); a star stays within one path
/// segment, two stars cross segments, a trailing slash matches folders only. A pattern that is
/// not UTF-8 is COSV4_RESULT_INVALID_UTF8; an empty or invalid one
/// COSV4_RESULT_INVALID_ARGUMENT with `*err_out` (may be NULL) naming it; the options are then
/// unchanged.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_add_include(
    opts: *mut cosv4_batch_options,
    pattern: *const c_char,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe { add_pattern(opts, pattern, err_out, true) }
}

/// Adds an exclude pattern (as cosv4_batch_options_add_include describes): matching files are
/// not uploaded, matching folders not entered, and with delete nothing matching is deleted.
/// Exclusion wins over inclusion.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_batch_options_add_exclude(
    opts: *mut cosv4_batch_options,
    pattern: *const c_char,
    err_out: *mut *mut cosv4_error,
) -> cosv4_result {
    unsafe { add_pattern(opts, pattern, err_out, false) }
}

unsafe fn add_pattern(
    opts: *mut cosv4_batch_options,
    pattern: *const c_char,
    err_out: *mut *mut cosv4_error,
    include: bool,
) -> cosv4_result {
    unsafe {
        run_with_error(err_out, || {
            let o = arg_mut(opts, "opts")?;
            let pattern = arg_str(pattern, "pattern")?;
            let none: [&str; 0] = [];
            let alone = match include {
                true => Filter::new([pattern], none),
                false => Filter::new(none, [pattern]),
            };
            alone.map_err(Failure::core)?;
            let p = &mut o.patterns;
            if include {
                &mut p.include
            } else {
                &mut p.exclude
            }
            .push(pattern.to_string());
            Ok(())
        })
    }
}

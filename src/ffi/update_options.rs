//! `cosv4_update_options`: the attributes `cosv4_client_update` changes, and that call.

use super::{arg_ref, arg_str, create, modify, set_value, with_target};
use super::{cosv4_client, cosv4_error, cosv4_result, BoxHandle, Failure};
use crate::objects::{Authority, UpdateOptions};
use std::collections::BTreeMap;
use std::ffi::c_char;

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

/// The attributes cosv4_client_update changes. Created with cosv4_update_options_new (nothing
/// set), freed with cosv4_update_options_free; reusable. Values are copied. Not thread-safe to
/// modify; may be read by several calls at once.
pub struct cosv4_update_options {
    opts: UpdateOptions,
}

impl BoxHandle for cosv4_update_options {}

/// Creates update options that change nothing yet. On success writes them to `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_update_options_new(
    out: *mut *mut cosv4_update_options,
) -> cosv4_result {
    unsafe {
        create(out, || cosv4_update_options {
            opts: UpdateOptions::default(),
        })
    }
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
    unsafe {
        modify(opts, |o| {
            o.opts.biz_attr = Some(arg_str(biz_attr, "biz_attr")?.to_string());
            Ok(())
        })
    }
}

/// Sets the authority of a file: a cosv4_authority value (COSV4_AUTHORITY_INHERIT, _PRIVATE,
/// _PUBLIC_READ); other values: INVALID_ARGUMENT.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_update_options_set_authority(
    opts: *mut cosv4_update_options,
    authority: u32,
) -> cosv4_result {
    unsafe {
        modify(opts, |o| {
            o.opts.authority = Some(match authority {
                1 => Authority::Inherit,
                2 => Authority::Private,
                3 => Authority::PublicRead,
                v => {
                    return Err(Failure::new(
                        cosv4_result::InvalidArgument,
                        format!(
                            "argument `authority` is {v}; use a cosv4_authority value (1 to 3)"
                        ),
                    ))
                }
            });
            Ok(())
        })
    }
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
    unsafe {
        modify(opts, |o| {
            let name = arg_str(name, "name")?;
            let value = arg_str(value, "value")?;
            crate::objects::check_custom_header(name, value).map_err(Failure::core)?;
            o.opts
                .custom_headers
                .get_or_insert_with(BTreeMap::new)
                .insert(name.to_string(), value.to_string());
            Ok(())
        })
    }
}

/// Makes the update remove every custom header of the file (forgets those added so far).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_update_options_clear_custom_headers(
    opts: *mut cosv4_update_options,
) -> cosv4_result {
    unsafe { set_value(opts, |o| o.opts.custom_headers = Some(BTreeMap::new())) }
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

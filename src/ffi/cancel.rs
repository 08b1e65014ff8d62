//! `cosv4_cancel_token`: cancels uploads and downloads from any thread.

use super::{arg_ref, cosv4_result, non_null, run, write_out, ArcHandle};
use crate::CancelToken;

/// A cancel token: any thread may cancel it at any time. Uploads and downloads given it
/// (through cosv4_upload_options_set_cancel_token, cosv4_download_options_set_cancel_token)
/// stop promptly, interrupting requests in flight, and fail with COSV4_RESULT_CANCELLED; an
/// unfinished upload stays on the server and a partial download on disk, so running the same
/// call again later resumes it. Once cancelled a token stays cancelled: use a new one for the
/// next operation.
pub struct cosv4_cancel_token {
    pub(crate) token: CancelToken,
}

impl ArcHandle for cosv4_cancel_token {}

/// Creates a token that is not cancelled. On success writes it to `*out`.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_cancel_token_new(out: *mut *mut cosv4_cancel_token) -> cosv4_result {
    run(|| {
        non_null(out, "out")?;
        let token = cosv4_cancel_token {
            token: CancelToken::new(),
        };
        unsafe { write_out(out, token.into_raw().cast_mut()) };
        Ok(())
    })
}

/// Cancels the token: every upload and download using it stops. Safe to call from any thread (a signal
/// watcher thread, a UI thread, a progress callback) and more than once. It is not
/// async-signal-safe: from a signal handler, wake a thread that calls it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_cancel_token_cancel(
    token: *const cosv4_cancel_token,
) -> cosv4_result {
    run(|| {
        unsafe { arg_ref(token, "token") }?.token.cancel();
        Ok(())
    })
}

/// True once the token was cancelled; false when `token` is NULL. Thread-safe.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_cancel_token_is_cancelled(token: *const cosv4_cancel_token) -> bool {
    super::guard(false, || {
        unsafe { token.as_ref() }.is_some_and(|t| t.token.is_cancelled())
    })
}

/// Frees the caller's token. NULL does nothing. Options it was set on keep their own
/// reference, so this may come before the operation ends; but do not free it while another
/// thread may still call cosv4_cancel_token_cancel with it.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn cosv4_cancel_token_free(token: *const cosv4_cancel_token) {
    super::guard((), || unsafe { cosv4_cancel_token::free_raw(token) })
}
